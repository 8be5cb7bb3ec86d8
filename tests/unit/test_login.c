/* AUTH-10 lockout, AUTH-04 re-hash, AUTH-11 password age, AUD-03 audit failure. */
#include "helpers.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <tradeguard/error.h>

#include "service/customer.h"
#include "service/login.h"

#define PW "Tr4de!Guard"
#define ONE_KIND "[auth]\nmin_factor_kinds = 1\n"

static const struct tg_actor cli = { "cli:test", "local", "", "" };
static const struct tg_actor web = { "anonymous", "127.0.0.1", "test", "req" };

static tg_ctx *
setup(const char *extra)
{
	tg_ctx *ctx = tgt_ctx_new(extra);
	struct tg_customer c;
	char why[64];

	assert_int_equal(tg_customer_add(ctx, &cli, "alice", "alice@example.com",
	    "0912345678", "en", PW, strlen(PW), &c, why, sizeof(why)), 0);
	return ctx;
}

static int
login(tg_ctx *ctx, const char *user, const char *pw, struct tg_login_result *res)
{
	return tg_login_password(ctx, &web, user, pw, strlen(pw), res);
}

static struct tg_customer
get(tg_ctx *ctx, const char *user)
{
	struct tg_customer c;

	assert_int_equal(tg_db_customer_by_login(tg_store_db(ctx->store), user, &c), 0);
	return c;
}

static void
test_lockout_after_exactly_three(void **state)
{
	tg_ctx *ctx = setup(ONE_KIND);
	struct tg_login_result res;
	int64_t n = 0;
	uint64_t verifies;

	(void)state;
	/* Two failures, then success: the count resets. */
	assert_int_equal(login(ctx, "alice", "wrong-1", &res), TG_ERR_AUTH);
	assert_int_equal(login(ctx, "alice", "wrong-2", &res), TG_ERR_AUTH);
	assert_int_equal(get(ctx, "alice").fail_count, 2);
	assert_int_equal(login(ctx, "alice", PW, &res), 0);
	assert_int_equal(res.state, TG_LOGIN_AUTHENTICATED);
	assert_int_equal(get(ctx, "alice").fail_count, 0);

	assert_int_equal(login(ctx, "alice", "wrong-1", &res), TG_ERR_AUTH);
	assert_int_equal(login(ctx, "alice", "wrong-2", &res), TG_ERR_AUTH);
	assert_false(get(ctx, "alice").locked);
	assert_int_equal(login(ctx, "alice", "wrong-3", &res), TG_ERR_AUTH);
	assert_true(get(ctx, "alice").locked);
	assert_int_equal(atomic_load(&ctx->metrics.accounts_locked), 1);

	/* Locked: the right password fails too, and is not even verified. */
	verifies = atomic_load(&ctx->metrics.password_verify);
	assert_int_equal(login(ctx, "alice", PW, &res), TG_ERR_AUTH);
	assert_int_equal(atomic_load(&ctx->metrics.password_verify), verifies);
	assert_int_equal(tg_db_outbox_count(tg_store_db(ctx->store),
	    get(ctx, "alice").id, "account.locked", &n), 0);
	assert_int_equal(n, 1);

	/* An operator unlocks (with a reason): login works again. */
	assert_int_equal(tg_customer_unlock(ctx, &cli, "alice", ""), TG_ERR_INVALID);
	assert_int_equal(tg_customer_unlock(ctx, &cli, "alice", "caller verified"), 0);
	assert_int_equal(login(ctx, "alice", PW, &res), 0);
	tgt_ctx_free(ctx);
}

static void
test_login_case_insensitive(void **state)
{
	tg_ctx *ctx = setup(ONE_KIND);
	struct tg_login_result res;

	(void)state;
	assert_int_equal(login(ctx, "ALICE", PW, &res), 0);
	assert_string_equal(res.customer.login, "alice");
	assert_int_equal(login(ctx, "Alice", "wrong", &res), TG_ERR_AUTH);
	assert_int_equal(get(ctx, "alice").fail_count, 1);
	tgt_ctx_free(ctx);
}

static void
test_failures_indistinguishable(void **state)
{
	tg_ctx *ctx = setup(ONE_KIND);
	struct tg_login_result res;
	uint64_t dummy0 = atomic_load(&ctx->metrics.password_dummy_verify);

	(void)state;
	assert_int_equal(login(ctx, "nobody", PW, &res), TG_ERR_AUTH);
	assert_int_equal(atomic_load(&ctx->metrics.password_dummy_verify), dummy0 + 1);
	assert_int_equal(login(ctx, "alice", "wrong", &res), TG_ERR_AUTH);
	assert_int_equal(login(ctx, "alice", "wrong", &res), TG_ERR_AUTH);
	assert_int_equal(login(ctx, "alice", "wrong", &res), TG_ERR_AUTH);
	assert_int_equal(login(ctx, "alice", PW, &res), TG_ERR_AUTH);
	/* Unknown and locked both paid an Argon2id verification. */
	assert_int_equal(atomic_load(&ctx->metrics.password_dummy_verify), dummy0 + 2);
	assert_int_equal(tg_customer_set_disabled(ctx, &cli, "alice", 1, "test"), 0);
	assert_int_equal(login(ctx, "alice", PW, &res), TG_ERR_AUTH);
	tgt_ctx_free(ctx);
}

struct race {
	tg_ctx *ctx;
	int rc;
};

