/* Step-up inside a session (AUTH-06): /v1/session/step-up/... */
#include "http/handlers/handlers.h"

#include <string.h>

#include <tradeguard/error.h>

#include "service/factor.h"
#include "service/stepup.h"

void
tg_h_stepup_send_code(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_session_info si;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16], masked[128];
	const char *channel;
	int64_t expires = 0;
	json_t *body;
	int r;

	if (tg_h_session(req, resp, &si, &who, actor, sizeof(actor)) != 0 ||
	    (body = tg_req_json(req, resp)) == NULL)
		return;
	if ((channel = tg_h_str(req, resp, body, "channel", 1)) != NULL) {
		r = tg_stepup_send_code(req->ctx, &who, &si, channel, masked,
		    sizeof(masked), &expires);
		tg_h_code_sent(req, resp, r, masked, expires, TG_P_UNAUTHORIZED);
	}
	json_decref(body);
}

void
tg_h_stepup_challenge(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_session_info si;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16];
	const char *factor;
	json_t *body, *out = NULL;
	json_int_t device = 0;
	tg_db *db;
	int r;

	if (tg_h_session(req, resp, &si, &who, actor, sizeof(actor)) != 0 ||
	    (body = tg_req_json(req, resp)) == NULL)
		return;
	if ((factor = tg_h_str(req, resp, body, "factor", 1)) == NULL)
		goto out;
	if (json_is_integer(json_object_get(body, "device_id")))
		device = json_integer_value(json_object_get(body, "device_id"));
	if ((db = tg_store_db(req->ctx->store)) == NULL) {
		tg_h_error(req, resp, TG_ERR_STORE);
		goto out;
	}
	r = tg_factor_challenge(req->ctx, db, &si.customer, si.rec.id_hash,
	    factor, (int64_t)device, &out);
	if (r == TG_ERR_NOT_FOUND || r == TG_ERR_INVALID)
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
tg_h_stepup_verify(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_session_info si;
	struct tg_proof_buf pb;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16], until_s[32];
	int64_t until = 0;
	json_t *body;
	int r;

	memset(&pb, 0, sizeof(pb));
	if (tg_h_session(req, resp, &si, &who, actor, sizeof(actor)) != 0 ||
	    (body = tg_req_json(req, resp)) == NULL)
		return;
	if (tg_h_proof(req, resp, body, &pb) != 0)
		goto out;
	r = tg_stepup_verify(req->ctx, &who, &si, &pb.p, &until);
	if (r == 0) {
		tg_time_format(until, until_s, sizeof(until_s));
		tg_resp_json(resp, 200, json_pack("{s:s,s:s}", "status",
		    "verified", "stepup_until", until_s));
	} else if (r == TG_ERR_AUTH)
		tg_resp_problem(resp, req, TG_P_VERIFY_FAILED, NULL);
	else if (r == TG_ERR_POLICY)
		tg_resp_problem(resp, req, TG_P_STEPUP_REQUIRED,
		    "use a factor other than those used at login");
	else
		tg_h_error(req, resp, r);
out:
	tg_h_proof_clear(&pb);
	json_decref(body);
}
