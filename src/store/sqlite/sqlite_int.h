/*
 * SQLite back end, private to src/store/sqlite/.
 *
 * One tg_store per database file; each thread gets its own tg_db (one
 * sqlite3 connection) through a pthread key.  Every statement is prepared
 * once per connection and cached (keyed by the address of its static SQL
 * text); helpers below reset it and clear its bindings after use so that no
 * read transaction stays open between calls.
 */
#ifndef TG_STORE_SQLITE_INT_H
#define TG_STORE_SQLITE_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store/store.h"

struct tg_store {
	char *path;
	int busy_timeout_ms;
	pthread_key_t key;
	pthread_mutex_t mu;		/* guards conns */
	struct tg_db *conns;		/* every connection handed out */
};

struct sq_cached {
	const char *sql;		/* static text; its address is the key */
	sqlite3_stmt *stmt;
};

struct tg_db {
	struct tg_store *st;
	sqlite3 *h;
	int in_tx;			/* begun with tg_db_begin */
	struct sq_cached *cache;
	size_t ncache, cache_cap;
	struct tg_db *prev, *next;	/* in st->conns, under st->mu */
};

/* Map a SQLite result code to TG_ERR_*; logs the SQLite message (never values). */
int tg_sq_error(tg_db *db, int rc, const char *op);

/*
 * The cached statement for the static text sql (prepared on first use).
 * Release it with tg_sq_release() at the caller's out: label.
 */
int tg_sq_prepare(tg_db *db, const char *sql, sqlite3_stmt **sp)
    __attribute__((warn_unused_result));
/* Reset and clear bindings; NULL-safe. */
void tg_sq_release(sqlite3_stmt *s);

/* Step once expecting SQLITE_DONE: 0 or TG_ERR_*. */
int tg_sq_step_done(tg_db *db, sqlite3_stmt *s, const char *op)
    __attribute__((warn_unused_result));
/* Step an UPDATE/DELETE expecting SQLITE_DONE; *n = rows it changed. */
int tg_sq_step_changes(tg_db *db, sqlite3_stmt *s, const char *op, int *n)
    __attribute__((warn_unused_result));
/* Step once expecting a row: 0, TG_ERR_NOT_FOUND on SQLITE_DONE, or TG_ERR_*. */
int tg_sq_step_row(tg_db *db, sqlite3_stmt *s, const char *op)
    __attribute__((warn_unused_result));
/* Prepare (cached), step to completion and release: parameterless statements. */
int tg_sq_exec(tg_db *db, const char *sql, const char *op);

/* Binding; each returns 0 or TG_ERR_*.  Text and blobs are not copied. */
int tg_sq_bind_i64(tg_db *db, sqlite3_stmt *s, int idx, int64_t v);
int tg_sq_bind_null(tg_db *db, sqlite3_stmt *s, int idx);
/* NUL-terminated text within cap bytes (TG_ERR_INVALID if not terminated). */
int tg_sq_bind_str(tg_db *db, sqlite3_stmt *s, int idx, const char *str, size_t cap);
int tg_sq_bind_blob(tg_db *db, sqlite3_stmt *s, int idx, const void *p, size_t n);

/* Copy a text column into buf (NUL-terminated); TG_ERR_STORE if it does not fit. */
int tg_sq_col_str(tg_db *db, sqlite3_stmt *s, int col, char *buf, size_t size);
/* Copy a blob column of exactly n bytes; TG_ERR_STORE otherwise. */
int tg_sq_col_blob(tg_db *db, sqlite3_stmt *s, int col, void *buf, size_t n);

/* Run pending migrations in one write transaction. */
int tg_sq_migrate(tg_db *db) __attribute__((warn_unused_result));
/* Newest schema version this build knows. */
int tg_sq_schema_latest(void);

#endif
