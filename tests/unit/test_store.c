/* Storage: the SQLite back end (schema, lockout atomicity, sessions, audit, outbox). */
#include "helpers.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include <tradeguard/error.h>

#include "store/store.h"

#define T0 TGT_T0
#define MIN_MS INT64_C(60000)
#define HOUR_MS INT64_C(3600000)

struct fx {
	char *dir;
	char path[512];
	tg_store *st;
	tg_db *db;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tgt_mkdtemp();
	snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
	assert_int_equal(tg_store_open(f->path, 5000, &f->st), 0);
	f->db = tg_store_db(f->st);
	assert_non_null(f->db);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tg_store_close(f->st);
	tgt_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Run SQL on a separate, raw connection to the same file. */
static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	char *err = NULL;

	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
	sqlite3_close(h);
}

static int64_t
raw_count(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	int64_t n;

	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}

static void
customer_init(struct tg_customer *c, const char *login)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->login, sizeof(c->login), "%s", login);
	snprintf(c->email, sizeof(c->email), "%s@example.com", login);
	snprintf(c->phone, sizeof(c->phone), "0912345678");
	snprintf(c->locale, sizeof(c->locale), "zh-TW");
	snprintf(c->pw_hash, sizeof(c->pw_hash), "tg1$p1$argon2id$h0");
	c->pw_changed_at = c->created_at = c->updated_at = T0;
}

static int64_t
customer_add(tg_db *db, const char *login)
{
	struct tg_customer c;

	customer_init(&c, login);
	assert_int_equal(tg_db_customer_insert(db, &c), 0);
	assert_true(c.id > 0);
	return c.id;
}

static void
session_init(struct tg_session_rec *s, uint8_t tag, int64_t customer_id,
    int64_t created, int64_t expires)
{
	memset(s, 0, sizeof(*s));
	memset(s->id_hash, tag, sizeof(s->id_hash));
	s->customer_id = customer_id;
	s->created_at = s->last_seen_at = s->auth_time = created;
	s->expires_at = expires;
	s->kinds = TG_KIND_KNOWLEDGE | TG_KIND_POSSESSION;
	snprintf(s->client_addr, sizeof(s->client_addr), "192.0.2.%u", tag);
	snprintf(s->user_agent, sizeof(s->user_agent), "test-agent/%u", tag);
}

/* --- database --- */

static void
test_open_twice(void **state)
{
	struct fx *f = *state;
	struct stat sb;
	char wal[600];
	int v;

	assert_int_equal(tg_store_schema_version(f->db, &v), 0);
	assert_true(v >= 1);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(tg_db_check_writable(f->db), 0);
	customer_add(f->db, "alice");

	/* Reopen: nothing is migrated again, data stays. */
	tg_store_close(f->st);
	assert_int_equal(tg_store_open(f->path, 5000, &f->st), 0);
	f->db = tg_store_db(f->st);
	assert_non_null(f->db);
	assert_int_equal(tg_store_schema_version(f->db, &v), 0);
	assert_int_equal(v, raw_count(f->path, "SELECT max(version) FROM schema_version"));
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM schema_version"), v);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM customer"), 1);
	/* Same thread, same connection. */
	assert_ptr_equal(tg_store_db(f->st), f->db);
}

static void
test_open_rejects(void **state)
{
	struct fx *f = *state;
	tg_store *st = (tg_store *)1;
	char path[600];

	assert_int_equal(tg_store_open(":memory:", 100, &st), TG_ERR_INVALID);
	assert_null(st);
	assert_int_equal(tg_store_open("", 100, &st), TG_ERR_INVALID);
	snprintf(path, sizeof(path), "%s/missing/store.db", f->dir);
	assert_int_not_equal(tg_store_open(path, 100, &st), 0);
	assert_null(st);
	/* A schema newer than this build is refused. */
	raw_exec(f->path, "INSERT INTO schema_version VALUES (999, 0)");
	assert_int_equal(tg_store_open(f->path, 100, &st), TG_ERR_STORE);
	assert_null(st);
	tg_store_close(NULL);
}

