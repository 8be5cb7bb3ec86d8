/*
 * SQLite back end: sessions and login flows.  Both are keyed by the hash of
 * their token; the token itself is never stored.
 *
 * A session is live at now when expires_at > now and
 * last_seen_at + idle_ms > now.
 */
#include "store/sqlite/sqlite_int.h"

#include <string.h>

#include <tradeguard/error.h>

#define SESSION_COLS \
	"id_hash, customer_id, created_at, last_seen_at, expires_at," \
	" auth_time, kinds, pw_change_recommended, client_addr, user_agent"
#define SESSION_LIVE \
	"customer_id = ?1 AND expires_at > ?2 AND last_seen_at + ?3 > ?2"

static const char SQL_SESSION_INSERT[] =
    "INSERT INTO session(" SESSION_COLS ")"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char SQL_SESSION_GET[] =
    "SELECT " SESSION_COLS " FROM session WHERE id_hash = ?1";
static const char SQL_SESSION_TOUCH[] =
    "UPDATE session SET last_seen_at = max(last_seen_at, ?1)"
    " WHERE id_hash = ?2";
static const char SQL_SESSION_DELETE[] = "DELETE FROM session WHERE id_hash = ?1";
static const char SQL_SESSION_DELETE_CUSTOMER[] =
    "DELETE FROM session WHERE customer_id = ?1"
    " AND (?2 IS NULL OR id_hash <> ?2)";
static const char SQL_SESSION_COUNT_LIVE[] =
    "SELECT count(*) FROM session WHERE " SESSION_LIVE;
static const char SQL_SESSION_OLDEST_LIVE[] =
    "SELECT " SESSION_COLS " FROM session WHERE " SESSION_LIVE
    " ORDER BY created_at, id_hash LIMIT 1";
static const char SQL_SESSION_PURGE[] =
    "DELETE FROM session WHERE expires_at <= ?1 OR last_seen_at + ?2 <= ?1";

#define FLOW_COLS \
	"id_hash, customer_id, created_at, expires_at, kinds, client_addr"

static const char SQL_FLOW_INSERT[] =
    "INSERT INTO login_flow(" FLOW_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_FLOW_GET[] =
    "SELECT " FLOW_COLS " FROM login_flow WHERE id_hash = ?1";
static const char SQL_FLOW_KINDS[] =
    "UPDATE login_flow SET kinds = ?1 WHERE id_hash = ?2";
static const char SQL_FLOW_DELETE[] = "DELETE FROM login_flow WHERE id_hash = ?1";
static const char SQL_FLOW_PURGE[] = "DELETE FROM login_flow WHERE expires_at <= ?1";

/* Step a prepared change; TG_ERR_NOT_FOUND if it touched no row. */
static int
change_one(tg_db *db, sqlite3_stmt *s, const char *op)
{
	int r;

	if ((r = tg_sq_step_done(db, s, op)) != 0)
		return r;
	return sqlite3_changes(db->h) == 0 ? TG_ERR_NOT_FOUND : 0;
}

static int
session_row(tg_db *db, sqlite3_stmt *s, struct tg_session_rec *out)
{
	int r;

	if ((r = tg_sq_col_blob(db, s, 0, out->id_hash,
	    sizeof(out->id_hash))) != 0)
		return r;
	out->customer_id = sqlite3_column_int64(s, 1);
	out->created_at = sqlite3_column_int64(s, 2);
	out->last_seen_at = sqlite3_column_int64(s, 3);
	out->expires_at = sqlite3_column_int64(s, 4);
	out->auth_time = sqlite3_column_int64(s, 5);
	out->kinds = (unsigned)sqlite3_column_int64(s, 6);
	out->pw_change_recommended = sqlite3_column_int(s, 7) != 0;
	if ((r = tg_sq_col_str(db, s, 8, out->client_addr,
	    sizeof(out->client_addr))) != 0 ||
	    (r = tg_sq_col_str(db, s, 9, out->user_agent,
	    sizeof(out->user_agent))) != 0)
		return r;
	return 0;
}

int
tg_db_session_insert(tg_db *db, const struct tg_session_rec *x)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (db == NULL || x == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_SESSION_INSERT, &s)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 1, x->id_hash, sizeof(x->id_hash))) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, x->customer_id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, x->created_at)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 4, x->last_seen_at)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 5, x->expires_at)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 6, x->auth_time)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 7, x->kinds)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 8, x->pw_change_recommended != 0)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 9, x->client_addr,
	    sizeof(x->client_addr))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 10, x->user_agent,
	    sizeof(x->user_agent))) != 0)
		goto out;
	r = tg_sq_step_done(db, s, "session insert");
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_session_get(tg_db *db, const uint8_t id_hash[32], struct tg_session_rec *out)
{
	sqlite3_stmt *s = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL || id_hash == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_SESSION_GET, &s)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 1, id_hash, 32)) != 0 ||
	    (r = tg_sq_step_row(db, s, "session get")) != 0 ||
	    (r = session_row(db, s, out)) != 0)
		goto out;
