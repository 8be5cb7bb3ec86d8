/* POST /v1/auth/login: the password step of a login flow. */
#include "http/handlers/handlers.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <tradeguard/error.h>

#include "crypto/encode.h"
#include "service/login.h"

static void
set_session_cookies(struct tg_resp *resp, const struct tg_login_result *res,
    int max_age, char csrf[TG_TOKEN_LEN + 1])
{
	char v[256];
	uint8_t raw[24];

	randombytes_buf(raw, sizeof(raw));
	tg_b64url_encode(raw, sizeof(raw), csrf);
	snprintf(v, sizeof(v), TG_SESSION_COOKIE "=%s; Path=/; Max-Age=%d; "
	    "Secure; HttpOnly; SameSite=Strict", res->token, max_age);
	tg_resp_header(resp, "Set-Cookie", v);
	snprintf(v, sizeof(v), TG_CSRF_COOKIE "=%s; Path=/; Max-Age=%d; "
	    "Secure; SameSite=Strict", csrf, max_age);
	tg_resp_header(resp, "Set-Cookie", v);
	sodium_memzero(v, sizeof(v));
}

void
tg_h_login(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_login_result res;
	struct tg_actor who;
	char exp[32], idle[32], csrf[TG_TOKEN_LEN + 1];
	const char *login, *pw;
	json_t *body, *out;
	int r;

	if ((body = tg_req_json(req, resp)) == NULL)
		return;
	if ((login = tg_h_str(req, resp, body, "login", 1)) == NULL ||
	    (pw = tg_h_str(req, resp, body, "password", 1)) == NULL)
		goto out;
	tg_h_actor(req, "anonymous", &who);
	r = tg_login_password(req->ctx, &who, login, pw, strlen(pw), &res);
	if (r == TG_ERR_AUTH) {
		/* Unknown, wrong and locked look the same (AUTH-10). */
		tg_resp_problem(resp, req, TG_P_LOGIN_FAILED, NULL);
		goto out;
	}
	if (r != 0) {
		tg_h_error(req, resp, r);
		goto out;
	}
	tg_time_format(res.expires_at, exp, sizeof(exp));
	if (res.state == TG_LOGIN_FACTOR_REQUIRED) {
		out = json_pack("{s:s,s:s,s:s,s:o,s:i,s:o}", "status",
		    "factor_required", "flow", res.token, "flow_expires_at", exp,
		    "verified_kinds", tg_kinds_json(res.kinds), "required_kinds",
		    req->ctx->cfg.min_factor_kinds, "available_factors",
		    json_array());
		tg_resp_json(resp, 200, out);
		goto out;
	}
	tg_time_format(res.idle_expires_at, idle, sizeof(idle));
	set_session_cookies(resp, &res,
	    req->ctx->cfg.session_absolute_seconds, csrf);
	out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:b,s:s}", "status",
	    "authenticated", "session_token", res.token, "expires_at", exp,
	    "idle_expires_at", idle, "login", res.customer.login,
	    "factor_kinds", tg_kinds_json(res.kinds),
	    "password_change_recommended", res.pw_change_recommended,
	    "csrf_token", csrf);
	tg_resp_json(resp, 200, out);
out:
	sodium_memzero(&res, sizeof(res));
	json_decref(body);
}