static void *
race_one(void *arg)
{
	struct race *r = arg;
	struct tg_login_result res;

	r->rc = login(r->ctx, "alice", "wrong-password", &res);
	return NULL;
}

static void
test_concurrent_wrong_attempts(void **state)
{
	tg_ctx *ctx = setup(ONE_KIND);
	pthread_t th[20];
	struct race rc[20];
	int i;

	(void)state;
	for (i = 0; i < 20; i++) {
		rc[i].ctx = ctx;
		rc[i].rc = 1;
		assert_int_equal(pthread_create(&th[i], NULL, race_one, &rc[i]), 0);
	}
	for (i = 0; i < 20; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(rc[i].rc, TG_ERR_AUTH);
	}
	/* At most 3 verifications against the real hash before the lock. */
	assert_true(atomic_load(&ctx->metrics.password_verify) <= 3);
	assert_int_equal(atomic_load(&ctx->metrics.password_verify) +
	    atomic_load(&ctx->metrics.password_dummy_verify), 20);
	assert_true(get(ctx, "alice").locked);
	tgt_ctx_free(ctx);
}

static void
test_lock_revokes_sessions(void **state)
{
	tg_ctx *ctx = setup(ONE_KIND);
	struct tg_login_result res;
	struct tg_session_info si;
	char token[TG_TOKEN_LEN + 1];

	(void)state;
	assert_int_equal(login(ctx, "alice", PW, &res), 0);
	memcpy(token, res.token, sizeof(token));
	assert_int_equal(tg_session_check(ctx, &web, token, &si), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(login(ctx, "alice", "nope", &res), TG_ERR_AUTH);
	assert_int_equal(tg_session_check(ctx, &web, token, &si), TG_ERR_AUTH);
	tgt_ctx_free(ctx);
}

static void
test_two_kinds_required_by_default(void **state)
{
	tg_ctx *ctx = setup(NULL);
	struct tg_login_result res;
	struct tg_session_info si;

	(void)state;
	assert_int_equal(ctx->cfg.min_factor_kinds, 2);
	assert_int_equal(login(ctx, "alice", PW, &res), 0);
	assert_int_equal(res.state, TG_LOGIN_FACTOR_REQUIRED);
	assert_int_equal(res.kinds, TG_KIND_KNOWLEDGE);
	/* The flow token is not a session. */
	assert_int_equal(tg_session_check(ctx, &web, res.token, &si), TG_ERR_AUTH);
	tgt_ctx_free(ctx);
}

static void
test_rehash_on_parameter_change(void **state)
{
	tg_ctx *ctx = setup(ONE_KIND);
	struct tg_login_result res;
	struct tg_customer before, after;

	(void)state;
	before = get(ctx, "alice");
	assert_non_null(strstr(before.pw_hash, "t=1"));
	ctx->cfg.argon2_iterations = 2;
	tg_clock_advance_ms(&ctx->clock, 5000);
	assert_int_equal(login(ctx, "alice", PW, &res), 0);
	after = get(ctx, "alice");
	assert_non_null(strstr(after.pw_hash, "t=2"));
	assert_int_equal(after.pw_changed_at, before.pw_changed_at);
	/* The new hash still verifies the password, and only it. */
	assert_int_equal(login(ctx, "alice", PW, &res), 0);
	assert_int_equal(login(ctx, "alice", PW "x", &res), TG_ERR_AUTH);
	tgt_ctx_free(ctx);
}

static void
test_password_age_recommendation(void **state)
{
	tg_ctx *ctx = setup(ONE_KIND);
	struct tg_login_result res;

	(void)state;
	assert_int_equal(login(ctx, "alice", PW, &res), 0);
	assert_false(res.pw_change_recommended);
	tg_clock_advance_ms(&ctx->clock, INT64_C(91) * 86400000);
	assert_int_equal(login(ctx, "alice", PW, &res), 0);
	assert_true(res.pw_change_recommended);
	tgt_ctx_free(ctx);
}

static void
test_audit_failure_fails_login(void **state)
{
	tg_ctx *ctx = setup(ONE_KIND);
	struct tg_login_result res;
	int n = -1;

	(void)state;
	assert_int_equal(tgt_system("sqlite3 %s \"CREATE TRIGGER audit_full BEFORE "
	    "INSERT ON audit BEGIN SELECT RAISE(FAIL, 'disk full'); END;\"",
	    ctx->cfg.store_path), 0);
	assert_int_equal(login(ctx, "alice", PW, &res), TG_ERR_AUDIT);
	assert_true(atomic_load(&ctx->metrics.audit_failures) >= 1);
	/* No session was left behind. */
	assert_int_equal(tg_db_session_count_live(tg_store_db(ctx->store),
	    get(ctx, "alice").id, tg_clock_now_ms(&ctx->clock), 900000, &n), 0);
	assert_int_equal(n, 0);
	tgt_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lockout_after_exactly_three),
		cmocka_unit_test(test_login_case_insensitive),
		cmocka_unit_test(test_failures_indistinguishable),
		cmocka_unit_test(test_concurrent_wrong_attempts),
		cmocka_unit_test(test_lock_revokes_sessions),
		cmocka_unit_test(test_two_kinds_required_by_default),
		cmocka_unit_test(test_rehash_on_parameter_change),
		cmocka_unit_test(test_password_age_recommendation),
		cmocka_unit_test(test_audit_failure_fails_login),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
