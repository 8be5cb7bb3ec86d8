/* AUTH-01, AUTH-06: the factor policy and the step-up rule table. */
#include "helpers.h"

#include <string.h>

#include <tradeguard/error.h>

#include "core/policy.h"

#define K TG_KIND_KNOWLEDGE
#define P TG_KIND_POSSESSION
#define I TG_KIND_INHERENCE

static void
test_login_needs_distinct_kinds(void **state)
{
	(void)state;
	assert_false(tg_policy_complete(TG_FLOW_LOGIN, K, 2));
	assert_false(tg_policy_complete(TG_FLOW_LOGIN, P, 2));
	assert_true(tg_policy_complete(TG_FLOW_LOGIN, K | P, 2));
	assert_true(tg_policy_complete(TG_FLOW_LOGIN, P | I, 2));
	assert_false(tg_policy_complete(TG_FLOW_LOGIN, K | P, 3));
	assert_true(tg_policy_complete(TG_FLOW_LOGIN, K | P | I, 3));
	assert_true(tg_policy_complete(TG_FLOW_LOGIN, K, 1));
	assert_false(tg_policy_complete(TG_FLOW_LOGIN, 0, 1));
}

static void
test_recovery_never_counts_the_password(void **state)
{
	(void)state;
	assert_false(tg_policy_complete(TG_FLOW_UNLOCK, K | P, 1));
	assert_false(tg_policy_complete(TG_FLOW_RESET, K | I, 1));
	assert_false(tg_policy_complete(TG_FLOW_RESET, P, 1));
	assert_true(tg_policy_complete(TG_FLOW_UNLOCK, P | I, 2));
	assert_true(tg_policy_complete(TG_FLOW_RESET, K | P | I, 2));
}

static void
test_stepup_rules(void **state)
{
	const struct tg_stepup_rule *r = tg_stepup_rule("device.bind");
	const int64_t now = 1000000, fresh = 300000;

	(void)state;
	assert_non_null(r);
	assert_null(tg_stepup_rule("no.such.action"));
	/* Fresh, possession, a factor not used at login: allowed. */
	assert_int_equal(tg_stepup_satisfied(r, now, fresh, now - 1000, P, "email",
	    "password,sms"), 0);
	/* The login's own factor: refused. */
	assert_int_equal(tg_stepup_satisfied(r, now, fresh, now - 1000, P, "sms",
	    "password,sms"), TG_ERR_POLICY);
	/* Knowledge never steps up. */
	assert_int_equal(tg_stepup_satisfied(r, now, fresh, now - 1000, K,
	    "password", "sms"), TG_ERR_POLICY);
	/* Stale, absent, from the future: refused. */
	assert_int_equal(tg_stepup_satisfied(r, now, fresh, now - fresh - 1, P,
	    "email", "password"), TG_ERR_POLICY);
	assert_int_equal(tg_stepup_satisfied(r, now, fresh, 0, P, "email",
	    "password"), TG_ERR_POLICY);
	assert_int_equal(tg_stepup_satisfied(r, now, fresh, now + 1, P, "email",
	    "password"), TG_ERR_POLICY);
	/* Exactly at the freshness limit: still fine. */
	assert_int_equal(tg_stepup_satisfied(r, now, fresh, now - fresh, P,
	    "totp:3", "password,totp:4"), 0);
}

static void
test_every_rule_wants_another_factor(void **state)
{
	const struct tg_stepup_rule *r;
	int n = 0;

	(void)state;
	for (r = tg_stepup_rules(); r->action != NULL; r++, n++) {
		assert_true(r->different_factor);
		assert_int_equal(r->kinds & K, 0);
		assert_non_null(r->requirement);
	}
	assert_true(n >= 7);
}

static void
test_factor_lists(void **state)
{
	char list[24] = "";

	(void)state;
	assert_int_equal(tg_factor_list_add(list, sizeof(list), "password"), 0);
	assert_int_equal(tg_factor_list_add(list, sizeof(list), "totp:3"), 0);
	assert_int_equal(tg_factor_list_add(list, sizeof(list), "totp:3"), 0);
	assert_string_equal(list, "password,totp:3");
	assert_true(tg_factor_in_list(list, "totp:3"));
	assert_false(tg_factor_in_list(list, "totp:"));
	assert_false(tg_factor_in_list(list, "totp:33"));
	assert_false(tg_factor_in_list(list, "pass"));
	assert_int_equal(tg_factor_list_add(list, sizeof(list), "webauthn:12"),
	    TG_ERR_LIMIT);
	assert_string_equal(list, "password,totp:3");
}

static void
test_class_minimum(void **state)
{
	(void)state;
	assert_int_equal(tg_policy_min_kinds("", "retail", 2), 2);
	assert_int_equal(tg_policy_min_kinds("institutional=3", "institutional", 2), 3);
	assert_int_equal(tg_policy_min_kinds("institutional=3,api=2", "api", 1), 2);
	assert_int_equal(tg_policy_min_kinds("institutional=3", "institution", 2), 2);
	assert_int_equal(tg_policy_min_kinds("inst=3", "institutional", 2), 2);
	/* A malformed spec never lowers the minimum below the default. */
	assert_int_equal(tg_policy_min_kinds("api=1,", "api", 2), 2);
	assert_true(tg_policy_class_kinds_valid(""));
	assert_true(tg_policy_class_kinds_valid("a=1,b_c-9=3"));
	assert_false(tg_policy_class_kinds_valid("a=4"));
	assert_false(tg_policy_class_kinds_valid("a=0"));
	assert_false(tg_policy_class_kinds_valid("A=2"));
	assert_false(tg_policy_class_kinds_valid("a=2,"));
	assert_false(tg_policy_class_kinds_valid("a=22"));
	assert_false(tg_policy_class_kinds_valid("=2"));
	assert_true(tg_policy_class_name_valid("institutional"));
	assert_false(tg_policy_class_name_valid(""));
	assert_false(tg_policy_class_name_valid("has space"));
	assert_false(tg_policy_class_name_valid("abcdefghijklmnopqrstuvwxyz0123456"));
}

static void
test_purposes(void **state)
{
	enum tg_flow_purpose p;

	(void)state;
	assert_int_equal(tg_flow_purpose_parse("unlock", &p), 0);
	assert_int_equal(p, TG_FLOW_UNLOCK);
	assert_string_equal(tg_flow_purpose_name(TG_FLOW_RESET), "reset");
	assert_int_equal(tg_flow_purpose_parse("Login", &p), TG_ERR_INVALID);
	assert_null(tg_flow_purpose_name((enum tg_flow_purpose)7));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_needs_distinct_kinds),
		cmocka_unit_test(test_recovery_never_counts_the_password),
		cmocka_unit_test(test_stepup_rules),
		cmocka_unit_test(test_every_rule_wants_another_factor),
		cmocka_unit_test(test_factor_lists),
		cmocka_unit_test(test_class_minimum),
		cmocka_unit_test(test_purposes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
