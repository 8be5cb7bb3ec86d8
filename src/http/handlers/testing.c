/*
 * POST /v1/test/clock {"advance_seconds": N} | {"set_ms": T}: moves the
 * injected clock.  Compiled into test builds only (TG_TESTING); admin token.
 */
#include "http/handlers/handlers.h"

#ifdef TG_TESTING
void
tg_h_test_clock(struct tg_req *req, struct tg_resp *resp)
{
	json_t *body, *adv, *set;

	if (tg_h_admin(req, resp) != 0 || (body = tg_req_json(req, resp)) == NULL)
		return;
	adv = json_object_get(body, "advance_seconds");
	set = json_object_get(body, "set_ms");
	if (json_is_integer(adv))
		tg_clock_advance_ms(&req->ctx->clock,
		    (int64_t)json_integer_value(adv) * 1000);
	else if (json_is_integer(set))
		tg_clock_set_ms(&req->ctx->clock, (int64_t)json_integer_value(set));
	else {
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST,
		    "advance_seconds or set_ms (integer) required");
		json_decref(body);
		return;
	}
	json_decref(body);
	tg_resp_json(resp, 200, json_pack("{s:I}", "now_ms",
	    (json_int_t)tg_clock_now_ms(&req->ctx->clock)));
}
#endif
