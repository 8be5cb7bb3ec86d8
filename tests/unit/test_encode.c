/* Hex and base64url codecs: known answers and strict rejection. */
#include "helpers.h"

#include <string.h>

#include <tradeguard/error.h>

#include "crypto/encode.h"

/* RFC 4648 section 10 vectors, URL-safe alphabet, no padding. */
static const struct {
	const char *bin;
	const char *b64;
} b64_kat[] = {
	{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
};

static void
test_hex_kat(void **state)
{
	const uint8_t bin[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	uint8_t out[6];
	char hex[13];

	(void)state;
	tg_hex_encode(bin, sizeof(bin), hex);
	assert_string_equal(hex, "00017f80abff");
	assert_int_equal(tg_hex_decode(hex, 12, out, sizeof(out)), 0);
	assert_memory_equal(out, bin, sizeof(bin));
	assert_int_equal(tg_hex_decode("00017F80ABFF", 12, out, sizeof(out)), 0);
	assert_memory_equal(out, bin, sizeof(bin));
	tg_hex_encode(bin, 0, hex);
	assert_string_equal(hex, "");
	assert_int_equal(tg_hex_decode("", 0, out, 0), 0);
}

static void
test_hex_reject(void **state)
{
	uint8_t out[4];

	(void)state;
	/* wrong length: short, long, odd */
	assert_int_equal(tg_hex_decode("001122", 6, out, 4), TG_ERR_INVALID);
	assert_int_equal(tg_hex_decode("0011223344", 10, out, 4), TG_ERR_INVALID);
	assert_int_equal(tg_hex_decode("0011223", 7, out, 4), TG_ERR_INVALID);
	/* bad digit anywhere */
	assert_int_equal(tg_hex_decode("0011223g", 8, out, 4), TG_ERR_INVALID);
	assert_int_equal(tg_hex_decode("g0112233", 8, out, 4), TG_ERR_INVALID);
	assert_int_equal(tg_hex_decode("00 11223", 8, out, 4), TG_ERR_INVALID);
	assert_int_equal(tg_hex_decode("001122:3", 8, out, 4), TG_ERR_INVALID);
	/* an embedded NUL inside the given length */
	assert_int_equal(tg_hex_decode("0011\0" "233", 8, out, 4), TG_ERR_INVALID);
	/* trailing data beyond the expected length */
	assert_int_equal(tg_hex_decode("00112233\n", 9, out, 4), TG_ERR_INVALID);
}

static void
test_b64_kat(void **state)
{
	uint8_t out[16];
	char enc[32];
	size_t i, n, len;

	(void)state;
	for (i = 0; i < sizeof(b64_kat) / sizeof(b64_kat[0]); i++) {
		len = strlen(b64_kat[i].bin);
		assert_int_equal(tg_b64url_len(len), strlen(b64_kat[i].b64) + 1);
		tg_b64url_encode((const uint8_t *)b64_kat[i].bin, len, enc);
		assert_string_equal(enc, b64_kat[i].b64);
		assert_int_equal(tg_b64url_decode(enc, strlen(enc), out,
		    sizeof(out), &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(out, b64_kat[i].bin, len);
	}
}

static void
test_b64_urlsafe_alphabet(void **state)
{
	const uint8_t bin[] = { 0xfb, 0xff, 0xbf };
	uint8_t out[8];
	char enc[8];
	size_t n;

	(void)state;
	tg_b64url_encode(bin, sizeof(bin), enc);
	assert_string_equal(enc, "-_-_");
	assert_int_equal(tg_b64url_decode(enc, 4, out, sizeof(out), &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(out, bin, 3);
	/* the standard alphabet's + and / are not base64url */
	assert_int_equal(tg_b64url_decode("+/+/", 4, out, sizeof(out), &n),
	    TG_ERR_INVALID);
	assert_int_equal(n, 0);
}

static void
test_b64_reject(void **state)
{
	uint8_t out[8];
	size_t n = 99;

	(void)state;
	/* padding is not accepted */
	assert_int_equal(tg_b64url_decode("Zg==", 4, out, sizeof(out), &n),
	    TG_ERR_INVALID);
	assert_int_equal(n, 0);
	/* a length of 1 mod 4 cannot be produced by the encoder */
	assert_int_equal(tg_b64url_decode("Zm9vY", 5, out, sizeof(out), &n),
	    TG_ERR_INVALID);
	/* non-zero unused bits: "Zh" would also decode to "f" leniently */
	assert_int_equal(tg_b64url_decode("Zh", 2, out, sizeof(out), &n),
	    TG_ERR_INVALID);
	assert_int_equal(tg_b64url_decode("Zm9", 3, out, sizeof(out), &n),
	    TG_ERR_INVALID);
	/* white space, trailing data, embedded NUL */
	assert_int_equal(tg_b64url_decode("Zm9v ", 5, out, sizeof(out), &n),
	    TG_ERR_INVALID);
	assert_int_equal(tg_b64url_decode(" Zm9v", 5, out, sizeof(out), &n),
	    TG_ERR_INVALID);
	assert_int_equal(tg_b64url_decode("Zm9v\n", 5, out, sizeof(out), &n),
	    TG_ERR_INVALID);
	assert_int_equal(tg_b64url_decode("Zm\0v", 4, out, sizeof(out), &n),
	    TG_ERR_INVALID);
	assert_int_equal(tg_b64url_decode("Zm9v.", 5, out, sizeof(out), &n),
	    TG_ERR_INVALID);
	/* output larger than the buffer */
	assert_int_equal(tg_b64url_decode("Zm9vYmFy", 8, out, 5, &n),
	    TG_ERR_INVALID);
	assert_int_equal(n, 0);
	assert_int_equal(tg_b64url_decode("Zm9vYmFy", 8, out, 6, &n), 0);
	assert_int_equal(n, 6);
}

static void
test_b64_roundtrip_all_lengths(void **state)
{
	uint8_t bin[64], out[64];
	char enc[128];
	size_t len, n;

	(void)state;
	for (len = 0; len < sizeof(bin); len++)
		bin[len] = (uint8_t)(len * 37 + 11);
	for (len = 0; len <= sizeof(bin); len++) {
		tg_b64url_encode(bin, len, enc);
		assert_int_equal(strlen(enc) + 1, tg_b64url_len(len));
		assert_int_equal(tg_b64url_decode(enc, strlen(enc), out,
		    sizeof(out), &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(out, bin, len);
		if (len > 0) {
			/* truncation by one character never decodes to the same bytes */
			if (tg_b64url_decode(enc, strlen(enc) - 1, out,
			    sizeof(out), &n) == 0)
				assert_int_not_equal(n, len);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_kat),
		cmocka_unit_test(test_hex_reject),
		cmocka_unit_test(test_b64_kat),
		cmocka_unit_test(test_b64_urlsafe_alphabet),
		cmocka_unit_test(test_b64_reject),
		cmocka_unit_test(test_b64_roundtrip_all_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
