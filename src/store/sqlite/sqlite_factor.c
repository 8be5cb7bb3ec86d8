/*
 * SQLite back end: enrolled second factors (TOTP, device keys, WebAuthn
 * credentials) and the factor records of login flows and sessions.
 *
 * Replay protection is one UPDATE whose WHERE clause carries the condition
 * (TOTP step strictly increasing, WebAuthn signature counter increasing):
 * sqlite3_changes() then says whether this caller won, so concurrent
 * verifications of the same code, on any thread or node, accept it once.
 *
 * Blob columns are bounded by the buffers of struct tg_factor: a longer
 * value is refused on insert (TG_ERR_INVALID); one found in the database is
 * a storage fault (TG_ERR_STORE, as tg_sq_col_str does for text) and the
 * record is not returned.
 */
#include "store/sqlite/sqlite_int.h"

#include <limits.h>
#include <string.h>

#include <tradeguard/error.h>

#include "core/log.h"
#include "store/store_factor.h"

#define FACTOR_COLS \
	"id, customer_id, type, name, active, secret, public_key, alg," \
	" credential_id, sign_count, last_step, uv, created_at, last_used_at"
/* ?2 NULL: every type; ?3 non-zero: active factors only. */
#define FACTOR_FILTER \
	"customer_id = ?1 AND (?2 IS NULL OR type = ?2) AND (?3 = 0 OR active = 1)"

static const char SQL_FACTOR_INSERT[] =
    "INSERT INTO factor(customer_id, type, name, active, secret, public_key,"
    " alg, credential_id, sign_count, last_step, uv, created_at, last_used_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
static const char SQL_FACTOR_GET[] =
    "SELECT " FACTOR_COLS " FROM factor WHERE id = ?1 AND customer_id = ?2";
static const char SQL_FACTOR_BY_CRED[] =
    "SELECT " FACTOR_COLS " FROM factor WHERE credential_id = ?1";
static const char SQL_FACTOR_LIST[] =
    "SELECT " FACTOR_COLS " FROM factor WHERE " FACTOR_FILTER
    " ORDER BY created_at, id";
static const char SQL_FACTOR_COUNT[] =
    "SELECT count(*) FROM factor WHERE " FACTOR_FILTER;
static const char SQL_FACTOR_EXISTS[] = "SELECT 1 FROM factor WHERE id = ?1";
static const char SQL_FACTOR_ACTIVATE[] =
    "UPDATE factor SET active = 1, last_used_at = max(last_used_at, ?1)"
    " WHERE id = ?2 AND customer_id = ?3";
static const char SQL_FACTOR_RENAME[] =
    "UPDATE factor SET name = ?1 WHERE id = ?2 AND customer_id = ?3";
static const char SQL_FACTOR_DELETE[] =
    "DELETE FROM factor WHERE id = ?1 AND customer_id = ?2";
static const char SQL_FACTOR_USE_STEP[] =
    "UPDATE factor SET last_step = ?1, last_used_at = max(last_used_at, ?2)"
    " WHERE id = ?3 AND last_step < ?1";
static const char SQL_FACTOR_USE_COUNT[] =
    "UPDATE factor SET sign_count = ?1, last_used_at = max(last_used_at, ?2)"
    " WHERE id = ?3 AND (sign_count < ?1 OR (sign_count = 0 AND ?1 = 0))";
static const char SQL_FACTOR_USED[] =
    "UPDATE factor SET last_used_at = max(last_used_at, ?1) WHERE id = ?2";

static const char SQL_FLOW_EXTRA_GET[] =
    "SELECT purpose, factors, user_agent FROM login_flow WHERE id_hash = ?1";
static const char SQL_FLOW_EXTRA_SET[] =
    "UPDATE login_flow SET purpose = ?1, factors = ?2, user_agent = ?3"
    " WHERE id_hash = ?4";
/*
 * Adds kinds and appends the labels ?2 to factors ("a" + "b" = "a,b") if
 * the result, in bytes, stays below ?4 (the reader's buffer size).
 */
static const char SQL_FLOW_PROGRESS[] =
    "UPDATE login_flow SET kinds = kinds | ?1,"
    " factors = CASE WHEN ?2 = '' THEN factors WHEN factors = '' THEN ?2"
    "  ELSE factors || ',' || ?2 END"
    " WHERE id_hash = ?3 AND (?2 = '' OR length(CAST(factors AS BLOB))"
    "  + (factors <> '') + length(CAST(?2 AS BLOB)) < ?4)";
