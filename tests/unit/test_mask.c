/* DATA-03: masking of phones, email addresses, national IDs and free text. */
#include "helpers.h"

#include <string.h>

#include <tradeguard/error.h>

#include "core/mask.h"
#include "core/util.h"

typedef int (*mask_fn)(const char *, char *, size_t);

static const char *
m(mask_fn fn, const char *in)
{
	static char out[1024];

	assert_int_equal(fn(in, out, sizeof(out)), 0);
	return out;
}

/* Valid UTF-8 throughout. */
static void
assert_utf8(const char *s)
{
	size_t i, n = strlen(s), u;

	for (i = 0; i < n; i += u) {
		u = tg_utf8_seq((const unsigned char *)s + i, n - i);
		assert_true(u > 0);
	}
}

static void
test_phone(void **state)
{
	(void)state;
	assert_string_equal(m(tg_mask_phone, "0912345678"), "0912***678");
	assert_string_equal(m(tg_mask_phone, "0912-345-678"), "0912-***-678");
	assert_string_equal(m(tg_mask_phone, "+886912345678"), "+8869*****678");
	assert_string_equal(m(tg_mask_phone, "+886 912 345 678"),
	    "+886 9** *** 678");
	assert_string_equal(m(tg_mask_phone, "(02)2345-6789"), "(02)23**-*789");
	assert_string_equal(m(tg_mask_phone, "091234567890123"),
	    "0912********123");
	/* Short numbers keep less, always at least 3 stars. */
	assert_string_equal(m(tg_mask_phone, "091234567"), "091***567");
	assert_string_equal(m(tg_mask_phone, "12345678"), "123***78");
	assert_string_equal(m(tg_mask_phone, "1234567"), "12***67");
	assert_string_equal(m(tg_mask_phone, "12345"), "1***5");
	assert_string_equal(m(tg_mask_phone, "1234"), "1***");
	assert_string_equal(m(tg_mask_phone, "123"), "***");
	assert_string_equal(m(tg_mask_phone, "1"), "***");
	assert_string_equal(m(tg_mask_phone, ""), "");
	/* Only separators: nothing significant, all hidden. */
	assert_string_equal(m(tg_mask_phone, "--"), "***");
}

