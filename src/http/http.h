/*
 * HTTP layer.  The server (server.c, libevent + OpenSSL) turns each request
 * into a tg_req, finds its route in the declarative route table
 * (routes.c), runs the handler on the event-loop thread or, for routes
 * flagged TG_ROUTE_OFFLOAD, on the bounded worker pool (pool.c), and writes
 * the tg_resp back.  Handlers never touch libevent: they are plain
 * functions of (request) -> response and are unit-testable.
 */
#ifndef TG_HTTP_HTTP_H
#define TG_HTTP_HTTP_H

#include <stddef.h>

#include <jansson.h>

#include "service/ctx.h"

#define TG_REQUEST_ID_LEN 32	/* hex characters */
#define TG_MAX_PARAMS 4
#define TG_MAX_RESP_HEADERS 6

struct tg_req {
	tg_ctx *ctx;
	const char *method;		/* "GET", "POST", ... */
	const char *path;		/* decoded path, no query */
	const char *query;		/* raw query string or NULL */
	const char *body;		/* may contain NULs; not NUL-terminated */
	size_t body_len;
	const char *content_type;	/* or NULL */
	const char *authorization;	/* or NULL */
	const char *cookie;		/* or NULL */
	const char *csrf;		/* X-CSRF-Token header, or NULL */
	const char *user_agent;		/* or "" */
	char peer[64];			/* client address, text */
	char request_id[TG_REQUEST_ID_LEN + 1];
	const char *params[TG_MAX_PARAMS];	/* {name} segments of the route, in order */
	int nparams;
};

struct tg_resp_header {
	char name[40];
	char value[512];
};

struct tg_resp {
	int status;
	const char *content_type;	/* static string */
	char *body;			/* malloc'd, owned by the response */
	size_t body_len;
	struct tg_resp_header headers[TG_MAX_RESP_HEADERS];
	int nheaders;
};

typedef void (*tg_handler_fn)(struct tg_req *req, struct tg_resp *resp);

enum {
	TG_ROUTE_OFFLOAD = 1u << 0,	/* run on the worker pool (Argon2id etc.) */
};

struct tg_route {
	const char *method;
	const char *pattern;		/* "/v1/admin/customers/{login}" */
	tg_handler_fn handler;
	unsigned flags;
};

/* The route table (routes.c), terminated by an entry with method NULL. */
extern const struct tg_route tg_routes[];

/*
 * Find the route for method+path; fills req->params (req may be NULL).
 * Returns the route, or NULL with *status = 404 (no path) or 405 (path
 * exists, other method).
 *
 * Among matching patterns the one with the most literal segments wins.
 * The params point into per-thread storage of the router, valid until the
 * next tg_route_match call on the same thread: the server copies them
 * before handing the request to another thread.  A path longer than
 * TG_ROUTE_PATH_MAX or a {param} segment longer than TG_ROUTE_PARAM_MAX
 * does not match (404).
 */
const struct tg_route *tg_route_match(const char *method, const char *path,
    struct tg_req *req, int *status);
#define TG_ROUTE_PATH_MAX 2048
#define TG_ROUTE_PARAM_MAX 255
/* The methods that have a route for path, "GET, POST" (for Allow on 405); 0 or TG_ERR_NOT_FOUND. */
int tg_route_allowed(const char *path, char *buf, size_t len);

/* --- responses (response.c) --- */

/* Stable error codes, one table (problem.c). */
enum tg_problem {
	TG_P_BAD_REQUEST,	/* malformed JSON, missing field */
	TG_P_NOT_FOUND,
	TG_P_METHOD,
	TG_P_TOO_LARGE,
	TG_P_UNSUPPORTED_MEDIA,
	TG_P_UNAUTHORIZED,	/* no or invalid session/admin token */
	TG_P_LOGIN_FAILED,	/* unknown / wrong password / locked: indistinguishable */
	TG_P_FLOW_INVALID,	/* login flow unknown, expired or from another client */
	TG_P_PASSWORD_POLICY,
	TG_P_PASSWORD_REUSED,
	TG_P_CURRENT_PASSWORD,
	TG_P_SESSION_LIMIT,
	TG_P_CONFLICT,
	TG_P_BUSY,		/* worker pool full: 503 + Retry-After */
	TG_P_UNAVAILABLE,	/* store/audit failure: 503 */
	TG_P_INTERNAL,
	TG_P_STEPUP_REQUIRED,	/* sensitive action: verify a further factor first */
	TG_P_FACTOR_UNAVAILABLE,	/* no such factor or channel for this account */
	TG_P_CODE_LIMIT,	/* too many one-time codes requested */
	TG_P_VERIFY_FAILED,	/* a step-up or enrolment proof was wrong */
	TG_P__COUNT
};

/* Set status + JSON body (takes ownership of j). */
void tg_resp_json(struct tg_resp *resp, int status, json_t *j);
/*
 * application/problem+json with code, title, status and the request ID;
 * detail may be NULL (cut to 256 bytes; never put internals in it).  Adds
 * Retry-After: 1 for TG_P_BUSY and WWW-Authenticate: Bearer for
 * TG_P_UNAUTHORIZED; headers set earlier are kept.
 */
void tg_resp_problem(struct tg_resp *resp, const struct tg_req *req,
    enum tg_problem p, const char *detail);
/* Append a header (silently ignored past TG_MAX_RESP_HEADERS). */
void tg_resp_header(struct tg_resp *resp, const char *name, const char *value);
/* Free the body. */
void tg_resp_clear(struct tg_resp *resp);
/* The stable code string ("TG-AUTH-001") and HTTP status of p. */
const char *tg_problem_code(enum tg_problem p);
int tg_problem_status(enum tg_problem p);
/* Its English title ("Login failed"); static, never NULL. */
const char *tg_problem_title(enum tg_problem p);

/*
 * Parse req's body as a JSON object (rejecting duplicates, trailing data and
 * bodies that are not application/json).  On failure a problem is already
 * set in resp and NULL is returned.
 */
json_t *tg_req_json(const struct tg_req *req, struct tg_resp *resp);

/* The bearer token of the Authorization header, or NULL. */
const char *tg_req_bearer(const struct tg_req *req);

/* --- the server (server.c) --- */

typedef struct tg_server tg_server;

/* Create listeners, TLS context, event-loop threads and the worker pool (not started). */
int tg_server_new(tg_ctx *ctx, tg_server **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Run until tg_server_stop; SIGTERM/SIGINT drain and stop, SIGHUP reopens logs. */
int tg_server_run(tg_server *srv);
void tg_server_free(tg_server *srv);
/* Begin a graceful stop (as SIGTERM does); thread-safe, not async-signal-safe. */
void tg_server_stop(tg_server *srv);
/*
 * Call fn(ctx) every `seconds` while the server runs (audit checkpoints,
 * session purge), and once more after the drain at shutdown.  fn runs on a
 * dedicated maintenance thread, never on an event loop or the worker pool,
 * so it may block on the store and is not starved when the pool is full.
 * Set before tg_server_run.
 */
void tg_server_set_tick(tg_server *srv, void (*fn)(tg_ctx *), int seconds);
/* The address actually listened on, "127.0.0.1:8443" or "[::1]:8443". */
const char *tg_server_address(const tg_server *srv);

#endif
