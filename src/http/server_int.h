/*
 * Internals of the HTTP server shared between its files:
 *   server.c   creation, event-loop threads, signals, drain, teardown
 *   request.c  one request: copy out of libevent, route, run, reply
 *   conn.c     one connection: TLS bufferevent, counting, error pages
 *   listen.c   listening sockets
 */
#ifndef TG_HTTP_SERVER_INT_H
#define TG_HTTP_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/http.h>
#include <openssl/ssl.h>

#include "http/http.h"
#include "http/pool.h"

struct http_job;
struct http_conn;

/* One event loop: its thread, base, evhttp and listener. */
struct http_loop {
	tg_server *srv;
	int idx;
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *listener;
	struct event *wake_ev;		/* done list and stop requests */
	pthread_t thread;
	int thread_started;
	pthread_mutex_t mu;		/* protects done_* */
	struct http_job *done_head, *done_tail;
	/* Loop thread only: */
	int nconn, max_conn;
	int listener_off;		/* disabled at the connection limit */
	int accept_stopped;		/* disabled for good (stopping) */
	int closing;			/* teardown: connection frees only count */
};

struct tg_server {
	tg_ctx *ctx;
	SSL_CTX *ssl;
	tg_pool *pool;
	struct http_loop *loops;
	int nloops;
	char addr[96];
	struct event *sig_term, *sig_int, *sig_hup;
	struct event *stop_ev, *drain_ev;
	_Atomic int stopping;
	_Atomic int hurry;
	_Atomic int64_t inflight;	/* requests received, not yet answered */
	int64_t drain_deadline;		/* loop 0 only */
	int draining;			/* loop 0 only */
	/* tick hook */
	void (*tick_fn)(tg_ctx *);
	int tick_seconds;
	pthread_t tick_thread;
	int tick_started;
	int tick_stop;
	pthread_mutex_t tick_mu;
	pthread_cond_t tick_cv;
};

/* --- conn.c --- */

/* Process-wide set-up (evthread, SSL ex_data index); 0 or TG_ERR_INTERNAL.  Idempotent. */
int tg_http_conn_init(void) __attribute__((warn_unused_result));
/* evhttp_set_bevcb callback (arg: the loop): a TLS bufferevent for a new connection. */
struct bufferevent *tg_http_bev_cb(struct event_base *base, void *arg);
/* Enable or disable loop's listener after a count or stop change (loop thread). */
void tg_http_listener_update(struct http_loop *loop);
/*
 * Bracket the server's own evhttp_send_reply on ev: anything written to the
 * connection outside such a bracket is one of libevent's own error pages,
 * which conn.c replaces with a problem response.
 */
struct http_conn *tg_http_conn_reply_begin(struct evhttp_request *ev);
void tg_http_conn_reply_end(struct http_conn *c);	/* NULL-safe */

/* --- request.c --- */

/* evhttp_set_gencb callback (arg: the loop). */
void tg_http_request_cb(struct evhttp_request *ev, void *arg);
/* Reply to the jobs the workers have finished for loop (loop thread, or teardown). */
void tg_http_loop_flush(struct http_loop *loop);
/* The reason phrase for status, or NULL (libevent's then). */
const char *tg_http_status_reason(int status);
/* Log and count one answered request (request.c and conn.c). */
void tg_http_log_request(tg_server *srv, const char *request_id,
    const char *method, const char *path, int status, double ms,
    const char *peer);

/* --- listen.c --- */

/*
 * Parse listen ("HOST:PORT", "[IPV6]:PORT", "*:PORT"; port 0 = any) and
 * open n listening sockets on it with SO_REUSEPORT into fds.  addr receives
 * the address actually bound ("127.0.0.1:8443").  Returns 0, TG_ERR_CONFIG
 * (unparsable) or TG_ERR_IO (in use, no permission), err saying why.
 */
int tg_http_listen(const char *listen, int n, int *fds, char *addr,
    size_t addrlen, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
