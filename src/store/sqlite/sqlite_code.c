/*
 * SQLite back end: one-time codes sent by SMS or email, recovery codes and
 * signing challenges.  Only hashes of codes are stored; challenges are
 * random values, not secrets, but are single use.
 *
 * Consuming a code is one UPDATE whose WHERE clause holds the condition
 * (unused, attempts left): sqlite3_changes() says whether this caller won,
 * so a code is accepted once however many threads or nodes race for it.
 * Changes of several rows run in a SAVEPOINT (nested in the caller's
 * transaction, or its own transaction outside one) whose first statement
 * writes, so the write lock is taken before anything is read.
 */
#include "store/sqlite/sqlite_int.h"

#include <string.h>

#include <tradeguard/error.h>

#include "store/store_factor.h"

static const char SQL_SP_BEGIN[] = "SAVEPOINT tg_code";
static const char SQL_SP_RELEASE[] = "RELEASE tg_code";
static const char SQL_SP_UNDO[] = "ROLLBACK TO tg_code";

#define OTP_COLS \
	"id, customer_id, binding, channel, code_hash, created_at, expires_at," \
	" attempts, used"

static const char SQL_OTP_INVALIDATE[] =
    "UPDATE otp_code SET used = 1 WHERE binding = ?1 AND channel = ?2"
    " AND used = 0";
static const char SQL_OTP_INSERT[] =
    "INSERT INTO otp_code(customer_id, binding, channel, code_hash,"
    " created_at, expires_at, attempts, used)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0)";
static const char SQL_OTP_CURRENT[] =
    "SELECT " OTP_COLS " FROM otp_code"
    " WHERE binding = ?1 AND channel = ?2 AND used = 0"
    " ORDER BY created_at DESC, id DESC LIMIT 1";
static const char SQL_OTP_ATTEMPT[] =
    "UPDATE otp_code SET attempts = attempts + 1 WHERE id = ?1 AND attempts < ?2";
static const char SQL_OTP_USE[] =
    "UPDATE otp_code SET used = 1 WHERE id = ?1 AND used = 0";
static const char SQL_OTP_EXISTS[] = "SELECT 1 FROM otp_code WHERE id = ?1";
static const char SQL_OTP_COUNT_SINCE[] =
    "SELECT count(*) FROM otp_code WHERE customer_id = ?1 AND created_at >= ?2";
static const char SQL_OTP_PURGE[] = "DELETE FROM otp_code WHERE created_at < ?1";

static const char SQL_RECOVERY_CLEAR[] =
    "DELETE FROM recovery_code WHERE customer_id = ?1";
static const char SQL_RECOVERY_INSERT[] =
    "INSERT INTO recovery_code(customer_id, code_hash, created_at)"
    " VALUES (?1, ?2, ?3)";
/* One row even if a hash were stored twice. */
static const char SQL_RECOVERY_USE[] =
    "UPDATE recovery_code SET used_at = ?1"
    " WHERE used_at = 0 AND id = (SELECT min(id) FROM recovery_code"
    "  WHERE customer_id = ?2 AND code_hash = ?3 AND used_at = 0)";
static const char SQL_RECOVERY_COUNT[] =
    "SELECT count(*) FROM recovery_code WHERE customer_id = ?1"
    " AND (?2 = 0 OR used_at = 0)";

#define CHALLENGE_COLS \
	"id, customer_id, binding, purpose, challenge, factor_id, created_at," \
	" expires_at"

static const char SQL_CHALLENGE_CLEAR[] =
    "DELETE FROM challenge WHERE binding = ?1 AND purpose = ?2";
static const char SQL_CHALLENGE_INSERT[] =
    "INSERT INTO challenge(customer_id, binding, purpose, challenge,"
    " factor_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_CHALLENGE_TAKE[] =
    "DELETE FROM challenge WHERE binding = ?1 AND purpose = ?2"
    " RETURNING " CHALLENGE_COLS;
static const char SQL_CHALLENGE_PURGE[] =
    "DELETE FROM challenge WHERE expires_at <= ?1";

/* --- savepoints --- */

static int
sp_begin(tg_db *db)
{
	return tg_sq_exec(db, SQL_SP_BEGIN, "savepoint");
}

