/* The route table: method, path pattern, handler, flags. */
#include "http/http.h"
#include "http/handlers/handlers.h"

const struct tg_route tg_routes[] = {
	{ "GET", "/healthz", tg_h_healthz, 0 },
	{ "GET", "/readyz", tg_h_readyz, TG_ROUTE_OFFLOAD },	/* may wait on the store */
	{ "GET", "/metrics", tg_h_metrics, 0 },

	{ "POST", "/v1/auth/login", tg_h_login, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/auth/start", tg_h_auth_start, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/auth/flow/send-code", tg_h_flow_send_code, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/auth/flow/challenge", tg_h_flow_challenge, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/auth/flow/verify", tg_h_flow_verify, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/auth/reset-password", tg_h_reset_password, TG_ROUTE_OFFLOAD },
	{ "GET", "/v1/session", tg_h_session_get, 0 },
	{ "POST", "/v1/session/step-up/send-code", tg_h_stepup_send_code, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/session/step-up/challenge", tg_h_stepup_challenge, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/session/step-up", tg_h_stepup_verify, TG_ROUTE_OFFLOAD },
	{ "DELETE", "/v1/session", tg_h_session_delete, 0 },
	{ "POST", "/v1/account/password", tg_h_account_password, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/account/contact", tg_h_account_contact, TG_ROUTE_OFFLOAD },
	{ "GET", "/v1/account/factors", tg_h_factors_list, TG_ROUTE_OFFLOAD },
	{ "DELETE", "/v1/account/factors/{id}", tg_h_factor_delete, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/account/factors/{id}/name", tg_h_factor_rename, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/account/totp", tg_h_totp_begin, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/account/totp/{id}/confirm", tg_h_totp_confirm, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/account/recovery-codes", tg_h_recovery_codes, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/account/devices/challenge", tg_h_device_challenge, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/account/devices", tg_h_device_register, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/account/webauthn/options", tg_h_webauthn_options, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/account/webauthn", tg_h_webauthn_register, TG_ROUTE_OFFLOAD },

	{ "POST", "/v1/admin/customers", tg_h_admin_customer_add, TG_ROUTE_OFFLOAD },
	{ "GET", "/v1/admin/customers/{login}", tg_h_admin_customer_get, TG_ROUTE_OFFLOAD },
	{ "DELETE", "/v1/admin/customers/{login}", tg_h_admin_customer_delete, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/admin/customers/{login}/disable", tg_h_admin_customer_disable, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/admin/customers/{login}/enable", tg_h_admin_customer_enable, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/admin/customers/{login}/unlock", tg_h_admin_customer_unlock, TG_ROUTE_OFFLOAD },
	{ "POST", "/v1/admin/customers/{login}/class", tg_h_admin_customer_class, TG_ROUTE_OFFLOAD },

	/* The customer's pages, compiled in from web/ (static.c). */
	{ "GET", "/", tg_h_web_root, 0 },
	{ "GET", "/login.html", tg_h_web_asset, 0 },
	{ "GET", "/account.html", tg_h_web_asset, 0 },
	{ "GET", "/static/{file}", tg_h_web_asset, 0 },
#ifdef TG_TESTING
	{ "POST", "/v1/test/clock", tg_h_test_clock, 0 },
#endif
	{ NULL, NULL, NULL, 0 },
};
