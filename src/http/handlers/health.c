/* Liveness, readiness and metrics. */
#include "http/handlers/handlers.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"

void
tg_h_healthz(struct tg_req *req, struct tg_resp *resp)
{
	(void)req;
	tg_resp_json(resp, 200, json_pack("{s:s}", "status", "ok"));
}

/* Ready when the store accepts a write transaction now. */
void
tg_h_readyz(struct tg_req *req, struct tg_resp *resp)
{
	tg_db *db = tg_store_db(req->ctx->store);

	if (db == NULL || tg_db_check_writable(db) != 0) {
		tg_log(TG_LOG_WARN, "http.not_ready", req->request_id,
		    "store is not writable");
		tg_resp_problem(resp, req, TG_P_UNAVAILABLE, "store not writable");
		return;
	}
	tg_resp_json(resp, 200, json_pack("{s:s}", "status", "ok"));
}

void
tg_h_metrics(struct tg_req *req, struct tg_resp *resp)
{
	char *text = tg_metrics_render(&req->ctx->metrics);

	if (text == NULL) {
		tg_resp_problem(resp, req, TG_P_INTERNAL, NULL);
		return;
	}
	tg_resp_clear(resp);
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	resp->body = text;
	resp->body_len = strlen(text);
}
