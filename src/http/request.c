/*
 * One request.  tg_http_request_cb (loop thread) copies everything the
 * handler needs out of libevent into a job, so handlers never touch
 * libevent memory and may run on another thread.  Inline routes run at
 * once; TG_ROUTE_OFFLOAD routes go to the worker pool, whose worker runs
 * the handler and posts the job back to its own loop (done list + an
 * event_active on the loop's wake event, thread-safe under evthread); the
 * loop writes the reply.
 *
 * libevent keeps an unanswered request alive when its client goes away:
 * it detaches the request from the connection and frees it when we reply
 * (evhttp_send with no connection).  So job->ev stays valid until
 * job_reply; only evhttp_free would free it, and server.c frees the evhttp
 * objects only after every job has come back.
 */
#include "http/server_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sodium.h>

#include <tradeguard/error.h>

#include "core/log.h"

#define LOG_PATH_MAX 200

#define CONTAINER_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

struct http_job {
	struct tg_pool_job pj;
	struct http_loop *loop;
	struct evhttp_request *ev;
	const struct tg_route *route;
	struct tg_req req;
	struct tg_resp resp;
	struct timespec t0;
	struct http_job *next;		/* loop's done list */
	/* Owned copies behind the const char * of req. */
	char *path, *query, *body, *ctype, *auth, *cookie, *csrf, *ua;
	char params[TG_MAX_PARAMS][TG_ROUTE_PARAM_MAX + 1];
};

static void
str_free(char *s, int wipe)
{
	if (s == NULL)
		return;
	if (wipe)
		sodium_memzero(s, strlen(s));
	free(s);
}

static void
job_free(struct http_job *job)
{
	if (job == NULL)
		return;
	tg_resp_clear(&job->resp);
	str_free(job->path, 0);
	str_free(job->query, 1);
	if (job->body != NULL) {
		sodium_memzero(job->body, job->req.body_len);	/* passwords */
		free(job->body);
	}
	str_free(job->ctype, 0);
	str_free(job->auth, 1);
	str_free(job->cookie, 1);
	str_free(job->csrf, 1);
	str_free(job->ua, 0);
	sodium_memzero(job->params, sizeof(job->params));
	free(job);
}

/* The method's name; "?" for one libevent does not know (the router says 405/404). */
static const char *
method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "?";
	}
}

static int
hdr_dup(struct evkeyvalq *h, const char *name, char **out)
{
	const char *v = evhttp_find_header(h, name);

	*out = NULL;
	if (v == NULL)
		return 0;
	return (*out = strdup(v)) != NULL ? 0 : TG_ERR_NOMEM;
}

