/*
 * SQLite back end: the audit chain and its signed checkpoints.  Hashing and
 * signing happen in core/audit_chain.c; this file stores and reads records.
 */
#include "store/sqlite/sqlite_int.h"

#include <limits.h>
#include <string.h>

#include <tradeguard/error.h>

#define AUDIT_COLS \
	"seq, ts, type, actor, subject, src, ua, request_id, result, details," \
	" prev_hash, hash"

static const char SQL_AUDIT_HEAD[] =
    "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
static const char SQL_AUDIT_INSERT[] =
    "INSERT INTO audit(" AUDIT_COLS ")"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
static const char SQL_AUDIT_ALL[] =
    "SELECT " AUDIT_COLS " FROM audit WHERE seq >= ?1 ORDER BY seq";
static const char SQL_AUDIT_RANGE[] =
    "SELECT " AUDIT_COLS " FROM audit"
    " WHERE seq >= ?1 AND ts >= ?2 AND ts <= ?3 ORDER BY seq";
static const char SQL_AUDIT_COUNT[] = "SELECT count(*) FROM audit";

#define CHECKPOINT_COLS "seq, ts, head_hash, key_id, pub, sig"

static const char SQL_CKPT_INSERT[] =
    "INSERT INTO audit_checkpoint(" CHECKPOINT_COLS ")"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_CKPT_LAST[] =
    "SELECT " CHECKPOINT_COLS " FROM audit_checkpoint"
    " ORDER BY seq DESC LIMIT 1";
static const char SQL_CKPT_ALL[] =
    "SELECT " CHECKPOINT_COLS " FROM audit_checkpoint ORDER BY seq";

int
tg_db_audit_head(tg_db *db, int64_t *seq, uint8_t hash[32])
{
	sqlite3_stmt *s = NULL;
	int r;

	*seq = 0;
	memset(hash, 0, 32);
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_AUDIT_HEAD, &s)) != 0)
		goto out;
	if ((r = tg_sq_step_row(db, s, "audit head")) != 0) {
		if (r == TG_ERR_NOT_FOUND)
			r = 0;		/* empty chain */
		goto out;
	}
	if ((r = tg_sq_col_blob(db, s, 1, hash, 32)) != 0)
		goto out;
	*seq = sqlite3_column_int64(s, 0);
out:
	if (r != 0)
		memset(hash, 0, 32);
	tg_sq_release(s);
	return r;
}

int
tg_db_audit_insert(tg_db *db, const struct tg_audit_rec *x)
{
	sqlite3_stmt *s = NULL;
	const char *details;
	int r;

	if (db == NULL || x == NULL || x->seq < 1)
		return TG_ERR_INVALID;
	details = x->details != NULL ? x->details : "";
	if ((r = tg_sq_prepare(db, SQL_AUDIT_INSERT, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, x->seq)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, x->ts)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 3, x->type, sizeof(x->type))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 4, x->actor, sizeof(x->actor))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 5, x->subject, sizeof(x->subject))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 6, x->src, sizeof(x->src))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 7, x->ua, sizeof(x->ua))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 8, x->request_id,
	    sizeof(x->request_id))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 9, x->result, sizeof(x->result))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 10, details, (size_t)INT_MAX)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 11, x->prev_hash,
	    sizeof(x->prev_hash))) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 12, x->hash, sizeof(x->hash))) != 0)
		goto out;
	r = tg_sq_step_done(db, s, "audit insert");
out:
	tg_sq_release(s);
	return r;
}

/* Fill x from the current row; x->details points into the statement. */
static int
audit_row(tg_db *db, sqlite3_stmt *s, struct tg_audit_rec *x)
{
	static char empty[1];
	const unsigned char *d;
	int r;

	memset(x, 0, sizeof(*x));
	x->seq = sqlite3_column_int64(s, 0);
	x->ts = sqlite3_column_int64(s, 1);
	if ((r = tg_sq_col_str(db, s, 2, x->type, sizeof(x->type))) != 0 ||
	    (r = tg_sq_col_str(db, s, 3, x->actor, sizeof(x->actor))) != 0 ||
	    (r = tg_sq_col_str(db, s, 4, x->subject, sizeof(x->subject))) != 0 ||
	    (r = tg_sq_col_str(db, s, 5, x->src, sizeof(x->src))) != 0 ||
	    (r = tg_sq_col_str(db, s, 6, x->ua, sizeof(x->ua))) != 0 ||
	    (r = tg_sq_col_str(db, s, 7, x->request_id,
	    sizeof(x->request_id))) != 0 ||
	    (r = tg_sq_col_str(db, s, 8, x->result, sizeof(x->result))) != 0 ||
	    (r = tg_sq_col_blob(db, s, 10, x->prev_hash,
	    sizeof(x->prev_hash))) != 0 ||
	    (r = tg_sq_col_blob(db, s, 11, x->hash, sizeof(x->hash))) != 0)
		return r;
	/* Valid until the next step; the callback gets a const record. */
	if (sqlite3_column_type(s, 9) == SQLITE_NULL)
		x->details = empty;
	else if ((d = sqlite3_column_text(s, 9)) == NULL)
		return tg_sq_error(db, sqlite3_errcode(db->h), "audit details");
	else
		x->details = (char *)d;
	return 0;
}

