/*
 * SQLite back end: notification deliveries (store_notify.h).
 *
 * The claim is one UPDATE ... RETURNING (SQLite >= 3.35): SQLite runs one
 * writer at a time, so two workers cannot pick the same row.  A PostgreSQL
 * back end would do the same with UPDATE ... WHERE id IN (SELECT ... FOR
 * UPDATE SKIP LOCKED) RETURNING.
 */
#include "store/sqlite/sqlite_int.h"

#include <stdio.h>
#include <string.h>

#include <tradeguard/error.h>

#include "core/log.h"
#include "store/store_notify.h"

#define STATUS_CAP 16
#define CHANNEL_CAP 16

static const char SQL_OUTBOX_UNROUTED[] =
    "SELECT id, customer_id, event, payload, created_at FROM outbox o"
    " WHERE status = 'pending'"
    "   AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.outbox_id = o.id)"
    " ORDER BY id LIMIT ?1";
static const char SQL_OUTBOX_MARK[] =
    "UPDATE outbox SET status = ?2 WHERE id = ?1 AND status = 'pending'";
static const char SQL_DELIVERY_INSERT[] =
    "INSERT INTO delivery(outbox_id, channel, recipient, status,"
    " next_attempt_at) VALUES (?1, ?2, ?3, 'pending', ?4)";
static const char SQL_DELIVERY_CLAIM[] =
    "UPDATE delivery SET next_attempt_at = ?1 + ?2"
    " WHERE id IN (SELECT id FROM delivery"
    "   WHERE status = 'pending' AND next_attempt_at <= ?1"
    "   ORDER BY next_attempt_at, id LIMIT ?3)"
    " RETURNING id, outbox_id, channel, recipient, status, attempts,"
    "   next_attempt_at, delivered_at, last_error";
static const char SQL_OUTBOX_GET[] =
    "SELECT id, customer_id, event, payload, created_at FROM outbox"
    " WHERE id = ?1";
static const char SQL_ATTEMPT_INSERT[] =
    "INSERT INTO delivery_attempt(delivery_id, at, ok, detail)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char SQL_DELIVERY_UPDATE[] =
    "UPDATE delivery SET attempts = attempts + 1, status = ?2,"
    " next_attempt_at = ?3, delivered_at = ?4, last_error = ?5"
    " WHERE id = ?1 AND status = 'pending'";
static const char SQL_DELIVERY_GET[] =
    "SELECT id, outbox_id, channel, recipient, status, attempts,"
    " next_attempt_at, delivered_at, last_error FROM delivery WHERE id = ?1";
static const char SQL_DELIVERY_COUNT[] =
    "SELECT count(*) FROM delivery"
    " WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR channel = ?2)";
static const char SQL_ATTEMPT_COUNT[] =
    "SELECT count(*) FROM delivery_attempt"
    " WHERE (?1 = 0 OR delivery_id = ?1) AND (?2 < 0 OR ok = ?2)";

static int
valid_status(const char *s)
{
	return s != NULL && (strcmp(s, "pending") == 0 ||
	    strcmp(s, "sent") == 0 || strcmp(s, "failed") == 0);
}

static int
valid_channel(const char *s)
{
	return s != NULL && (strcmp(s, "email") == 0 ||
	    strcmp(s, "webhook") == 0);
}

/*
 * Columns id, customer_id, event, payload, created_at from col 0.  A
 * payload too long to read comes back empty (the worker then fails that
 * one message) rather than blocking every message queued after it.
 */
static int
outbox_row(tg_db *db, sqlite3_stmt *s, struct tg_outbox_rec *o)
{
	int r;

	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(s, 0);
	o->customer_id = sqlite3_column_int64(s, 1);
	if ((r = tg_sq_col_str(db, s, 2, o->event, sizeof(o->event))) != 0)
		return r;
	if (sqlite3_column_bytes(s, 3) > TG_OUTBOX_PAYLOAD_LEN) {
		tg_log(TG_LOG_WARN, "notify.payload_too_long", NULL,
		    "outbox %lld: payload longer than %d bytes",
		    (long long)o->id, TG_OUTBOX_PAYLOAD_LEN);
		o->payload[0] = '\0';
	} else if ((r = tg_sq_col_str(db, s, 3, o->payload,
	    sizeof(o->payload))) != 0)
		return r;
	o->created_at = sqlite3_column_int64(s, 4);
	return 0;
}