/* 1 if s[0..len) is well-formed UTF-8 without C0/DEL control characters. */
static int
path_chars_ok(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t cp;

	while (i < len) {
		unsigned char c = s[i];

		if (c < 0x20 || c == 0x7f)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return 0;
		if (len - i <= n)
			return 0;	/* truncated sequence */
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Decode and check the request path; *out malloc'd.  TG_ERR_INVALID → 400. */
static int
path_decode(const char *raw, char **out)
{
	char *dec = NULL, *seg;
	size_t len = 0, sl;
	int r = TG_ERR_INVALID;

	*out = NULL;
	if (raw == NULL || raw[0] != '/' || strlen(raw) > TG_ROUTE_PATH_MAX * 3)
		return TG_ERR_INVALID;
	/* An encoded '/' would change how the path splits into segments. */
	if (strcasestr(raw, "%2f") != NULL)
		return TG_ERR_INVALID;
	if ((dec = evhttp_uridecode(raw, 0, &len)) == NULL)
		return TG_ERR_NOMEM;
	if (len != strlen(dec) || !path_chars_ok((unsigned char *)dec, len))
		goto out;
	for (seg = dec; seg != NULL; seg = strchr(seg + 1, '/')) {
		sl = strcspn(seg + 1, "/");
		if ((sl == 1 && seg[1] == '.') ||
		    (sl == 2 && seg[1] == '.' && seg[2] == '.'))
			goto out;
	}
	*out = dec;
	dec = NULL;
	r = 0;
out:
	free(dec);
	return r;
}

static void
peer_text(struct evhttp_request *ev, char *buf, size_t len)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(ev);
	char *addr = NULL;
	ev_uint16_t port = 0;

	buf[0] = '\0';
	if (evcon == NULL)
		return;
	evhttp_connection_get_peer(evcon, &addr, &port);
	if (addr == NULL)
		return;
	/* IPv4 clients on a dual-stack socket: show the IPv4 address. */
	if (strncmp(addr, "::ffff:", 7) == 0 && strchr(addr + 7, ':') == NULL)
		addr += 7;
	snprintf(buf, len, "%s", addr);
}

/*
 * Fill job->req from the libevent request.  On a bad request the problem is
 * already set in job->resp and non-zero returned.
 */
static int
job_parse(struct http_job *job)
{
	struct evhttp_request *ev = job->ev;
	struct tg_req *req = &job->req;
	struct evkeyvalq *h = evhttp_request_get_input_headers(ev);
	struct evbuffer *in = evhttp_request_get_input_buffer(ev);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
	const char *q;
	unsigned char rnd[16];
	size_t blen;
	int r;

	req->ctx = job->loop->srv->ctx;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(req->request_id, sizeof(req->request_id), rnd, sizeof(rnd));
	peer_text(ev, req->peer, sizeof(req->peer));
	req->user_agent = "";
	req->method = method_name(evhttp_request_get_command(ev));
	if (hdr_dup(h, "Content-Type", &job->ctype) != 0 ||
	    hdr_dup(h, "Authorization", &job->auth) != 0 ||
	    hdr_dup(h, "Cookie", &job->cookie) != 0 ||
	    hdr_dup(h, "X-CSRF-Token", &job->csrf) != 0 ||
	    hdr_dup(h, "User-Agent", &job->ua) != 0)
		goto nomem;
	req->content_type = job->ctype;
	req->authorization = job->auth;
	req->cookie = job->cookie;
	req->csrf = job->csrf;
	if (job->ua != NULL)
		req->user_agent = job->ua;
	blen = in != NULL ? evbuffer_get_length(in) : 0;
	if ((job->body = malloc(blen + 1)) == NULL)
		goto nomem;
	if (blen > 0 && evbuffer_copyout(in, job->body, blen) != (ev_ssize_t)blen)
		goto nomem;
	job->body[blen] = '\0';
	req->body = job->body;
	req->body_len = blen;
	if (uri != NULL && (q = evhttp_uri_get_query(uri)) != NULL &&
	    (job->query = strdup(q)) == NULL)
		goto nomem;
	req->query = job->query;
	r = path_decode(uri != NULL ? evhttp_uri_get_path(uri) : NULL, &job->path);
	if (r == TG_ERR_NOMEM)
		goto nomem;
	if (r != 0) {
		tg_resp_problem(&job->resp, req, TG_P_BAD_REQUEST, "invalid path");
		return r;
	}
	req->path = job->path;
	return 0;
nomem:
	tg_resp_problem(&job->resp, req, TG_P_UNAVAILABLE, NULL);
	return TG_ERR_NOMEM;
}

const char *
tg_http_status_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return NULL;	/* libevent's phrase */
	}
}

/* Loop thread: write the response, count, log, free the job. */
static void
job_reply(struct http_job *job)
{
	tg_server *srv = job->loop->srv;
	struct tg_resp *resp = &job->resp;
	struct evkeyvalq *oh = evhttp_request_get_output_headers(job->ev);
	struct http_conn *conn;
	struct evbuffer *buf;
	struct timespec t1;
	double ms;
	int i;

	if (resp->status < 100 || resp->status > 599) {
		tg_log(TG_LOG_ERROR, "http.no_status", job->req.request_id,
		    "handler set no valid status (%d)", resp->status);
		tg_resp_problem(resp, &job->req, TG_P_INTERNAL, NULL);
	}
	if (resp->content_type != NULL)
		evhttp_add_header(oh, "Content-Type", resp->content_type);
	evhttp_add_header(oh, "X-Request-ID", job->req.request_id);
	evhttp_add_header(oh, "Cache-Control", "no-store");
	evhttp_add_header(oh, "Strict-Transport-Security", "max-age=31536000");
	evhttp_add_header(oh, "X-Content-Type-Options", "nosniff");
	for (i = 0; i < resp->nheaders && i < TG_MAX_RESP_HEADERS; i++)
		evhttp_add_header(oh, resp->headers[i].name, resp->headers[i].value);
	if (atomic_load(&srv->stopping))
		evhttp_add_header(oh, "Connection", "close");
	if ((buf = evbuffer_new()) != NULL && resp->body_len > 0 &&
	    evbuffer_add(buf, resp->body, resp->body_len) != 0) {
		evbuffer_free(buf);
		buf = NULL;
	}
	conn = tg_http_conn_reply_begin(job->ev);
	evhttp_send_reply(job->ev, resp->status,
	    tg_http_status_reason(resp->status), buf);
	tg_http_conn_reply_end(conn);
	job->ev = NULL;		/* libevent's again (it may be freed already) */
	if (buf != NULL)
		evbuffer_free(buf);

	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - job->t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - job->t0.tv_nsec) / 1e6;
	tg_http_log_request(srv, job->req.request_id, job->req.method,
	    job->req.path != NULL ? job->req.path : "(invalid)", resp->status,
	    ms, job->req.peer);
	atomic_fetch_sub(&srv->inflight, 1);
	job_free(job);
}

