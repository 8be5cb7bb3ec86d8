/*
 * The login flow over HTTP: POST /v1/auth/login (password step),
 * /v1/auth/start (unlock, reset, passkey-first login), /v1/auth/flow/...
 * (further factors) and /v1/auth/reset-password.
 */
#include "http/handlers/handlers.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <tradeguard/error.h>

#include "crypto/encode.h"
#include "service/flow.h"
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
tg_h_login_result(struct tg_req *req, struct tg_resp *resp,
    const struct tg_login_result *res, json_t *available)
{
	char exp[32], idle[32], csrf[TG_TOKEN_LEN + 1];
	json_t *out;

	tg_time_format(res->expires_at, exp, sizeof(exp));
	switch (res->state) {
	case TG_LOGIN_FACTOR_REQUIRED:
		out = json_pack("{s:s,s:s,s:s,s:o,s:i,s:o}", "status",
		    "factor_required", "flow", res->token, "flow_expires_at", exp,
		    "verified_kinds", tg_kinds_json(res->kinds), "required_kinds",
		    res->required_kinds, "available_factors",
		    available != NULL ? json_incref(available) : json_array());
		break;
	case TG_LOGIN_UNLOCKED:
		out = json_pack("{s:s,s:s}", "status", "unlocked", "login",
		    res->customer.login);
		break;
	case TG_LOGIN_RESET_READY:
		out = json_pack("{s:s,s:s,s:s}", "status", "reset_ready", "flow",
		    res->token, "flow_expires_at", exp);
		break;
	default:
		tg_time_format(res->idle_expires_at, idle, sizeof(idle));
		set_session_cookies(resp, res,
		    req->ctx->cfg.session_absolute_seconds, csrf);
		out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:b,s:s}", "status",
		    "authenticated", "session_token", res->token, "expires_at",
		    exp, "idle_expires_at", idle, "login", res->customer.login,
		    "factor_kinds", tg_kinds_json(res->kinds),
		    "password_change_recommended", res->pw_change_recommended,
		    "csrf_token", csrf);
		sodium_memzero(csrf, sizeof(csrf));
		break;
	}
	tg_resp_json(resp, 200, out);
}

/* The factors still open on a flow, for the client to offer. */
static json_t *
auth_available(struct tg_req *req, const struct tg_login_result *res)
{
	tg_db *db = tg_store_db(req->ctx->store);

	if (res->state != TG_LOGIN_FACTOR_REQUIRED || db == NULL)
		return NULL;
	if (res->customer.id == 0)	/* decoy flow for an unknown login */
		return json_pack("[s,s]", "sms", "email");
	return tg_flow_available(req->ctx, db, &res->customer, res->factors,
	    res->kinds, (enum tg_flow_purpose)res->purpose);
}

static void
auth_answer(struct tg_req *req, struct tg_resp *resp, int r,
    struct tg_login_result *res, enum tg_problem on_auth)
{
	json_t *avail;

	if (r == TG_ERR_AUTH) {
		/* Unknown, wrong and locked look the same (AUTH-10). */
		tg_resp_problem(resp, req, on_auth, NULL);
		return;
	}
	if (r == TG_ERR_INVALID) {
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST, NULL);
		return;
	}
	if (r != 0) {
		tg_h_error(req, resp, r);
		return;
	}
	avail = auth_available(req, res);
	tg_h_login_result(req, resp, res, avail);
	json_decref(avail);
}

void
tg_h_login(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_login_result res;
	struct tg_actor who;
	const char *login, *pw;
	json_t *body;
	int r;

	memset(&res, 0, sizeof(res));
	if ((body = tg_req_json(req, resp)) == NULL)
		return;
	if ((login = tg_h_str(req, resp, body, "login", 1)) == NULL ||
	    (pw = tg_h_str(req, resp, body, "password", 1)) == NULL)
		goto out;
	tg_h_actor(req, "anonymous", &who);
	r = tg_login_password(req->ctx, &who, login, pw, strlen(pw), &res);
	auth_answer(req, resp, r, &res, TG_P_LOGIN_FAILED);
out:
	sodium_memzero(&res, sizeof(res));
	json_decref(body);
}

