/* HTTP handlers, one file per resource; wired up in routes.c. */
#ifndef TG_HTTP_HANDLERS_H
#define TG_HTTP_HANDLERS_H

#include "http/http.h"
#include "service/audit.h"
#include "service/flow.h"
#include "service/login.h"
#include "service/session.h"

/* health.c */
void tg_h_healthz(struct tg_req *req, struct tg_resp *resp);
void tg_h_readyz(struct tg_req *req, struct tg_resp *resp);
void tg_h_metrics(struct tg_req *req, struct tg_resp *resp);

/* auth.c */
void tg_h_login(struct tg_req *req, struct tg_resp *resp);

void tg_h_auth_start(struct tg_req *req, struct tg_resp *resp);
void tg_h_flow_send_code(struct tg_req *req, struct tg_resp *resp);
void tg_h_flow_verify(struct tg_req *req, struct tg_resp *resp);
void tg_h_flow_challenge(struct tg_req *req, struct tg_resp *resp);
void tg_h_reset_password(struct tg_req *req, struct tg_resp *resp);
/* The JSON answer for a login result (session, further factor, unlock, reset). */
void tg_h_login_result(struct tg_req *req, struct tg_resp *resp,
    const struct tg_login_result *res, json_t *available);

/* stepup.c */
void tg_h_stepup_send_code(struct tg_req *req, struct tg_resp *resp);
void tg_h_stepup_challenge(struct tg_req *req, struct tg_resp *resp);
void tg_h_stepup_verify(struct tg_req *req, struct tg_resp *resp);

/* factors.c */
void tg_h_factors_list(struct tg_req *req, struct tg_resp *resp);
void tg_h_factor_delete(struct tg_req *req, struct tg_resp *resp);
void tg_h_factor_rename(struct tg_req *req, struct tg_resp *resp);
void tg_h_totp_begin(struct tg_req *req, struct tg_resp *resp);
void tg_h_totp_confirm(struct tg_req *req, struct tg_resp *resp);
void tg_h_recovery_codes(struct tg_req *req, struct tg_resp *resp);
void tg_h_device_challenge(struct tg_req *req, struct tg_resp *resp);
void tg_h_device_register(struct tg_req *req, struct tg_resp *resp);
void tg_h_webauthn_options(struct tg_req *req, struct tg_resp *resp);
void tg_h_webauthn_register(struct tg_req *req, struct tg_resp *resp);

/* A decoded proof from a request body (see docs/api.md). */
struct tg_proof_buf {
	struct tg_proof p;
	uint8_t sig[1024];
	uint8_t cred_id[1024];
	uint8_t client_data[4096];
	uint8_t auth_data[4096];
};
/* Parse {"factor", "code" | "device_id"+"signature" | "credential"}; 0, or -1 with a 400 set. */
int tg_h_proof(const struct tg_req *req, struct tg_resp *resp, json_t *body,
    struct tg_proof_buf *pb);
void tg_h_proof_clear(struct tg_proof_buf *pb);
/* Answer a send-code request (202 with the masked address, or the problem). */
void tg_h_code_sent(struct tg_req *req, struct tg_resp *resp, int r,
    const char *masked, int64_t expires, enum tg_problem on_auth);
/* Map a step-up/enrolment service error (TG_ERR_POLICY = step-up required). */
void tg_h_factor_error(struct tg_req *req, struct tg_resp *resp, int r);

/* session.c */
void tg_h_session_get(struct tg_req *req, struct tg_resp *resp);
void tg_h_session_delete(struct tg_req *req, struct tg_resp *resp);

/* account.c */
void tg_h_account_password(struct tg_req *req, struct tg_resp *resp);
void tg_h_account_contact(struct tg_req *req, struct tg_resp *resp);

/* admin.c */
void tg_h_admin_customer_add(struct tg_req *req, struct tg_resp *resp);
void tg_h_admin_customer_get(struct tg_req *req, struct tg_resp *resp);
void tg_h_admin_customer_disable(struct tg_req *req, struct tg_resp *resp);
void tg_h_admin_customer_enable(struct tg_req *req, struct tg_resp *resp);
void tg_h_admin_customer_unlock(struct tg_req *req, struct tg_resp *resp);
void tg_h_admin_customer_class(struct tg_req *req, struct tg_resp *resp);
void tg_h_admin_customer_delete(struct tg_req *req, struct tg_resp *resp);

/* testing.c (test builds only) */
void tg_h_test_clock(struct tg_req *req, struct tg_resp *resp);

/* common.c: shared by the handlers */
#define TG_SESSION_COOKIE "tg_session"
#define TG_CSRF_COOKIE "tg_csrf"
#define TG_CSRF_HEADER "X-CSRF-Token"

/* Who acts: actor name, client address, user agent, request ID. */
void tg_h_actor(const struct tg_req *req, const char *actor, struct tg_actor *who);
/*
 * Authenticate the session of req (Bearer token, or the session cookie
 * plus a matching CSRF token on unsafe methods).  On failure a 401 problem
 * is set and non-zero returned.
 */
int tg_h_session(struct tg_req *req, struct tg_resp *resp,
    struct tg_session_info *si, struct tg_actor *who, char *actor, size_t actorlen);
/* Require the admin token; on failure a 401 problem is set and non-zero returned. */
int tg_h_admin(struct tg_req *req, struct tg_resp *resp);
/* Map a service error to its problem (store/audit failures → 503). */
void tg_h_error(struct tg_req *req, struct tg_resp *resp, int err);
/* A string member of obj, or NULL; sets a 400 problem naming it when required and missing. */
const char *tg_h_str(const struct tg_req *req, struct tg_resp *resp, json_t *obj,
    const char *key, int required);
/* Value of cookie `name` from the Cookie header into buf; 0 if found. */
int tg_h_cookie(const struct tg_req *req, const char *name, char *buf, size_t len);

/* static.c: the sign-in and account pages, compiled in from web/ */
struct tg_web_asset {
	const char *path;		/* "/login.html", "/static/login.js" */
	const char *content_type;
	const unsigned char *data;
	size_t len;
};
/* The table generated by cmake/embed.cmake, ended by a NULL path. */
extern const struct tg_web_asset tg_web_assets[];
/* The asset served at path, or NULL. */
const struct tg_web_asset *tg_web_asset_find(const char *path);
void tg_h_web_root(struct tg_req *req, struct tg_resp *resp);
void tg_h_web_asset(struct tg_req *req, struct tg_resp *resp);

#endif