int
tg_db_audit_foreach(tg_db *db, int64_t from_seq, int64_t since, int64_t until,
    int (*fn)(const struct tg_audit_rec *r, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct tg_audit_rec rec;
	int r, rc;
	int ranged = since != 0 || until != 0;

	if (db == NULL || fn == NULL)
		return TG_ERR_INVALID;
	/*
	 * Not from the cache: fn may use this connection, even call this
	 * function again, while the statement is running.
	 */
	rc = sqlite3_prepare_v2(db->h, ranged ? SQL_AUDIT_RANGE : SQL_AUDIT_ALL,
	    -1, &s, NULL);
	if (rc != SQLITE_OK) {
		r = tg_sq_error(db, rc, "audit foreach");
		goto out;
	}
	if ((r = tg_sq_bind_i64(db, s, 1, from_seq)) != 0)
		goto out;
	if (ranged &&
	    ((r = tg_sq_bind_i64(db, s, 2, since != 0 ? since : INT64_MIN)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, until != 0 ? until : INT64_MAX)) != 0))
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((r = audit_row(db, s, &rec)) != 0 ||
		    (r = fn(&rec, arg)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		r = tg_sq_error(db, rc, "audit foreach");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

int
tg_db_audit_count(tg_db *db, int64_t *n)
{
	sqlite3_stmt *s = NULL;
	int r;

	*n = 0;
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_AUDIT_COUNT, &s)) != 0 ||
	    (r = tg_sq_step_row(db, s, "audit count")) != 0)
		goto out;
	*n = sqlite3_column_int64(s, 0);
out:
	tg_sq_release(s);
	return r;
}

/* --- checkpoints --- */

static int
checkpoint_row(tg_db *db, sqlite3_stmt *s, struct tg_checkpoint_rec *c)
{
	int r;

	memset(c, 0, sizeof(*c));
	c->seq = sqlite3_column_int64(s, 0);
	c->ts = sqlite3_column_int64(s, 1);
	if ((r = tg_sq_col_blob(db, s, 2, c->head_hash,
	    sizeof(c->head_hash))) != 0 ||
	    (r = tg_sq_col_str(db, s, 3, c->key_id, sizeof(c->key_id))) != 0 ||
	    (r = tg_sq_col_blob(db, s, 4, c->pub, sizeof(c->pub))) != 0 ||
	    (r = tg_sq_col_blob(db, s, 5, c->sig, sizeof(c->sig))) != 0)
		return r;
	return 0;
}

int
tg_db_checkpoint_insert(tg_db *db, const struct tg_checkpoint_rec *c)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (db == NULL || c == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_CKPT_INSERT, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, c->seq)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, c->ts)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 3, c->head_hash,
	    sizeof(c->head_hash))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 4, c->key_id, sizeof(c->key_id))) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 5, c->pub, sizeof(c->pub))) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 6, c->sig, sizeof(c->sig))) != 0)
		goto out;
	r = tg_sq_step_done(db, s, "checkpoint insert");
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_checkpoint_last(tg_db *db, struct tg_checkpoint_rec *out)
{
	sqlite3_stmt *s = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_CKPT_LAST, &s)) != 0 ||
	    (r = tg_sq_step_row(db, s, "checkpoint last")) != 0 ||
	    (r = checkpoint_row(db, s, out)) != 0)
		goto out;
out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	tg_sq_release(s);
	return r;
}

int
tg_db_checkpoint_foreach(tg_db *db,
    int (*fn)(const struct tg_checkpoint_rec *c, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct tg_checkpoint_rec c;
	int r, rc;

	if (db == NULL || fn == NULL)
		return TG_ERR_INVALID;
	/* Not from the cache, as in tg_db_audit_foreach(). */
	if ((rc = sqlite3_prepare_v2(db->h, SQL_CKPT_ALL, -1, &s,
	    NULL)) != SQLITE_OK) {
		r = tg_sq_error(db, rc, "checkpoint foreach");
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((r = checkpoint_row(db, s, &c)) != 0 ||
		    (r = fn(&c, arg)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		r = tg_sq_error(db, rc, "checkpoint foreach");
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}