out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	tg_sq_release(s);
	return r;
}

int
tg_db_session_touch(tg_db *db, const uint8_t id_hash[32], int64_t now)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (db == NULL || id_hash == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_SESSION_TOUCH, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, now)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 2, id_hash, 32)) != 0)
		goto out;
	r = change_one(db, s, "session touch");
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_session_delete(tg_db *db, const uint8_t id_hash[32])
{
	sqlite3_stmt *s = NULL;
	int r;

	if (db == NULL || id_hash == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_SESSION_DELETE, &s)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 1, id_hash, 32)) != 0)
		goto out;
	r = change_one(db, s, "session delete");
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_session_delete_customer(tg_db *db, int64_t customer_id,
    const uint8_t *keep, int *n)
{
	sqlite3_stmt *s = NULL;
	int r;

	*n = 0;
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_SESSION_DELETE_CUSTOMER, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, customer_id)) != 0 ||
	    (r = keep == NULL ? tg_sq_bind_null(db, s, 2) :
	    tg_sq_bind_blob(db, s, 2, keep, 32)) != 0)
		goto out;
	r = tg_sq_step_changes(db, s, "session delete customer", n);
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_session_count_live(tg_db *db, int64_t customer_id, int64_t now,
    int64_t idle_ms, int *n)
{
	sqlite3_stmt *s = NULL;
	int r;

	*n = 0;
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_SESSION_COUNT_LIVE, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, customer_id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, idle_ms)) != 0 ||
	    (r = tg_sq_step_row(db, s, "session count live")) != 0)
		goto out;
	*n = sqlite3_column_int(s, 0);
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_session_oldest_live(tg_db *db, int64_t customer_id, int64_t now,
    int64_t idle_ms, struct tg_session_rec *out)
{
	sqlite3_stmt *s = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_SESSION_OLDEST_LIVE, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, customer_id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, idle_ms)) != 0 ||
	    (r = tg_sq_step_row(db, s, "session oldest live")) != 0 ||
	    (r = session_row(db, s, out)) != 0)
		goto out;
out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	tg_sq_release(s);
	return r;
}

int
tg_db_session_purge(tg_db *db, int64_t now, int64_t idle_ms, int *n)
{
	sqlite3_stmt *s = NULL;
	int r;

	*n = 0;
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_SESSION_PURGE, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, idle_ms)) != 0)
		goto out;
	r = tg_sq_step_changes(db, s, "session purge", n);
out:
	tg_sq_release(s);
	return r;
}

/* --- login flows --- */

int
tg_db_flow_insert(tg_db *db, const struct tg_flow_rec *f)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (db == NULL || f == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_FLOW_INSERT, &s)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 1, f->id_hash, sizeof(f->id_hash))) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, f->customer_id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, f->created_at)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 4, f->expires_at)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 5, f->kinds)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 6, f->client_addr,
	    sizeof(f->client_addr))) != 0)
		goto out;
	r = tg_sq_step_done(db, s, "flow insert");
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_flow_get(tg_db *db, const uint8_t id_hash[32], struct tg_flow_rec *out)
{
	sqlite3_stmt *s = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL || id_hash == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_FLOW_GET, &s)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 1, id_hash, 32)) != 0 ||
	    (r = tg_sq_step_row(db, s, "flow get")) != 0 ||
	    (r = tg_sq_col_blob(db, s, 0, out->id_hash,
	    sizeof(out->id_hash))) != 0)
		goto out;
	out->customer_id = sqlite3_column_int64(s, 1);
	out->created_at = sqlite3_column_int64(s, 2);
	out->expires_at = sqlite3_column_int64(s, 3);
	out->kinds = (unsigned)sqlite3_column_int64(s, 4);
	r = tg_sq_col_str(db, s, 5, out->client_addr, sizeof(out->client_addr));
out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	tg_sq_release(s);
	return r;
}

int
tg_db_flow_update_kinds(tg_db *db, const uint8_t id_hash[32], unsigned kinds)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (db == NULL || id_hash == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_FLOW_KINDS, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, kinds)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 2, id_hash, 32)) != 0)
		goto out;
	r = change_one(db, s, "flow update kinds");
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_flow_delete(tg_db *db, const uint8_t id_hash[32])
{
	sqlite3_stmt *s = NULL;
	int r;

	if (db == NULL || id_hash == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_FLOW_DELETE, &s)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 1, id_hash, 32)) != 0)
		goto out;
	r = change_one(db, s, "flow delete");
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_flow_purge(tg_db *db, int64_t now, int *n)
{
	sqlite3_stmt *s = NULL;
	int r;

	*n = 0;
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_FLOW_PURGE, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, now)) != 0)
		goto out;
	r = tg_sq_step_changes(db, s, "flow purge", n);
out:
	tg_sq_release(s);
	return r;
}
