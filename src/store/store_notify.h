/*
 * Storage of notification deliveries (AUTH-15, AUD-07): part of the
 * storage interface (see store.h); implemented in sqlite/sqlite_delivery.c.
 *
 * An outbox message (tg_db_outbox_insert) is routed once: the delivery
 * worker decides its channels and creates one delivery row per channel
 * ("email", "webhook"), then marks the outbox row routed.  Deliveries are
 * claimed with a lease (their next_attempt_at moves past the lease in the
 * same atomic UPDATE), so that two workers, on one node or several, never
 * send the same message at the same time; if a worker dies the lease ends
 * and another one retries.  Every attempt is kept in delivery_attempt.
 *
 * Recipients are stored masked; attempt details never hold message text.
 * Times are milliseconds since the epoch (UTC).
 */
#ifndef TG_STORE_STORE_NOTIFY_H
#define TG_STORE_STORE_NOTIFY_H

#include <stdint.h>

#include "store/store.h"

#define TG_OUTBOX_EVENT_LEN 64		/* longest event name */
#define TG_OUTBOX_PAYLOAD_LEN 4095	/* longest payload the worker reads */
#define TG_DELIVERY_RECIPIENT_LEN 319	/* masked recipient */
#define TG_DELIVERY_DETAIL_LEN 255	/* attempt detail, last error */

/* One outbox message.  payload may hold a one-time code: wipe it after use. */
struct tg_outbox_rec {
	int64_t id;
	int64_t customer_id;
	char event[TG_OUTBOX_EVENT_LEN + 1];
	char payload[TG_OUTBOX_PAYLOAD_LEN + 1];	/* JSON text */
	int64_t created_at;
};

/* A delivery to create. */
struct tg_delivery_new {
	const char *channel;				/* "email" or "webhook" */
	char recipient[TG_DELIVERY_RECIPIENT_LEN + 1];	/* masked */
};

struct tg_delivery_rec {
	int64_t id;
	int64_t outbox_id;
	char channel[8];				/* "email" or "webhook" */
	char recipient[TG_DELIVERY_RECIPIENT_LEN + 1];
	char status[8];					/* "pending", "sent", "failed" */
	int attempts;					/* made so far */
	int64_t next_attempt_at;
	int64_t delivered_at;				/* 0 until sent */
	char last_error[TG_DELIVERY_DETAIL_LEN + 1];
	struct tg_outbox_rec msg;			/* filled by claim only */
};

/* The outcome of one attempt, as the worker decided it. */
struct tg_delivery_result {
	int ok;				/* 1: delivered */
	const char *status;		/* new status: "sent", "pending", "failed" */
	int64_t next_attempt_at;	/* when status is "pending" */
	const char *detail;		/* short, printable, no secrets (cut to fit) */
};

/*
 * Up to max outbox messages that were never routed (status 'pending' and no
 * delivery yet), oldest first, into out[]; *n receives the count.  A
 * payload longer than TG_OUTBOX_PAYLOAD_LEN is TG_ERR_STORE.
 */
int tg_db_outbox_unrouted(tg_db *db, struct tg_outbox_rec *out, int max, int *n)
    __attribute__((warn_unused_result));

/*
 * Route one outbox message, atomically: set the outbox row's status to
 * outbox_status ("routed" when n > 0, else "skipped" or "expired") and
 * insert the n deliveries, pending and due at now.  TG_ERR_EXISTS (nothing
 * changed) if another worker routed it first.
 */
int tg_db_delivery_route(tg_db *db, int64_t outbox_id, const char *outbox_status,
    const struct tg_delivery_new *d, int n, int64_t now)
    __attribute__((warn_unused_result));

/*
 * Claim up to max pending deliveries due at now (next_attempt_at <= now),
 * earliest first: in one UPDATE, their next_attempt_at becomes now +
 * lease_ms so that no other worker claims them meanwhile.  Fills out[] with
 * the deliveries and their outbox messages; *n receives the count.
 */
int tg_db_delivery_claim(tg_db *db, int64_t now, int64_t lease_ms, int max,
    struct tg_delivery_rec *out, int *n) __attribute__((warn_unused_result));

/*
 * Record one attempt of delivery id made at now, in one transaction: a
 * delivery_attempt row (ok, detail), and on the delivery attempts + 1, the
 * new status, next_attempt_at, last_error (detail when !ok, else '') and
 * delivered_at (now when ok).  The delivery changes only while it is
 * pending (another worker may have finished it after a lease ran out); the
 * attempt is recorded either way.  TG_ERR_NOT_FOUND if there is no such
 * delivery.  Not inside a caller's transaction.
 */
int tg_db_delivery_record(tg_db *db, int64_t id, int64_t now,
    const struct tg_delivery_result *res) __attribute__((warn_unused_result));

/* One delivery (msg left empty). */
int tg_db_delivery_get(tg_db *db, int64_t id, struct tg_delivery_rec *out);

/* Deliveries with status and channel (NULL: any). */
int tg_db_delivery_count(tg_db *db, const char *status, const char *channel,
    int64_t *n);

/* Attempts of delivery id (0: of all deliveries); ok < 0: any outcome. */
int tg_db_delivery_attempt_count(tg_db *db, int64_t id, int ok, int64_t *n);

#endif
