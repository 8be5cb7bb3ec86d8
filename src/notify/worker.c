/*
 * The delivery worker: routes outbox messages to channels, claims due
 * deliveries, renders and sends them, and records every attempt
 * (AUTH-15, AUD-07).  See notify.h for the whole cycle.
 */
#include "notify/notify_int.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include <tradeguard/error.h>

#include "core/log.h"
#include "core/mask.h"
#include "core/util.h"
#include "crypto/encode.h"
#include "notify/templates.h"
#include "store/store_notify.h"

#define ROUTE_BATCH 32			/* outbox messages routed per query */
#define ROUTE_ROUNDS 8			/* queries per pass */
#define SEND_BATCH 4			/* deliveries claimed at once */
#define SEND_ROUNDS 16			/* claims per pass */
/* Long enough for the whole batch even if every transfer times out. */
#define LEASE_MS ((int64_t)SEND_BATCH * (TG_NOTIFY_TIMEOUT_S + 10) * 1000)
#define BACKOFF_MAX_S 86400		/* longest wait between attempts */

#define EV_OTP "otp.code"
#define OTP_AAD "otp.code"		/* what factor.c binds a sealed code to */
#define CODE_MAX 16
#define SEALED_B64_MAX 256

struct tg_notify {
	tg_ctx *ctx;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* CLOCK_MONOTONIC */
	int kicked;			/* under mu */
	atomic_int stop;
};

/*
 * The fields of an outbox payload the texts use.  A one-time code comes
 * either sealed under a data key (code_sealed, base64url: what the factor
 * service queues, so the database never holds it in clear) or as "code";
 * code is wiped after use.
 */
struct payload {
	char locale[16];
	char reason[64];
	char src[64];
	char code[CODE_MAX];
	char code_sealed[SEALED_B64_MAX];
	int64_t expires_at;		/* otp.code: 0 if not given */
	char purpose[32];
	char channel[8];		/* otp.code: "sms" or "email" */
	char name[256];
};

/* --- configuration --- */

/* scheme and host of url (host without IPv6 brackets); no credentials allowed. */
static int
url_parts(const char *url, char *scheme, size_t slen, char *host, size_t hlen)
{
	CURLU *u = NULL;
	char *s = NULL, *h = NULL, *user = NULL, *pw = NULL;
	size_t n;
	int r = TG_ERR_CONFIG;

	if ((u = curl_url()) == NULL)
		return TG_ERR_NOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &s, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK)
		goto out;		/* credentials belong in their own options */
	n = strlen(h);
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h[n - 1] = '\0';
		memmove(h, h + 1, n - 1);
	}
	if (h[0] == '\0' || strlen(s) >= slen || strlen(h) >= hlen)
		goto out;
	snprintf(scheme, slen, "%s", s);
	snprintf(host, hlen, "%s", h);
	r = 0;
out:
	if (pw != NULL)
		sodium_memzero(pw, strlen(pw));
	curl_free(s);
	curl_free(h);
	curl_free(user);
	curl_free(pw);
	curl_url_cleanup(u);
	return r;
}

int
tg_notify_check_config(const struct tg_config *cfg, char *err, size_t errlen)
{
	char scheme[16], host[256], addr[320];

	if (cfg->notify_smtp_url[0] != '\0') {
		if (url_parts(cfg->notify_smtp_url, scheme, sizeof(scheme), host,
		    sizeof(host)) != 0 || (strcasecmp(scheme, "smtp") != 0 &&
		    strcasecmp(scheme, "smtps") != 0)) {
			tg_errf(err, errlen, "[notify] smtp_url: must be "
			    "smtp://HOST[:PORT] or smtps://HOST[:PORT], without "
			    "credentials");
			return TG_ERR_CONFIG;
		}
		if (strcasecmp(scheme, "smtp") == 0 && !cfg->notify_smtp_starttls &&
		    !tg_notify_host_loopback(host)) {
			tg_errf(err, errlen, "[notify] smtp_starttls = false is "
			    "allowed only for a relay on this host (127.0.0.1, "
			    "::1, localhost)");
			return TG_ERR_CONFIG;
		}
		if (tg_mail_address(cfg->notify_smtp_from, addr,
		    sizeof(addr)) != 0) {
			tg_errf(err, errlen, "[notify] smtp_from: not an address "
			    "(\"Name <user@example.com>\" or user@example.com)");
			return TG_ERR_CONFIG;
		}
		if (cfg->notify_smtp_username[0] != '\0' &&
		    cfg->notify_smtp_password_file[0] == '\0') {
			tg_errf(err, errlen, "[notify] smtp_username needs "
			    "smtp_password_file");
			return TG_ERR_CONFIG;
		}
	}
	if (cfg->notify_webhook_url[0] != '\0' &&
	    (url_parts(cfg->notify_webhook_url, scheme, sizeof(scheme), host,
	    sizeof(host)) != 0 || strcasecmp(scheme, "https") != 0)) {
		tg_errf(err, errlen, "[notify] webhook_url: must be "
		    "https://HOST[:PORT]/PATH, without credentials");
		return TG_ERR_CONFIG;
	}
	return 0;
}

