/*
 * The HTTPS server: libevent evhttp over bufferevent_openssl.
 *
 * Threads
 *   cfg.threads event loops, each with its own event_base, evhttp and
 *   listening socket bound to cfg.listen with SO_REUSEPORT (the kernel
 *   spreads connections).  Loop 0 runs on the thread that calls
 *   tg_server_run and also owns the signal events.  A bounded worker pool
 *   (pool.c) runs the routes flagged TG_ROUTE_OFFLOAD (request.c); a
 *   maintenance thread runs the tick hook.  Connections: conn.c.
 *
 * Stop
 *   SIGTERM/SIGINT (or tg_server_stop): every loop stops accepting, replies
 *   carry "Connection: close", and loop 0 waits until no request is in
 *   flight (at most DRAIN_MS), then exits all loops.  The pool is stopped
 *   (queued jobs get 503), the tick hook runs a last time.  A second
 *   signal ends the drain at once.  SIGHUP reopens the log file.
 */
#include "http/server_int.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include <tradeguard/error.h>

#include "core/log.h"
#include "http/tls.h"

#define DRAIN_MS 5000
#define DRAIN_POLL_MS 50

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- loops, stop and drain --- */

static void
loop_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_loop *loop = arg;

	(void)fd;
	(void)what;
	if (atomic_load(&loop->srv->stopping) && !loop->accept_stopped) {
		loop->accept_stopped = 1;
		tg_http_listener_update(loop);
	}
	tg_http_loop_flush(loop);
}

static void
server_exit_loops(tg_server *srv)
{
	int i;

	for (i = 0; i < srv->nloops; i++)
		event_base_loopexit(srv->loops[i].base, NULL);
}

static void
drain_cb(evutil_socket_t fd, short what, void *arg)
{
	tg_server *srv = arg;
	int64_t n = atomic_load(&srv->inflight);

	(void)fd;
	(void)what;
	if (n > 0 && mono_ms() < srv->drain_deadline && !atomic_load(&srv->hurry))
		return;
	if (n > 0)
		tg_log(TG_LOG_WARN, "server.drain_incomplete", NULL,
		    "stopping with %lld request(s) still in flight", (long long)n);
	event_del(srv->drain_ev);
	server_exit_loops(srv);
}

/* Loop 0: start the drain. */
static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	tg_server *srv = arg;
	struct timeval tv = { 0, DRAIN_POLL_MS * 1000 };
	int i;

	(void)fd;
	(void)what;
	if (srv->draining) {
		drain_cb(-1, 0, srv);
		return;
	}
	srv->draining = 1;
	srv->drain_deadline = mono_ms() + DRAIN_MS;
	tg_log(TG_LOG_INFO, "server.stopping", NULL,
	    "stopping: no new connections, draining %lld request(s)",
	    (long long)atomic_load(&srv->inflight));
	for (i = 0; i < srv->nloops; i++)
		event_active(srv->loops[i].wake_ev, EV_READ, 0);
	event_add(srv->drain_ev, &tv);
	drain_cb(-1, 0, srv);
}

void
tg_server_stop(tg_server *srv)
{
	if (atomic_exchange(&srv->stopping, 1))
		atomic_store(&srv->hurry, 1);
	event_active(srv->stop_ev, EV_READ, 0);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	tg_server *srv = arg;

	(void)what;
	if (sig == SIGHUP) {
		if (tg_log_reopen() != 0)
			tg_log(TG_LOG_ERROR, "server.log_reopen", NULL,
			    "cannot reopen the log file");
		else
			tg_log(TG_LOG_INFO, "server.log_reopen", NULL,
			    "log file reopened");
		return;
	}
	tg_log(TG_LOG_INFO, "server.signal", NULL, "received %s%s",
	    sig == SIGTERM ? "SIGTERM" : "SIGINT",
	    atomic_load(&srv->stopping) ? " again: ending the drain" : "");
	tg_server_stop(srv);
}

static void *
loop_main(void *arg)
{
	struct http_loop *loop = arg;

	if (event_base_loop(loop->base, EVLOOP_NO_EXIT_ON_EMPTY) < 0) {
		tg_log(TG_LOG_ERROR, "server.loop", NULL,
		    "event loop %d failed", loop->idx);
		tg_server_stop(loop->srv);
	}
	return NULL;
}

static void *
tick_main(void *arg)
{
	tg_server *srv = arg;
	struct timespec ts;

	pthread_mutex_lock(&srv->tick_mu);
	while (!srv->tick_stop) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += srv->tick_seconds;
		while (!srv->tick_stop &&
		    pthread_cond_timedwait(&srv->tick_cv, &srv->tick_mu, &ts) == 0)
			;
		if (srv->tick_stop)
			break;
		pthread_mutex_unlock(&srv->tick_mu);
		srv->tick_fn(srv->ctx);
		pthread_mutex_lock(&srv->tick_mu);
	}
	pthread_mutex_unlock(&srv->tick_mu);
	return NULL;
}

