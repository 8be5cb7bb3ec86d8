/* The route table: method, path pattern, handler, flags. */
#include "http/http.h"
#include "http/handlers/handlers.h"

const struct tg_route tg_routes[] = {
	{ "GET", "/healthz", tg_h_healthz, 0 },
	{ "GET", "/readyz", tg_h_readyz, 0 },
	{ "GET", "/metrics", tg_h_metrics, 0 },
	{ NULL, NULL, NULL, 0 },
};
