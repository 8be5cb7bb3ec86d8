/*
 * SQLite back end: the database, per-thread connections, the statement
 * cache, transactions and the small helpers the other files share.
 */
#include "store/sqlite/sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tradeguard/error.h>

#include "core/log.h"

static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_BEGIN_READ[] = "BEGIN DEFERRED";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

/* --- helpers shared by the back end --- */

int
tg_sq_error(tg_db *db, int rc, const char *op)
{
	const char *msg;

	msg = (db != NULL && db->h != NULL) ? sqlite3_errmsg(db->h) :
	    sqlite3_errstr(rc);
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		tg_log(TG_LOG_WARN, "store.busy", NULL, "%s: %s", op, msg);
		return TG_ERR_BUSY;
	case SQLITE_NOMEM:
		tg_log(TG_LOG_ERROR, "store.error", NULL, "%s: out of memory", op);
		return TG_ERR_NOMEM;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE ||
		    rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return TG_ERR_EXISTS;
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
			return TG_ERR_NOT_FOUND;
		break;
	default:
		break;
	}
	tg_log(TG_LOG_ERROR, "store.error", NULL, "%s: %s (code %d)", op, msg, rc);
	return TG_ERR_STORE;
}

int
tg_sq_prepare(tg_db *db, const char *sql, sqlite3_stmt **sp)
{
	struct sq_cached *c;
	sqlite3_stmt *s = NULL;
	size_t i, ncap;
	int rc;

	*sp = NULL;
	if (db == NULL || db->h == NULL)
		return TG_ERR_INVALID;
	for (i = 0; i < db->ncache; i++) {
		if (db->cache[i].sql != sql)
			continue;
		s = db->cache[i].stmt;
		if (sqlite3_stmt_busy(s)) {
			/* A caller did not release it: a bug, not a DB state. */
			tg_log(TG_LOG_ERROR, "store.error", NULL,
			    "statement still in use: %.40s", sql);
			return TG_ERR_INTERNAL;
		}
		*sp = s;
		return 0;
	}
	if (db->ncache == db->cache_cap) {
		ncap = db->cache_cap == 0 ? 32 : db->cache_cap * 2;
		if ((c = reallocarray(db->cache, ncap, sizeof(*c))) == NULL)
			return TG_ERR_NOMEM;
		db->cache = c;
		db->cache_cap = ncap;
	}
	rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s,
	    NULL);
	if (rc != SQLITE_OK)
		return tg_sq_error(db, rc, "prepare");
	if (s == NULL)
		return TG_ERR_INTERNAL;		/* empty SQL text */
	db->cache[db->ncache].sql = sql;
	db->cache[db->ncache].stmt = s;
	db->ncache++;
	*sp = s;
	return 0;
}

void
tg_sq_release(sqlite3_stmt *s)
{
	if (s == NULL)
		return;
	(void)sqlite3_reset(s);
	(void)sqlite3_clear_bindings(s);
}

int
tg_sq_step_done(tg_db *db, sqlite3_stmt *s, const char *op)
{
	int rc;

	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_ROW) {
		tg_log(TG_LOG_ERROR, "store.error", NULL,
		    "%s: unexpected result row", op);
		return TG_ERR_INTERNAL;
	}
	return tg_sq_error(db, rc, op);
}

int
tg_sq_step_row(tg_db *db, sqlite3_stmt *s, const char *op)
{
	int rc;

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return TG_ERR_NOT_FOUND;
	return tg_sq_error(db, rc, op);
}

int
tg_sq_step_changes(tg_db *db, sqlite3_stmt *s, const char *op, int *n)
{
	int r;

	*n = 0;
	if ((r = tg_sq_step_done(db, s, op)) != 0)
		return r;
	*n = sqlite3_changes(db->h);
	return 0;
}

int
tg_sq_exec(tg_db *db, const char *sql, const char *op)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = tg_sq_prepare(db, sql, &s)) != 0)
		goto out;
	r = tg_sq_step_done(db, s, op);
out:
	tg_sq_release(s);
	return r;
}

int
tg_sq_bind_i64(tg_db *db, sqlite3_stmt *s, int idx, int64_t v)
{
	int rc;

	if ((rc = sqlite3_bind_int64(s, idx, (sqlite3_int64)v)) != SQLITE_OK)
		return tg_sq_error(db, rc, "bind");
	return 0;
}