void
tg_http_log_request(tg_server *srv, const char *request_id, const char *method,
    const char *path, int status, double ms, const char *peer)
{
	if (status >= 100 && status <= 599)
		atomic_fetch_add(&srv->ctx->metrics.http_requests[status / 100], 1);
	/* Errors are always logged: their request ID is what the client sees. */
	if (!srv->ctx->cfg.log_requests && status < 400)
		return;
	/* tg_log escapes; the path is cut so a long one cannot crowd out the rest. */
	tg_log(TG_LOG_INFO, "http.request", request_id,
	    "method=%s path=%.*s status=%d ms=%.1f peer=%s",
	    method != NULL ? method : "?", LOG_PATH_MAX, path, status, ms, peer);
}

/* Any thread: hand a finished job to its loop. */
static void
loop_post(struct http_loop *loop, struct http_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&loop->mu);
	if (loop->done_tail != NULL)
		loop->done_tail->next = job;
	else
		loop->done_head = job;
	loop->done_tail = job;
	pthread_mutex_unlock(&loop->mu);
	event_active(loop->wake_ev, EV_READ, 0);
}

/* Reply to every job on loop's done list (loop thread, or teardown). */
void
tg_http_loop_flush(struct http_loop *loop)
{
	struct http_job *job, *next;

	pthread_mutex_lock(&loop->mu);
	job = loop->done_head;
	loop->done_head = loop->done_tail = NULL;
	pthread_mutex_unlock(&loop->mu);
	for (; job != NULL; job = next) {
		next = job->next;
		job_reply(job);
	}
}

static void
job_run(struct tg_pool_job *pj)
{
	struct http_job *job = CONTAINER_OF(pj, struct http_job, pj);

	job->route->handler(&job->req, &job->resp);
	loop_post(job->loop, job);
}

static void
job_cancel(struct tg_pool_job *pj)
{
	struct http_job *job = CONTAINER_OF(pj, struct http_job, pj);

	tg_resp_problem(&job->resp, &job->req, TG_P_UNAVAILABLE,
	    "server shutting down");
	loop_post(job->loop, job);
}

void
tg_http_request_cb(struct evhttp_request *ev, void *arg)
{
	struct http_loop *loop = arg;
	tg_server *srv = loop->srv;
	struct http_job *job;
	char allow[128];
	int status, r, i;

	atomic_fetch_add(&srv->inflight, 1);
	if ((job = calloc(1, sizeof(*job))) == NULL) {
		atomic_fetch_sub(&srv->inflight, 1);
		evhttp_send_error(ev, 503, NULL);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &job->t0);
	job->loop = loop;
	job->ev = ev;
	if (job_parse(job) != 0)
		goto reply;
	job->route = tg_route_match(job->req.method, job->req.path, &job->req,
	    &status);
	if (job->route == NULL) {
		if (status == 405) {
			tg_resp_problem(&job->resp, &job->req, TG_P_METHOD, NULL);
			if (tg_route_allowed(job->req.path, allow, sizeof(allow)) == 0)
				tg_resp_header(&job->resp, "Allow", allow);
		} else
			tg_resp_problem(&job->resp, &job->req, TG_P_NOT_FOUND, NULL);
		goto reply;
	}
	/* The router's param storage is per thread: keep our own copy. */
	for (i = 0; i < job->req.nparams && i < TG_MAX_PARAMS; i++) {
		memcpy(job->params[i], job->req.params[i], sizeof(job->params[i]));
		job->req.params[i] = job->params[i];
	}
	if (!(job->route->flags & TG_ROUTE_OFFLOAD)) {
		job->route->handler(&job->req, &job->resp);
		goto reply;
	}
	job->pj.run = job_run;
	job->pj.cancel = job_cancel;
	if ((r = tg_pool_submit(srv->pool, &job->pj)) == 0)
		return;		/* job_run posts it back */
	if (r == TG_ERR_BUSY) {
		atomic_fetch_add(&srv->ctx->metrics.http_busy, 1);
		tg_resp_problem(&job->resp, &job->req, TG_P_BUSY, NULL);
	} else
		tg_resp_problem(&job->resp, &job->req, TG_P_UNAVAILABLE, NULL);
reply:
	job_reply(job);
}