/* Release the savepoint if r is 0, else undo it; returns the outcome. */
static int
sp_end(tg_db *db, int r)
{
	if (r == 0 && (r = tg_sq_exec(db, SQL_SP_RELEASE,
	    "release savepoint")) == 0)
		return 0;
	(void)tg_sq_exec(db, SQL_SP_UNDO, "rollback to savepoint");
	(void)tg_sq_exec(db, SQL_SP_RELEASE, "release savepoint");
	return r;
}

static int
channel_valid(const char *channel)
{
	return strcmp(channel, "sms") == 0 || strcmp(channel, "email") == 0;
}

/* --- one-time codes --- */

static int
otp_row(tg_db *db, sqlite3_stmt *s, struct tg_otp_rec *o)
{
	int r;

	o->id = sqlite3_column_int64(s, 0);
	o->customer_id = sqlite3_column_int64(s, 1);
	if ((r = tg_sq_col_blob(db, s, 2, o->binding, sizeof(o->binding))) != 0 ||
	    (r = tg_sq_col_str(db, s, 3, o->channel, sizeof(o->channel))) != 0 ||
	    (r = tg_sq_col_blob(db, s, 4, o->code_hash,
	    sizeof(o->code_hash))) != 0)
		return r;
	o->created_at = sqlite3_column_int64(s, 5);
	o->expires_at = sqlite3_column_int64(s, 6);
	o->attempts = sqlite3_column_int(s, 7);
	o->used = sqlite3_column_int(s, 8) != 0;
	return 0;
}

static int
otp_insert(tg_db *db, struct tg_otp_rec *o)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = tg_sq_prepare(db, SQL_OTP_INVALIDATE, &s)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 1, o->binding, sizeof(o->binding))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 2, o->channel, sizeof(o->channel))) != 0 ||
	    (r = tg_sq_step_done(db, s, "otp invalidate")) != 0)
		goto out;
	tg_sq_release(s);
	if ((r = tg_sq_prepare(db, SQL_OTP_INSERT, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, o->customer_id)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 2, o->binding, sizeof(o->binding))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 3, o->channel, sizeof(o->channel))) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 4, o->code_hash,
	    sizeof(o->code_hash))) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 5, o->created_at)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 6, o->expires_at)) != 0 ||
	    (r = tg_sq_step_done(db, s, "otp insert")) != 0)
		goto out;
	o->id = sqlite3_last_insert_rowid(db->h);
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_otp_insert(tg_db *db, struct tg_otp_rec *o)
{
	int r;

	if (db == NULL || o == NULL ||
	    strnlen(o->channel, sizeof(o->channel)) == sizeof(o->channel) ||
	    !channel_valid(o->channel))
		return TG_ERR_INVALID;
	/* A new code starts unused, with no attempts. */
	o->id = 0;
	o->attempts = 0;
	o->used = 0;
	if ((r = sp_begin(db)) != 0)
		return r;
	r = sp_end(db, otp_insert(db, o));
	if (r != 0)
		o->id = 0;
	return r;
}

int
tg_db_otp_current(tg_db *db, const uint8_t binding[32], const char *channel,
    struct tg_otp_rec *out)
{
	sqlite3_stmt *s = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL || binding == NULL || channel == NULL)
		return TG_ERR_INVALID;
	/* Expiry and attempts are the caller's to check. */
	if ((r = tg_sq_prepare(db, SQL_OTP_CURRENT, &s)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 1, binding, 32)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 2, channel, sizeof(out->channel))) != 0 ||
	    (r = tg_sq_step_row(db, s, "otp current")) != 0 ||
	    (r = otp_row(db, s, out)) != 0)
		goto out;
out:
	if (r != 0)
		explicit_bzero(out, sizeof(*out));
	tg_sq_release(s);
	return r;
}

/*
 * Run a guarded single-row UPDATE of code id (?1 = id, ?2 = v unless
 * nparam is 1): 0 if it changed the row, `refused` if the row exists but
 * the guard failed, TG_ERR_NOT_FOUND if there is no such row.
 */