/* --- payloads --- */

static void
payload_str(json_t *o, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(o, key);
	const char *s;

	buf[0] = '\0';
	if (!json_is_string(v))
		return;
	s = json_string_value(v);
	if (strlen(s) < len)
		memcpy(buf, s, strlen(s) + 1);
}

static int
payload_parse(const char *text, struct payload *p)
{
	json_error_t jerr;
	json_t *o;

	memset(p, 0, sizeof(*p));
	if ((o = json_loads(text, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return TG_ERR_INVALID;
	if (!json_is_object(o)) {
		json_decref(o);
		return TG_ERR_INVALID;
	}
	payload_str(o, "locale", p->locale, sizeof(p->locale));
	payload_str(o, "reason", p->reason, sizeof(p->reason));
	payload_str(o, "src", p->src, sizeof(p->src));
	payload_str(o, "code", p->code, sizeof(p->code));
	payload_str(o, "code_sealed", p->code_sealed, sizeof(p->code_sealed));
	if (json_is_integer(json_object_get(o, "expires_at")))
		p->expires_at = (int64_t)json_integer_value(json_object_get(o,
		    "expires_at"));
	payload_str(o, "purpose", p->purpose, sizeof(p->purpose));
	payload_str(o, "channel", p->channel, sizeof(p->channel));
	payload_str(o, "name", p->name, sizeof(p->name));
	json_decref(o);
	return 0;
}

static int
is_otp(const char *event)
{
	return strcmp(event, EV_OTP) == 0;
}

/* A code past its expiry (the payload's, else created_at + otp.ttl_seconds). */
static int
otp_expired(const tg_ctx *ctx, const struct tg_outbox_rec *o,
    const struct payload *p, int64_t now)
{
	if (p->expires_at > 0)
		return now >= p->expires_at;
	return now - o->created_at > (int64_t)ctx->cfg.otp_ttl_seconds * 1000;
}

/* Fill p->code from p->code_sealed if the code came sealed.  0 or TG_ERR_*. */
static int
payload_open_code(const tg_ctx *ctx, struct payload *p)
{
	uint8_t sealed[SEALED_B64_MAX], pt[CODE_MAX];
	size_t slen = 0, ptlen = 0;
	int r;

	if (p->code[0] != '\0' || p->code_sealed[0] == '\0')
		return 0;
	if ((r = tg_b64url_decode(p->code_sealed, strlen(p->code_sealed),
	    sealed, sizeof(sealed), &slen)) != 0 ||
	    (r = tg_keys_open(ctx->keys, OTP_AAD, strlen(OTP_AAD), sealed, slen,
	    pt, sizeof(pt) - 1, &ptlen)) != 0)
		goto out;
	memcpy(p->code, pt, ptlen);
	p->code[ptlen] = '\0';
out:
	sodium_memzero(pt, sizeof(pt));
	sodium_memzero(sealed, sizeof(sealed));
	return r;
}

/* --- routing --- */

static void
add_email(struct tg_delivery_new *d, int *n, const struct tg_customer *c)
{
	d[*n].channel = "email";
	(void)tg_mask_email(c->email, d[*n].recipient, sizeof(d[*n].recipient));
	(*n)++;
}

static void
add_webhook(struct tg_delivery_new *d, int *n, const struct tg_customer *c)
{
	d[*n].channel = "webhook";
	if (c->phone[0] != '\0')
		(void)tg_mask_phone(c->phone, d[*n].recipient,
		    sizeof(d[*n].recipient));
	else
		(void)tg_mask_login(c->login, d[*n].recipient,
		    sizeof(d[*n].recipient));
	(*n)++;
}

/* Decide the channels of one outbox message and create its deliveries. */
static int
route_one(tg_ctx *ctx, tg_db *db, const struct tg_outbox_rec *o, int64_t now)
{
	const struct tg_config *cfg = &ctx->cfg;
	int mail = cfg->notify_smtp_url[0] != '\0';
	int hook = cfg->notify_webhook_url[0] != '\0';
	struct tg_delivery_new d[2];
	struct tg_customer c;
	struct payload p;
	const char *status = "routed";
	int r, n = 0;

	memset(d, 0, sizeof(d));
	memset(&p, 0, sizeof(p));
	r = tg_db_customer_by_id(db, o->customer_id, &c);
	if (r == TG_ERR_NOT_FOUND)
		status = "skipped";		/* customer deleted since */
	else if (r != 0)
		goto out;
	else if (is_otp(o->event)) {
		/* A code goes only where it was promised, and only while valid. */
		(void)payload_parse(o->payload, &p);
		if (otp_expired(ctx, o, &p, now))
			status = "expired";
		else if (strcmp(p.channel, "email") == 0 && mail &&
		    c.email[0] != '\0')
			add_email(d, &n, &c);
		else if (strcmp(p.channel, "sms") == 0 && hook &&
		    c.phone[0] != '\0')
			add_webhook(d, &n, &c);
	} else {
		if (mail && c.email[0] != '\0')
			add_email(d, &n, &c);
		if (hook)
			add_webhook(d, &n, &c);
	}
	if (n == 0 && strcmp(status, "routed") == 0)
		status = "skipped";
	r = tg_db_delivery_route(db, o->id, status, d, n, now);
	if (r == TG_ERR_EXISTS)
		r = 0;				/* another worker was first */
out:
	sodium_memzero(&p, sizeof(p));
	sodium_memzero(&c, sizeof(c));
	return r;
}

static int
route_pending(tg_ctx *ctx, tg_db *db)
{
	struct tg_outbox_rec *rows;
	int r = 0, n = 0, i, round;

	if ((rows = calloc(ROUTE_BATCH, sizeof(*rows))) == NULL)
		return TG_ERR_NOMEM;
	for (round = 0; round < ROUTE_ROUNDS; round++) {
		if ((r = tg_db_outbox_unrouted(db, rows, ROUTE_BATCH, &n)) != 0)
			break;
		for (i = 0; i < n; i++) {
			if ((r = route_one(ctx, db, &rows[i],
			    tg_clock_now_ms(&ctx->clock))) != 0) {
				tg_log(TG_LOG_WARN, "notify.route_failed", NULL,
				    "outbox %lld: %s", (long long)rows[i].id,
				    tg_strerror(r));
				break;
			}
		}
		sodium_memzero(rows, sizeof(*rows) * ROUTE_BATCH);
		if (r != 0 || n < ROUTE_BATCH)
			break;
	}
	free(rows);
	return r;
}

/* --- sending --- */

struct attempt {
	tg_ctx *ctx;
	const atomic_int *stop;
	const struct tg_delivery_rec *d;
	struct tg_customer c;
	struct payload p;
	struct tg_tpl_msg msg;
	int64_t now;
	int permanent;			/* retrying cannot help */
	char detail[TG_NOTIFY_DETAIL_MAX];
};

static int
send_email(struct attempt *a)
{
	struct tg_mail m;
	int r;

	if (a->c.email[0] == '\0') {
		a->permanent = 1;
		snprintf(a->detail, sizeof(a->detail), "no email address");
		return TG_ERR_INVALID;
	}
	memset(&m, 0, sizeof(m));
	m.to = a->c.email;
	m.subject = a->msg.subject;
	m.body = a->msg.body;
	m.locale = a->msg.locale;
	m.date_ms = a->now;
	m.id = a->d->id;
	r = tg_smtp_send(a->ctx, &m, a->stop, a->detail, sizeof(a->detail));
	if (r == TG_ERR_INVALID)
		a->permanent = 1;
	return r;
}

static int
send_webhook(struct attempt *a)
{
	const struct tg_delivery_rec *d = a->d;
	char created[32];
	const char *channel;
	json_t *j = NULL;
	char *body = NULL;
	size_t len = 0;
	int r;

	if (is_otp(d->msg.event) && a->c.phone[0] == '\0') {
		a->permanent = 1;
		snprintf(a->detail, sizeof(a->detail), "no phone number");
		return TG_ERR_INVALID;
	}
	channel = a->c.phone[0] != '\0' ? "sms" : "push";
	tg_time_format(d->msg.created_at, created, sizeof(created));
	j = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
	    "id", (json_int_t)d->id, "event", d->msg.event,
	    "customer_login", a->c.login, "channel", channel,
	    "locale", a->msg.locale, "subject", a->msg.subject,
	    "text", a->msg.text, "created_at", created);
	if (j == NULL || (a->c.phone[0] != '\0' &&
	    json_object_set_new(j, "to", json_string(a->c.phone)) != 0)) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	if ((body = json_dumps(j, JSON_COMPACT)) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	len = strlen(body);
	r = tg_webhook_post(a->ctx, body, len, a->now / 1000, a->stop,
	    a->detail, sizeof(a->detail));
	if (r == TG_ERR_CONFIG)
		a->permanent = 1;
out:
	if (r == TG_ERR_NOMEM)
		snprintf(a->detail, sizeof(a->detail), "out of memory");
	tg_notify_buf_free(body, len);
	json_decref(j);
	return r;
}

/* Prepare and send one claimed delivery; a->detail says what happened. */
static int
attempt_send(struct attempt *a, tg_db *db)
{
	const struct tg_delivery_rec *d = a->d;
	struct tg_tpl_vars v;
	int r;

	/* Without its payload a notice is still worth sending, a code is not. */
	if (payload_parse(d->msg.payload, &a->p) != 0 && is_otp(d->msg.event)) {
		a->permanent = 1;
		snprintf(a->detail, sizeof(a->detail), "malformed payload");
		return TG_ERR_INVALID;
	}
	if ((r = tg_db_customer_by_id(db, d->msg.customer_id, &a->c)) != 0) {
		a->permanent = r == TG_ERR_NOT_FOUND;
		snprintf(a->detail, sizeof(a->detail), "customer: %s",
		    tg_strerror(r));
		return r;
	}
	if (is_otp(d->msg.event) && otp_expired(a->ctx, &d->msg, &a->p, a->now)) {
		a->permanent = 1;
		snprintf(a->detail, sizeof(a->detail), "code expired");
		return TG_ERR_EXPIRED;
	}
	if (is_otp(d->msg.event) &&
	    (r = payload_open_code(a->ctx, &a->p)) != 0) {
		a->permanent = 1;
		snprintf(a->detail, sizeof(a->detail), "code cannot be opened: %s",
		    tg_strerror(r));
		return r;
	}
	memset(&v, 0, sizeof(v));
	v.login = a->c.login;
	v.phone = a->c.phone;
	v.email = a->c.email;
	v.src = a->p.src;
	v.code = a->p.code;
	v.purpose = a->p.purpose;
	v.reason = a->p.reason;
	v.name = a->p.name;
	v.time_ms = d->msg.created_at;
	if ((r = tg_tpl_render(d->msg.event, a->p.locale[0] != '\0' ?
	    a->p.locale : a->c.locale, &v, &a->msg)) != 0) {
		a->permanent = 1;
		snprintf(a->detail, sizeof(a->detail), "cannot render: %s",
		    tg_strerror(r));
		return r;
	}
	if (strcmp(d->channel, "email") == 0)
		return send_email(a);
	return send_webhook(a);
}

/* base * 2^(attempts - 1) seconds, at most BACKOFF_MAX_S, in ms. */
static int64_t
backoff_ms(int base_s, int attempts)
{
	int64_t s = base_s > 0 ? base_s : 1;
	int i;

	for (i = 1; i < attempts && s < BACKOFF_MAX_S; i++)
		s *= 2;
	return (s < BACKOFF_MAX_S ? s : BACKOFF_MAX_S) * 1000;
}

/* Remove the code from a detail text, should a server ever echo it. */
static void
detail_scrub(char *detail, const char *code)
{
	size_t n = strlen(code);
	char *p;

	if (n == 0)
		return;
	while ((p = strstr(detail, code)) != NULL)
		memset(p, '*', n);
}

static void
deliver(tg_ctx *ctx, tg_db *db, const struct tg_delivery_rec *d,
    const atomic_int *stop)
{
	struct tg_delivery_result res;
	struct attempt *a;
	int r, attempts = d->attempts + 1, aborted;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return;				/* the lease runs out: retried */
	a->ctx = ctx;
	a->stop = stop;
	a->d = d;
	a->now = tg_clock_now_ms(&ctx->clock);
	r = attempt_send(a, db);
	if (r == TG_ERR_STORE || r == TG_ERR_BUSY)
		goto out;			/* not an attempt: the lease runs out */
	detail_scrub(a->detail, a->p.code);
	tg_notify_printable(a->detail);
	aborted = stop != NULL && atomic_load(stop) && r == TG_ERR_IO &&
	    !a->permanent;
	memset(&res, 0, sizeof(res));
	res.ok = r == 0;
	res.detail = a->detail;
	if (r == 0) {
		res.status = "sent";
		atomic_fetch_add(&ctx->metrics.notify_sent, 1);
		tg_log(TG_LOG_INFO, "notify.sent", NULL,
		    "delivery %lld (%s, %s) to %s: %s", (long long)d->id,
		    d->msg.event, d->channel, d->recipient, a->detail);
	} else if (aborted) {
		res.status = "pending";		/* interrupted by shutdown */
		res.next_attempt_at = a->now;
		atomic_fetch_add(&ctx->metrics.notify_attempt_failures, 1);
	} else if (a->permanent || attempts > ctx->cfg.notify_retry_max) {
		res.status = "failed";
		atomic_fetch_add(&ctx->metrics.notify_attempt_failures, 1);
		atomic_fetch_add(&ctx->metrics.notify_failed, 1);
		tg_log(TG_LOG_ERROR, "notify.failed", NULL,
		    "delivery %lld (%s, %s) to %s failed after %d attempt%s: %s",
		    (long long)d->id, d->msg.event, d->channel, d->recipient,
		    attempts, attempts == 1 ? "" : "s", a->detail);
	} else {
		res.status = "pending";
		res.next_attempt_at = a->now +
		    backoff_ms(ctx->cfg.notify_retry_base_seconds, attempts);
		atomic_fetch_add(&ctx->metrics.notify_attempt_failures, 1);
		tg_log(TG_LOG_WARN, "notify.retry", NULL,
		    "delivery %lld (%s, %s) attempt %d failed, retry in %llds: %s",
		    (long long)d->id, d->msg.event, d->channel, attempts,
		    (long long)((res.next_attempt_at - a->now) / 1000),
		    a->detail);
	}
	if ((r = tg_db_delivery_record(db, d->id, a->now, &res)) != 0)
		tg_log(TG_LOG_ERROR, "notify.record_failed", NULL,
		    "delivery %lld: attempt not recorded: %s", (long long)d->id,
		    tg_strerror(r));
out:
	sodium_memzero(a, sizeof(*a));
	free(a);
}

int
tg_notify_run_once(tg_ctx *ctx, const atomic_int *stop, int *attempted)
{
	struct tg_delivery_rec *recs = NULL;
	tg_db *db;
	int r, n = 0, i, round, count = 0;

	if (attempted != NULL)
		*attempted = 0;
	if ((db = tg_store_db(ctx->store)) == NULL)
		return TG_ERR_STORE;
	if ((r = route_pending(ctx, db)) != 0)
		tg_log(TG_LOG_WARN, "notify.route_failed", NULL,
		    "routing outbox messages failed: %s", tg_strerror(r));
	if ((recs = calloc(SEND_BATCH, sizeof(*recs))) == NULL)
		return TG_ERR_NOMEM;
	for (round = 0; round < SEND_ROUNDS; round++) {
		if (stop != NULL && atomic_load(stop))
			break;
		if ((r = tg_db_delivery_claim(db, tg_clock_now_ms(&ctx->clock),
		    LEASE_MS, SEND_BATCH, recs, &n)) != 0 || n == 0)
			break;
		/* Claimed but not sent at a stop: sent after the lease, by us or another node. */
		for (i = 0; i < n && !(stop != NULL && atomic_load(stop)); i++) {
			deliver(ctx, db, &recs[i], stop);
			count++;
		}
		sodium_memzero(recs, sizeof(*recs) * SEND_BATCH);
		if (n < SEND_BATCH)
			break;
	}
	sodium_memzero(recs, sizeof(*recs) * SEND_BATCH);
	free(recs);
	if (attempted != NULL)
		*attempted = count;
	return r;
}

/* --- the thread --- */

static void *
worker_main(void *arg)
{
	tg_notify *nt = arg;
	struct timespec ts;
	int r;

	pthread_mutex_lock(&nt->mu);
	while (!atomic_load(&nt->stop)) {
		nt->kicked = 0;
		pthread_mutex_unlock(&nt->mu);
		if ((r = tg_notify_run_once(nt->ctx, &nt->stop, NULL)) != 0)
			tg_log(TG_LOG_WARN, "notify.pass_failed", NULL,
			    "delivery pass failed: %s", tg_strerror(r));
		pthread_mutex_lock(&nt->mu);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += nt->ctx->cfg.notify_poll_seconds;
		while (!atomic_load(&nt->stop) && !nt->kicked)
			if (pthread_cond_timedwait(&nt->cv, &nt->mu, &ts) ==
			    ETIMEDOUT)
				break;
	}
	pthread_mutex_unlock(&nt->mu);
	return NULL;
}

int
tg_notify_start(tg_ctx *ctx, tg_notify **out)
{
	char err[512] = "";
	pthread_condattr_t ca;
	sigset_t all, old;
	tg_notify *nt = NULL;
	int r, mu_ok = 0, cv_ok = 0;

	*out = NULL;
	if (ctx == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_notify_check_config(&ctx->cfg, err, sizeof(err))) != 0) {
		tg_log(TG_LOG_ERROR, "notify.config", NULL, "%s", err);
		return r;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return TG_ERR_INTERNAL;
	if (ctx->cfg.notify_webhook_url[0] != '\0' &&
	    !tg_keys_has(ctx->keys, "webhook"))
		tg_log(TG_LOG_WARN, "notify.config", NULL,
		    "no \"webhook\" key in %s: webhook deliveries will fail "
		    "until it exists", ctx->cfg.keys_dir);
	if ((nt = calloc(1, sizeof(*nt))) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	nt->ctx = ctx;
	atomic_init(&nt->stop, 0);
	if (pthread_mutex_init(&nt->mu, NULL) != 0) {
		r = TG_ERR_INTERNAL;
		goto out;
	}
	mu_ok = 1;
	if (pthread_condattr_init(&ca) != 0) {
		r = TG_ERR_INTERNAL;
		goto out;
	}
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&nt->cv, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		r = TG_ERR_INTERNAL;
		goto out;
	}
	pthread_condattr_destroy(&ca);
	cv_ok = 1;
	/* The worker takes no signals: the server's loop handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&nt->thread, NULL, worker_main, nt);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		r = TG_ERR_INTERNAL;
		goto out;
	}
	tg_log(TG_LOG_INFO, "notify.start", NULL,
	    "notification worker started: email %s, webhook %s, every %d s",
	    ctx->cfg.notify_smtp_url[0] != '\0' ? "on" : "off",
	    ctx->cfg.notify_webhook_url[0] != '\0' ? "on" : "off",
	    ctx->cfg.notify_poll_seconds);
	*out = nt;
	nt = NULL;
	r = 0;
out:
	if (nt != NULL) {
		if (cv_ok)
			pthread_cond_destroy(&nt->cv);
		if (mu_ok)
			pthread_mutex_destroy(&nt->mu);
		free(nt);
		curl_global_cleanup();
	}
	return r;
}

void
tg_notify_kick(tg_notify *nt)
{
	if (nt == NULL)
		return;
	pthread_mutex_lock(&nt->mu);
	nt->kicked = 1;
	pthread_cond_signal(&nt->cv);
	pthread_mutex_unlock(&nt->mu);
}

void
tg_notify_stop(tg_notify *nt)
{
	if (nt == NULL)
		return;
	pthread_mutex_lock(&nt->mu);
	atomic_store(&nt->stop, 1);
	pthread_cond_signal(&nt->cv);
	pthread_mutex_unlock(&nt->mu);
	pthread_join(nt->thread, NULL);
	pthread_cond_destroy(&nt->cv);
	pthread_mutex_destroy(&nt->mu);
	free(nt);
	curl_global_cleanup();
	tg_log(TG_LOG_INFO, "notify.stop", NULL, "notification worker stopped");
}