static void
test_transactions(void **state)
{
	struct fx *f = *state;
	struct tg_customer c;
	tg_store *st2;
	tg_db *db2;

	assert_int_equal(tg_db_in_tx(f->db), 0);
	assert_int_equal(tg_db_commit(f->db), TG_ERR_INVALID);
	tg_db_rollback(f->db);		/* no-op outside a transaction */

	assert_int_equal(tg_db_begin(f->db), 0);
	assert_int_equal(tg_db_in_tx(f->db), 1);
	assert_int_equal(tg_db_begin(f->db), TG_ERR_INVALID);	/* no nesting */
	customer_add(f->db, "alice");
	tg_db_rollback(f->db);
	assert_int_equal(tg_db_in_tx(f->db), 0);
	assert_int_equal(tg_db_customer_by_login(f->db, "alice", &c),
	    TG_ERR_NOT_FOUND);

	assert_int_equal(tg_db_begin(f->db), 0);
	customer_add(f->db, "alice");
	assert_int_equal(tg_db_check_writable(f->db), 0);
	assert_int_equal(tg_db_commit(f->db), 0);
	assert_int_equal(tg_db_in_tx(f->db), 0);
	assert_int_equal(tg_db_customer_by_login(f->db, "alice", &c), 0);

	/* A second writer waits out its busy timeout, then gets TG_ERR_BUSY. */
	assert_int_equal(tg_store_open(f->path, 50, &st2), 0);
	db2 = tg_store_db(st2);
	assert_non_null(db2);
	assert_ptr_not_equal(db2, f->db);
	assert_int_equal(tg_db_begin(f->db), 0);
	assert_int_equal(tg_db_begin(db2), TG_ERR_BUSY);
	assert_int_equal(tg_db_in_tx(db2), 0);
	assert_int_equal(tg_db_check_writable(db2), TG_ERR_BUSY);
	assert_int_equal(tg_db_customer_unlock(db2, c.id, T0), TG_ERR_BUSY);
	/* Readers are not blocked (WAL). */
	assert_int_equal(tg_db_customer_by_login(db2, "alice", &c), 0);
	tg_db_rollback(f->db);
	assert_int_equal(tg_db_check_writable(db2), 0);
	assert_int_equal(tg_db_customer_unlock(db2, c.id, T0), 0);
	tg_store_close(st2);
}

/* --- customers --- */