static int
otp_guarded(tg_db *db, const char *sql, int64_t id, int nparam, int64_t v,
    int refused, const char *op)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if ((r = tg_sq_prepare(db, sql, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, id)) != 0 ||
	    (nparam > 1 && (r = tg_sq_bind_i64(db, s, 2, v)) != 0) ||
	    (r = tg_sq_step_changes(db, s, op, &n)) != 0)
		goto out;
	tg_sq_release(s);
	s = NULL;
	if (n > 0)
		goto out;
	/* The decision was the UPDATE's; this only names the failure. */
	if ((r = tg_sq_prepare(db, SQL_OTP_EXISTS, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, id)) != 0 ||
	    (r = tg_sq_step_row(db, s, op)) != 0)
		goto out;
	r = refused;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_otp_attempt(tg_db *db, int64_t id, int max)
{
	if (db == NULL || max < 1)
		return TG_ERR_INVALID;
	return otp_guarded(db, SQL_OTP_ATTEMPT, id, 2, max, TG_ERR_LIMIT,
	    "otp attempt");
}

int
tg_db_otp_use(tg_db *db, int64_t id)
{
	if (db == NULL)
		return TG_ERR_INVALID;
	return otp_guarded(db, SQL_OTP_USE, id, 1, 0, TG_ERR_REUSED, "otp use");
}

int
tg_db_otp_count_since(tg_db *db, int64_t customer_id, int64_t since, int *n)
{
	sqlite3_stmt *s = NULL;
	int r;

	*n = 0;
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_OTP_COUNT_SINCE, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, customer_id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, since)) != 0 ||
	    (r = tg_sq_step_row(db, s, "otp count since")) != 0)
		goto out;
	*n = sqlite3_column_int(s, 0);
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_otp_purge(tg_db *db, int64_t before, int *n)
{
	sqlite3_stmt *s = NULL;
	int r;

	*n = 0;
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_OTP_PURGE, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, before)) != 0)
		goto out;
	r = tg_sq_step_changes(db, s, "otp purge", n);
out:
	tg_sq_release(s);
	return r;
}

/* --- recovery codes --- */

static int
recovery_replace(tg_db *db, int64_t customer_id, const uint8_t (*hashes)[32],
    int n, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int r, i;

	if ((r = tg_sq_prepare(db, SQL_RECOVERY_CLEAR, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, customer_id)) != 0 ||
	    (r = tg_sq_step_done(db, s, "recovery clear")) != 0)
		goto out;
	tg_sq_release(s);
	s = NULL;
	for (i = 0; i < n; i++) {
		if ((r = tg_sq_prepare(db, SQL_RECOVERY_INSERT, &s)) != 0 ||
		    (r = tg_sq_bind_i64(db, s, 1, customer_id)) != 0 ||
		    (r = tg_sq_bind_blob(db, s, 2, hashes[i], 32)) != 0 ||
		    (r = tg_sq_bind_i64(db, s, 3, now)) != 0 ||
		    (r = tg_sq_step_done(db, s, "recovery insert")) != 0)
			goto out;
		tg_sq_release(s);
		s = NULL;
	}
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_recovery_replace(tg_db *db, int64_t customer_id,
    const uint8_t (*hashes)[32], int n, int64_t now)
{
	int r;

	if (db == NULL || n < 0 || n > TG_RECOVERY_CODES_MAX ||
	    (n > 0 && hashes == NULL))
		return TG_ERR_INVALID;
	/* All or nothing: a half-written set would lock the customer out. */
	if ((r = sp_begin(db)) != 0)
		return r;
	return sp_end(db, recovery_replace(db, customer_id, hashes, n, now));
}

int
tg_db_recovery_use(tg_db *db, int64_t customer_id, const uint8_t hash[32],
    int64_t now)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	/* used_at = 0 means unused: a use must be recorded at a later time. */
	if (db == NULL || hash == NULL || now <= 0)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_RECOVERY_USE, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, customer_id)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 3, hash, 32)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "recovery use", &n)) != 0)
		goto out;
	r = n == 0 ? TG_ERR_NOT_FOUND : 0;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_recovery_count(tg_db *db, int64_t customer_id, int unused_only, int *n)
{
	sqlite3_stmt *s = NULL;
	int r;

	*n = 0;
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_RECOVERY_COUNT, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, customer_id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, unused_only != 0)) != 0 ||
	    (r = tg_sq_step_row(db, s, "recovery count")) != 0)
		goto out;
	*n = sqlite3_column_int(s, 0);