/* Columns of SQL_DELIVERY_GET / the claim's RETURNING, from col 0. */
static int
delivery_row(tg_db *db, sqlite3_stmt *s, struct tg_delivery_rec *d)
{
	int r;

	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(s, 0);
	d->outbox_id = sqlite3_column_int64(s, 1);
	if ((r = tg_sq_col_str(db, s, 2, d->channel, sizeof(d->channel))) != 0 ||
	    (r = tg_sq_col_str(db, s, 3, d->recipient,
	    sizeof(d->recipient))) != 0 ||
	    (r = tg_sq_col_str(db, s, 4, d->status, sizeof(d->status))) != 0)
		return r;
	d->attempts = sqlite3_column_int(s, 5);
	d->next_attempt_at = sqlite3_column_int64(s, 6);
	d->delivered_at = sqlite3_column_int64(s, 7);
	return tg_sq_col_str(db, s, 8, d->last_error, sizeof(d->last_error));
}

int
tg_db_outbox_unrouted(tg_db *db, struct tg_outbox_rec *out, int max, int *n)
{
	sqlite3_stmt *s = NULL;
	int r, rc = SQLITE_DONE, k = 0;

	*n = 0;
	if (db == NULL || out == NULL || max <= 0)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_OUTBOX_UNROUTED, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, max)) != 0)
		goto out;
	while (k < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((r = outbox_row(db, s, &out[k])) != 0)
			goto out;
		k++;
	}
	if (k < max && rc != SQLITE_DONE) {
		r = tg_sq_error(db, rc, "outbox unrouted");
		goto out;
	}
	*n = k;
	r = 0;
out:
	tg_sq_release(s);
	return r;
}

static int
delivery_insert(tg_db *db, int64_t outbox_id, const struct tg_delivery_new *d,
    int64_t now)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (!valid_channel(d->channel))
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_DELIVERY_INSERT, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, outbox_id)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 2, d->channel, CHANNEL_CAP)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 3, d->recipient,
	    sizeof(d->recipient))) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 4, now)) != 0)
		goto out;
	r = tg_sq_step_done(db, s, "delivery insert");
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_delivery_route(tg_db *db, int64_t outbox_id, const char *outbox_status,
    const struct tg_delivery_new *d, int n, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int r, i;

	if (db == NULL || outbox_status == NULL || outbox_status[0] == '\0' ||
	    n < 0 || (n > 0 && d == NULL) ||
	    strcmp(outbox_status, "pending") == 0)
		return TG_ERR_INVALID;
	if ((r = tg_db_begin(db)) != 0)
		return r;
	if ((r = tg_sq_prepare(db, SQL_OUTBOX_MARK, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, outbox_id)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 2, outbox_status, STATUS_CAP)) != 0 ||
	    (r = tg_sq_step_done(db, s, "outbox route")) != 0)
		goto out;
	if (sqlite3_changes(db->h) != 1) {
		r = TG_ERR_EXISTS;		/* routed meanwhile, or no such row */
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((r = delivery_insert(db, outbox_id, &d[i], now)) != 0)
			goto out;
	tg_sq_release(s);
	s = NULL;
	r = tg_db_commit(db);
out:
	tg_sq_release(s);
	if (r != 0)
		tg_db_rollback(db);
	return r;
}

static int
outbox_get(tg_db *db, int64_t id, struct tg_outbox_rec *o)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = tg_sq_prepare(db, SQL_OUTBOX_GET, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, id)) != 0 ||
	    (r = tg_sq_step_row(db, s, "outbox get")) != 0)
		goto out;
	r = outbox_row(db, s, o);
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_delivery_claim(tg_db *db, int64_t now, int64_t lease_ms, int max,
    struct tg_delivery_rec *out, int *n)
{
	sqlite3_stmt *s = NULL;
	int r, rc = SQLITE_DONE, k = 0, i;

