/* GET /v1/session (the order system's check) and DELETE /v1/session (logout). */
#include "http/handlers/handlers.h"

#include <stdio.h>

#include <tradeguard/error.h>

void
tg_h_session_get(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_session_info si;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16], auth[32], exp[32], idle[32];

	if (tg_h_session(req, resp, &si, &who, actor, sizeof(actor)) != 0)
		return;
	tg_time_format(si.rec.auth_time, auth, sizeof(auth));
	tg_time_format(si.rec.expires_at, exp, sizeof(exp));
	tg_time_format(si.idle_expires_at, idle, sizeof(idle));
	tg_resp_json(resp, 200, json_pack("{s:{s:I,s:s,s:s},s:o,s:s,s:s,s:s,s:b}",
	    "account", "id", (json_int_t)si.customer.id, "login",
	    si.customer.login, "locale", si.customer.locale,
	    "factor_kinds", tg_kinds_json(si.rec.kinds), "auth_time", auth,
	    "expires_at", exp, "idle_expires_at", idle,
	    "password_change_recommended", si.rec.pw_change_recommended));
}

void
tg_h_session_delete(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_session_info si;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16];
	int r;

	if (tg_h_session(req, resp, &si, &who, actor, sizeof(actor)) != 0)
		return;
	if ((r = tg_session_logout(req->ctx, &who, &si)) != 0) {
		tg_h_error(req, resp, r);
		return;
	}
	resp->status = 204;
	tg_resp_header(resp, "Set-Cookie", TG_SESSION_COOKIE
	    "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict");
	tg_resp_header(resp, "Set-Cookie", TG_CSRF_COOKIE
	    "=; Path=/; Max-Age=0; Secure; SameSite=Strict");
}
