/*
 * SQLite back end: customers, the lockout counter and password history.
 * Lockout changes are single UPDATE statements so that concurrent login
 * attempts, on any thread or node, cannot get past the threshold.
 */
#include "store/sqlite/sqlite_int.h"

#include <string.h>

#include <tradeguard/error.h>

#define CUSTOMER_COLS \
	"id, login, email, phone, locale, disabled, locked, locked_at," \
	" fail_count, pw_hash, pw_changed_at, created_at, updated_at," \
	" account_class"

static const char SQL_INSERT[] =
    "INSERT INTO customer(login, email, phone, locale, disabled, locked,"
    " locked_at, fail_count, pw_hash, pw_changed_at, created_at, updated_at,"
    " account_class)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
    " coalesce(nullif(?13, ''), 'retail'))";
static const char SQL_SET_CLASS[] =
    "UPDATE customer SET account_class = ?1, updated_at = ?2 WHERE id = ?3";
static const char SQL_BY_LOGIN[] =
    "SELECT " CUSTOMER_COLS " FROM customer WHERE login = ?1";
static const char SQL_BY_ID[] =
    "SELECT " CUSTOMER_COLS " FROM customer WHERE id = ?1";
static const char SQL_EXISTS[] = "SELECT 1 FROM customer WHERE id = ?1";
static const char SQL_SET_DISABLED[] =
    "UPDATE customer SET disabled = ?1, updated_at = ?2 WHERE id = ?3";
static const char SQL_SET_CONTACT[] =
    "UPDATE customer SET email = ?1, phone = ?2, updated_at = ?3 WHERE id = ?4";
static const char SQL_UNLOCK[] =
    "UPDATE customer SET locked = 0, locked_at = 0, fail_count = 0,"
    " selfservice_fail_count = 0, updated_at = ?1 WHERE id = ?2";
static const char SQL_SS_RESERVE[] =
    "UPDATE customer SET selfservice_fail_count = selfservice_fail_count + 1,"
    " updated_at = ?1 WHERE id = ?2 AND selfservice_fail_count < ?3"
    " AND disabled = 0";
static const char SQL_SS_RESET[] =
    "UPDATE customer SET selfservice_fail_count = 0 WHERE id = ?1";
static const char SQL_DELETE[] = "DELETE FROM customer WHERE id = ?1";
static const char SQL_RESERVE[] =
    "UPDATE customer SET fail_count = fail_count + 1, updated_at = ?1"
    " WHERE id = ?2 AND fail_count < ?3 AND locked = 0 AND disabled = 0";
static const char SQL_FAILED[] =
    "UPDATE customer SET locked = 1, locked_at = ?1, updated_at = ?1"
    " WHERE id = ?2 AND fail_count >= ?3 AND locked = 0";
static const char SQL_SUCCEEDED[] =
    "UPDATE customer SET fail_count = 0, updated_at = ?1"
    " WHERE id = ?2 AND locked = 0";
static const char SQL_PW_SAVEPOINT[] = "SAVEPOINT tg_set_password";
static const char SQL_PW_RELEASE[] = "RELEASE tg_set_password";
static const char SQL_PW_UNDO[] = "ROLLBACK TO tg_set_password";
static const char SQL_PW_HISTORY_ADD[] =
    "INSERT INTO password_history(customer_id, pw_hash, created_at)"
    " SELECT id, pw_hash, ?1 FROM customer WHERE id = ?2 AND pw_hash <> ''";
static const char SQL_PW_SET[] =
    "UPDATE customer SET pw_hash = ?1, pw_changed_at = ?2, updated_at = ?2"
    " WHERE id = ?3";
static const char SQL_REHASH[] = "UPDATE customer SET pw_hash = ?1 WHERE id = ?2";
static const char SQL_PW_HISTORY[] =
    "SELECT pw_hash FROM password_history WHERE customer_id = ?1"
    " ORDER BY created_at DESC, id DESC LIMIT ?2";
static const char SQL_COUNT[] = "SELECT count(*) FROM customer";

static int
customer_row(tg_db *db, sqlite3_stmt *s, struct tg_customer *c)
{
	int r;

	c->id = sqlite3_column_int64(s, 0);
	if ((r = tg_sq_col_str(db, s, 1, c->login, sizeof(c->login))) != 0 ||
	    (r = tg_sq_col_str(db, s, 2, c->email, sizeof(c->email))) != 0 ||
	    (r = tg_sq_col_str(db, s, 3, c->phone, sizeof(c->phone))) != 0 ||
	    (r = tg_sq_col_str(db, s, 4, c->locale, sizeof(c->locale))) != 0)
		return r;
	c->disabled = sqlite3_column_int(s, 5) != 0;
	c->locked = sqlite3_column_int(s, 6) != 0;
	c->locked_at = sqlite3_column_int64(s, 7);
	c->fail_count = sqlite3_column_int(s, 8);
	if ((r = tg_sq_col_str(db, s, 9, c->pw_hash, sizeof(c->pw_hash))) != 0)
		return r;
	c->pw_changed_at = sqlite3_column_int64(s, 10);
	c->created_at = sqlite3_column_int64(s, 11);
	c->updated_at = sqlite3_column_int64(s, 12);
	return tg_sq_col_str(db, s, 13, c->account_class, sizeof(c->account_class));
}