	*n = 0;
	if (db == NULL || out == NULL || max <= 0 || lease_ms <= 0)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_DELIVERY_CLAIM, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, lease_ms)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, max)) != 0)
		goto out;
	/* Step to the end: the UPDATE commits when the statement completes. */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (k >= max)
			continue;		/* cannot happen: LIMIT */
		if ((r = delivery_row(db, s, &out[k])) != 0)
			goto out;
		k++;
	}
	if (rc != SQLITE_DONE) {
		r = tg_sq_error(db, rc, "delivery claim");
		goto out;
	}
	tg_sq_release(s);
	s = NULL;
	for (i = 0; i < k; i++)
		if ((r = outbox_get(db, out[i].outbox_id, &out[i].msg)) != 0)
			goto out;
	*n = k;
	r = 0;
out:
	if (r != 0)
		memset(out, 0, sizeof(*out) * (size_t)(k > 0 ? k : 0));
	tg_sq_release(s);
	return r;
}

int
tg_db_delivery_record(tg_db *db, int64_t id, int64_t now,
    const struct tg_delivery_result *res)
{
	char detail[TG_DELIVERY_DETAIL_LEN + 1];
	sqlite3_stmt *s = NULL;
	int r;

	if (db == NULL || res == NULL || !valid_status(res->status) ||
	    (res->ok && strcmp(res->status, "sent") != 0))
		return TG_ERR_INVALID;
	/* Cut to fit, on a character boundary (the detail is ASCII or UTF-8). */
	snprintf(detail, sizeof(detail), "%s", res->detail != NULL ?
	    res->detail : "");
	if (strlen(detail) == sizeof(detail) - 1) {
		size_t k = sizeof(detail) - 1;

		while (k > 0 && ((unsigned char)detail[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0 && (unsigned char)detail[k - 1] >= 0xc0)
			k--;
		detail[k] = '\0';
	}
	if ((r = tg_db_begin(db)) != 0)
		return r;
	if ((r = tg_sq_prepare(db, SQL_ATTEMPT_INSERT, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, res->ok ? 1 : 0)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 4, detail, sizeof(detail))) != 0 ||
	    (r = tg_sq_step_done(db, s, "delivery attempt")) != 0)
		goto out;
	tg_sq_release(s);
	if ((r = tg_sq_prepare(db, SQL_DELIVERY_UPDATE, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, id)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 2, res->status, STATUS_CAP)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, res->next_attempt_at)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 4, res->ok ? now : 0)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 5, res->ok ? "" : detail,
	    sizeof(detail))) != 0 ||
	    (r = tg_sq_step_done(db, s, "delivery update")) != 0)
		goto out;
	tg_sq_release(s);
	s = NULL;
	r = tg_db_commit(db);
out:
	tg_sq_release(s);
	if (r != 0)
		tg_db_rollback(db);
	return r;
}

int
tg_db_delivery_get(tg_db *db, int64_t id, struct tg_delivery_rec *out)
{
	sqlite3_stmt *s = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_DELIVERY_GET, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, id)) != 0 ||
	    (r = tg_sq_step_row(db, s, "delivery get")) != 0)
		goto out;
	r = delivery_row(db, s, out);
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_delivery_count(tg_db *db, const char *status, const char *channel,
    int64_t *n)
{
	sqlite3_stmt *s = NULL;
	int r;

	*n = 0;
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_DELIVERY_COUNT, &s)) != 0 ||
	    (r = status != NULL ? tg_sq_bind_str(db, s, 1, status, STATUS_CAP) :
	    tg_sq_bind_null(db, s, 1)) != 0 ||
	    (r = channel != NULL ? tg_sq_bind_str(db, s, 2, channel,
	    CHANNEL_CAP) : tg_sq_bind_null(db, s, 2)) != 0 ||
	    (r = tg_sq_step_row(db, s, "delivery count")) != 0)
		goto out;
	*n = sqlite3_column_int64(s, 0);
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_delivery_attempt_count(tg_db *db, int64_t id, int ok, int64_t *n)
{
	sqlite3_stmt *s = NULL;
	int r;

	*n = 0;
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_ATTEMPT_COUNT, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, ok < 0 ? -1 : (ok ? 1 : 0))) != 0 ||
	    (r = tg_sq_step_row(db, s, "delivery attempt count")) != 0)
		goto out;
	*n = sqlite3_column_int64(s, 0);
out:
	tg_sq_release(s);
	return r;
}