void
tg_h_auth_start(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_login_result res;
	enum tg_flow_purpose purpose;
	struct tg_actor who;
	const char *login, *ps;
	json_t *body;
	int r;

	memset(&res, 0, sizeof(res));
	if ((body = tg_req_json(req, resp)) == NULL)
		return;
	if ((login = tg_h_str(req, resp, body, "login", 1)) == NULL ||
	    (ps = tg_h_str(req, resp, body, "purpose", 1)) == NULL)
		goto out;
	if (tg_flow_purpose_parse(ps, &purpose) != 0) {
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST,
		    "purpose must be login, unlock or reset");
		goto out;
	}
	tg_h_actor(req, "anonymous", &who);
	r = tg_flow_start(req->ctx, &who, login, purpose, &res);
	auth_answer(req, resp, r, &res, TG_P_LOGIN_FAILED);
out:
	sodium_memzero(&res, sizeof(res));
	json_decref(body);
}

void
tg_h_flow_send_code(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_actor who;
	const char *flow, *channel;
	char masked[128], exp[32];
	int64_t expires = 0;
	json_t *body;
	int r;

	if ((body = tg_req_json(req, resp)) == NULL)
		return;
	if ((flow = tg_h_str(req, resp, body, "flow", 1)) == NULL ||
	    (channel = tg_h_str(req, resp, body, "channel", 1)) == NULL)
		goto out;
	tg_h_actor(req, "anonymous", &who);
	r = tg_flow_send_code(req->ctx, &who, flow, channel, masked,
	    sizeof(masked), &expires);
	tg_h_code_sent(req, resp, r, masked, expires, TG_P_FLOW_INVALID);
	(void)exp;
out:
	json_decref(body);
}

void
tg_h_flow_verify(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_login_result res;
	struct tg_proof_buf pb;
	struct tg_actor who;
	const char *flow;
	json_t *body;
	int r;

	memset(&res, 0, sizeof(res));
	if ((body = tg_req_json(req, resp)) == NULL)
		return;
	if ((flow = tg_h_str(req, resp, body, "flow", 1)) == NULL ||
	    tg_h_proof(req, resp, body, &pb) != 0)
		goto out;
	tg_h_actor(req, "anonymous", &who);
	r = tg_flow_verify(req->ctx, &who, flow, &pb.p, &res);
	auth_answer(req, resp, r, &res, TG_P_LOGIN_FAILED);
out:
	tg_h_proof_clear(&pb);
	sodium_memzero(&res, sizeof(res));
	json_decref(body);
}

void
tg_h_flow_challenge(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_actor who;
	const char *flow, *factor;
	json_t *body, *out = NULL;
	json_int_t device = 0;
	int r;

	if ((body = tg_req_json(req, resp)) == NULL)
		return;
	if ((flow = tg_h_str(req, resp, body, "flow", 1)) == NULL ||
	    (factor = tg_h_str(req, resp, body, "factor", 1)) == NULL)
		goto out;
	if (json_is_integer(json_object_get(body, "device_id")))
		device = json_integer_value(json_object_get(body, "device_id"));
	tg_h_actor(req, "anonymous", &who);
	r = tg_flow_challenge(req->ctx, &who, flow, factor, (int64_t)device, &out);
	if (r == TG_ERR_AUTH)
		tg_resp_problem(resp, req, TG_P_FLOW_INVALID, NULL);
	else if (r == TG_ERR_NOT_FOUND || r == TG_ERR_INVALID)
		tg_resp_problem(resp, req, TG_P_FACTOR_UNAVAILABLE, NULL);
	else if (r != 0)
		tg_h_error(req, resp, r);
	else {
		tg_resp_json(resp, 200, out);
		out = NULL;
	}
out:
	json_decref(out);
	json_decref(body);
}

void
tg_h_reset_password(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_actor who;
	const char *flow, *pw, *reason = NULL;
	json_t *body;
	int r;

	if ((body = tg_req_json(req, resp)) == NULL)
		return;
	if ((flow = tg_h_str(req, resp, body, "flow", 1)) == NULL ||
	    (pw = tg_h_str(req, resp, body, "new_password", 1)) == NULL)
		goto out;
	tg_h_actor(req, "anonymous", &who);
	r = tg_flow_reset_password(req->ctx, &who, flow, pw, strlen(pw), &reason);
	if (r == 0)
		tg_resp_json(resp, 200, json_pack("{s:s}", "status",
		    "password_changed"));
	else if (r == TG_ERR_AUTH)
		tg_resp_problem(resp, req, TG_P_FLOW_INVALID, NULL);
	else if (r == TG_ERR_POLICY)
		tg_resp_problem(resp, req, TG_P_PASSWORD_POLICY, reason);
	else
		tg_h_error(req, resp, r);
out:
	json_decref(body);
}