static const char SQL_FLOW_EXISTS[] = "SELECT 1 FROM login_flow WHERE id_hash = ?1";

static const char SQL_SESSION_EXTRA_GET[] =
    "SELECT factors, stepup_at, stepup_kinds, stepup_factors FROM session"
    " WHERE id_hash = ?1";
static const char SQL_SESSION_FACTORS[] =
    "UPDATE session SET factors = ?1 WHERE id_hash = ?2";
static const char SQL_SESSION_STEPUP[] =
    "UPDATE session SET stepup_at = ?1, stepup_kinds = ?2, stepup_factors = ?3"
    " WHERE id_hash = ?4";

#define FACTORS_CAP sizeof(((struct tg_flow_extra *)0)->factors)

static const char *const factor_type_names[] = {
	[TG_FACTOR_TOTP] = "totp",
	[TG_FACTOR_DEVICE] = "device",
	[TG_FACTOR_WEBAUTHN] = "webauthn",
};

#define N_FACTOR_TYPES \
	((int)(sizeof(factor_type_names) / sizeof(factor_type_names[0])))

const char *
tg_factor_type_name(enum tg_factor_type t)
{
	if ((int)t < 0 || (int)t >= N_FACTOR_TYPES)
		return "unknown";
	return factor_type_names[t];
}

static int
factor_type_valid(int t)
{
	return t >= 0 && t < N_FACTOR_TYPES;
}

static int
factor_type_parse(const char *name, enum tg_factor_type *t)
{
	int i;

	for (i = 0; i < N_FACTOR_TYPES; i++) {
		if (strcmp(name, factor_type_names[i]) == 0) {
			*t = (enum tg_factor_type)i;
			return 0;
		}
	}
	return TG_ERR_STORE;
}

/* A blob, NULL when empty: the UNIQUE credential_id allows many NULLs. */
static int
bind_blob_opt(tg_db *db, sqlite3_stmt *s, int idx, const void *p, size_t n)
{
	if (n == 0)
		return tg_sq_bind_null(db, s, idx);
	return tg_sq_bind_blob(db, s, idx, p, n);
}

/* Copy a blob column of at most cap bytes (NULL: none); TG_ERR_STORE if longer. */
static int
col_blob_max(sqlite3_stmt *s, int col, uint8_t *buf, size_t cap, size_t *len)
{
	const void *p;
	int n;

	*len = 0;
	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		return 0;
	p = sqlite3_column_blob(s, col);
	n = sqlite3_column_bytes(s, col);
	if (n == 0)
		return 0;
	if (p == NULL || n < 0 || (size_t)n > cap) {
		tg_log(TG_LOG_ERROR, "store.error", NULL,
		    "column %s: %d bytes, at most %zu expected",
		    sqlite3_column_name(s, col), n, cap);
		return TG_ERR_STORE;
	}
	memcpy(buf, p, (size_t)n);
	*len = (size_t)n;
	return 0;
}

static int
factor_row(tg_db *db, sqlite3_stmt *s, struct tg_factor *f)
{
	char type[16];
	int r;

	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(s, 0);
	f->customer_id = sqlite3_column_int64(s, 1);
	if ((r = tg_sq_col_str(db, s, 2, type, sizeof(type))) != 0 ||
	    (r = factor_type_parse(type, &f->type)) != 0 ||
	    (r = tg_sq_col_str(db, s, 3, f->name, sizeof(f->name))) != 0)
		goto out;
	f->active = sqlite3_column_int(s, 4) != 0;
	if ((r = col_blob_max(s, 5, f->secret, sizeof(f->secret),
	    &f->secret_len)) != 0 ||
	    (r = col_blob_max(s, 6, f->public_key, sizeof(f->public_key),
	    &f->public_key_len)) != 0)
		goto out;
	f->alg = sqlite3_column_int(s, 7);
	if ((r = col_blob_max(s, 8, f->credential_id, sizeof(f->credential_id),
	    &f->credential_id_len)) != 0)
		goto out;
	f->sign_count = sqlite3_column_int64(s, 9);
	f->last_step = sqlite3_column_int64(s, 10);
	f->uv = sqlite3_column_int(s, 11) != 0;
	f->created_at = sqlite3_column_int64(s, 12);
	f->last_used_at = sqlite3_column_int64(s, 13);
out:
	if (r != 0) {
		if (r == TG_ERR_STORE)
			tg_log(TG_LOG_ERROR, "store.error", NULL,
			    "factor %lld: unreadable record", (long long)f->id);
		explicit_bzero(f, sizeof(*f));
	}
	return r;
}