int
tg_sq_bind_null(tg_db *db, sqlite3_stmt *s, int idx)
{
	int rc;

	if ((rc = sqlite3_bind_null(s, idx)) != SQLITE_OK)
		return tg_sq_error(db, rc, "bind");
	return 0;
}

int
tg_sq_bind_str(tg_db *db, sqlite3_stmt *s, int idx, const char *str, size_t cap)
{
	size_t len;
	int rc;

	if (str == NULL)
		return TG_ERR_INVALID;
	len = strnlen(str, cap);
	if (len == cap || len > INT_MAX)
		return TG_ERR_INVALID;
	rc = sqlite3_bind_text(s, idx, str, (int)len, SQLITE_STATIC);
	if (rc != SQLITE_OK)
		return tg_sq_error(db, rc, "bind");
	return 0;
}

int
tg_sq_bind_blob(tg_db *db, sqlite3_stmt *s, int idx, const void *p, size_t n)
{
	int rc;

	if (p == NULL || n > INT_MAX)
		return TG_ERR_INVALID;
	rc = sqlite3_bind_blob(s, idx, p, (int)n, SQLITE_STATIC);
	if (rc != SQLITE_OK)
		return tg_sq_error(db, rc, "bind");
	return 0;
}

int
tg_sq_col_str(tg_db *db, sqlite3_stmt *s, int col, char *buf, size_t size)
{
	const unsigned char *t;
	int n;

	buf[0] = '\0';
	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		return 0;
	t = sqlite3_column_text(s, col);
	n = sqlite3_column_bytes(s, col);
	if (t == NULL)
		return tg_sq_error(db, sqlite3_errcode(db->h), "column");
	if (n < 0 || (size_t)n >= size) {
		tg_log(TG_LOG_ERROR, "store.error", NULL,
		    "column %s too long (%d bytes)",
		    sqlite3_column_name(s, col), n);
		return TG_ERR_STORE;
	}
	memcpy(buf, t, (size_t)n);
	buf[n] = '\0';
	return 0;
}

int
tg_sq_col_blob(tg_db *db, sqlite3_stmt *s, int col, void *buf, size_t n)
{
	const void *p;
	int len;

	(void)db;
	p = sqlite3_column_blob(s, col);
	len = sqlite3_column_bytes(s, col);
	if (p == NULL || len < 0 || (size_t)len != n) {
		tg_log(TG_LOG_ERROR, "store.error", NULL,
		    "column %s: %d bytes, expected %zu",
		    sqlite3_column_name(s, col), len, n);
		return TG_ERR_STORE;
	}
	memcpy(buf, p, n);
	return 0;
}

/* --- connections --- */

static void
conn_free(tg_db *db)
{
	size_t i;
	int rc;

	if (db == NULL)
		return;
	for (i = 0; i < db->ncache; i++)
		sqlite3_finalize(db->cache[i].stmt);
	free(db->cache);
	if (db->h != NULL && (rc = sqlite3_close_v2(db->h)) != SQLITE_OK)
		tg_log(TG_LOG_ERROR, "store.error", NULL, "close: %s",
		    sqlite3_errstr(rc));
	free(db);
}

/* Enable WAL; SQLite answers with the journal mode now in force. */
static int
conn_wal(tg_db *db)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *mode;
	int r, rc;

	rc = sqlite3_prepare_v2(db->h, "PRAGMA journal_mode=WAL", -1, &s, NULL);
	if (rc != SQLITE_OK) {
		r = tg_sq_error(db, rc, "journal_mode");
		goto out;
	}
	if ((r = tg_sq_step_row(db, s, "journal_mode")) != 0)
		goto out;
	mode = sqlite3_column_text(s, 0);
	if (mode == NULL || strcmp((const char *)mode, "wal") != 0) {
		tg_log(TG_LOG_ERROR, "store.error", NULL,
		    "cannot enable WAL (journal mode %s)",
		    mode == NULL ? "?" : (const char *)mode);
		r = TG_ERR_STORE;
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(s);
	return r;
}

