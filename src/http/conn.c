/*
 * One client connection.
 *
 * TLS: every connection gets a bufferevent_openssl in accepting state
 * (evhttp_set_bevcb).  Returning NULL there would make libevent serve the
 * connection in plaintext, so failure to allocate is fatal instead.
 *
 * Counting: +1 when the SSL object is created, -1 when it is freed (an SSL
 * ex_data free callback; the bufferevent frees its SSL when it goes).  At
 * the loop's limit its listener is disabled, below it enabled again; both
 * only on the loop's own thread.
 *
 * libevent's own error pages: for requests it refuses by itself (header
 * block or body over the limits, malformed request line or headers),
 * libevent 2.1 writes a bare HTML page and offers no hook to change it
 * (evhttp_set_errorcb came in 2.2).  The server's own replies are
 * bracketed (tg_http_conn_reply_begin/end); an evbuffer callback on the
 * connection's output sees anything written outside a bracket, and an
 * event activated from there replaces it, before the loop next polls and
 * so before any byte of it is sent, with the documented problem response
 * (413 TG-REQ-004 or 400 TG-REQ-001, X-Request-ID, security headers,
 * Connection: close).  libevent still closes the connection afterwards.
 */
#include "http/server_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <sodium.h>

#include <tradeguard/error.h>

#include "core/log.h"

struct http_conn {
	struct http_loop *loop;
	struct bufferevent *bev;
	struct evbuffer *in, *out;
	struct evbuffer_cb_entry *in_cb, *out_cb;
	struct event *fix_ev;		/* replaces a libevent error page */
	size_t in_bytes;		/* read since our last reply */
	int ours;			/* inside tg_http_conn_reply_begin/end */
	int hijacked;			/* a libevent page is being replaced */
	int fix_status;			/* its status */
};

static int conn_ex_idx = -1;
static pthread_once_t conn_once = PTHREAD_ONCE_INIT;

static void conn_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp);

static void
conn_once_init(void)
{
	if (evthread_use_pthreads() != 0)
		return;
	conn_ex_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_ex_free);
}

int
tg_http_conn_init(void)
{
	pthread_once(&conn_once, conn_once_init);
	return conn_ex_idx >= 0 ? 0 : TG_ERR_INTERNAL;
}

void
tg_http_listener_update(struct http_loop *loop)
{
	int want_off = loop->accept_stopped || loop->nconn >= loop->max_conn;

	if (loop->closing || loop->listener == NULL || want_off == loop->listener_off)
		return;
	if (want_off)
		evconnlistener_disable(loop->listener);
	else
		evconnlistener_enable(loop->listener);
	loop->listener_off = want_off;
}

/* SSL ex_data free callback: the connection's SSL object is being freed. */
static void
conn_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	struct http_conn *c = ptr;
	struct http_loop *loop;

	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (c == NULL)
		return;
	/* The bufferevent frees its SSL before its evbuffers: still valid here. */
	if (c->in_cb != NULL)
		evbuffer_remove_cb_entry(c->in, c->in_cb);
	if (c->out_cb != NULL)
		evbuffer_remove_cb_entry(c->out, c->out_cb);
	if (c->fix_ev != NULL)
		event_free(c->fix_ev);
	loop = c->loop;
	free(c);
	loop->nconn--;
	atomic_fetch_sub(&loop->srv->ctx->metrics.http_connections, 1);
	tg_http_listener_update(loop);
}

static struct http_conn *
conn_of(struct evhttp_request *ev)
{
	struct evhttp_connection *evcon;
	struct bufferevent *bev;
	SSL *ssl;

	if (ev == NULL || (evcon = evhttp_request_get_connection(ev)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    (ssl = bufferevent_openssl_get_ssl(bev)) == NULL)
		return NULL;
	return SSL_get_ex_data(ssl, conn_ex_idx);
}

struct http_conn *
tg_http_conn_reply_begin(struct evhttp_request *ev)
{
	struct http_conn *c = conn_of(ev);

	/* NULL when the client has gone: libevent then writes nothing. */
	if (c != NULL) {
		c->ours = 1;
		c->in_bytes = 0;
	}
	return c;
}

/* Takes the conn, not the request: evhttp_send_reply may have freed that. */
void
tg_http_conn_reply_end(struct http_conn *c)
{
	if (c != NULL)
		c->ours = 0;
}

static void
conn_in_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct http_conn *c = arg;

	(void)buf;
	c->in_bytes += info->n_added;
}

static void
conn_peer(const struct http_conn *c, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[64];
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	buf[0] = '\0';
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), NULL, 0,
	    NI_NUMERICHOST) != 0)
		return;
	snprintf(buf, len, "%s", strncmp(host, "::ffff:", 7) == 0 &&
	    strchr(host + 7, ':') == NULL ? host + 7 : host);
}