void
tg_server_set_tick(tg_server *srv, void (*fn)(tg_ctx *), int seconds)
{
	srv->tick_fn = fn;
	srv->tick_seconds = seconds > 0 ? seconds : 1;
}

const char *
tg_server_address(const tg_server *srv)
{
	return srv->addr;
}

/* --- creation and teardown --- */

static int
loop_init(tg_server *srv, struct http_loop *loop, int idx, int fd, int max_conn)
{
	const struct tg_config *cfg = &srv->ctx->cfg;
	struct evhttp_bound_socket *bound;

	loop->srv = srv;
	loop->idx = idx;
	loop->max_conn = max_conn;
	pthread_mutex_init(&loop->mu, NULL);
	if ((loop->base = event_base_new()) == NULL ||
	    (loop->http = evhttp_new(loop->base)) == NULL ||
	    (loop->wake_ev = event_new(loop->base, -1, EV_PERSIST, loop_wake_cb,
	    loop)) == NULL) {
		close(fd);
		return TG_ERR_NOMEM;
	}
	/*
	 * Every method reaches the router, which answers those without a
	 * route (OPTIONS, TRACE, HEAD, unknown ones) with a 405 problem and
	 * Allow; routes exist for GET, POST, PUT, DELETE and PATCH only.
	 */
	evhttp_set_allowed_methods(loop->http, 0xffff);
	evhttp_set_max_headers_size(loop->http, cfg->max_header_bytes);
	evhttp_set_max_body_size(loop->http, cfg->max_body_bytes);
	evhttp_set_timeout(loop->http, cfg->timeout_seconds);
	evhttp_set_gencb(loop->http, tg_http_request_cb, loop);
	evhttp_set_bevcb(loop->http, tg_http_bev_cb, loop);
	if ((bound = evhttp_accept_socket_with_handle(loop->http, fd)) == NULL) {
		close(fd);
		return TG_ERR_IO;
	}
	loop->listener = evhttp_bound_socket_get_listener(bound);
	return 0;
}

