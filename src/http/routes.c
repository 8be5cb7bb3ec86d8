/* The route table: method, path pattern, handler, flags. */
#include "http/http.h"
#include "http/handlers/handlers.h"

const struct tg_route tg_routes[] = {
	{ "GET", "/healthz", tg_h_healthz, 0 },
	{ "GET", "/readyz", tg_h_readyz, TG_ROUTE_OFFLOAD },	/* may wait on the store */
	{ "GET", "/metrics", tg_h_metrics, 0 },

	{ "POST", "/v1/auth/login", tg_h_login, TG_ROUTE_OFFLOAD },
	{ "GET", "/v1/session", tg_h_session_get, 0 },
	{ "DELETE", "/v1/session", tg_h_session_delete, 0 },
	{ "POST", "/v1/account/password", tg_h_account_password, TG_ROUTE_OFFLOAD },

	{ "POST", "/v1/admin/customers", tg_h_admin_customer_add, TG_ROUTE_OFFLOAD },
	{ "GET", "/v1/admin/customers/{login}", tg_h_admin_customer_get, TG_ROUTE_OFFLOAD },
	{ "DELETE", "/v1/admin/customers/{login}", tg_h_admin_customer_delete, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/admin/customers/{login}/disable", tg_h_admin_customer_disable, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/admin/customers/{login}/enable", tg_h_admin_customer_enable, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/admin/customers/{login}/unlock", tg_h_admin_customer_unlock, TG_ROUTE_OFFLOAD },
#ifdef TG_TESTING
	{ "POST", "/v1/test/clock", tg_h_test_clock, 0 },
#endif
	{ NULL, NULL, NULL, 0 },
};