static void
test_phone_odd_bytes(void **state)
{
	char out[64];

	(void)state;
	/* Control characters and broken UTF-8 never pass through. */
	assert_int_equal(tg_mask_phone("\n912345678\x01", out, sizeof(out)), 0);
	assert_null(strchr(out, '\n'));
	assert_null(strchr(out, '\x01'));
	assert_int_equal(tg_mask_phone("0912\xff\xfe" "45678", out, sizeof(out)), 0);
	assert_utf8(out);
	assert_int_equal(strncmp(out, "0912", 4), 0);
	/* Full-width digits are digits; kept ones stay full-width. */
	assert_int_equal(tg_mask_phone("０９１２３４５６７８", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "０９１２***６７８");
	assert_utf8(out);
}

static void
test_email(void **state)
{
	(void)state;
	assert_string_equal(m(tg_mask_email, "alice@example.com"),
	    "a***@example.com");
	assert_string_equal(m(tg_mask_email, "bob.smith+tag@mail.example.tw"),
	    "b***@mail.example.tw");
	/* Short local parts are hidden entirely; the length is not shown. */
	assert_string_equal(m(tg_mask_email, "ab@example.com"), "***@example.com");
	assert_string_equal(m(tg_mask_email, "a@example.com"), "***@example.com");
	assert_string_equal(m(tg_mask_email, "abc@x.io"), "a***@x.io");
	/* The last '@' separates (quoted local parts may hold one). */
	assert_string_equal(m(tg_mask_email, "\"a@b\"@example.com"),
	    "\"***@example.com");
	/* Not an address: nothing shown. */
	assert_string_equal(m(tg_mask_email, "alice"), "***");
	assert_string_equal(m(tg_mask_email, "@example.com"), "***");
	assert_string_equal(m(tg_mask_email, "alice@"), "***");
	assert_string_equal(m(tg_mask_email, ""), "");
	/* UTF-8 local part: the first whole character stays. */
	assert_string_equal(m(tg_mask_email, "王小明@example.tw"), "王***@example.tw");
}

static void
test_national_id(void **state)
{
	(void)state;
	assert_string_equal(m(tg_mask_national_id, "A123456789"), "A12****789");
	assert_string_equal(m(tg_mask_national_id, "F231234567"), "F23****567");
	/* Resident certificates, old and new style. */
	assert_string_equal(m(tg_mask_national_id, "AB12345678"), "AB1****678");
	assert_string_equal(m(tg_mask_national_id, "A812345678"), "A81****678");
	/* Short: at least 4 stars, fewer kept. */
	assert_string_equal(m(tg_mask_national_id, "A1234567"), "A1****67");
	assert_string_equal(m(tg_mask_national_id, "A1234"), "A****");
	assert_string_equal(m(tg_mask_national_id, "A123"), "****");
	assert_string_equal(m(tg_mask_national_id, ""), "");
}

static void
test_login(void **state)
{
	(void)state;
	assert_string_equal(m(tg_mask_login, "cust_0042"), "cu*****42");
	assert_string_equal(m(tg_mask_login, "demo"), "d***");
	assert_string_equal(m(tg_mask_login, "ab"), "***");
	assert_string_equal(m(tg_mask_login, "alice@example.com"),
	    "a***@example.com");
	assert_string_equal(m(tg_mask_login, "A123456789"), "A1******89");
	assert_string_equal(m(tg_mask_login, "王小明先生"), "王***生");
}

static void
test_text(void **state)
{
	(void)state;
	assert_string_equal(m(tg_mask_text, "call 0912345678 now"),
	    "call 0912***678 now");
	assert_string_equal(m(tg_mask_text, "mail alice@example.com."),
	    "mail a***@example.com.");
	assert_string_equal(m(tg_mask_text, "id A123456789, ok"),
	    "id A12****789, ok");
	assert_string_equal(m(tg_mask_text, "+886 912 345 678"),
	    "+886 9** *** 678");
	assert_string_equal(m(tg_mask_text, "tel:0912-345-678;"),
	    "tel:0912-***-678;");
	assert_string_equal(m(tg_mask_text, "x0912345678y"), "x0912***678y");
	/* Several in one text. */
	assert_string_equal(m(tg_mask_text,
	    "a@b.co, 0912345678 and B234567890"),
	    "***@b.co, 0912***678 and B23****890");
	/* Short digit runs, IPv4 addresses and times stay. */
	assert_string_equal(m(tg_mask_text, "code 123456 at 10:30"),
	    "code 123456 at 10:30");
	assert_string_equal(m(tg_mask_text, "from 203.0.113.200"),
	    "from 203.0.113.200");
	assert_string_equal(m(tg_mask_text, "from 2001:db8::1"),
	    "from 2001:db8::1");
	assert_string_equal(m(tg_mask_text, "order 1234567"), "order 1234567");
	/* Long digit runs of any kind are hidden (errs on the side of hiding). */
	assert_string_equal(m(tg_mask_text, "acct 12345678"), "acct 123***78");
	/* Not an ID: 9 digits after the letters is a digit run. */
	assert_string_equal(m(tg_mask_text, "A1234567890"), "A1234***890");
	/* Not an address. */
	assert_string_equal(m(tg_mask_text, "@home and user@"), "@home and user@");
	assert_string_equal(m(tg_mask_text, ""), "");
	assert_string_equal(m(tg_mask_text, "plain text"), "plain text");
}

static void
test_text_utf8(void **state)
{
	const char *out;

	(void)state;
	out = m(tg_mask_text,
	    "請撥0912345678或寄信至alice@example.com，身分證A123456789。");
	assert_string_equal(out,
	    "請撥0912***678或寄信至a***@example.com，身分證A12****789。");
	assert_utf8(out);
	/* Full-width digits in Chinese text. */
	out = m(tg_mask_text, "手機：０９１２３４５６７８。");
	assert_string_equal(out, "手機：０９１２***６７８。");
	assert_utf8(out);
	/* Broken UTF-8 becomes '?'; the rest goes on. */
	out = m(tg_mask_text, "a\xe5\x9b" "b\xff" "0912345678");
	assert_string_equal(out, "a??b?0912***678");
	/* Newlines in free text stay. */
	assert_string_equal(m(tg_mask_text, "line\nphone 0912345678\n"),
	    "line\nphone 0912***678\n");
	/*
	 * Digits next to the number join it (so that "tel0912 345 678"
	 * cannot keep its middle visible): more is hidden, never less.
	 */
	assert_string_equal(m(tg_mask_text, "line2 0912345678"),
	    "line2 091****678");
	assert_string_equal(m(tg_mask_text, "tel0912 345 678"),
	    "tel0912 *** 678");
}

static void
test_bounds(void **state)
{
	char out[32], big[8];
	size_t i;
	int r;

	(void)state;
	/* Never longer than the buffer; a cut result is a masked prefix. */
	for (i = 1; i < sizeof(out); i++) {
		memset(out, 'Z', sizeof(out));
		r = tg_mask_text("請撥0912345678謝謝", out, i);
		assert_true(r == 0 || r == TG_ERR_LIMIT);
		assert_int_equal(r == 0, i > strlen("請撥0912***678謝謝"));
		assert_true(strlen(out) < i);
		assert_int_equal(out[i], 'Z');		/* nothing written past i */
		assert_utf8(out);
		assert_null(strstr(out, "345"));
	}
	assert_int_equal(tg_mask_phone("0912345678", big, sizeof(big)),
	    TG_ERR_LIMIT);
	assert_string_equal(big, "0912***");
	assert_int_equal(tg_mask_email("alice@example.com", big, sizeof(big)),
	    TG_ERR_LIMIT);
	assert_string_equal(big, "a***@ex");
	assert_int_equal(tg_mask_phone("0912345678", big, 1), TG_ERR_LIMIT);
	assert_string_equal(big, "");
	/* Full-width characters are never cut in half. */
	assert_int_equal(tg_mask_text("手機號碼", big, sizeof(big)), TG_ERR_LIMIT);
	assert_string_equal(big, "手機");
	/* Bad arguments. */
	assert_int_equal(tg_mask_phone(NULL, big, sizeof(big)), TG_ERR_INVALID);
	assert_string_equal(big, "");
	assert_int_equal(tg_mask_text("x", NULL, 4), TG_ERR_INVALID);
	assert_int_equal(tg_mask_text("x", big, 0), TG_ERR_INVALID);
	assert_int_equal(tg_mask_email(NULL, big, sizeof(big)), TG_ERR_INVALID);
	assert_int_equal(tg_mask_national_id(NULL, big, sizeof(big)),
	    TG_ERR_INVALID);
	assert_int_equal(tg_mask_login(NULL, big, sizeof(big)), TG_ERR_INVALID);
}

/* Nothing of a long digit run's middle survives, whatever surrounds it. */
static void
test_text_never_leaks_middle(void **state)
{
	static const char *const around[] = { "", " ", "x", "台", "-", "+", "(",
	    "@", ".", "A", "1", "１" };
	char in[128], out[256];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(around) / sizeof(around[0]); i++)
		for (j = 0; j < sizeof(around) / sizeof(around[0]); j++) {
			snprintf(in, sizeof(in), "%s0912345678%s", around[i],
			    around[j]);
			assert_int_equal(tg_mask_text(in, out, sizeof(out)), 0);
			assert_null(strstr(out, "2345"));
			assert_null(strstr(out, "345"));
			assert_utf8(out);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_phone_odd_bytes),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_national_id),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_utf8),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_text_never_leaks_middle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