static int
conn_open(tg_store *st, tg_db **out)
{
	tg_db *db = NULL;
	int r, rc, fk = 0;

	*out = NULL;
	if ((db = calloc(1, sizeof(*db))) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	db->st = st;
	/* One connection per thread: SQLite's per-connection mutex is not needed. */
	rc = sqlite3_open_v2(st->path, &db->h,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		r = tg_sq_error(db, rc, "open");
		goto out;
	}
	sqlite3_extended_result_codes(db->h, 1);
	if ((rc = sqlite3_busy_timeout(db->h, st->busy_timeout_ms)) != SQLITE_OK ||
	    (rc = sqlite3_db_config(db->h, SQLITE_DBCONFIG_DEFENSIVE, 1,
	    (int *)NULL)) != SQLITE_OK ||
	    (rc = sqlite3_db_config(db->h, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0,
	    (int *)NULL)) != SQLITE_OK ||
	    (rc = sqlite3_db_config(db->h, SQLITE_DBCONFIG_ENABLE_FKEY, 1,
	    &fk)) != SQLITE_OK) {
		r = tg_sq_error(db, rc, "configure");
		goto out;
	}
	if (fk != 1) {
		tg_log(TG_LOG_ERROR, "store.error", NULL,
		    "SQLite built without foreign key support");
		r = TG_ERR_STORE;
		goto out;
	}
	if ((r = conn_wal(db)) != 0 ||
	    (r = tg_sq_exec(db, "PRAGMA synchronous=NORMAL", "synchronous")) != 0 ||
	    (r = tg_sq_exec(db, "PRAGMA foreign_keys=ON", "foreign_keys")) != 0)
		goto out;
	*out = db;
	db = NULL;
out:
	conn_free(db);
	return r;
}

static void
conn_unlink(tg_store *st, tg_db *db)
{
	if (db->prev != NULL)
		db->prev->next = db->next;
	else if (st->conns == db)
		st->conns = db->next;
	if (db->next != NULL)
		db->next->prev = db->prev;
	db->prev = db->next = NULL;
}

/* Thread exit: the thread's connection is closed with it. */
static void
conn_thread_exit(void *arg)
{
	tg_db *db = arg;
	tg_store *st = db->st;

	pthread_mutex_lock(&st->mu);
	conn_unlink(st, db);
	pthread_mutex_unlock(&st->mu);
	conn_free(db);
}

tg_db *
tg_store_db(tg_store *st)
{
	tg_db *db;

	if (st == NULL)
		return NULL;
	if ((db = pthread_getspecific(st->key)) != NULL)
		return db;
	if (conn_open(st, &db) != 0 || db == NULL)
		return NULL;
	if (pthread_setspecific(st->key, db) != 0) {
		conn_free(db);
		return NULL;
	}
	pthread_mutex_lock(&st->mu);
	db->next = st->conns;
	if (st->conns != NULL)
		st->conns->prev = db;
	st->conns = db;
	pthread_mutex_unlock(&st->mu);
	return db;
}

/* --- the database --- */

/* Create the file 0600 before SQLite sees it; the -wal and -shm files inherit the mode. */
static int
store_file_prepare(const char *path)
{
	struct stat sb;
	int fd, r;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		tg_log(TG_LOG_ERROR, "store.open", NULL, "%s: %s", path,
		    strerror(errno));
		return errno == EACCES ? TG_ERR_PERM : TG_ERR_IO;
	}
	if (fstat(fd, &sb) != 0) {
		r = TG_ERR_IO;
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		tg_log(TG_LOG_ERROR, "store.open", NULL, "%s: not a regular file",
		    path);
		r = TG_ERR_INVALID;
		goto out;
	}
	if ((sb.st_mode & 077) != 0)
		tg_log(TG_LOG_WARN, "store.open", NULL,
		    "%s: readable or writable by group or others (mode %o)",
		    path, (unsigned)(sb.st_mode & 0777));
	r = 0;
out:
	close(fd);
	return r;
}