static void
test_customer(void **state)
{
	struct fx *f = *state;
	struct tg_customer c, got;
	int64_t id, n;

	customer_init(&c, "alice");
	c.fail_count = 1;
	assert_int_equal(tg_db_customer_insert(f->db, &c), 0);
	id = c.id;
	assert_true(id > 0);

	assert_int_equal(tg_db_customer_by_login(f->db, "alice", &got), 0);
	assert_int_equal(got.id, id);
	assert_string_equal(got.login, "alice");
	assert_string_equal(got.email, "alice@example.com");
	assert_string_equal(got.phone, "0912345678");
	assert_string_equal(got.locale, "zh-TW");
	assert_string_equal(got.pw_hash, c.pw_hash);
	assert_int_equal(got.fail_count, 1);
	assert_int_equal(got.locked, 0);
	assert_int_equal(got.disabled, 0);
	assert_int_equal(got.created_at, T0);
	assert_int_equal(tg_db_customer_by_id(f->db, id, &got), 0);
	assert_string_equal(got.login, "alice");

	/* Duplicate login. */
	customer_init(&c, "alice");
	assert_int_equal(tg_db_customer_insert(f->db, &c), TG_ERR_EXISTS);
	assert_int_equal(tg_db_customer_by_login(f->db, "bob", &got),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(got.id, 0);
	assert_int_equal(tg_db_customer_by_id(f->db, id + 100, &got),
	    TG_ERR_NOT_FOUND);

	/* Unterminated or empty input is refused, not truncated. */
	customer_init(&c, "x");
	memset(c.login, 'a', sizeof(c.login));
	assert_int_equal(tg_db_customer_insert(f->db, &c), TG_ERR_INVALID);
	customer_init(&c, "");
	assert_int_equal(tg_db_customer_insert(f->db, &c), TG_ERR_INVALID);

	customer_add(f->db, "bob");
	assert_int_equal(tg_db_customer_count(f->db, &n), 0);
	assert_int_equal(n, 2);

	assert_int_equal(tg_db_customer_set_disabled(f->db, id, 1, T0 + 5), 0);
	assert_int_equal(tg_db_customer_by_id(f->db, id, &got), 0);
	assert_int_equal(got.disabled, 1);
	assert_int_equal(got.updated_at, T0 + 5);
	assert_int_equal(tg_db_customer_set_disabled(f->db, id, 0, T0 + 6), 0);
	assert_int_equal(tg_db_customer_set_disabled(f->db, id + 100, 1, T0),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_customer_unlock(f->db, id + 100, T0),
	    TG_ERR_NOT_FOUND);

	/* Rehash: new stored form, pw_changed_at and history unchanged. */
	assert_int_equal(tg_db_customer_rehash(f->db, id, "tg1$p2$argon2id$h0b"), 0);
	assert_int_equal(tg_db_customer_by_id(f->db, id, &got), 0);
	assert_string_equal(got.pw_hash, "tg1$p2$argon2id$h0b");
	assert_int_equal(got.pw_changed_at, T0);
	assert_int_equal(raw_count(f->path,
	    "SELECT count(*) FROM password_history"), 0);
	assert_int_equal(tg_db_customer_rehash(f->db, id + 100, "x"),
	    TG_ERR_NOT_FOUND);

	/* Ids are not reused after a delete (outbox rows keep plain ids). */
	n = customer_add(f->db, "carol");
	assert_int_equal(tg_db_customer_delete(f->db, n), 0);
	assert_true(customer_add(f->db, "dave") > n);
}

/* --- lockout --- */

static void
test_lockout(void **state)
{
	struct fx *f = *state;
	struct tg_customer c;
	int64_t id = customer_add(f->db, "alice"), now = T0;
	int i, locked;

	/* Wrong password three times: the third failure locks. */
	for (i = 1; i <= 3; i++) {
		now += 1000;
		assert_int_equal(tg_db_customer_attempt_reserve(f->db, id, 3, now), 0);
		assert_int_equal(tg_db_customer_attempt_failed(f->db, id, 3, now,
		    &locked), 0);
		assert_int_equal(locked, i == 3);
		assert_int_equal(tg_db_customer_by_id(f->db, id, &c), 0);
		assert_int_equal(c.fail_count, i);
		assert_int_equal(c.locked, i == 3);
	}
	assert_int_equal(c.locked_at, now);
	/* Locked: no attempt, and a late success does not clear it. */
	assert_int_equal(tg_db_customer_attempt_reserve(f->db, id, 3, now),
	    TG_ERR_LOCKED);
	assert_int_equal(tg_db_customer_attempt_succeeded(f->db, id, now),
	    TG_ERR_LOCKED);
	/* Only the call that set the lock reports it. */
	assert_int_equal(tg_db_customer_attempt_failed(f->db, id, 3, now,
	    &locked), 0);
	assert_int_equal(locked, 0);
	assert_int_equal(tg_db_customer_by_id(f->db, id, &c), 0);
	assert_int_equal(c.fail_count, 3);

	assert_int_equal(tg_db_customer_unlock(f->db, id, now), 0);
	assert_int_equal(tg_db_customer_by_id(f->db, id, &c), 0);
	assert_int_equal(c.locked, 0);
	assert_int_equal(c.fail_count, 0);
	assert_int_equal(c.locked_at, 0);

	/* A success resets the counter. */
	assert_int_equal(tg_db_customer_attempt_reserve(f->db, id, 3, now), 0);
	assert_int_equal(tg_db_customer_attempt_failed(f->db, id, 3, now,
	    &locked), 0);
	assert_int_equal(tg_db_customer_attempt_reserve(f->db, id, 3, now), 0);
	assert_int_equal(tg_db_customer_attempt_succeeded(f->db, id, now), 0);
	assert_int_equal(tg_db_customer_by_id(f->db, id, &c), 0);
	assert_int_equal(c.fail_count, 0);

	/* Reservations alone stop at the threshold (attempts in flight). */
	for (i = 0; i < 3; i++)
		assert_int_equal(tg_db_customer_attempt_reserve(f->db, id, 3, now), 0);
	assert_int_equal(tg_db_customer_attempt_reserve(f->db, id, 3, now),
	    TG_ERR_LOCKED);
	assert_int_equal(tg_db_customer_attempt_failed(f->db, id, 3, now,
	    &locked), 0);
	assert_int_equal(locked, 1);
	assert_int_equal(tg_db_customer_unlock(f->db, id, now), 0);

	/* Disabled: no attempt. */
	assert_int_equal(tg_db_customer_set_disabled(f->db, id, 1, now), 0);
	assert_int_equal(tg_db_customer_attempt_reserve(f->db, id, 3, now),
	    TG_ERR_LOCKED);

	/* Unknown customer. */
	assert_int_equal(tg_db_customer_attempt_reserve(f->db, id + 1, 3, now),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_customer_attempt_failed(f->db, id + 1, 3, now,
	    &locked), TG_ERR_NOT_FOUND);
	assert_int_equal(locked, 0);
	assert_int_equal(tg_db_customer_attempt_succeeded(f->db, id + 1, now),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_customer_attempt_reserve(f->db, id, 0, now),
	    TG_ERR_INVALID);
}

#define N_THREADS 20

struct race {
	tg_store *st;
	int64_t id;
	pthread_barrier_t go;
	int result[N_THREADS];
	int next;
	pthread_mutex_t mu;
};

static void *
race_thread(void *arg)
{
	struct race *rc = arg;
	tg_db *db = tg_store_db(rc->st);
	int i, r;

	pthread_mutex_lock(&rc->mu);
	i = rc->next++;
	pthread_mutex_unlock(&rc->mu);
	pthread_barrier_wait(&rc->go);
	r = db == NULL ? TG_ERR_STORE :
	    tg_db_customer_attempt_reserve(db, rc->id, 3, T0);
	rc->result[i] = r;
	return NULL;
}

static void
test_lockout_concurrent(void **state)
{
	struct fx *f = *state;
	struct race rc;
	struct tg_customer c;
	pthread_t t[N_THREADS];
	int i, ok = 0, locked = 0;

	memset(&rc, 0, sizeof(rc));
	rc.st = f->st;
	rc.id = customer_add(f->db, "alice");
	pthread_mutex_init(&rc.mu, NULL);
	pthread_barrier_init(&rc.go, NULL, N_THREADS);
	for (i = 0; i < N_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_thread, &rc), 0);
	for (i = 0; i < N_THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < N_THREADS; i++) {
		if (rc.result[i] == 0)
			ok++;
		else if (rc.result[i] == TG_ERR_LOCKED)
			locked++;
		else
			fail_msg("thread %d: %d", i, rc.result[i]);
	}
	assert_int_equal(ok, 3);
	assert_int_equal(locked, N_THREADS - 3);
	assert_int_equal(tg_db_customer_by_id(f->db, rc.id, &c), 0);
	assert_int_equal(c.fail_count, 3);
	pthread_barrier_destroy(&rc.go);
	pthread_mutex_destroy(&rc.mu);
}

