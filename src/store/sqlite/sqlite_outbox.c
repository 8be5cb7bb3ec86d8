/*
 * SQLite back end: the notification outbox.  Rows are evidence that the
 * owner was told: they stay when the customer is deleted.
 */
#include "store/sqlite/sqlite_int.h"

#include <limits.h>

#include <tradeguard/error.h>

#define TG_OUTBOX_EVENT_MAX 64

static const char SQL_OUTBOX_INSERT[] =
    "INSERT INTO outbox(customer_id, event, payload, created_at,"
    " next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?4)";
static const char SQL_OUTBOX_COUNT[] =
    "SELECT count(*) FROM outbox WHERE customer_id = ?1 AND event = ?2";
static const char SQL_OUTBOX_COUNT_ALL[] =
    "SELECT count(*) FROM outbox WHERE customer_id = ?1";

int
tg_db_outbox_insert(tg_db *db, int64_t customer_id, const char *event,
    const char *payload, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (db == NULL || event == NULL || event[0] == '\0')
		return TG_ERR_INVALID;
	if (payload == NULL)
		payload = "{}";
	if ((r = tg_sq_prepare(db, SQL_OUTBOX_INSERT, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, customer_id)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 2, event, TG_OUTBOX_EVENT_MAX + 1)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 3, payload, (size_t)INT_MAX)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 4, now)) != 0)
		goto out;
	r = tg_sq_step_done(db, s, "outbox insert");
out:
	tg_sq_release(s);
	return r;
}

/* event NULL counts every event of the customer. */
int
tg_db_outbox_count(tg_db *db, int64_t customer_id, const char *event, int64_t *n)
{
	sqlite3_stmt *s = NULL;
	int r;

	*n = 0;
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, event != NULL ? SQL_OUTBOX_COUNT :
	    SQL_OUTBOX_COUNT_ALL, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, customer_id)) != 0 ||
	    (event != NULL && (r = tg_sq_bind_str(db, s, 2, event,
	    TG_OUTBOX_EVENT_MAX + 1)) != 0) ||
	    (r = tg_sq_step_row(db, s, "outbox count")) != 0)
		goto out;
	*n = sqlite3_column_int64(s, 0);
out:
	tg_sq_release(s);
	return r;
}