/* 0 if the row selected by a one-parameter SELECT exists, else TG_ERR_NOT_FOUND. */
static int
row_exists_i64(tg_db *db, const char *sql, int64_t id, const char *op)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = tg_sq_prepare(db, sql, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, id)) != 0)
		goto out;
	r = tg_sq_step_row(db, s, op);
out:
	tg_sq_release(s);
	return r;
}

static int
row_exists_hash(tg_db *db, const char *sql, const uint8_t hash[32],
    const char *op)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = tg_sq_prepare(db, sql, &s)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 1, hash, 32)) != 0)
		goto out;
	r = tg_sq_step_row(db, s, op);
out:
	tg_sq_release(s);
	return r;
}

/* --- factors --- */

int
tg_db_factor_insert(tg_db *db, struct tg_factor *f)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (db == NULL || f == NULL || !factor_type_valid((int)f->type) ||
	    f->secret_len > sizeof(f->secret) ||
	    f->public_key_len > sizeof(f->public_key) ||
	    f->credential_id_len > sizeof(f->credential_id) ||
	    f->sign_count < 0 || f->last_step < 0)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_FACTOR_INSERT, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, f->customer_id)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 2, factor_type_names[f->type],
	    16)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 3, f->name, sizeof(f->name))) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 4, f->active != 0)) != 0 ||
	    (r = bind_blob_opt(db, s, 5, f->secret, f->secret_len)) != 0 ||
	    (r = bind_blob_opt(db, s, 6, f->public_key,
	    f->public_key_len)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 7, f->alg)) != 0 ||
	    (r = bind_blob_opt(db, s, 8, f->credential_id,
	    f->credential_id_len)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 9, f->sign_count)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 10, f->last_step)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 11, f->uv != 0)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 12, f->created_at)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 13, f->last_used_at)) != 0 ||
	    (r = tg_sq_step_done(db, s, "factor insert")) != 0)
		goto out;
	f->id = sqlite3_last_insert_rowid(db->h);
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_factor_get(tg_db *db, int64_t customer_id, int64_t id, struct tg_factor *out)
{
	sqlite3_stmt *s = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL)
		return TG_ERR_INVALID;
	/* Another customer's factor is reported exactly like a missing one. */
	if ((r = tg_sq_prepare(db, SQL_FACTOR_GET, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, customer_id)) != 0 ||
	    (r = tg_sq_step_row(db, s, "factor get")) != 0 ||
	    (r = factor_row(db, s, out)) != 0)
		goto out;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_factor_by_credential(tg_db *db, const uint8_t *cred, size_t len,
    struct tg_factor *out)
{
	sqlite3_stmt *s = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL || cred == NULL || len == 0 || len > TG_CREDENTIAL_ID_MAX)
		return TG_ERR_INVALID;
	/* Whatever its state: the caller checks active and the customer. */
	if ((r = tg_sq_prepare(db, SQL_FACTOR_BY_CRED, &s)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 1, cred, len)) != 0 ||
	    (r = tg_sq_step_row(db, s, "factor by credential")) != 0 ||
	    (r = factor_row(db, s, out)) != 0)
		goto out;
out:
	tg_sq_release(s);
	return r;
}

/* Bind the customer, type and active filter of FACTOR_FILTER. */
static int
bind_filter(tg_db *db, sqlite3_stmt *s, int64_t customer_id, int type,
    int active_only)
{
	int r;

	if ((r = tg_sq_bind_i64(db, s, 1, customer_id)) != 0 ||
	    (r = type < 0 ? tg_sq_bind_null(db, s, 2) :
	    tg_sq_bind_str(db, s, 2, factor_type_names[type], 16)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, active_only != 0)) != 0)
		return r;
	return 0;
}

