/* ACC-01: session tokens, idle and absolute expiry (injected clock), limits, binding. */
#include "helpers.h"

#include <string.h>

#include <tradeguard/error.h>

#include "service/customer.h"
#include "service/login.h"

#define PW "Tr4de!Guard"
#define BASE "[auth]\nmin_factor_kinds = 1\n"

static const struct tg_actor cli = { "cli:test", "local", "", "" };
static const struct tg_actor web = { "anonymous", "127.0.0.1", "test", "req" };
static const struct tg_actor other = { "anonymous", "127.0.0.2", "test", "req" };

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

static void
new_session(tg_ctx *ctx, char token[TG_TOKEN_LEN + 1])
{
	struct tg_login_result res;

	assert_int_equal(tg_login_password(ctx, &web, "alice", PW, strlen(PW),
	    &res), 0);
	assert_int_equal(res.state, TG_LOGIN_AUTHENTICATED);
	assert_int_equal(strlen(res.token), TG_TOKEN_LEN);
	memcpy(token, res.token, TG_TOKEN_LEN + 1);
}

static void
test_idle_timeout(void **state)
{
	tg_ctx *ctx = setup(BASE "[session]\nidle_timeout_seconds = 600\n");
	struct tg_session_info si;
	char tok[TG_TOKEN_LEN + 1];

	(void)state;
	new_session(ctx, tok);
	assert_int_equal(tg_session_check(ctx, &web, tok, &si), 0);
	assert_int_equal(si.rec.kinds, TG_KIND_KNOWLEDGE);
	/* Activity keeps the session alive ... */
	tg_clock_advance_ms(&ctx->clock, 599 * 1000);
	assert_int_equal(tg_session_check(ctx, &web, tok, &si), 0);
	tg_clock_advance_ms(&ctx->clock, 599 * 1000);
	assert_int_equal(tg_session_check(ctx, &web, tok, &si), 0);
	/* ... silence does not. */
	tg_clock_advance_ms(&ctx->clock, 600 * 1000);
	assert_int_equal(tg_session_check(ctx, &web, tok, &si), TG_ERR_EXPIRED);
	assert_int_equal(tg_session_check(ctx, &web, tok, &si), TG_ERR_AUTH);
	tgt_ctx_free(ctx);
}

static void
test_absolute_lifetime(void **state)
{
	tg_ctx *ctx = setup(BASE "[session]\nidle_timeout_seconds = 600\n"
	    "absolute_lifetime_seconds = 3600\n");
	struct tg_session_info si;
	char tok[TG_TOKEN_LEN + 1];
	int i;

	(void)state;
	new_session(ctx, tok);
	for (i = 0; i < 11; i++) {	/* 11 x 5 min = 55 min of activity */
		tg_clock_advance_ms(&ctx->clock, 300 * 1000);
		assert_int_equal(tg_session_check(ctx, &web, tok, &si), 0);
	}
	tg_clock_advance_ms(&ctx->clock, 300 * 1000);	/* 60 min */
	assert_int_equal(tg_session_check(ctx, &web, tok, &si), TG_ERR_EXPIRED);
	tgt_ctx_free(ctx);
}

static void
test_limit_refuse(void **state)
{
	tg_ctx *ctx = setup(BASE "[session]\nmax_per_account = 2\n");
	struct tg_login_result res;
	char a[TG_TOKEN_LEN + 1], b[TG_TOKEN_LEN + 1];
	struct tg_session_info si;

	(void)state;
	new_session(ctx, a);
	new_session(ctx, b);
	assert_int_equal(tg_login_password(ctx, &web, "alice", PW, strlen(PW),
	    &res), TG_ERR_LIMIT);
	assert_int_equal(tg_session_check(ctx, &web, a, &si), 0);
	/* Logging out frees a place. */
	assert_int_equal(tg_session_logout(ctx, &web, &si), 0);
	assert_int_equal(tg_login_password(ctx, &web, "alice", PW, strlen(PW),
	    &res), 0);
	tgt_ctx_free(ctx);
}

static void
test_limit_evict_oldest(void **state)
{
	tg_ctx *ctx = setup(BASE "[session]\nmax_per_account = 2\n"
	    "on_limit = evict_oldest\n");
	char a[TG_TOKEN_LEN + 1], b[TG_TOKEN_LEN + 1], c[TG_TOKEN_LEN + 1];
	struct tg_session_info si;

	(void)state;
	new_session(ctx, a);
	tg_clock_advance_ms(&ctx->clock, 1000);
	new_session(ctx, b);
	tg_clock_advance_ms(&ctx->clock, 1000);
	new_session(ctx, c);
	assert_int_equal(tg_session_check(ctx, &web, a, &si), TG_ERR_AUTH);
	assert_int_equal(tg_session_check(ctx, &web, b, &si), 0);
	assert_int_equal(tg_session_check(ctx, &web, c, &si), 0);
	tgt_ctx_free(ctx);
}

static void
test_tampered_tokens(void **state)
{
	tg_ctx *ctx = setup(BASE);
	struct tg_session_info si;
	char tok[TG_TOKEN_LEN + 1], bad[TG_TOKEN_LEN + 2];
	size_t i;

	(void)state;
	new_session(ctx, tok);
	for (i = 0; i < TG_TOKEN_LEN; i++) {
		memcpy(bad, tok, sizeof(tok));
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		assert_int_equal(tg_session_check(ctx, &web, bad, &si), TG_ERR_AUTH);
	}
	memcpy(bad, tok, sizeof(tok));
	bad[TG_TOKEN_LEN - 1] = '\0';
	assert_int_equal(tg_session_check(ctx, &web, bad, &si), TG_ERR_AUTH);
	memcpy(bad, tok, TG_TOKEN_LEN);
	bad[TG_TOKEN_LEN] = 'A';
	bad[TG_TOKEN_LEN + 1] = '\0';
	assert_int_equal(tg_session_check(ctx, &web, bad, &si), TG_ERR_AUTH);
	assert_int_equal(tg_session_check(ctx, &web, "", &si), TG_ERR_AUTH);
	assert_int_equal(tg_session_check(ctx, &web, tok, &si), 0);
	tgt_ctx_free(ctx);
}

static void
test_bound_to_address(void **state)
{
	tg_ctx *ctx = setup(BASE "[session]\nbind_client_address = true\n");
	struct tg_session_info si;
	char tok[TG_TOKEN_LEN + 1];

	(void)state;
	new_session(ctx, tok);
	assert_int_equal(tg_session_check(ctx, &other, tok, &si), TG_ERR_AUTH);
	assert_int_equal(tg_session_check(ctx, &web, tok, &si), 0);
	tgt_ctx_free(ctx);
}

static void
test_disable_revokes(void **state)
{
	tg_ctx *ctx = setup(BASE);
	struct tg_session_info si;
	char tok[TG_TOKEN_LEN + 1];

	(void)state;
	new_session(ctx, tok);
	assert_int_equal(tg_customer_set_disabled(ctx, &cli, "alice", 1, "fraud"), 0);
	assert_int_equal(tg_session_check(ctx, &web, tok, &si), TG_ERR_AUTH);
	assert_int_equal(tg_customer_set_disabled(ctx, &cli, "alice", 0, "cleared"), 0);
	assert_int_equal(tg_session_check(ctx, &web, tok, &si), TG_ERR_AUTH);
	tgt_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_absolute_lifetime),
		cmocka_unit_test(test_limit_refuse),
		cmocka_unit_test(test_limit_evict_oldest),
		cmocka_unit_test(test_tampered_tokens),
		cmocka_unit_test(test_bound_to_address),
		cmocka_unit_test(test_disable_revokes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