/* --- passwords --- */

static void
test_password_history(void **state)
{
	struct fx *f = *state;
	char hist[10][TG_PWHASH_MAX], h[TG_PWHASH_MAX];
	struct tg_customer c;
	int64_t id = customer_add(f->db, "alice");
	int i, n;

	assert_int_equal(tg_db_password_history(f->db, id, 10, hist, &n), 0);
	assert_int_equal(n, 0);
	for (i = 1; i <= 5; i++) {
		snprintf(h, sizeof(h), "tg1$p1$argon2id$h%d", i);
		assert_int_equal(tg_db_customer_set_password(f->db, id, h,
		    T0 + i), 0);
	}
	assert_int_equal(tg_db_customer_by_id(f->db, id, &c), 0);
	assert_string_equal(c.pw_hash, "tg1$p1$argon2id$h5");
	assert_int_equal(c.pw_changed_at, T0 + 5);
	assert_int_equal(c.updated_at, T0 + 5);

	/* Newest first, the current hash not included. */
	assert_int_equal(tg_db_password_history(f->db, id, 10, hist, &n), 0);
	assert_int_equal(n, 5);
	for (i = 0; i < 5; i++) {
		snprintf(h, sizeof(h), "tg1$p1$argon2id$h%d", 4 - i);
		assert_string_equal(hist[i], h);
	}
	/* Capped at max. */
	assert_int_equal(tg_db_password_history(f->db, id, 2, hist, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(hist[0], "tg1$p1$argon2id$h4");
	assert_string_equal(hist[1], "tg1$p1$argon2id$h3");
	assert_int_equal(tg_db_password_history(f->db, id, 0, hist, &n), 0);
	assert_int_equal(n, 0);

	/* Same millisecond: still in order of change. */
	assert_int_equal(tg_db_customer_set_password(f->db, id,
	    "tg1$p1$argon2id$h6", T0 + 5), 0);
	assert_int_equal(tg_db_password_history(f->db, id, 1, hist, &n), 0);
	assert_string_equal(hist[0], "tg1$p1$argon2id$h5");

	/* Inside an outer transaction: rolled back with it. */
	assert_int_equal(tg_db_begin(f->db), 0);
	assert_int_equal(tg_db_customer_set_password(f->db, id,
	    "tg1$p1$argon2id$h7", T0 + 7), 0);
	assert_int_equal(tg_db_in_tx(f->db), 1);
	tg_db_rollback(f->db);
	assert_int_equal(tg_db_customer_by_id(f->db, id, &c), 0);
	assert_string_equal(c.pw_hash, "tg1$p1$argon2id$h6");
	assert_int_equal(tg_db_password_history(f->db, id, 10, hist, &n), 0);
	assert_int_equal(n, 6);

	/* ... and committed with it. */
	assert_int_equal(tg_db_begin(f->db), 0);
	assert_int_equal(tg_db_customer_set_password(f->db, id,
	    "tg1$p1$argon2id$h7", T0 + 7), 0);
	assert_int_equal(tg_db_commit(f->db), 0);
	assert_int_equal(tg_db_customer_by_id(f->db, id, &c), 0);
	assert_string_equal(c.pw_hash, "tg1$p1$argon2id$h7");

	/* Unknown customer: nothing written, no transaction left open. */
	assert_int_equal(tg_db_customer_set_password(f->db, id + 1,
	    "tg1$p1$argon2id$x", T0), TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_in_tx(f->db), 0);
	assert_int_equal(tg_db_check_writable(f->db), 0);
	assert_int_equal(raw_count(f->path,
	    "SELECT count(*) FROM password_history"), 7);
	/* Inside a transaction, a failure leaves the transaction usable. */
	assert_int_equal(tg_db_begin(f->db), 0);
	assert_int_equal(tg_db_customer_set_password(f->db, id + 1,
	    "tg1$p1$argon2id$x", T0), TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_in_tx(f->db), 1);
	assert_int_equal(tg_db_customer_unlock(f->db, id, T0 + 8), 0);
	assert_int_equal(tg_db_commit(f->db), 0);
	assert_int_equal(tg_db_customer_set_password(f->db, id, "", T0),
	    TG_ERR_INVALID);
}

/* --- sessions and flows --- */

static void
test_sessions(void **state)
{
	struct fx *f = *state;
	struct tg_session_rec s1, s2, s3, s4, sb, got;
	int64_t a = customer_add(f->db, "alice"), b = customer_add(f->db, "bob");
	uint8_t unknown[32];
	int n;

	session_init(&s1, 1, a, T0, T0 + 8 * HOUR_MS);
	session_init(&s2, 2, a, T0 + 1000, T0 + 8 * HOUR_MS);
	session_init(&s3, 3, a, T0 + 2000, T0 + 3000);	/* short lifetime */
	session_init(&sb, 9, b, T0, T0 + 8 * HOUR_MS);
	s1.pw_change_recommended = 1;
	assert_int_equal(tg_db_session_insert(f->db, &s1), 0);
	assert_int_equal(tg_db_session_insert(f->db, &s2), 0);
	assert_int_equal(tg_db_session_insert(f->db, &s3), 0);
	assert_int_equal(tg_db_session_insert(f->db, &sb), 0);
	assert_int_equal(tg_db_session_insert(f->db, &s1), TG_ERR_EXISTS);
	session_init(&s4, 4, b + 100, T0, T0 + HOUR_MS);
	assert_int_equal(tg_db_session_insert(f->db, &s4), TG_ERR_NOT_FOUND);

	assert_int_equal(tg_db_session_get(f->db, s1.id_hash, &got), 0);
	assert_memory_equal(got.id_hash, s1.id_hash, 32);
	assert_int_equal(got.customer_id, a);
	assert_int_equal(got.created_at, T0);
	assert_int_equal(got.last_seen_at, T0);
	assert_int_equal(got.expires_at, T0 + 8 * HOUR_MS);
	assert_int_equal(got.auth_time, T0);
	assert_int_equal(got.kinds, TG_KIND_KNOWLEDGE | TG_KIND_POSSESSION);
	assert_int_equal(got.pw_change_recommended, 1);
	assert_string_equal(got.client_addr, "192.0.2.1");
	assert_string_equal(got.user_agent, "test-agent/1");
	memset(unknown, 0x77, sizeof(unknown));
	assert_int_equal(tg_db_session_get(f->db, unknown, &got), TG_ERR_NOT_FOUND);

	/* Touch moves last_seen_at forward only. */
	assert_int_equal(tg_db_session_touch(f->db, s1.id_hash, T0 + 5000), 0);
	assert_int_equal(tg_db_session_touch(f->db, s1.id_hash, T0 + 4000), 0);
	assert_int_equal(tg_db_session_get(f->db, s1.id_hash, &got), 0);
	assert_int_equal(got.last_seen_at, T0 + 5000);
	assert_int_equal(tg_db_session_touch(f->db, unknown, T0), TG_ERR_NOT_FOUND);

	/* Live: before expires_at and within the idle limit. */
	assert_int_equal(tg_db_session_count_live(f->db, a, T0 + 2500, MIN_MS,
	    &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(tg_db_session_count_live(f->db, a, T0 + 3000, MIN_MS,
	    &n), 0);
	assert_int_equal(n, 2);
	/* s2 last seen at T0 + 1000: idle at T0 + 61000; s1 (T0 + 5000) not. */
	assert_int_equal(tg_db_session_count_live(f->db, a, T0 + 61000, MIN_MS,
	    &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(tg_db_session_count_live(f->db, b + 100, T0, MIN_MS,
	    &n), 0);
	assert_int_equal(n, 0);

	assert_int_equal(tg_db_session_oldest_live(f->db, a, T0 + 2500, MIN_MS,
	    &got), 0);
	assert_memory_equal(got.id_hash, s1.id_hash, 32);
	/* With s1 idle, s2 is the oldest live one. */
	assert_int_equal(tg_db_session_oldest_live(f->db, a, T0 + 65000, MIN_MS,
	    &got), TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_session_touch(f->db, s2.id_hash, T0 + 30000), 0);
	assert_int_equal(tg_db_session_oldest_live(f->db, a, T0 + 66000, MIN_MS,
	    &got), 0);
	assert_memory_equal(got.id_hash, s2.id_hash, 32);

	/* Purge removes expired (s3) and idle (s1) sessions. */
	assert_int_equal(tg_db_session_purge(f->db, T0 + 66000, MIN_MS, &n), 0);
	assert_int_equal(n, 3);		/* s1, s3 and bob's idle sb */
	assert_int_equal(tg_db_session_get(f->db, s1.id_hash, &got),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_session_get(f->db, s3.id_hash, &got),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_session_get(f->db, s2.id_hash, &got), 0);

	/* Delete all of a customer's sessions but one. */
	session_init(&s1, 1, a, T0, T0 + 8 * HOUR_MS);
	session_init(&s3, 3, a, T0, T0 + 8 * HOUR_MS);
	session_init(&sb, 9, b, T0, T0 + 8 * HOUR_MS);
	assert_int_equal(tg_db_session_insert(f->db, &s1), 0);
	assert_int_equal(tg_db_session_insert(f->db, &s3), 0);
	assert_int_equal(tg_db_session_insert(f->db, &sb), 0);
	assert_int_equal(tg_db_session_delete_customer(f->db, a, s2.id_hash, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(tg_db_session_get(f->db, s2.id_hash, &got), 0);
	assert_int_equal(tg_db_session_get(f->db, sb.id_hash, &got), 0);
	assert_int_equal(tg_db_session_delete_customer(f->db, a, NULL, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(tg_db_session_get(f->db, s2.id_hash, &got),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_session_get(f->db, sb.id_hash, &got), 0);

	assert_int_equal(tg_db_session_delete(f->db, sb.id_hash), 0);
	assert_int_equal(tg_db_session_delete(f->db, sb.id_hash), TG_ERR_NOT_FOUND);
}

static void
test_flows(void **state)
{
	struct fx *f = *state;
	struct tg_flow_rec fl, got;
	int64_t a = customer_add(f->db, "alice");
	int n;

	memset(&fl, 0, sizeof(fl));
	memset(fl.id_hash, 0x42, sizeof(fl.id_hash));
	fl.customer_id = a;
	fl.created_at = T0;
	fl.expires_at = T0 + 5 * MIN_MS;
	fl.kinds = TG_KIND_KNOWLEDGE;
	snprintf(fl.client_addr, sizeof(fl.client_addr), "2001:db8::1");
	assert_int_equal(tg_db_flow_insert(f->db, &fl), 0);
	assert_int_equal(tg_db_flow_insert(f->db, &fl), TG_ERR_EXISTS);
	assert_int_equal(tg_db_flow_get(f->db, fl.id_hash, &got), 0);
	assert_int_equal(got.customer_id, a);
	assert_int_equal(got.expires_at, T0 + 5 * MIN_MS);
	assert_int_equal(got.kinds, TG_KIND_KNOWLEDGE);
	assert_string_equal(got.client_addr, "2001:db8::1");
	assert_int_equal(tg_db_flow_update_kinds(f->db, fl.id_hash,
	    TG_KIND_KNOWLEDGE | TG_KIND_POSSESSION), 0);
	assert_int_equal(tg_db_flow_get(f->db, fl.id_hash, &got), 0);
	assert_int_equal(got.kinds, TG_KIND_KNOWLEDGE | TG_KIND_POSSESSION);

	assert_int_equal(tg_db_flow_purge(f->db, T0 + 5 * MIN_MS - 1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tg_db_flow_purge(f->db, T0 + 5 * MIN_MS, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(tg_db_flow_get(f->db, fl.id_hash, &got), TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_flow_update_kinds(f->db, fl.id_hash, 1),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_flow_insert(f->db, &fl), 0);
	assert_int_equal(tg_db_flow_delete(f->db, fl.id_hash), 0);
	assert_int_equal(tg_db_flow_delete(f->db, fl.id_hash), TG_ERR_NOT_FOUND);
}

/* --- audit --- */

static void
audit_make(struct tg_audit_rec *r, int64_t seq, char *details, size_t dlen)
{
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	r->ts = T0 + seq * 1000;
	snprintf(r->type, sizeof(r->type), "login.success");
	snprintf(r->actor, sizeof(r->actor), "customer:alice");
	snprintf(r->subject, sizeof(r->subject), "customer:alice");
	snprintf(r->src, sizeof(r->src), "192.0.2.1");
	snprintf(r->ua, sizeof(r->ua), "curl/8");
	snprintf(r->request_id, sizeof(r->request_id), "req-%lld",
	    (long long)seq);
	snprintf(r->result, sizeof(r->result), "ok");
	snprintf(details, dlen, "{\"n\":%lld}", (long long)seq);
	r->details = details;
	memset(r->prev_hash, (int)(seq - 1), sizeof(r->prev_hash));
	memset(r->hash, (int)seq, sizeof(r->hash));
}

struct visit {
	int64_t seqs[16];
	int n;
	int stop_at;
	tg_db *db;
};

static int
audit_visit(const struct tg_audit_rec *r, void *arg)
{
	struct visit *v = arg;
	char d[64];
	int64_t count;

	snprintf(d, sizeof(d), "{\"n\":%lld}", (long long)r->seq);
	assert_string_equal(r->details, d);
	assert_int_equal(r->ts, T0 + r->seq * 1000);
	assert_string_equal(r->type, "login.success");
	assert_string_equal(r->ua, "curl/8");
	assert_int_equal(r->hash[0], (uint8_t)r->seq);
	assert_int_equal(r->prev_hash[31], (uint8_t)(r->seq - 1));
	/* The connection stays usable inside the callback. */
	assert_int_equal(tg_db_audit_count(v->db, &count), 0);
	assert_true(v->n < 16);
	v->seqs[v->n++] = r->seq;
	return r->seq == v->stop_at ? 42 : 0;
}

static void
test_audit(void **state)
{
	struct fx *f = *state;
	struct tg_audit_rec r;
	struct visit v;
	uint8_t head[32], zero[32];
	char details[64];
	int64_t seq, n, i;

	memset(zero, 0, sizeof(zero));
	memset(head, 0xff, sizeof(head));
	assert_int_equal(tg_db_audit_head(f->db, &seq, head), 0);
	assert_int_equal(seq, 0);
	assert_memory_equal(head, zero, 32);

	for (i = 1; i <= 5; i++) {
		audit_make(&r, i, details, sizeof(details));
		assert_int_equal(tg_db_audit_insert(f->db, &r), 0);
	}
	assert_int_equal(tg_db_audit_head(f->db, &seq, head), 0);
	assert_int_equal(seq, 5);
	assert_int_equal(head[0], 5);
	assert_int_equal(tg_db_audit_count(f->db, &n), 0);
	assert_int_equal(n, 5);
	/* A second record with the same seq is refused (concurrent appends). */
	audit_make(&r, 5, details, sizeof(details));
	assert_int_equal(tg_db_audit_insert(f->db, &r), TG_ERR_EXISTS);

	memset(&v, 0, sizeof(v));
	v.db = f->db;
	assert_int_equal(tg_db_audit_foreach(f->db, INT64_MIN, 0, 0, audit_visit,
	    &v), 0);
	assert_int_equal(v.n, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(v.seqs[i], i + 1);

	memset(&v, 0, sizeof(v));
	v.db = f->db;
	assert_int_equal(tg_db_audit_foreach(f->db, 3, 0, 0, audit_visit, &v), 0);
	assert_int_equal(v.n, 3);
	assert_int_equal(v.seqs[0], 3);
	assert_int_equal(v.seqs[2], 5);

	/* Time window, both ends inclusive; one end alone. */
	memset(&v, 0, sizeof(v));
	v.db = f->db;
	assert_int_equal(tg_db_audit_foreach(f->db, 1, T0 + 2000, T0 + 3000,
	    audit_visit, &v), 0);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.seqs[0], 2);
	assert_int_equal(v.seqs[1], 3);
	memset(&v, 0, sizeof(v));
	v.db = f->db;
	assert_int_equal(tg_db_audit_foreach(f->db, 1, T0 + 4000, 0,
	    audit_visit, &v), 0);
	assert_int_equal(v.n, 2);
	memset(&v, 0, sizeof(v));
	v.db = f->db;
	assert_int_equal(tg_db_audit_foreach(f->db, 1, 0, T0 + 1000,
	    audit_visit, &v), 0);
	assert_int_equal(v.n, 1);

	/* The callback's non-zero value stops the walk and is returned. */
	memset(&v, 0, sizeof(v));
	v.db = f->db;
	v.stop_at = 2;
	assert_int_equal(tg_db_audit_foreach(f->db, 1, 0, 0, audit_visit, &v), 42);
	assert_int_equal(v.n, 2);
	/* Nothing left open: a write transaction can start. */
	assert_int_equal(tg_db_check_writable(f->db), 0);

	/* Unterminated text is refused. */
	audit_make(&r, 6, details, sizeof(details));
	memset(r.result, 'x', sizeof(r.result));
	assert_int_equal(tg_db_audit_insert(f->db, &r), TG_ERR_INVALID);
}

static void
test_audit_insert_fails(void **state)
{
	struct fx *f = *state;
	struct tg_audit_rec r;
	uint8_t head[32];
	char details[64];
	int64_t seq;

	raw_exec(f->path, "CREATE TRIGGER t BEFORE INSERT ON audit BEGIN "
	    "SELECT RAISE(FAIL, 'disk full'); END");
	audit_make(&r, 1, details, sizeof(details));
	assert_int_equal(tg_db_audit_insert(f->db, &r), TG_ERR_STORE);

	/* In a transaction: the caller rolls back, nothing is kept. */
	assert_int_equal(tg_db_begin(f->db), 0);
	customer_add(f->db, "alice");
	assert_int_equal(tg_db_audit_insert(f->db, &r), TG_ERR_STORE);
	tg_db_rollback(f->db);
	assert_int_equal(tg_db_in_tx(f->db), 0);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM customer"), 0);
	assert_int_equal(tg_db_audit_head(f->db, &seq, head), 0);
	assert_int_equal(seq, 0);

	raw_exec(f->path, "DROP TRIGGER t");
	assert_int_equal(tg_db_audit_insert(f->db, &r), 0);
	assert_int_equal(tg_db_audit_head(f->db, &seq, head), 0);
	assert_int_equal(seq, 1);
}

static int
ckpt_visit(const struct tg_checkpoint_rec *c, void *arg)
{
	struct visit *v = arg;

	assert_string_equal(c->key_id, "audit-1");
	assert_int_equal(c->sig[63], (uint8_t)c->seq);
	v->seqs[v->n++] = c->seq;
	return 0;
}

static void
test_checkpoints(void **state)
{
	struct fx *f = *state;
	struct tg_checkpoint_rec c, got;
	struct visit v;
	int64_t seq;

	assert_int_equal(tg_db_checkpoint_last(f->db, &got), TG_ERR_NOT_FOUND);
	for (seq = 10; seq <= 30; seq += 10) {
		memset(&c, 0, sizeof(c));
		c.seq = seq;
		c.ts = T0 + seq;
		memset(c.head_hash, (int)seq, sizeof(c.head_hash));
		snprintf(c.key_id, sizeof(c.key_id), "audit-1");
		memset(c.pub, 0xab, sizeof(c.pub));
		memset(c.sig, (int)seq, sizeof(c.sig));
		assert_int_equal(tg_db_checkpoint_insert(f->db, &c), 0);
	}
	assert_int_equal(tg_db_checkpoint_insert(f->db, &c), TG_ERR_EXISTS);
	assert_int_equal(tg_db_checkpoint_last(f->db, &got), 0);
	assert_int_equal(got.seq, 30);
	assert_int_equal(got.ts, T0 + 30);
	assert_memory_equal(got.head_hash, c.head_hash, 32);
	assert_memory_equal(got.pub, c.pub, 32);
	assert_memory_equal(got.sig, c.sig, 64);
	assert_string_equal(got.key_id, "audit-1");

	memset(&v, 0, sizeof(v));
	assert_int_equal(tg_db_checkpoint_foreach(f->db, ckpt_visit, &v), 0);
	assert_int_equal(v.n, 3);
	assert_int_equal(v.seqs[0], 10);
	assert_int_equal(v.seqs[1], 20);
	assert_int_equal(v.seqs[2], 30);
}

/* --- outbox and customer deletion --- */

static void
test_delete_keeps_outbox(void **state)
{
	struct fx *f = *state;
	struct tg_session_rec s, got;
	struct tg_flow_rec fl, gotf;
	char hist[4][TG_PWHASH_MAX];
	int64_t a = customer_add(f->db, "alice"), b = customer_add(f->db, "bob");
	int64_t n;
	int k;

	assert_int_equal(tg_db_outbox_insert(f->db, a, "account.locked",
	    "{\"threshold\":3}", T0), 0);
	assert_int_equal(tg_db_outbox_insert(f->db, a, "login.succeeded",
	    "{}", T0), 0);
	assert_int_equal(tg_db_outbox_insert(f->db, b, "account.locked",
	    "{}", T0), 0);
	assert_int_equal(tg_db_outbox_insert(f->db, a, "", "{}", T0),
	    TG_ERR_INVALID);
	assert_int_equal(tg_db_outbox_count(f->db, a, "account.locked", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(tg_db_outbox_count(f->db, a, NULL, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(tg_db_outbox_count(f->db, a, "password.changed", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM outbox WHERE"
	    " status = 'pending' AND channel = 'owner' AND attempts = 0"
	    " AND next_attempt_at = created_at"), 3);

	session_init(&s, 5, a, T0, T0 + HOUR_MS);
	assert_int_equal(tg_db_session_insert(f->db, &s), 0);
	memset(&fl, 0, sizeof(fl));
	memset(fl.id_hash, 6, sizeof(fl.id_hash));
	fl.customer_id = a;
	fl.expires_at = T0 + MIN_MS;
	assert_int_equal(tg_db_flow_insert(f->db, &fl), 0);
	assert_int_equal(tg_db_customer_set_password(f->db, a, "tg1$p1$argon2id$h1",
	    T0 + 1), 0);

	assert_int_equal(tg_db_customer_delete(f->db, a), 0);
	assert_int_equal(tg_db_customer_delete(f->db, a), TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_session_get(f->db, s.id_hash, &got),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_flow_get(f->db, fl.id_hash, &gotf),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_password_history(f->db, a, 4, hist, &k), 0);
	assert_int_equal(k, 0);
	/* Notifications are evidence: they stay. */
	assert_int_equal(tg_db_outbox_count(f->db, a, NULL, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(tg_db_outbox_count(f->db, b, NULL, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(tg_db_customer_count(f->db, &n), 0);
	assert_int_equal(n, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_customer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout_concurrent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_password_history, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_insert_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_checkpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_keeps_outbox, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