/* The loop, after libevent has written its page: put the problem in its place. */
static void
conn_fix_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;
	struct http_loop *loop = c->loop;
	const struct tg_config *cfg = &loop->srv->ctx->cfg;
	struct tg_req req;
	struct tg_resp resp;
	enum tg_problem p;
	unsigned char rnd[16];
	char date[64], peer[64];

	(void)fd;
	(void)what;
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(req.request_id, sizeof(req.request_id), rnd, sizeof(rnd));
	if (c->fix_status == 413 ||
	    (c->fix_status == 400 && c->in_bytes > (size_t)cfg->max_header_bytes))
		p = TG_P_TOO_LARGE;
	else if (c->fix_status == 501 || c->fix_status == 405)
		p = TG_P_METHOD;
	else if (c->fix_status == 503)
		p = TG_P_UNAVAILABLE;
	else if (c->fix_status >= 500)
		p = TG_P_INTERNAL;
	else
		p = TG_P_BAD_REQUEST;
	tg_resp_problem(&resp, &req, p, p == TG_P_TOO_LARGE ?
	    "headers or body over the size limit" : "malformed request");
	if (evutil_date_rfc1123(date, sizeof(date), NULL) == 0)
		date[0] = '\0';
	c->ours = 1;
	evbuffer_drain(c->out, evbuffer_get_length(c->out));
	evbuffer_add_printf(c->out, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "X-Request-ID: %s\r\n"
	    "Cache-Control: no-store\r\n"
	    "Strict-Transport-Security: max-age=31536000\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Connection: close\r\n"
	    "%s%s%s"
	    "\r\n", resp.status, tg_http_status_reason(resp.status) != NULL ?
	    tg_http_status_reason(resp.status) : "Error", resp.content_type,
	    resp.body_len, req.request_id,
	    date[0] != '\0' ? "Date: " : "", date, date[0] != '\0' ? "\r\n" : "");
	if (resp.body != NULL)
		evbuffer_add(c->out, resp.body, resp.body_len);
	c->ours = 0;
	conn_peer(c, peer, sizeof(peer));
	tg_http_log_request(loop->srv, req.request_id, "-", "-", resp.status, 0.0,
	    peer);
	tg_log(TG_LOG_INFO, "http.refused", req.request_id,
	    "libevent refused the request with %d (%zu bytes read)",
	    c->fix_status, c->in_bytes);
	tg_resp_clear(&resp);
}

/*
 * Output added outside our own replies: libevent writing one of its error
 * pages.  It writes the whole page synchronously, then the write event
 * sends it only after the loop polls again, so the replacement runs first.
 */
static void
conn_out_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct http_conn *c = arg;
	unsigned char *p;
	int status;

	if (info->n_added == 0)
		return;
	if (c->ours) {
		/*
		 * evhttp adds the head and then the body as separate chains;
		 * joined, the answer leaves as one TLS record and one write
		 * instead of two (the body is small: at most a few KiB).
		 */
		if (info->orig_size > 0 && evbuffer_get_length(buf) <= 65536)
			(void)evbuffer_pullup(buf, -1);
		return;
	}
	if (c->hijacked)
		return;
	/* Only a page that starts on an empty buffer (never after our data). */
	if (info->orig_size != 0 || evbuffer_get_length(buf) < 12 ||
	    (p = evbuffer_pullup(buf, 12)) == NULL ||
	    memcmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9')
		return;
	status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (status < 200)
		return;		/* 100 Continue */
	if (c->fix_ev == NULL &&
	    (c->fix_ev = event_new(c->loop->base, -1, 0, conn_fix_cb, c)) == NULL)
		return;		/* out of memory: libevent's page goes out */
	c->hijacked = 1;
	c->fix_status = status;
	event_active(c->fix_ev, EV_TIMEOUT, 0);
}

struct bufferevent *
tg_http_bev_cb(struct event_base *base, void *arg)
{
	struct http_loop *loop = arg;
	struct http_conn *c;
	struct bufferevent *bev;
	SSL *ssl;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (ssl = SSL_new(loop->srv->ssl)) == NULL) {
		tg_log(TG_LOG_ERROR, "http.fatal", NULL,
		    "out of memory for a new connection");
		abort();
	}
	c->loop = loop;
	if (SSL_set_ex_data(ssl, conn_ex_idx, c) != 1) {
		tg_log(TG_LOG_ERROR, "http.fatal", NULL, "SSL_set_ex_data failed");
		abort();
	}
	loop->nconn++;
	atomic_fetch_add(&loop->srv->ctx->metrics.http_connections, 1);
	tg_http_listener_update(loop);
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		tg_log(TG_LOG_ERROR, "http.fatal", NULL,
		    "bufferevent_openssl_socket_new failed");
		abort();
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	c->bev = bev;
	c->in = bufferevent_get_input(bev);
	c->out = bufferevent_get_output(bev);
	/* Without the hooks the connection still works, with libevent's pages. */
	c->in_cb = evbuffer_add_cb(c->in, conn_in_cb, c);
	c->out_cb = evbuffer_add_cb(c->out, conn_out_cb, c);
	return bev;
}