int
tg_server_new(tg_ctx *ctx, tg_server **out, char *err, size_t errlen)
{
	tg_server *srv = NULL;
	pthread_condattr_t ca;
	int *fds = NULL;
	int r, i, n, per;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((r = tg_http_conn_init()) != 0) {
		snprintf(err, errlen, "cannot initialise libevent threading");
		return r;
	}
	n = ctx->cfg.threads > 0 ? ctx->cfg.threads : 1;
	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return TG_ERR_NOMEM;
	}
	pthread_mutex_init(&srv->tick_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->tick_cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((srv->loops = calloc((size_t)n, sizeof(*srv->loops))) == NULL ||
	    (fds = calloc((size_t)n, sizeof(*fds))) == NULL) {
		r = TG_ERR_NOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	srv->ctx = ctx;
	if ((r = tg_tls_server_ctx(ctx->cfg.tls_certificate,
	    ctx->cfg.tls_private_key, &srv->ssl, err, errlen)) != 0)
		goto out;
	if ((r = tg_http_listen(ctx->cfg.listen, n, fds, srv->addr,
	    sizeof(srv->addr), err, errlen)) != 0)
		goto out;
	srv->nloops = n;
	per = ctx->cfg.max_connections / n;
	if (per < 1)
		per = 1;
	for (i = 0; i < n; i++) {
		if ((r = loop_init(srv, &srv->loops[i], i, fds[i], per)) != 0) {
			for (i = i + 1; i < n; i++)
				close(fds[i]);
			snprintf(err, errlen, "cannot set up event loop: %s",
			    tg_strerror(r));
			goto out;
		}
	}
	if ((srv->stop_ev = event_new(srv->loops[0].base, -1, EV_PERSIST,
	    stop_cb, srv)) == NULL ||
	    (srv->drain_ev = event_new(srv->loops[0].base, -1, EV_PERSIST,
	    drain_cb, srv)) == NULL ||
	    (srv->sig_term = evsignal_new(srv->loops[0].base, SIGTERM, signal_cb,
	    srv)) == NULL ||
	    (srv->sig_int = evsignal_new(srv->loops[0].base, SIGINT, signal_cb,
	    srv)) == NULL ||
	    (srv->sig_hup = evsignal_new(srv->loops[0].base, SIGHUP, signal_cb,
	    srv)) == NULL) {
		r = TG_ERR_NOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((r = tg_pool_new(ctx->cfg.workers, ctx->cfg.queue,
	    &ctx->metrics.pool_queued, &srv->pool)) != 0) {
		snprintf(err, errlen, "cannot start %d worker threads: %s",
		    ctx->cfg.workers, tg_strerror(r));
		goto out;
	}
	*out = srv;
	srv = NULL;
	r = 0;
out:
	free(fds);
	tg_server_free(srv);
	return r;
}

int
tg_server_run(tg_server *srv)
{
	sigset_t block, old;
	int i, r = 0;

	if (event_add(srv->sig_term, NULL) != 0 ||
	    event_add(srv->sig_int, NULL) != 0 ||
	    event_add(srv->sig_hup, NULL) != 0)
		return TG_ERR_INTERNAL;
	/* Helper threads take no signals; loop 0 (this thread) handles them. */
	sigfillset(&block);
	pthread_sigmask(SIG_SETMASK, &block, &old);
	if (srv->tick_fn != NULL &&
	    pthread_create(&srv->tick_thread, NULL, tick_main, srv) == 0)
		srv->tick_started = 1;
	for (i = 1; i < srv->nloops; i++) {
		if (pthread_create(&srv->loops[i].thread, NULL, loop_main,
		    &srv->loops[i]) != 0) {
			r = TG_ERR_INTERNAL;
			break;
		}
		srv->loops[i].thread_started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		tg_log(TG_LOG_ERROR, "server.start", NULL,
		    "cannot start event-loop threads");
		tg_server_stop(srv);
	}
	tg_log(TG_LOG_INFO, "server.start", NULL,
	    "listening on https://%s (%d event loops, %d workers, queue %d)",
	    srv->addr, srv->nloops, srv->ctx->cfg.workers, srv->ctx->cfg.queue);
	if (event_base_loop(srv->loops[0].base, EVLOOP_NO_EXIT_ON_EMPTY) < 0) {
		r = TG_ERR_INTERNAL;
		server_exit_loops(srv);
	}
	for (i = 1; i < srv->nloops; i++)
		if (srv->loops[i].thread_started) {
			pthread_join(srv->loops[i].thread, NULL);
			srv->loops[i].thread_started = 0;
		}
	/* Running jobs finish, queued ones are answered 503. */
	tg_pool_free(srv->pool);
	srv->pool = NULL;
	for (i = 0; i < srv->nloops; i++) {
		struct http_loop *loop = &srv->loops[i];

		if (!loop->accept_stopped) {
			loop->accept_stopped = 1;
			tg_http_listener_update(loop);
		}
		tg_http_loop_flush(loop);
		/* One non-blocking pass to push the last replies out. */
		event_base_loop(loop->base, EVLOOP_NONBLOCK);
	}
	if (srv->tick_started) {
		pthread_mutex_lock(&srv->tick_mu);
		srv->tick_stop = 1;
		pthread_cond_broadcast(&srv->tick_cv);
		pthread_mutex_unlock(&srv->tick_mu);
		pthread_join(srv->tick_thread, NULL);
		srv->tick_started = 0;
	}
	if (srv->tick_fn != NULL)
		srv->tick_fn(srv->ctx);
	tg_log(TG_LOG_INFO, "server.stopped", NULL, "stopped");
	return r;
}

void
tg_server_free(tg_server *srv)
{
	int i;

	if (srv == NULL)
		return;
	/* tg_server_run has joined every thread; this is only for the error paths. */
	tg_pool_free(srv->pool);
	srv->pool = NULL;
	if (srv->sig_term != NULL)
		event_free(srv->sig_term);
	if (srv->sig_int != NULL)
		event_free(srv->sig_int);
	if (srv->sig_hup != NULL)
		event_free(srv->sig_hup);
	if (srv->stop_ev != NULL)
		event_free(srv->stop_ev);
	if (srv->drain_ev != NULL)
		event_free(srv->drain_ev);
	for (i = 0; srv->loops != NULL && i < srv->nloops; i++) {
		struct http_loop *loop = &srv->loops[i];

		if (loop->srv == NULL)
			continue;
		if (loop->wake_ev != NULL)
			tg_http_loop_flush(loop);
		loop->closing = 1;
		if (loop->http != NULL)
			evhttp_free(loop->http);
		if (loop->wake_ev != NULL)
			event_free(loop->wake_ev);
		if (loop->base != NULL)
			event_base_free(loop->base);
		pthread_mutex_destroy(&loop->mu);
	}
	SSL_CTX_free(srv->ssl);
	pthread_cond_destroy(&srv->tick_cv);
	pthread_mutex_destroy(&srv->tick_mu);
	free(srv->loops);
	free(srv);
}
