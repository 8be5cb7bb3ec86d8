/* POST /v1/account/password: change the password (AUTH-10, AUTH-11). */
#include "http/handlers/handlers.h"

#include <string.h>

#include <tradeguard/error.h>

#include "service/account.h"
#include "service/customer.h"

void
tg_h_account_password(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_session_info si;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16];
	const char *cur, *nw, *reason = NULL;
	json_t *body = NULL;
	int r;

	if (tg_h_session(req, resp, &si, &who, actor, sizeof(actor)) != 0)
		return;
	if ((body = tg_req_json(req, resp)) == NULL)
		return;
	if ((cur = tg_h_str(req, resp, body, "current_password", 1)) == NULL ||
	    (nw = tg_h_str(req, resp, body, "new_password", 1)) == NULL)
		goto out;
	r = tg_account_change_password(req->ctx, &who, &si, cur, strlen(cur),
	    nw, strlen(nw), &reason);
	switch (r) {
	case 0:
		tg_resp_json(resp, 200, json_pack("{s:s,s:b}", "status",
		    "password_changed", "other_sessions_revoked", 1));
		break;
	case TG_ERR_AUTH:
		tg_resp_problem(resp, req, TG_P_CURRENT_PASSWORD, NULL);
		break;
	case TG_ERR_POLICY:
		tg_resp_problem(resp, req, TG_P_PASSWORD_POLICY, reason);
		break;
	case TG_ERR_REUSED:
		tg_resp_problem(resp, req, TG_P_PASSWORD_REUSED, NULL);
		break;
	default:
		tg_h_error(req, resp, r);
		break;
	}
out:
	json_decref(body);
}

/* POST /v1/account/contact {"email"?, "phone"?}: notification contacts (AUTH-06 step-up). */
void
tg_h_account_contact(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_session_info si;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16], why[64];
	const char *email, *phone;
	json_t *body = NULL;
	int r;

	if (tg_h_session(req, resp, &si, &who, actor, sizeof(actor)) != 0)
		return;
	if ((body = tg_req_json(req, resp)) == NULL)
		return;
	email = tg_h_str(req, resp, body, "email", 0);
	phone = tg_h_str(req, resp, body, "phone", 0);
	if (resp->status != 0)
		goto out;
	r = tg_customer_change_contact(req->ctx, &who, &si, email, phone, why,
	    sizeof(why));
	if (r == 0)
		tg_resp_json(resp, 200, json_pack("{s:s}", "status",
		    "contact_changed"));
	else if (r == TG_ERR_INVALID)
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST, why);
	else
		tg_h_factor_error(req, resp, r);
out:
	json_decref(body);
}