int
tg_db_factor_foreach(tg_db *db, int64_t customer_id, int type, int active_only,
    int (*fn)(const struct tg_factor *f, void *arg), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct tg_factor f;
	int r, rc;

	if (db == NULL || fn == NULL || (type >= 0 && !factor_type_valid(type)))
		return TG_ERR_INVALID;
	/*
	 * Not from the cache: fn may use this connection, even call this
	 * function again, while the statement is running.
	 */
	rc = sqlite3_prepare_v2(db->h, SQL_FACTOR_LIST, -1, &s, NULL);
	if (rc != SQLITE_OK) {
		r = tg_sq_error(db, rc, "factor foreach");
		goto out;
	}
	if ((r = bind_filter(db, s, customer_id, type, active_only)) != 0)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((r = factor_row(db, s, &f)) != 0 ||
		    (r = fn(&f, arg)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		r = tg_sq_error(db, rc, "factor foreach");
		goto out;
	}
	r = 0;
out:
	explicit_bzero(&f, sizeof(f));
	sqlite3_finalize(s);
	return r;
}

int
tg_db_factor_count(tg_db *db, int64_t customer_id, int type, int active_only,
    int *n)
{
	sqlite3_stmt *s = NULL;
	int r;

	*n = 0;
	if (db == NULL || (type >= 0 && !factor_type_valid(type)))
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_FACTOR_COUNT, &s)) != 0 ||
	    (r = bind_filter(db, s, customer_id, type, active_only)) != 0 ||
	    (r = tg_sq_step_row(db, s, "factor count")) != 0)
		goto out;
	*n = sqlite3_column_int(s, 0);
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_factor_activate(tg_db *db, int64_t customer_id, int64_t id, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL)
		return TG_ERR_INVALID;
	/* Activation follows a verified code or signature: a use at now. */
	if ((r = tg_sq_prepare(db, SQL_FACTOR_ACTIVATE, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, customer_id)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "factor activate", &n)) != 0)
		goto out;
	r = n == 0 ? TG_ERR_NOT_FOUND : 0;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_factor_rename(tg_db *db, int64_t customer_id, int64_t id, const char *name)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL || name == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_FACTOR_RENAME, &s)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 1, name, TG_FACTOR_NAME_MAX + 1)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, customer_id)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "factor rename", &n)) != 0)
		goto out;
	r = n == 0 ? TG_ERR_NOT_FOUND : 0;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_factor_delete(tg_db *db, int64_t customer_id, int64_t id)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_FACTOR_DELETE, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, customer_id)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "factor delete", &n)) != 0)
		goto out;
	r = n == 0 ? TG_ERR_NOT_FOUND : 0;
out:
	tg_sq_release(s);
	return r;
}

/*
 * Run a guarded single-row UPDATE of factor id: 0 if it changed the row,
 * `refused` if the row exists but the guard failed, TG_ERR_NOT_FOUND if the
 * row does not exist.
 */
static int
factor_guarded(tg_db *db, const char *sql, int64_t id, int64_t v, int64_t now,
    int refused, const char *op)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if ((r = tg_sq_prepare(db, sql, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, v)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, id)) != 0 ||
	    (r = tg_sq_step_changes(db, s, op, &n)) != 0)
		goto out;
	tg_sq_release(s);
	s = NULL;
	if (n > 0)
		goto out;
	/* The decision was the UPDATE's; this only names the failure. */
	if ((r = row_exists_i64(db, SQL_FACTOR_EXISTS, id, op)) == 0)
		r = refused;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_factor_use_step(tg_db *db, int64_t id, int64_t step, int64_t now)
{
	if (db == NULL || step <= 0)
		return TG_ERR_INVALID;
	return factor_guarded(db, SQL_FACTOR_USE_STEP, id, step, now,
	    TG_ERR_REUSED, "factor use step");
}

int
tg_db_factor_use_count(tg_db *db, int64_t id, int64_t count, int64_t now)
{
	if (db == NULL || count < 0 || count > UINT32_MAX)
		return TG_ERR_INVALID;
	return factor_guarded(db, SQL_FACTOR_USE_COUNT, id, count, now,
	    TG_ERR_TAMPERED, "factor use count");
}

int
tg_db_factor_used(tg_db *db, int64_t id, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_FACTOR_USED, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, id)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "factor used", &n)) != 0)
		goto out;
	r = n == 0 ? TG_ERR_NOT_FOUND : 0;
