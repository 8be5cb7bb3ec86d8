/* AUTH-10: password quality rules. */
#include "helpers.h"

#include <string.h>

#include <tradeguard/error.h>

#include "core/pwpolicy.h"

static const struct tg_pwpolicy deflt = { 8, 1, 1, 1, 1, 1 };

static const char *
check(const struct tg_pwpolicy *p, const char *login, const char *pw)
{
	const char *reason = NULL;
	int r = tg_pwpolicy_check(p, login, pw, strlen(pw), &reason);

	if (r == 0) {
		assert_null(reason);
		return "ok";
	}
	assert_int_equal(r, TG_ERR_POLICY);
	assert_non_null(reason);
	return reason;
}

static void
test_accepts_good(void **state)
{
	(void)state;
	assert_string_equal(check(&deflt, "alice", "Tr4de!Guard"), "ok");
	assert_string_equal(check(&deflt, "alice", "v9#kQ2mZ"), "ok");
	/* Non-ASCII characters count as symbols and as one character each. */
	assert_string_equal(check(&deflt, "alice", "密碼abc12"), "too_short");
	assert_string_equal(check(&deflt, "alice", "密碼abc123x"), "ok");
}

static void
test_rejects_each_rule(void **state)
{
	(void)state;
	assert_string_equal(check(&deflt, "alice", "Ab1!xyz"), "too_short");
	assert_string_equal(check(&deflt, "alice", "12345678!"), "missing_letter");
	assert_string_equal(check(&deflt, "alice", "abcdefgh!"), "missing_digit");
	assert_string_equal(check(&deflt, "alice", "abcdefgh1"), "missing_symbol");
	assert_string_equal(check(&deflt, "alice", "xALICEx1!"), "contains_login");
	assert_string_equal(check(&deflt, "alice", "P@ssw0rd1"), "common_password");
	assert_string_equal(check(&deflt, "alice", "p@SSW0RD1"), "common_password");
	assert_string_equal(check(&deflt, "alice", "abc\tdef12!"), "invalid_character");
	assert_string_equal(check(&deflt, "alice", "abc\xff" "def12!"), "invalid_character");
	/* Overlong UTF-8 encoding of '/' is rejected. */
	assert_string_equal(check(&deflt, "alice", "abc\xc0\xaf" "def12!"), "invalid_character");
}

static void
test_configurable(void **state)
{
	struct tg_pwpolicy p = { 6, 1, 1, 0, 0, 0 };
	char big[TG_PASSWORD_MAX_BYTES + 2];

	(void)state;
	assert_string_equal(check(&p, "alice", "abc123"), "ok");
	assert_string_equal(check(&p, "alice", "alice1"), "ok");
	assert_string_equal(check(&p, "alice", "abc12"), "too_short");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_string_equal(check(&p, "alice", big), "too_long");
}

static void
test_common_list(void **state)
{
	(void)state;
	assert_true(tg_pwpolicy_is_common("123456", 6));
	assert_true(tg_pwpolicy_is_common("PASSWORD", 8));
	assert_false(tg_pwpolicy_is_common("Tr4de!Guard", 11));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts_good),
		cmocka_unit_test(test_rejects_each_rule),
		cmocka_unit_test(test_configurable),
		cmocka_unit_test(test_common_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