/* 0 if customer id exists, TG_ERR_NOT_FOUND if not. */
static int
customer_exists(tg_db *db, int64_t id)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = tg_sq_prepare(db, SQL_EXISTS, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, id)) != 0)
		goto out;
	r = tg_sq_step_row(db, s, "customer exists");
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_customer_insert(tg_db *db, struct tg_customer *c)
{
	sqlite3_stmt *s = NULL;
	int r;

	if (db == NULL || c == NULL || c->login[0] == '\0')
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_INSERT, &s)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 1, c->login, sizeof(c->login))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 2, c->email, sizeof(c->email))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 3, c->phone, sizeof(c->phone))) != 0 ||
	    (r = tg_sq_bind_str(db, s, 4, c->locale, sizeof(c->locale))) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 5, c->disabled != 0)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 6, c->locked != 0)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 7, c->locked_at)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 8, c->fail_count)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 9, c->pw_hash, sizeof(c->pw_hash))) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 10, c->pw_changed_at)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 11, c->created_at)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 12, c->updated_at)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 13, c->account_class,
	    sizeof(c->account_class))) != 0 ||
	    (r = tg_sq_step_done(db, s, "customer insert")) != 0)
		goto out;
	c->id = sqlite3_last_insert_rowid(db->h);
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_customer_by_login(tg_db *db, const char *login, struct tg_customer *out)
{
	sqlite3_stmt *s = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL || login == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_BY_LOGIN, &s)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 1, login, TG_LOGIN_MAX + 1)) != 0 ||
	    (r = tg_sq_step_row(db, s, "customer by login")) != 0 ||
	    (r = customer_row(db, s, out)) != 0)
		goto out;
out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	tg_sq_release(s);
	return r;
}

int
tg_db_customer_by_id(tg_db *db, int64_t id, struct tg_customer *out)
{
	sqlite3_stmt *s = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_BY_ID, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, id)) != 0 ||
	    (r = tg_sq_step_row(db, s, "customer by id")) != 0 ||
	    (r = customer_row(db, s, out)) != 0)
		goto out;
out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	tg_sq_release(s);
	return r;
}

int
tg_db_customer_set_disabled(tg_db *db, int64_t id, int disabled, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_SET_DISABLED, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, disabled != 0)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, id)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "customer set disabled", &n)) != 0)
		goto out;
	r = n == 0 ? TG_ERR_NOT_FOUND : 0;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_customer_set_class(tg_db *db, int64_t id, const char *account_class,
    int64_t now)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_SET_CLASS, &s)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 1, account_class, 32)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, id)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "customer set class", &n)) != 0)
		goto out;
	r = n == 0 ? TG_ERR_NOT_FOUND : 0;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_customer_set_contact(tg_db *db, int64_t id, const char *email,
    const char *phone, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_SET_CONTACT, &s)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 1, email, TG_EMAIL_MAX + 1)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 2, phone, TG_PHONE_MAX + 1)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 4, id)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "customer set contact", &n)) != 0)
		goto out;
	r = n == 0 ? TG_ERR_NOT_FOUND : 0;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_customer_unlock(tg_db *db, int64_t id, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_UNLOCK, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, id)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "customer unlock", &n)) != 0)
		goto out;
	r = n == 0 ? TG_ERR_NOT_FOUND : 0;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_customer_delete(tg_db *db, int64_t id)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL)
		return TG_ERR_INVALID;
	/* Sessions, flows and history go with it (ON DELETE CASCADE). */
	if ((r = tg_sq_prepare(db, SQL_DELETE, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, id)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "customer delete", &n)) != 0)
		goto out;
	r = n == 0 ? TG_ERR_NOT_FOUND : 0;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_customer_attempt_reserve(tg_db *db, int64_t id, int threshold, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL || threshold < 1)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_RESERVE, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, threshold)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "attempt reserve", &n)) != 0)
		goto out;
	if (n == 0 && (r = customer_exists(db, id)) == 0)
		r = TG_ERR_LOCKED;	/* exists, but no attempt may be made */
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_customer_selfservice_reserve(tg_db *db, int64_t id, int threshold,
    int64_t now)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL || threshold < 1)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_SS_RESERVE, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, threshold)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "self-service reserve", &n)) != 0)
		goto out;
	if (n == 0 && (r = customer_exists(db, id)) == 0)
		r = TG_ERR_LOCKED;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_customer_selfservice_reset(tg_db *db, int64_t id)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if ((r = tg_sq_prepare(db, SQL_SS_RESET, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, id)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "self-service reset", &n)) != 0)
		goto out;
	if (n == 0)
		r = TG_ERR_NOT_FOUND;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_customer_attempt_failed(tg_db *db, int64_t id, int threshold, int64_t now,
    int *locked_now)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	*locked_now = 0;
	if (db == NULL || threshold < 1)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_FAILED, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, threshold)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "attempt failed", &n)) != 0)
		goto out;
	if (n > 0)
		*locked_now = 1;
	else
		r = customer_exists(db, id);
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_customer_attempt_succeeded(tg_db *db, int64_t id, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_SUCCEEDED, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, id)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "attempt succeeded", &n)) != 0)
		goto out;
	if (n == 0 && (r = customer_exists(db, id)) == 0)
		r = TG_ERR_LOCKED;	/* exists, but was locked meanwhile */
