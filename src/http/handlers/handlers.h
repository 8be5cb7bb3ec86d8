/* HTTP handlers, one file per resource; wired up in routes.c. */
#ifndef TG_HTTP_HANDLERS_H
#define TG_HTTP_HANDLERS_H

#include "http/http.h"

/* health.c */
void tg_h_healthz(struct tg_req *req, struct tg_resp *resp);
void tg_h_readyz(struct tg_req *req, struct tg_resp *resp);
void tg_h_metrics(struct tg_req *req, struct tg_resp *resp);

#endif
