/*
 * Delivery of owner notifications (AUTH-15, AUD-07, DATA-03).
 *
 * Services only queue messages in the outbox, inside their own
 * transaction (tg_db_outbox_insert): a login never waits for a mail
 * server.  One background thread (worker.c) then, every
 * notify.poll_seconds:
 *   1. routes new outbox messages: one delivery per channel that applies
 *      (email if notify.smtp_url is set and the customer has an address;
 *      the webhook if notify.webhook_url is set; a one-time code goes only
 *      to the channel it was issued for);
 *   2. claims due deliveries with a lease (store_notify.h) and sends them:
 *      email over SMTP (smtp.c), JSON over HTTPS signed with HMAC-SHA-256
 *      (webhook.c);
 *   3. records every attempt; a failure is retried after
 *      retry_base_seconds * 2^(attempts - 1) (at most a day), and after
 *      1 + retry_max attempts the delivery is "failed" and an ERROR line
 *      "notify.failed" is logged.
 * Due times follow the context clock (tests move it); waiting between
 * passes uses the monotonic clock.
 *
 * Never logged or stored outside the message itself: the one-time code,
 * the full phone number and address, the message text, the SMTP password.
 */
#ifndef TG_NOTIFY_NOTIFY_H
#define TG_NOTIFY_NOTIFY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "service/ctx.h"

#define TG_NOTIFY_DETAIL_MAX 256	/* attempt detail, incl. NUL */
#define TG_NOTIFY_SIG_HEX 64		/* hex HMAC-SHA-256 */

typedef struct tg_notify tg_notify;

/*
 * Check the [notify] options that the table cannot: URL schemes (smtp://,
 * smtps://, https:// only), plain SMTP only to a loopback relay, a user
 * name only with a password file, a usable sender address.  0 or
 * TG_ERR_CONFIG with the reason in err.
 */
int tg_notify_check_config(const struct tg_config *cfg, char *err,
    size_t errlen) __attribute__((warn_unused_result));

/*
 * Start the worker thread (signals blocked in it).  ctx is borrowed and
 * must outlive tg_notify_stop.  Returns 0, TG_ERR_CONFIG (reason logged),
 * TG_ERR_NOMEM or TG_ERR_INTERNAL.  *out is owned by the caller.
 */
int tg_notify_start(tg_ctx *ctx, tg_notify **out)
    __attribute__((warn_unused_result));
/* Wake the worker now (after queueing, or in tests).  NULL-safe. */
void tg_notify_kick(tg_notify *n);
/*
 * Stop: a transfer in progress is aborted, the thread joined, n freed.
 * NULL-safe.
 */
void tg_notify_stop(tg_notify *n);

/*
 * One pass on the calling thread (route, claim and send what is due), as
 * the worker does; for tests and tools.  stop may be NULL; when it becomes
 * non-zero, transfers abort.  *attempted (may be NULL) receives the number of
 * deliveries attempted.  0 or the store error that ended the pass.
 */
int tg_notify_run_once(tg_ctx *ctx, const atomic_int *stop, int *attempted);

/* --- transports (smtp.c, webhook.c); detail gets a short printable result --- */

struct tg_mail {
	const char *to;		/* addr-spec, ASCII */
	const char *subject;	/* UTF-8, one line */
	const char *body;	/* UTF-8, '\n' line ends */
	const char *locale;	/* Content-Language */
	int64_t date_ms;	/* Date: header */
	int64_t id;		/* goes into the Message-ID */
};

/*
 * The RFC 5322 message for m from `from` (the notify.smtp_from value,
 * "Name <addr>" or "addr"): Date, From, To, Subject (RFC 2047 UTF-8
 * encoded words when not plain ASCII), Message-ID, MIME-Version,
 * Content-Type text/plain; charset=UTF-8, Content-Transfer-Encoding base64,
 * CRLF line ends.  *out is malloc'd (it holds the message text: the caller
 * wipes and frees it with tg_notify_buf_free).  TG_ERR_INVALID for an
 * unusable address or header text.
 */
int tg_mail_format(const char *from, const struct tg_mail *m, char **out,
    size_t *outlen) __attribute__((warn_unused_result));

/* The addr-spec of "Name <addr>" or "addr" into buf.  0 or TG_ERR_INVALID. */
int tg_mail_address(const char *from, char *buf, size_t len)
    __attribute__((warn_unused_result));

/*
 * Send m by SMTP as configured (notify.smtp_*).  0 when the server
 * accepted it; TG_ERR_IO (transport or server refusal: retry),
 * TG_ERR_INVALID (this message can never be sent), TG_ERR_PERM /
 * TG_ERR_CONFIG (password file).
 */
int tg_smtp_send(tg_ctx *ctx, const struct tg_mail *m, const atomic_int *stop,
    char *detail, size_t detaillen) __attribute__((warn_unused_result));

/*
 * "v1=" + hex HMAC-SHA-256 under key "webhook" over "<ts>.<body>" into
 * sig (>= TG_NOTIFY_SIG_HEX + 4 bytes).  0, TG_ERR_NOT_FOUND (no webhook
 * key) or TG_ERR_NOMEM.
 */
int tg_webhook_sign(const tg_keys *keys, int64_t ts, const char *body,
    size_t len, char *sig, size_t siglen) __attribute__((warn_unused_result));

/*
 * POST body (JSON) to notify.webhook_url with X-TradeGuard-Timestamp (ts,
 * Unix seconds) and X-TradeGuard-Signature.  0 on a 2xx answer; TG_ERR_IO
 * otherwise (retry); TG_ERR_NOT_FOUND without a webhook key.
 */
int tg_webhook_post(tg_ctx *ctx, const char *body, size_t len, int64_t ts,
    const atomic_int *stop, char *detail, size_t detaillen)
    __attribute__((warn_unused_result));

/* Wipe len bytes of p and free it.  NULL-safe. */
void tg_notify_buf_free(char *p, size_t len);

#endif
