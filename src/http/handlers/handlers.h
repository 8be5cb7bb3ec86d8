/* HTTP handlers, one file per resource; wired up in routes.c. */
#ifndef TG_HTTP_HANDLERS_H
#define TG_HTTP_HANDLERS_H

#include "http/http.h"
#include "service/audit.h"
#include "service/session.h"

/* health.c */
void tg_h_healthz(struct tg_req *req, struct tg_resp *resp);
void tg_h_readyz(struct tg_req *req, struct tg_resp *resp);
void tg_h_metrics(struct tg_req *req, struct tg_resp *resp);

/* auth.c */
void tg_h_login(struct tg_req *req, struct tg_resp *resp);

/* session.c */
void tg_h_session_get(struct tg_req *req, struct tg_resp *resp);
void tg_h_session_delete(struct tg_req *req, struct tg_resp *resp);

/* account.c */
void tg_h_account_password(struct tg_req *req, struct tg_resp *resp);

/* admin.c */
void tg_h_admin_customer_add(struct tg_req *req, struct tg_resp *resp);
void tg_h_admin_customer_get(struct tg_req *req, struct tg_resp *resp);
void tg_h_admin_customer_disable(struct tg_req *req, struct tg_resp *resp);
void tg_h_admin_customer_enable(struct tg_req *req, struct tg_resp *resp);
void tg_h_admin_customer_unlock(struct tg_req *req, struct tg_resp *resp);
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

#endif