out:
	tg_sq_release(s);
	return r;
}

/* --- challenges --- */

static int
challenge_row(tg_db *db, sqlite3_stmt *s, struct tg_challenge_rec *c)
{
	int r;

	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(s, 0);
	c->customer_id = sqlite3_column_int64(s, 1);
	if ((r = tg_sq_col_blob(db, s, 2, c->binding, sizeof(c->binding))) != 0 ||
	    (r = tg_sq_col_str(db, s, 3, c->purpose, sizeof(c->purpose))) != 0 ||
	    (r = tg_sq_col_blob(db, s, 4, c->challenge,
	    sizeof(c->challenge))) != 0)
		return r;
	c->factor_id = sqlite3_column_int64(s, 5);
	c->created_at = sqlite3_column_int64(s, 6);
	c->expires_at = sqlite3_column_int64(s, 7);
	return 0;
}

static int
challenge_insert(tg_db *db, struct tg_challenge_rec *c)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = tg_sq_prepare(db, SQL_CHALLENGE_CLEAR, &s)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 1, c->binding, sizeof(c->binding))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 2, c->purpose, sizeof(c->purpose))) != 0 ||
	    (r = tg_sq_step_done(db, s, "challenge clear")) != 0)
		goto out;
	tg_sq_release(s);
	if ((r = tg_sq_prepare(db, SQL_CHALLENGE_INSERT, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, c->customer_id)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 2, c->binding, sizeof(c->binding))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 3, c->purpose, sizeof(c->purpose))) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 4, c->challenge,
	    sizeof(c->challenge))) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 5, c->factor_id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 6, c->created_at)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 7, c->expires_at)) != 0 ||
	    (r = tg_sq_step_done(db, s, "challenge insert")) != 0)
		goto out;
	c->id = sqlite3_last_insert_rowid(db->h);
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_challenge_insert(tg_db *db, struct tg_challenge_rec *c)
{
	int r;

	if (db == NULL || c == NULL || c->purpose[0] == '\0')
		return TG_ERR_INVALID;
	c->id = 0;
	if ((r = sp_begin(db)) != 0)
		return r;
	r = sp_end(db, challenge_insert(db, c));
	if (r != 0)
		c->id = 0;
	return r;
}

/*
 * Delete every challenge for binding+purpose (normally one) and return the
 * newest.  The DELETE is the first statement: it takes the write lock, so
 * of two concurrent takers one gets the row and the other nothing.
 */
static int
challenge_take(tg_db *db, const uint8_t binding[32], const char *purpose,
    struct tg_challenge_rec *out)
{
	sqlite3_stmt *s = NULL;
	struct tg_challenge_rec c;
	int r, rc, found = 0;

	if ((r = tg_sq_prepare(db, SQL_CHALLENGE_TAKE, &s)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 1, binding, 32)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 2, purpose, sizeof(out->purpose))) != 0)
		goto out;
	/* The rows go with the first step; RETURNING yields them in any order. */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((r = challenge_row(db, s, &c)) != 0)
			goto out;
		if (!found || c.id > out->id) {
			*out = c;
			found = 1;
		}
	}
	if (rc != SQLITE_DONE) {
		r = tg_sq_error(db, rc, "challenge take");
		goto out;
	}
	r = found ? 0 : TG_ERR_NOT_FOUND;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_challenge_take(tg_db *db, const uint8_t binding[32], const char *purpose,
    struct tg_challenge_rec *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL || binding == NULL || purpose == NULL)
		return TG_ERR_INVALID;
	/* A row that cannot be read is not consumed. */
	if ((r = sp_begin(db)) != 0)
		return r;
	if ((r = sp_end(db, challenge_take(db, binding, purpose, out))) != 0)
		memset(out, 0, sizeof(*out));
	return r;
}

int
tg_db_challenge_purge(tg_db *db, int64_t now, int *n)
{
	sqlite3_stmt *s = NULL;
	int r;

	*n = 0;
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_CHALLENGE_PURGE, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, now)) != 0)
		goto out;
	r = tg_sq_step_changes(db, s, "challenge purge", n);
out:
	tg_sq_release(s);
	return r;
}
