/* AUTH-10/AUTH-11: password change, history, revocation of other sessions. */
#include "helpers.h"

#include <string.h>

#include <tradeguard/error.h>

#include "service/account.h"
#include "service/customer.h"
#include "service/login.h"

#define BASE "[auth]\nmin_factor_kinds = 1\n[session]\nmax_per_account = 10\n"

static const struct tg_actor cli = { "cli:test", "local", "", "" };
static const struct tg_actor web = { "customer:alice", "127.0.0.1", "test", "req" };

static const char *const pws[] = {
	"First!pass1", "Second!pass2", "Third!pass3", "Fourth!pass4",
	"Fifth!pass5", "Sixth!pass6", "Seventh!pass7",
};

static void
session_for(tg_ctx *ctx, const char *pw, char tok[TG_TOKEN_LEN + 1],
    struct tg_session_info *si)
{
	struct tg_login_result res;

	assert_int_equal(tg_login_password(ctx, &web, "alice", pw, strlen(pw),
	    &res), 0);
	memcpy(tok, res.token, TG_TOKEN_LEN + 1);
	assert_int_equal(tg_session_check(ctx, &web, tok, si), 0);
}

static int
change(tg_ctx *ctx, struct tg_session_info *si, const char *cur, const char *nw,
    const char **reason)
{
	return tg_account_change_password(ctx, &web, si, cur, strlen(cur), nw,
	    strlen(nw), reason);
}

static void
test_change_revokes_others(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(BASE);
	struct tg_session_info a, b;
	struct tg_customer c;
	struct tg_login_result res;
	char ta[TG_TOKEN_LEN + 1], tb[TG_TOKEN_LEN + 1], why[64];
	const char *reason;

	(void)state;
	assert_int_equal(tg_customer_add(ctx, &cli, "alice", "alice@example.com",
	    "0912345678", "en", pws[0], strlen(pws[0]), &c, why, sizeof(why)), 0);
	session_for(ctx, pws[0], ta, &a);
	session_for(ctx, pws[0], tb, &b);
	assert_int_equal(change(ctx, &a, pws[0], pws[1], &reason), 0);
	/* The session that changed it stays; the other is gone. */
	assert_int_equal(tg_session_check(ctx, &web, ta, &a), 0);
	assert_int_equal(tg_session_check(ctx, &web, tb, &b), TG_ERR_AUTH);
	assert_int_equal(tg_login_password(ctx, &web, "alice", pws[0],
	    strlen(pws[0]), &res), TG_ERR_AUTH);
	assert_int_equal(tg_login_password(ctx, &web, "alice", pws[1],
	    strlen(pws[1]), &res), 0);
	tgt_ctx_free(ctx);
}

static void
test_history_and_rules(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(BASE);
	struct tg_session_info si;
	struct tg_customer c;
	char tok[TG_TOKEN_LEN + 1], why[64];
	const char *reason = NULL;
	int i;

	(void)state;
	assert_int_equal(tg_customer_add(ctx, &cli, "alice", "alice@example.com",
	    "0912345678", "en", pws[0], strlen(pws[0]), &c, why, sizeof(why)), 0);
	session_for(ctx, pws[0], tok, &si);
	/* Current password again: refused. */
	assert_int_equal(change(ctx, &si, pws[0], pws[0], &reason), TG_ERR_REUSED);
	/* Rules apply to the new password. */
	assert_int_equal(change(ctx, &si, pws[0], "short1!", &reason), TG_ERR_POLICY);
	assert_string_equal(reason, "too_short");
	assert_int_equal(change(ctx, &si, pws[0], "xxalicexx1!", &reason), TG_ERR_POLICY);
	assert_string_equal(reason, "contains_login");
	/* Walk through five passwords: pws[0..4]; pws[0] is then the 5th-last. */
	for (i = 1; i <= 4; i++) {
		assert_int_equal(change(ctx, &si, pws[i - 1], pws[i], &reason), 0);
		assert_int_equal(tg_session_check(ctx, &web, tok, &si), 0);
	}
	for (i = 0; i <= 4; i++)
		assert_int_equal(change(ctx, &si, pws[4], pws[i], &reason), TG_ERR_REUSED);
	assert_int_equal(change(ctx, &si, pws[4], pws[5], &reason), 0);
	assert_int_equal(tg_session_check(ctx, &web, tok, &si), 0);
	/* Now pws[0] is six changes back: allowed again. */
	assert_int_equal(change(ctx, &si, pws[5], pws[0], &reason), 0);
	tgt_ctx_free(ctx);
}