out:
	tg_sq_release(s);
	return r;
}

static int
password_set(tg_db *db, int64_t id, const char *hash, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if ((r = tg_sq_prepare(db, SQL_PW_HISTORY_ADD, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, id)) != 0 ||
	    (r = tg_sq_step_done(db, s, "password history add")) != 0)
		goto out;
	tg_sq_release(s);
	if ((r = tg_sq_prepare(db, SQL_PW_SET, &s)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 1, hash, TG_PWHASH_MAX)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, now)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 3, id)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "password set", &n)) != 0)
		goto out;
	r = n == 0 ? TG_ERR_NOT_FOUND : 0;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_customer_set_password(tg_db *db, int64_t id, const char *hash, int64_t now)
{
	int r;

	if (db == NULL || hash == NULL || hash[0] == '\0')
		return TG_ERR_INVALID;
	/*
	 * A savepoint nests in the caller's transaction or, outside one,
	 * is its own.  Its first statement writes, so the write lock is
	 * taken (with the busy timeout) before anything is read.
	 */
	if ((r = tg_sq_exec(db, SQL_PW_SAVEPOINT, "savepoint")) != 0)
		return r;
	if ((r = password_set(db, id, hash, now)) != 0) {
		(void)tg_sq_exec(db, SQL_PW_UNDO, "rollback to savepoint");
		(void)tg_sq_exec(db, SQL_PW_RELEASE, "release savepoint");
		return r;
	}
	if ((r = tg_sq_exec(db, SQL_PW_RELEASE, "release savepoint")) != 0) {
		(void)tg_sq_exec(db, SQL_PW_UNDO, "rollback to savepoint");
		(void)tg_sq_exec(db, SQL_PW_RELEASE, "release savepoint");
	}
	return r;
}

int
tg_db_customer_rehash(tg_db *db, int64_t id, const char *hash)
{
	sqlite3_stmt *s = NULL;
	int r, n;

	if (db == NULL || hash == NULL || hash[0] == '\0')
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_REHASH, &s)) != 0 ||
	    (r = tg_sq_bind_str(db, s, 1, hash, TG_PWHASH_MAX)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, id)) != 0 ||
	    (r = tg_sq_step_changes(db, s, "password rehash", &n)) != 0)
		goto out;
	r = n == 0 ? TG_ERR_NOT_FOUND : 0;
out:
	tg_sq_release(s);
	return r;
}

int
tg_db_password_history(tg_db *db, int64_t id, int max,
    char (*hashes)[TG_PWHASH_MAX], int *n)
{
	sqlite3_stmt *s = NULL;
	int r, rc = SQLITE_DONE, i = 0;

	*n = 0;
	if (db == NULL || max < 0 || (max > 0 && hashes == NULL))
		return TG_ERR_INVALID;
	if (max == 0)
		return 0;
	if ((r = tg_sq_prepare(db, SQL_PW_HISTORY, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, id)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 2, max)) != 0)
		goto out;
	while (i < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((r = tg_sq_col_str(db, s, 0, hashes[i], TG_PWHASH_MAX)) != 0)
			goto out;
		i++;
	}
	if (i < max && rc != SQLITE_DONE) {
		r = tg_sq_error(db, rc, "password history");
		goto out;
	}
	*n = i;
out:
	if (r != 0) {
		while (i > 0)
			memset(hashes[--i], 0, TG_PWHASH_MAX);
	}
	tg_sq_release(s);
	return r;
}

int
tg_db_customer_count(tg_db *db, int64_t *n)
{
	sqlite3_stmt *s = NULL;
	int r;

	*n = 0;
	if (db == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_sq_prepare(db, SQL_COUNT, &s)) != 0 ||
	    (r = tg_sq_step_row(db, s, "customer count")) != 0)
		goto out;
	*n = sqlite3_column_int64(s, 0);
out:
	tg_sq_release(s);
	return r;
}