out:
	tg_sq_release(s);
	return r;
}

/* --- factor records of login flows --- */

int
tg_db_flow_get_extra(tg_db *db, const uint8_t id_hash[32], struct tg_flow_extra *out)
{
	sqlite3_stmt *s = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL || id_hash == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_FLOW_EXTRA_GET, &s)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 1, id_hash, 32)) != 0 ||
	    (r = tg_sq_step_row(db, s, "flow get extra")) != 0 ||
	    (r = tg_sq_col_str(db, s, 0, out->purpose,
	    sizeof(out->purpose))) != 0 ||
	    (r = tg_sq_col_str(db, s, 1, out->factors,
	    sizeof(out->factors))) != 0 ||
	    (r = tg_sq_col_str(db, s, 2, out->user_agent,
	    sizeof(out->user_agent))) != 0)
		goto out;
out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	tg_sq_release(s);
	return r;
}

int
tg_db_flow_set_extra(tg_db *db, const uint8_t id_hash[32],
    const struct tg_flow_extra *x)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL || id_hash == NULL || x == NULL || x->purpose[0] == '\0')
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_FLOW_EXTRA_SET, &s)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 1, x->purpose, sizeof(x->purpose))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 2, x->factors, sizeof(x->factors))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 3, x->user_agent,
	    sizeof(x->user_agent))) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 4, id_hash, 32)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "flow set extra", &n)) != 0)
		goto out;
	r = n == 0 ? TG_ERR_NOT_FOUND : 0;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_flow_progress(tg_db *db, const uint8_t id_hash[32], unsigned kinds,
    const char *factors)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL || id_hash == NULL)
		return TG_ERR_INVALID;
	if (factors == NULL)
		factors = "";
	/* One UPDATE: concurrent steps of the same flow both count. */
	if ((r = tg_sq_prepare(db, SQL_FLOW_PROGRESS, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, kinds)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 2, factors, FACTORS_CAP)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 3, id_hash, 32)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 4, (int64_t)FACTORS_CAP)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "flow progress", &n)) != 0)
		goto out;
	tg_sq_release(s);
	s = NULL;
	if (n > 0)
		goto out;
	if ((r = row_exists_hash(db, SQL_FLOW_EXISTS, id_hash,
	    "flow progress")) == 0)
		r = TG_ERR_LIMIT;	/* the labels would not fit */
out:
	tg_sq_release(s);
	return r;
}

/* --- factor records of sessions --- */

int
tg_db_session_get_extra(tg_db *db, const uint8_t id_hash[32],
    struct tg_session_extra *out)
{
	sqlite3_stmt *s = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL || id_hash == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_SESSION_EXTRA_GET, &s)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 1, id_hash, 32)) != 0 ||
	    (r = tg_sq_step_row(db, s, "session get extra")) != 0 ||
	    (r = tg_sq_col_str(db, s, 0, out->factors,
	    sizeof(out->factors))) != 0)
		goto out;
	out->stepup_at = sqlite3_column_int64(s, 1);
	out->stepup_kinds = (unsigned)sqlite3_column_int64(s, 2);
	r = tg_sq_col_str(db, s, 3, out->stepup_factors,
	    sizeof(out->stepup_factors));
out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	tg_sq_release(s);
	return r;
}

int
tg_db_session_set_factors(tg_db *db, const uint8_t id_hash[32], const char *factors)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL || id_hash == NULL || factors == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_SESSION_FACTORS, &s)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 1, factors, FACTORS_CAP)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 2, id_hash, 32)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "session set factors", &n)) != 0)
		goto out;
	r = n == 0 ? TG_ERR_NOT_FOUND : 0;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_session_stepup(tg_db *db, const uint8_t id_hash[32], int64_t now,
    unsigned kinds, const char *factors)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL || id_hash == NULL || factors == NULL)
		return TG_ERR_INVALID;
	/* The latest step-up replaces the previous one. */
	if ((r = tg_sq_prepare(db, SQL_SESSION_STEPUP, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, kinds)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 3, factors, FACTORS_CAP)) != 0 ||
	    (r = tg_sq_bind_blob(db, s, 4, id_hash, 32)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "session stepup", &n)) != 0)
		goto out;
	r = n == 0 ? TG_ERR_NOT_FOUND : 0;
out:
	tg_sq_release(s);
	return r;
}