static void
test_wrong_current_counts_toward_lock(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(BASE);
	struct tg_session_info si;
	struct tg_customer c;
	char tok[TG_TOKEN_LEN + 1], why[64];
	const char *reason;
	int i;

	(void)state;
	assert_int_equal(tg_customer_add(ctx, &cli, "alice", "alice@example.com",
	    "0912345678", "en", pws[0], strlen(pws[0]), &c, why, sizeof(why)), 0);
	session_for(ctx, pws[0], tok, &si);
	for (i = 0; i < 3; i++)
		assert_int_equal(change(ctx, &si, "not-it-1!", pws[1], &reason),
		    TG_ERR_AUTH);
	assert_int_equal(tg_db_customer_by_login(tg_store_db(ctx->store), "alice",
	    &c), 0);
	assert_true(c.locked);
	/* The lock ended the session. */
	assert_int_equal(tg_session_check(ctx, &web, tok, &si), TG_ERR_AUTH);
	tgt_ctx_free(ctx);
}

static void
test_customer_validation(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(BASE);
	struct tg_customer c;
	char why[64];

	(void)state;
	assert_int_equal(tg_customer_add(ctx, &cli, "a", "a@example.com",
	    "0912345678", NULL, pws[0], strlen(pws[0]), &c, why, sizeof(why)),
	    TG_ERR_INVALID);
	assert_string_equal(why, "invalid_login");
	assert_int_equal(tg_customer_add(ctx, &cli, "bob", "not-an-email",
	    "0912345678", NULL, pws[0], strlen(pws[0]), &c, why, sizeof(why)),
	    TG_ERR_INVALID);
	assert_string_equal(why, "invalid_email");
	assert_int_equal(tg_customer_add(ctx, &cli, "bob", "bob@example.com",
	    "09-12", NULL, pws[0], strlen(pws[0]), &c, why, sizeof(why)),
	    TG_ERR_INVALID);
	assert_string_equal(why, "invalid_phone");
	assert_int_equal(tg_customer_add(ctx, &cli, "bob", "bob@example.com",
	    "0912345678", "fr", pws[0], strlen(pws[0]), &c, why, sizeof(why)),
	    TG_ERR_INVALID);
	assert_int_equal(tg_customer_add(ctx, &cli, "bob", "bob@example.com",
	    "0912345678", NULL, "password", 8, &c, why, sizeof(why)),
	    TG_ERR_POLICY);
	assert_int_equal(tg_customer_add(ctx, &cli, "bob", "bob@example.com",
	    "0912345678", NULL, pws[0], strlen(pws[0]), &c, why, sizeof(why)), 0);
	assert_string_equal(c.locale, "zh-TW");
	assert_int_equal(tg_customer_add(ctx, &cli, "bob", "bob@example.com",
	    "0912345678", NULL, pws[0], strlen(pws[0]), &c, why, sizeof(why)),
	    TG_ERR_EXISTS);
	/* Reading personal data is audited; deleting needs a reason. */
	assert_int_equal(tg_customer_show(ctx, &cli, "bob", "help desk call", &c), 0);
	assert_string_equal(c.email, "bob@example.com");
	assert_int_equal(tg_customer_show(ctx, &cli, "nobody", "x", &c),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_customer_delete(ctx, &cli, "bob", NULL), TG_ERR_INVALID);
	assert_int_equal(tg_customer_delete(ctx, &cli, "bob", "closed account"), 0);
	assert_int_equal(tg_customer_show(ctx, &cli, "bob", "x", &c), TG_ERR_NOT_FOUND);
	tgt_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_change_revokes_others),
		cmocka_unit_test(test_history_and_rules),
		cmocka_unit_test(test_wrong_current_counts_toward_lock),
		cmocka_unit_test(test_customer_validation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