int
tg_store_open(const char *path, int busy_timeout_ms, tg_store **out)
{
	tg_store *st = NULL;
	tg_db *db;
	int r;

	*out = NULL;
	/* A file only: every connection must see the same database. */
	if (path == NULL || path[0] == '\0' || path[0] == ':' ||
	    strncmp(path, "file:", 5) == 0 || busy_timeout_ms < 0)
		return TG_ERR_INVALID;
	if (!sqlite3_threadsafe()) {
		tg_log(TG_LOG_ERROR, "store.open", NULL,
		    "SQLite built without thread support");
		return TG_ERR_STORE;
	}
	if ((r = store_file_prepare(path)) != 0)
		return r;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return TG_ERR_NOMEM;
	if ((st->path = strdup(path)) == NULL) {
		free(st);
		return TG_ERR_NOMEM;
	}
	st->busy_timeout_ms = busy_timeout_ms;
	if (pthread_key_create(&st->key, conn_thread_exit) != 0) {
		free(st->path);
		free(st);
		return TG_ERR_NOMEM;
	}
	pthread_mutex_init(&st->mu, NULL);
	/* From here on tg_store_close() undoes everything. */
	if ((db = tg_store_db(st)) == NULL) {
		r = TG_ERR_STORE;
		goto out;
	}
	if ((r = tg_sq_migrate(db)) != 0)
		goto out;
	*out = st;
	st = NULL;
out:
	tg_store_close(st);
	return r;
}

void
tg_store_close(tg_store *st)
{
	tg_db *db, *next;

	if (st == NULL)
		return;
	/* No thread-exit destructor runs for a deleted key. */
	(void)pthread_setspecific(st->key, NULL);
	(void)pthread_key_delete(st->key);
	pthread_mutex_lock(&st->mu);
	db = st->conns;
	st->conns = NULL;
	pthread_mutex_unlock(&st->mu);
	for (; db != NULL; db = next) {
		next = db->next;
		conn_free(db);
	}
	pthread_mutex_destroy(&st->mu);
	free(st->path);
	free(st);
}

int
tg_db_check_writable(tg_db *db)
{
	int r;

	if (db == NULL)
		return TG_ERR_INVALID;
	if (tg_db_in_tx(db))
		return 0;		/* holds the write lock already */
	if ((r = tg_sq_exec(db, SQL_BEGIN, "check writable")) != 0)
		return r;
	(void)tg_sq_exec(db, SQL_ROLLBACK, "check writable");
	return 0;
}

/* --- transactions --- */

int
tg_db_begin(tg_db *db)
{
	int r;

	if (db == NULL)
		return TG_ERR_INVALID;
	if (tg_db_in_tx(db) || !sqlite3_get_autocommit(db->h)) {
		tg_log(TG_LOG_ERROR, "store.error", NULL,
		    "begin: already in a transaction");
		return TG_ERR_INVALID;
	}
	if ((r = tg_sq_exec(db, SQL_BEGIN, "begin")) != 0)
		return r;
	db->in_tx = 1;
	return 0;
}

int
tg_db_begin_read(tg_db *db)
{
	int r;

	if (db == NULL)
		return TG_ERR_INVALID;
	if (tg_db_in_tx(db) || !sqlite3_get_autocommit(db->h)) {
		tg_log(TG_LOG_ERROR, "store.error", NULL,
		    "begin read: already in a transaction");
		return TG_ERR_INVALID;
	}
	if ((r = tg_sq_exec(db, SQL_BEGIN_READ, "begin read")) != 0)
		return r;
	db->in_tx = 1;
	return 0;
}

int
tg_db_in_tx(tg_db *db)
{
	if (db == NULL)
		return 0;
	/* SQLite rolls back on its own after some errors (full disk, I/O). */
	if (db->in_tx && sqlite3_get_autocommit(db->h))
		db->in_tx = 0;
	return db->in_tx;
}

int
tg_db_commit(tg_db *db)
{
	int r;

	if (db == NULL || !db->in_tx)
		return TG_ERR_INVALID;
	if (sqlite3_get_autocommit(db->h)) {
		db->in_tx = 0;
		tg_log(TG_LOG_ERROR, "store.error", NULL,
		    "commit: the transaction was rolled back after an error");
		return TG_ERR_STORE;
	}
	/* On failure nothing is kept: the caller's rollback is then a no-op. */
	if ((r = tg_sq_exec(db, SQL_COMMIT, "commit")) != 0 &&
	    !sqlite3_get_autocommit(db->h))
		(void)tg_sq_exec(db, SQL_ROLLBACK, "rollback");
	db->in_tx = 0;
	return r;
}

void
tg_db_rollback(tg_db *db)
{
	if (db == NULL)
		return;
	if (db->in_tx && !sqlite3_get_autocommit(db->h))
		(void)tg_sq_exec(db, SQL_ROLLBACK, "rollback");
	db->in_tx = 0;
}
