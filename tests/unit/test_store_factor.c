/*
 * Storage of second factors: enrolled factors, replay protection (TOTP
 * steps, WebAuthn counters), one-time codes, recovery codes, challenges and
 * the factor records of flows and sessions (SQLite back end).
 */
#include "helpers.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include <tradeguard/error.h>

#include "store/store.h"
#include "store/store_factor.h"

#define T0 TGT_T0
#define MIN_MS INT64_C(60000)

struct fx {
	char *dir;
	char path[512];
	tg_store *st;
	tg_db *db;
	int64_t alice, bob;
};

static int64_t customer_add(tg_db *db, const char *login);

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
	f->alice = customer_add(f->db, "alice");
	f->bob = customer_add(f->db, "bob");
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
	sqlite3_busy_timeout(h, 5000);
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

static int64_t
customer_add(tg_db *db, const char *login)
{
	struct tg_customer c;

	memset(&c, 0, sizeof(c));
	snprintf(c.login, sizeof(c.login), "%s", login);
	snprintf(c.email, sizeof(c.email), "%s@example.com", login);
	snprintf(c.locale, sizeof(c.locale), "zh-TW");
	snprintf(c.pw_hash, sizeof(c.pw_hash), "tg1$p1$argon2id$h0");
	c.pw_changed_at = c.created_at = c.updated_at = T0;
	assert_int_equal(tg_db_customer_insert(db, &c), 0);
	assert_true(c.id > 0);
	return c.id;
}

static void
totp_init(struct tg_factor *x, int64_t customer_id, const char *name,
    int64_t created)
{
	size_t i;

	memset(x, 0, sizeof(*x));
	x->customer_id = customer_id;
	x->type = TG_FACTOR_TOTP;
	snprintf(x->name, sizeof(x->name), "%s", name);
	x->secret_len = 60;
	for (i = 0; i < x->secret_len; i++)
		x->secret[i] = (uint8_t)(i * 7 + 1);
	x->created_at = created;
}

static void
webauthn_init(struct tg_factor *x, int64_t customer_id, uint8_t tag,
    size_t cred_len, int64_t created)
{
	size_t i;

	memset(x, 0, sizeof(*x));
	x->customer_id = customer_id;
	x->type = TG_FACTOR_WEBAUTHN;
	snprintf(x->name, sizeof(x->name), "key %u", tag);
	x->public_key_len = 77;
	for (i = 0; i < x->public_key_len; i++)
		x->public_key[i] = (uint8_t)(0xa0 ^ i);
	x->alg = -7;
	x->credential_id_len = cred_len;
	for (i = 0; i < cred_len; i++)
		x->credential_id[i] = (uint8_t)(tag + i);
	x->uv = 1;
	x->created_at = created;
}

static int64_t
factor_add(tg_db *db, struct tg_factor *x)
{
	assert_int_equal(tg_db_factor_insert(db, x), 0);
	assert_true(x->id > 0);
	return x->id;
}

static void
assert_factor_equal(const struct tg_factor *a, const struct tg_factor *b)
{
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->customer_id, b->customer_id);
	assert_int_equal(a->type, b->type);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->active, b->active);
	assert_int_equal(a->secret_len, b->secret_len);
	assert_memory_equal(a->secret, b->secret, a->secret_len);
	assert_int_equal(a->public_key_len, b->public_key_len);
	assert_memory_equal(a->public_key, b->public_key, a->public_key_len);
	assert_int_equal(a->alg, b->alg);
	assert_int_equal(a->credential_id_len, b->credential_id_len);
	assert_memory_equal(a->credential_id, b->credential_id,
	    a->credential_id_len);
	assert_int_equal(a->sign_count, b->sign_count);
	assert_int_equal(a->last_step, b->last_step);
	assert_int_equal(a->uv, b->uv);
	assert_int_equal(a->created_at, b->created_at);
	assert_int_equal(a->last_used_at, b->last_used_at);
}

static int
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* --- factors --- */

static void
test_type_name(void **state)
{
	(void)state;
	assert_string_equal(tg_factor_type_name(TG_FACTOR_TOTP), "totp");
	assert_string_equal(tg_factor_type_name(TG_FACTOR_DEVICE), "device");
	assert_string_equal(tg_factor_type_name(TG_FACTOR_WEBAUTHN), "webauthn");
	assert_string_equal(tg_factor_type_name((enum tg_factor_type)3), "unknown");
	assert_string_equal(tg_factor_type_name((enum tg_factor_type)-1),
	    "unknown");
}

static void
test_factor_insert_get(void **state)
{
	struct fx *f = *state;
	struct tg_factor a, b, got;

	totp_init(&a, f->alice, "phone app", T0);
	a.last_used_at = T0 + 5;
	factor_add(f->db, &a);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got), 0);
	assert_factor_equal(&got, &a);
	assert_int_equal(got.active, 0);

	/* Factors without a credential ID do not collide on it. */
	totp_init(&b, f->alice, "", T0 + 1);
	b.secret_len = 0;
	b.active = 1;
	factor_add(f->db, &b);
	assert_true(b.id > a.id);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, b.id, &got), 0);
	assert_factor_equal(&got, &b);

	/* Another customer's factor is missing, and nothing leaks out. */
	memset(&got, 0xa5, sizeof(got));
	assert_int_equal(tg_db_factor_get(f->db, f->bob, a.id, &got),
	    TG_ERR_NOT_FOUND);
	assert_true(all_zero(&got, sizeof(got)));
	assert_int_equal(tg_db_factor_get(f->db, f->alice, b.id + 100, &got),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_factor_get(NULL, f->alice, a.id, &got),
	    TG_ERR_INVALID);

	/* Refused input. */
	totp_init(&b, f->alice, "x", T0);
	b.type = (enum tg_factor_type)7;
	assert_int_equal(tg_db_factor_insert(f->db, &b), TG_ERR_INVALID);
	totp_init(&b, f->alice, "x", T0);
	b.secret_len = TG_FACTOR_SECRET_MAX + 1;
	assert_int_equal(tg_db_factor_insert(f->db, &b), TG_ERR_INVALID);
	webauthn_init(&b, f->alice, 9, 16, T0);
	b.public_key_len = TG_FACTOR_KEY_MAX + 1;
	assert_int_equal(tg_db_factor_insert(f->db, &b), TG_ERR_INVALID);
	webauthn_init(&b, f->alice, 9, 16, T0);
	b.credential_id_len = TG_CREDENTIAL_ID_MAX + 1;
	assert_int_equal(tg_db_factor_insert(f->db, &b), TG_ERR_INVALID);
	totp_init(&b, f->alice, "x", T0);
	memset(b.name, 'n', sizeof(b.name));		/* not terminated */
	assert_int_equal(tg_db_factor_insert(f->db, &b), TG_ERR_INVALID);
	totp_init(&b, f->alice, "x", T0);
	b.sign_count = -1;
	assert_int_equal(tg_db_factor_insert(f->db, &b), TG_ERR_INVALID);
	/* No such customer. */
	totp_init(&b, f->alice + f->bob + 10, "x", T0);
	assert_int_equal(tg_db_factor_insert(f->db, &b), TG_ERR_NOT_FOUND);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM factor"), 2);
}

static void
test_factor_credential(void **state)
{
	struct fx *f = *state;
	struct tg_factor a, b, got;
	uint8_t cred[TG_CREDENTIAL_ID_MAX + 1];

	/* Largest credential ID and key the buffers hold. */
	webauthn_init(&a, f->alice, 1, TG_CREDENTIAL_ID_MAX, T0);
	a.public_key_len = TG_FACTOR_KEY_MAX;
	factor_add(f->db, &a);
	webauthn_init(&b, f->bob, 2, 16, T0);
	factor_add(f->db, &b);

	/* Found whatever its state; the caller checks active and customer. */
	assert_int_equal(tg_db_factor_by_credential(f->db, a.credential_id,
	    a.credential_id_len, &got), 0);
	assert_factor_equal(&got, &a);
	assert_int_equal(got.active, 0);
	assert_int_equal(tg_db_factor_by_credential(f->db, b.credential_id,
	    b.credential_id_len, &got), 0);
	assert_factor_equal(&got, &b);

	/* Registered already, for anyone. */
	webauthn_init(&b, f->alice, 2, 16, T0);
	assert_int_equal(tg_db_factor_insert(f->db, &b), TG_ERR_EXISTS);

	/* A flipped bit or a truncation finds nothing. */
	memcpy(cred, a.credential_id, a.credential_id_len);
	cred[500] ^= 0x10;
	assert_int_equal(tg_db_factor_by_credential(f->db, cred,
	    a.credential_id_len, &got), TG_ERR_NOT_FOUND);
	cred[500] ^= 0x10;
	assert_int_equal(tg_db_factor_by_credential(f->db, cred,
	    a.credential_id_len - 1, &got), TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_factor_by_credential(f->db, cred,
	    a.credential_id_len, &got), 0);
	/* Malformed. */
	assert_int_equal(tg_db_factor_by_credential(f->db, cred, 0, &got),
	    TG_ERR_INVALID);
	assert_int_equal(tg_db_factor_by_credential(f->db, cred,
	    TG_CREDENTIAL_ID_MAX + 1, &got), TG_ERR_INVALID);
	assert_int_equal(tg_db_factor_by_credential(f->db, NULL, 16, &got),
	    TG_ERR_INVALID);
}

struct collect {
	tg_db *db;
	int64_t ids[16];
	int n;
	int stop_after;
	int reenter_ok;
};

static int
collect_fn(const struct tg_factor *x, void *arg)
{
	struct collect *c = arg;
	struct tg_factor again;

	/* The connection is usable from the callback. */
	if (tg_db_factor_get(c->db, x->customer_id, x->id, &again) == 0 &&
	    again.id == x->id)
		c->reenter_ok++;
	c->ids[c->n++] = x->id;
	if (c->stop_after != 0 && c->n == c->stop_after)
		return 42;
	return 0;
}

static void
test_factor_list(void **state)
{
	struct fx *f = *state;
	struct tg_factor t1, t2, w1, d1, bt;
	struct collect c;
	int n;

	/* Inserted out of creation order: the list is oldest first. */
	totp_init(&t2, f->alice, "second", T0 + 20);
	t2.active = 1;
	factor_add(f->db, &t2);
	totp_init(&t1, f->alice, "first", T0 + 10);
	factor_add(f->db, &t1);
	webauthn_init(&w1, f->alice, 5, 32, T0 + 30);
	w1.active = 1;
	factor_add(f->db, &w1);
	memset(&d1, 0, sizeof(d1));
	d1.customer_id = f->alice;
	d1.type = TG_FACTOR_DEVICE;
	snprintf(d1.name, sizeof(d1.name), "laptop");
	d1.public_key_len = 91;
	memset(d1.public_key, 0x30, d1.public_key_len);
	d1.created_at = T0 + 5;
	d1.active = 1;
	factor_add(f->db, &d1);
	totp_init(&bt, f->bob, "bob's", T0);
	bt.active = 1;
	factor_add(f->db, &bt);

	memset(&c, 0, sizeof(c));
	c.db = f->db;
	assert_int_equal(tg_db_factor_foreach(f->db, f->alice, -1, 0, collect_fn,
	    &c), 0);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.ids[0], d1.id);
	assert_int_equal(c.ids[1], t1.id);
	assert_int_equal(c.ids[2], t2.id);
	assert_int_equal(c.ids[3], w1.id);
	assert_int_equal(c.reenter_ok, 4);

	memset(&c, 0, sizeof(c));
	c.db = f->db;
	assert_int_equal(tg_db_factor_foreach(f->db, f->alice, TG_FACTOR_TOTP, 0,
	    collect_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ids[0], t1.id);
	assert_int_equal(c.ids[1], t2.id);

	memset(&c, 0, sizeof(c));
	c.db = f->db;
	assert_int_equal(tg_db_factor_foreach(f->db, f->alice, TG_FACTOR_TOTP, 1,
	    collect_fn, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], t2.id);

	/* Stop: the callback's value comes back. */
	memset(&c, 0, sizeof(c));
	c.db = f->db;
	c.stop_after = 2;
	assert_int_equal(tg_db_factor_foreach(f->db, f->alice, -1, 0, collect_fn,
	    &c), 42);
	assert_int_equal(c.n, 2);

	/* Bob sees only his own. */
	memset(&c, 0, sizeof(c));
	c.db = f->db;
	assert_int_equal(tg_db_factor_foreach(f->db, f->bob, -1, 0, collect_fn,
	    &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], bt.id);

	assert_int_equal(tg_db_factor_count(f->db, f->alice, -1, 0, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(tg_db_factor_count(f->db, f->alice, -1, 1, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(tg_db_factor_count(f->db, f->alice, TG_FACTOR_TOTP, 0,
	    &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(tg_db_factor_count(f->db, f->alice, TG_FACTOR_WEBAUTHN,
	    1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(tg_db_factor_count(f->db, f->alice, TG_FACTOR_DEVICE, 1,
	    &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(tg_db_factor_count(f->db, f->bob, TG_FACTOR_WEBAUTHN, 0,
	    &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tg_db_factor_count(f->db, f->alice, 3, 0, &n),
	    TG_ERR_INVALID);
	assert_int_equal(tg_db_factor_foreach(f->db, f->alice, 3, 0, collect_fn,
	    &c), TG_ERR_INVALID);
	assert_int_equal(tg_db_factor_foreach(f->db, f->alice, -1, 0, NULL, &c),
	    TG_ERR_INVALID);
}

static void
test_factor_manage(void **state)
{
	struct fx *f = *state;
	struct tg_factor a, got;
	char longname[TG_FACTOR_NAME_MAX + 2];

	totp_init(&a, f->alice, "phone", T0);
	factor_add(f->db, &a);

	/* Activate: not through another account. */
	assert_int_equal(tg_db_factor_activate(f->db, f->bob, a.id, T0 + 1),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got), 0);
	assert_int_equal(got.active, 0);
	assert_int_equal(tg_db_factor_activate(f->db, f->alice, a.id, T0 + 2), 0);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got), 0);
	assert_int_equal(got.active, 1);
	assert_int_equal(got.last_used_at, T0 + 2);
	assert_int_equal(tg_db_factor_activate(f->db, f->alice, a.id + 9, T0),
	    TG_ERR_NOT_FOUND);

	/* Rename. */
	assert_int_equal(tg_db_factor_rename(f->db, f->bob, a.id, "mine now"),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_factor_rename(f->db, f->alice, a.id, "work phone"),
	    0);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got), 0);
	assert_string_equal(got.name, "work phone");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(tg_db_factor_rename(f->db, f->alice, a.id, longname),
	    TG_ERR_INVALID);
	longname[TG_FACTOR_NAME_MAX] = '\0';		/* exactly the maximum */
	assert_int_equal(tg_db_factor_rename(f->db, f->alice, a.id, longname), 0);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got), 0);
	assert_string_equal(got.name, longname);
	assert_int_equal(tg_db_factor_rename(f->db, f->alice, a.id, NULL),
	    TG_ERR_INVALID);

	/* Touch: never backwards. */
	assert_int_equal(tg_db_factor_used(f->db, a.id, T0 + 50), 0);
	assert_int_equal(tg_db_factor_used(f->db, a.id, T0 + 40), 0);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got), 0);
	assert_int_equal(got.last_used_at, T0 + 50);
	assert_int_equal(tg_db_factor_used(f->db, a.id + 9, T0),
	    TG_ERR_NOT_FOUND);

	/* Delete: not through another account, once. */
	assert_int_equal(tg_db_factor_delete(f->db, f->bob, a.id),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got), 0);
	assert_int_equal(tg_db_factor_delete(f->db, f->alice, a.id), 0);
	assert_int_equal(tg_db_factor_delete(f->db, f->alice, a.id),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got),
	    TG_ERR_NOT_FOUND);
}

static void
test_factor_use_step(void **state)
{
	struct fx *f = *state;
	struct tg_factor a, got;

	totp_init(&a, f->alice, "phone", T0);
	factor_add(f->db, &a);

	/* Usable before activation: enrolment confirms with a code. */
	assert_int_equal(tg_db_factor_use_step(f->db, a.id, 1000, T0 + 1), 0);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got), 0);
	assert_int_equal(got.last_step, 1000);
	assert_int_equal(got.last_used_at, T0 + 1);
	/* Same step, older step: replays. */
	assert_int_equal(tg_db_factor_use_step(f->db, a.id, 1000, T0 + 2),
	    TG_ERR_REUSED);
	assert_int_equal(tg_db_factor_use_step(f->db, a.id, 999, T0 + 2),
	    TG_ERR_REUSED);
	assert_int_equal(tg_db_factor_use_step(f->db, a.id, 1, T0 + 2),
	    TG_ERR_REUSED);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got), 0);
	assert_int_equal(got.last_step, 1000);
	assert_int_equal(got.last_used_at, T0 + 1);
	/* Newer. */
	assert_int_equal(tg_db_factor_use_step(f->db, a.id, 1001, T0 + 30000), 0);
	assert_int_equal(tg_db_factor_use_step(f->db, a.id, 1001, T0 + 30001),
	    TG_ERR_REUSED);
	assert_int_equal(tg_db_factor_use_step(f->db, a.id, 1003, T0 + 90000), 0);
	assert_int_equal(tg_db_factor_use_step(f->db, a.id, 1002, T0 + 90001),
	    TG_ERR_REUSED);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got), 0);
	assert_int_equal(got.last_step, 1003);
	assert_int_equal(got.last_used_at, T0 + 90000);

	assert_int_equal(tg_db_factor_use_step(f->db, a.id + 9, 5000, T0),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_factor_use_step(f->db, a.id, 0, T0),
	    TG_ERR_INVALID);
	assert_int_equal(tg_db_factor_use_step(f->db, a.id, -5, T0),
	    TG_ERR_INVALID);
}

static void
test_factor_use_count(void **state)
{
	struct fx *f = *state;
	struct tg_factor a, got;

	webauthn_init(&a, f->alice, 1, 32, T0);
	a.active = 1;
	factor_add(f->db, &a);

	/* Authenticators without a counter: 0 and 0 again. */
	assert_int_equal(tg_db_factor_use_count(f->db, a.id, 0, T0 + 1), 0);
	assert_int_equal(tg_db_factor_use_count(f->db, a.id, 0, T0 + 2), 0);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got), 0);
	assert_int_equal(got.sign_count, 0);
	assert_int_equal(got.last_used_at, T0 + 2);
	/* Starting to count. */
	assert_int_equal(tg_db_factor_use_count(f->db, a.id, 5, T0 + 3), 0);
	/* Equal, lower, back to zero: a cloned authenticator. */
	assert_int_equal(tg_db_factor_use_count(f->db, a.id, 5, T0 + 4),
	    TG_ERR_TAMPERED);
	assert_int_equal(tg_db_factor_use_count(f->db, a.id, 4, T0 + 4),
	    TG_ERR_TAMPERED);
	assert_int_equal(tg_db_factor_use_count(f->db, a.id, 0, T0 + 4),
	    TG_ERR_TAMPERED);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got), 0);
	assert_int_equal(got.sign_count, 5);
	assert_int_equal(got.last_used_at, T0 + 3);
	assert_int_equal(tg_db_factor_use_count(f->db, a.id, 6, T0 + 5), 0);
	assert_int_equal(tg_db_factor_use_count(f->db, a.id, 100, T0 + 6), 0);
	assert_int_equal(tg_db_factor_use_count(f->db, a.id, 99, T0 + 7),
	    TG_ERR_TAMPERED);
	assert_int_equal(tg_db_factor_use_count(f->db, a.id, UINT32_MAX, T0 + 8),
	    0);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got), 0);
	assert_int_equal(got.sign_count, UINT32_MAX);

	assert_int_equal(tg_db_factor_use_count(f->db, a.id + 9, 1, T0),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_factor_use_count(f->db, a.id, -1, T0),
	    TG_ERR_INVALID);
	assert_int_equal(tg_db_factor_use_count(f->db, a.id,
	    (int64_t)UINT32_MAX + 1, T0), TG_ERR_INVALID);
}

/* A stored value larger than the record's buffer is a storage fault. */
static void
test_factor_stored_too_long(void **state)
{
	struct fx *f = *state;
	struct tg_factor a, w, got;
	struct collect c;
	char sql[256];

	totp_init(&a, f->alice, "phone", T0);
	factor_add(f->db, &a);
	webauthn_init(&w, f->alice, 3, 16, T0 + 1);
	factor_add(f->db, &w);

	snprintf(sql, sizeof(sql),
	    "UPDATE factor SET secret = zeroblob(%d) WHERE id = %lld",
	    TG_FACTOR_SECRET_MAX + 1, (long long)a.id);
	raw_exec(f->path, sql);
	memset(&got, 0xa5, sizeof(got));
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got),
	    TG_ERR_STORE);
	assert_true(all_zero(&got, sizeof(got)));
	memset(&c, 0, sizeof(c));
	c.db = f->db;
	assert_int_equal(tg_db_factor_foreach(f->db, f->alice, -1, 0, collect_fn,
	    &c), TG_ERR_STORE);
	assert_int_equal(c.n, 0);

	snprintf(sql, sizeof(sql),
	    "UPDATE factor SET public_key = zeroblob(%d) WHERE id = %lld",
	    TG_FACTOR_KEY_MAX + 1, (long long)w.id);
	raw_exec(f->path, sql);
	assert_int_equal(tg_db_factor_by_credential(f->db, w.credential_id,
	    w.credential_id_len, &got), TG_ERR_STORE);
	assert_true(all_zero(&got, sizeof(got)));

	/* Exactly the maximum is fine. */
	snprintf(sql, sizeof(sql),
	    "UPDATE factor SET secret = zeroblob(%d) WHERE id = %lld",
	    TG_FACTOR_SECRET_MAX, (long long)a.id);
	raw_exec(f->path, sql);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got), 0);
	assert_int_equal(got.secret_len, TG_FACTOR_SECRET_MAX);
}

/* --- races: exactly one of N_THREADS wins --- */

#define N_THREADS 16

enum race_op { RACE_OTP_USE, RACE_USE_STEP, RACE_CHALLENGE_TAKE };

struct race {
	tg_store *st;
	enum race_op op;
	int64_t id;
	uint8_t binding[32];
	pthread_barrier_t go;
	pthread_mutex_t mu;
	int next;
	int result[N_THREADS];
};

static void *
race_thread(void *arg)
{
	struct race *rc = arg;
	tg_db *db = tg_store_db(rc->st);
	struct tg_challenge_rec ch;
	int i, r = TG_ERR_INTERNAL;

	pthread_mutex_lock(&rc->mu);
	i = rc->next++;
	pthread_mutex_unlock(&rc->mu);
	pthread_barrier_wait(&rc->go);
	if (db == NULL)
		r = TG_ERR_STORE;
	else if (rc->op == RACE_OTP_USE)
		r = tg_db_otp_use(db, rc->id);
	else if (rc->op == RACE_USE_STEP)
		r = tg_db_factor_use_step(db, rc->id, 58000000, T0);
	else if (rc->op == RACE_CHALLENGE_TAKE)
		r = tg_db_challenge_take(db, rc->binding, "device.login", &ch);
	rc->result[i] = r;
	return NULL;
}

/* Run the race; loser is the error every other thread must see. */
static void
race_run(struct race *rc, int loser)
{
	pthread_t t[N_THREADS];
	int i, won = 0;

	pthread_mutex_init(&rc->mu, NULL);
	pthread_barrier_init(&rc->go, NULL, N_THREADS);
	for (i = 0; i < N_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_thread, rc), 0);
	for (i = 0; i < N_THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < N_THREADS; i++) {
		if (rc->result[i] == 0)
			won++;
		else if (rc->result[i] != loser)
			fail_msg("thread %d: %d", i, rc->result[i]);
	}
	assert_int_equal(won, 1);
	pthread_barrier_destroy(&rc->go);
	pthread_mutex_destroy(&rc->mu);
}

static void
test_factor_use_step_race(void **state)
{
	struct fx *f = *state;
	struct tg_factor a, got;
	struct race rc;

	totp_init(&a, f->alice, "phone", T0);
	a.active = 1;
	factor_add(f->db, &a);
	memset(&rc, 0, sizeof(rc));
	rc.st = f->st;
	rc.op = RACE_USE_STEP;
	rc.id = a.id;
	race_run(&rc, TG_ERR_REUSED);
	assert_int_equal(tg_db_factor_get(f->db, f->alice, a.id, &got), 0);
	assert_int_equal(got.last_step, 58000000);
}

/* --- one-time codes --- */

static void
otp_init(struct tg_otp_rec *o, int64_t customer_id, uint8_t binding,
    const char *channel, uint8_t code, int64_t created)
{
	memset(o, 0, sizeof(*o));
	o->customer_id = customer_id;
	memset(o->binding, binding, sizeof(o->binding));
	snprintf(o->channel, sizeof(o->channel), "%s", channel);
	memset(o->code_hash, code, sizeof(o->code_hash));
	o->created_at = created;
	o->expires_at = created + 5 * MIN_MS;
}

static void
test_otp_insert_current(void **state)
{
	struct fx *f = *state;
	struct tg_otp_rec o1, o2, o3, o4, got;
	uint8_t bind[32];
	char sql[128];

	otp_init(&o1, f->alice, 0x11, "sms", 0xc1, T0);
	o1.attempts = 7;		/* ignored: a new code is fresh */
	o1.used = 1;
	assert_int_equal(tg_db_otp_insert(f->db, &o1), 0);
	assert_true(o1.id > 0);
	assert_int_equal(o1.attempts, 0);
	assert_int_equal(o1.used, 0);
	memset(bind, 0x11, sizeof(bind));
	assert_int_equal(tg_db_otp_current(f->db, bind, "sms", &got), 0);
	assert_int_equal(got.id, o1.id);
	assert_int_equal(got.customer_id, f->alice);
	assert_memory_equal(got.binding, o1.binding, 32);
	assert_string_equal(got.channel, "sms");
	assert_memory_equal(got.code_hash, o1.code_hash, 32);
	assert_int_equal(got.created_at, T0);
	assert_int_equal(got.expires_at, T0 + 5 * MIN_MS);
	assert_int_equal(got.attempts, 0);
	assert_int_equal(got.used, 0);

	/* Same binding, other channel; other binding, same channel. */
	otp_init(&o3, f->alice, 0x11, "email", 0xc3, T0 + 1);
	assert_int_equal(tg_db_otp_insert(f->db, &o3), 0);
	otp_init(&o4, f->alice, 0x22, "sms", 0xc4, T0 + 1);
	assert_int_equal(tg_db_otp_insert(f->db, &o4), 0);

	/* A resend invalidates the earlier code of that binding and channel. */
	otp_init(&o2, f->alice, 0x11, "sms", 0xc2, T0 + MIN_MS);
	assert_int_equal(tg_db_otp_insert(f->db, &o2), 0);
	assert_int_equal(tg_db_otp_current(f->db, bind, "sms", &got), 0);
	assert_int_equal(got.id, o2.id);
	assert_memory_equal(got.code_hash, o2.code_hash, 32);
	snprintf(sql, sizeof(sql), "SELECT used FROM otp_code WHERE id = %lld",
	    (long long)o1.id);
	assert_int_equal(raw_count(f->path, sql), 1);
	assert_int_equal(tg_db_otp_use(f->db, o1.id), TG_ERR_REUSED);
	/* The others stay valid. */
	assert_int_equal(tg_db_otp_current(f->db, bind, "email", &got), 0);
	assert_int_equal(got.id, o3.id);
	memset(bind, 0x22, sizeof(bind));
	assert_int_equal(tg_db_otp_current(f->db, bind, "sms", &got), 0);
	assert_int_equal(got.id, o4.id);

	/* Nothing for an unknown binding or channel. */
	memset(bind, 0x33, sizeof(bind));
	memset(&got, 0xa5, sizeof(got));
	assert_int_equal(tg_db_otp_current(f->db, bind, "sms", &got),
	    TG_ERR_NOT_FOUND);
	assert_true(all_zero(&got, sizeof(got)));
	memset(bind, 0x22, sizeof(bind));
	assert_int_equal(tg_db_otp_current(f->db, bind, "email", &got),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_otp_current(f->db, bind, "voice-call", &got),
	    TG_ERR_INVALID);

	/* Refused input; nothing is invalidated by a refused insert. */
	otp_init(&o1, f->alice, 0x22, "fax", 0xc5, T0);
	assert_int_equal(tg_db_otp_insert(f->db, &o1), TG_ERR_INVALID);
	otp_init(&o1, f->alice, 0x22, "sms", 0xc5, T0);
	memset(o1.channel, 's', sizeof(o1.channel));	/* not terminated */
	assert_int_equal(tg_db_otp_insert(f->db, &o1), TG_ERR_INVALID);
	otp_init(&o1, f->alice + f->bob + 10, 0x22, "sms", 0xc5, T0);
	assert_int_equal(tg_db_otp_insert(f->db, &o1), TG_ERR_NOT_FOUND);
	assert_int_equal(o1.id, 0);
	assert_int_equal(tg_db_otp_current(f->db, bind, "sms", &got), 0);
	assert_int_equal(got.id, o4.id);
	assert_int_equal(tg_db_otp_insert(f->db, NULL), TG_ERR_INVALID);
}

static void
test_otp_attempts(void **state)
{
	struct fx *f = *state;
	struct tg_otp_rec o, got;
	int i;

	otp_init(&o, f->alice, 0x11, "email", 0xc1, T0);
	assert_int_equal(tg_db_otp_insert(f->db, &o), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(tg_db_otp_attempt(f->db, o.id, 3), 0);
	assert_int_equal(tg_db_otp_attempt(f->db, o.id, 3), TG_ERR_LIMIT);
	assert_int_equal(tg_db_otp_attempt(f->db, o.id, 3), TG_ERR_LIMIT);
	assert_int_equal(tg_db_otp_current(f->db, o.binding, "email", &got), 0);
	assert_int_equal(got.attempts, 3);
	/* A lower maximum is exhausted already. */
	assert_int_equal(tg_db_otp_attempt(f->db, o.id, 1), TG_ERR_LIMIT);
	assert_int_equal(tg_db_otp_attempt(f->db, o.id, 4), 0);
	assert_int_equal(tg_db_otp_attempt(f->db, o.id, 4), TG_ERR_LIMIT);

	assert_int_equal(tg_db_otp_attempt(f->db, o.id + 9, 3), TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_otp_attempt(f->db, o.id, 0), TG_ERR_INVALID);
}

static void
test_otp_use(void **state)
{
	struct fx *f = *state;
	struct tg_otp_rec o, got;

	otp_init(&o, f->alice, 0x11, "sms", 0xc1, T0);
	assert_int_equal(tg_db_otp_insert(f->db, &o), 0);
	assert_int_equal(tg_db_otp_use(f->db, o.id), 0);
	assert_int_equal(tg_db_otp_use(f->db, o.id), TG_ERR_REUSED);
	/* No unused code is left for the binding. */
	assert_int_equal(tg_db_otp_current(f->db, o.binding, "sms", &got),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_otp_use(f->db, o.id + 9), TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_otp_use(NULL, o.id), TG_ERR_INVALID);
}

static void
test_otp_use_race(void **state)
{
	struct fx *f = *state;
	struct tg_otp_rec o;
	struct race rc;
	char sql[128];

	otp_init(&o, f->alice, 0x11, "sms", 0xc1, T0);
	assert_int_equal(tg_db_otp_insert(f->db, &o), 0);
	memset(&rc, 0, sizeof(rc));
	rc.st = f->st;
	rc.op = RACE_OTP_USE;
	rc.id = o.id;
	race_run(&rc, TG_ERR_REUSED);
	snprintf(sql, sizeof(sql), "SELECT used FROM otp_code WHERE id = %lld",
	    (long long)o.id);
	assert_int_equal(raw_count(f->path, sql), 1);
}

static void
test_otp_count_purge(void **state)
{
	struct fx *f = *state;
	struct tg_otp_rec o;
	int n;

	otp_init(&o, f->alice, 0x11, "sms", 0xc1, T0);
	assert_int_equal(tg_db_otp_insert(f->db, &o), 0);
	otp_init(&o, f->alice, 0x11, "sms", 0xc2, T0 + MIN_MS);	/* resend */
	assert_int_equal(tg_db_otp_insert(f->db, &o), 0);
	otp_init(&o, f->alice, 0x12, "email", 0xc3, T0 + 2 * MIN_MS);
	assert_int_equal(tg_db_otp_insert(f->db, &o), 0);
	otp_init(&o, f->bob, 0x21, "sms", 0xc4, T0 + 2 * MIN_MS);
	assert_int_equal(tg_db_otp_insert(f->db, &o), 0);

	/* Invalidated codes were still sent: they count. */
	assert_int_equal(tg_db_otp_count_since(f->db, f->alice, T0, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(tg_db_otp_count_since(f->db, f->alice, T0 + MIN_MS, &n),
	    0);
	assert_int_equal(n, 2);
	assert_int_equal(tg_db_otp_count_since(f->db, f->alice,
	    T0 + 3 * MIN_MS, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tg_db_otp_count_since(f->db, f->bob, T0, &n), 0);
	assert_int_equal(n, 1);

	assert_int_equal(tg_db_otp_purge(f->db, T0 + MIN_MS, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(tg_db_otp_count_since(f->db, f->alice, T0, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(tg_db_otp_purge(f->db, T0 + 10 * MIN_MS, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM otp_code"), 0);
}

/* --- recovery codes --- */

static void
recovery_hashes(uint8_t (*h)[32], int n, uint8_t salt)
{
	int i;

	for (i = 0; i < n; i++) {
		memset(h[i], salt, 32);
		h[i][0] = (uint8_t)i;
	}
}

static void
test_recovery(void **state)
{
	struct fx *f = *state;
	uint8_t h[10][32], h2[5][32], flip[32];
	int n;

	recovery_hashes(h, 10, 0x5a);
	assert_int_equal(tg_db_recovery_replace(f->db, f->alice,
	    (const uint8_t (*)[32])h, 10, T0), 0);
	assert_int_equal(tg_db_recovery_count(f->db, f->alice, 0, &n), 0);
	assert_int_equal(n, 10);
	assert_int_equal(tg_db_recovery_count(f->db, f->alice, 1, &n), 0);
	assert_int_equal(n, 10);

	/* Once. */
	assert_int_equal(tg_db_recovery_use(f->db, f->alice, h[3], T0 + 1), 0);
	assert_int_equal(tg_db_recovery_use(f->db, f->alice, h[3], T0 + 2),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_recovery_count(f->db, f->alice, 0, &n), 0);
	assert_int_equal(n, 10);
	assert_int_equal(tg_db_recovery_count(f->db, f->alice, 1, &n), 0);
	assert_int_equal(n, 9);
	/* Not another customer's code; not a flipped bit. */
	assert_int_equal(tg_db_recovery_use(f->db, f->bob, h[4], T0 + 1),
	    TG_ERR_NOT_FOUND);
	memcpy(flip, h[4], 32);
	flip[31] ^= 0x01;
	assert_int_equal(tg_db_recovery_use(f->db, f->alice, flip, T0 + 1),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_recovery_count(f->db, f->alice, 1, &n), 0);
	assert_int_equal(n, 9);
	assert_int_equal(tg_db_recovery_count(f->db, f->bob, 0, &n), 0);
	assert_int_equal(n, 0);

	/* A stored duplicate is used one row at a time. */
	memcpy(h[9], h[8], 32);
	assert_int_equal(tg_db_recovery_replace(f->db, f->bob,
	    (const uint8_t (*)[32])h, 10, T0), 0);
	assert_int_equal(tg_db_recovery_use(f->db, f->bob, h[8], T0 + 1), 0);
	assert_int_equal(tg_db_recovery_count(f->db, f->bob, 1, &n), 0);
	assert_int_equal(n, 9);
	assert_int_equal(tg_db_recovery_use(f->db, f->bob, h[8], T0 + 1), 0);
	assert_int_equal(tg_db_recovery_use(f->db, f->bob, h[8], T0 + 1),
	    TG_ERR_NOT_FOUND);

	/* Replace: the old set is gone, used or not. */
	recovery_hashes(h2, 5, 0x6b);
	assert_int_equal(tg_db_recovery_replace(f->db, f->alice,
	    (const uint8_t (*)[32])h2, 5, T0 + 10), 0);
	assert_int_equal(tg_db_recovery_count(f->db, f->alice, 0, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(tg_db_recovery_use(f->db, f->alice, h[4], T0 + 11),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_recovery_use(f->db, f->alice, h2[4], T0 + 11), 0);
	/* Bob's set is untouched. */
	assert_int_equal(tg_db_recovery_count(f->db, f->bob, 0, &n), 0);
	assert_int_equal(n, 10);

	/* Refused input. */
	assert_int_equal(tg_db_recovery_replace(f->db, f->alice, NULL, 1, T0),
	    TG_ERR_INVALID);
	assert_int_equal(tg_db_recovery_replace(f->db, f->alice,
	    (const uint8_t (*)[32])h2, -1, T0), TG_ERR_INVALID);
	assert_int_equal(tg_db_recovery_replace(f->db, f->alice,
	    (const uint8_t (*)[32])h2, TG_RECOVERY_CODES_MAX + 1, T0),
	    TG_ERR_INVALID);
	assert_int_equal(tg_db_recovery_use(f->db, f->alice, h2[0], 0),
	    TG_ERR_INVALID);
	assert_int_equal(tg_db_recovery_use(f->db, f->alice, NULL, T0),
	    TG_ERR_INVALID);
	assert_int_equal(tg_db_recovery_replace(f->db, f->alice + f->bob + 10,
	    (const uint8_t (*)[32])h2, 5, T0), TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_recovery_count(f->db, f->alice, 1, &n), 0);
	assert_int_equal(n, 4);

	/* No codes at all. */
	assert_int_equal(tg_db_recovery_replace(f->db, f->alice, NULL, 0, T0), 0);
	assert_int_equal(tg_db_recovery_count(f->db, f->alice, 0, &n), 0);
	assert_int_equal(n, 0);
}

/* Replace is all or nothing, alone or inside the caller's transaction. */
static void
test_recovery_atomic(void **state)
{
	struct fx *f = *state;
	uint8_t h[10][32], h2[6][32];
	int n;

	recovery_hashes(h, 10, 0x5a);
	recovery_hashes(h2, 6, 0x6b);
	assert_int_equal(tg_db_recovery_replace(f->db, f->alice,
	    (const uint8_t (*)[32])h, 10, T0), 0);
	/* The fourth insert of a set fails. */
	raw_exec(f->path,
	    "CREATE TRIGGER recovery_fail BEFORE INSERT ON recovery_code"
	    " WHEN (SELECT count(*) FROM recovery_code"
	    "  WHERE customer_id = NEW.customer_id) >= 3"
	    " BEGIN SELECT RAISE(ABORT, 'test'); END");
	assert_int_equal(tg_db_recovery_replace(f->db, f->alice,
	    (const uint8_t (*)[32])h2, 6, T0 + 1), TG_ERR_STORE);
	assert_int_equal(tg_db_recovery_count(f->db, f->alice, 0, &n), 0);
	assert_int_equal(n, 10);
	assert_int_equal(tg_db_recovery_use(f->db, f->alice, h[0], T0 + 2), 0);
	assert_int_equal(tg_db_in_tx(f->db), 0);

	/* Inside a transaction: fails without ending it. */
	assert_int_equal(tg_db_begin(f->db), 0);
	assert_int_equal(tg_db_recovery_replace(f->db, f->alice,
	    (const uint8_t (*)[32])h2, 6, T0 + 3), TG_ERR_STORE);
	assert_int_equal(tg_db_in_tx(f->db), 1);
	assert_int_equal(tg_db_recovery_count(f->db, f->alice, 1, &n), 0);
	assert_int_equal(n, 9);
	assert_int_equal(tg_db_recovery_replace(f->db, f->alice,
	    (const uint8_t (*)[32])h2, 2, T0 + 3), 0);
	assert_int_equal(tg_db_recovery_count(f->db, f->alice, 0, &n), 0);
	assert_int_equal(n, 2);
	tg_db_rollback(f->db);
	assert_int_equal(tg_db_recovery_count(f->db, f->alice, 0, &n), 0);
	assert_int_equal(n, 10);
	raw_exec(f->path, "DROP TRIGGER recovery_fail");
}

/* --- challenges --- */

static void
challenge_init(struct tg_challenge_rec *c, int64_t customer_id, uint8_t binding,
    const char *purpose, uint8_t value, int64_t created)
{
	memset(c, 0, sizeof(*c));
	c->customer_id = customer_id;
	memset(c->binding, binding, sizeof(c->binding));
	snprintf(c->purpose, sizeof(c->purpose), "%s", purpose);
	memset(c->challenge, value, sizeof(c->challenge));
	c->created_at = created;
	c->expires_at = created + 2 * MIN_MS;
}

static void
test_challenge(void **state)
{
	struct fx *f = *state;
	struct tg_challenge_rec c1, c2, c3, c4, got;
	uint8_t bind[32];

	challenge_init(&c1, f->alice, 0x11, "device.login", 0xd1, T0);
	c1.factor_id = 77;
	assert_int_equal(tg_db_challenge_insert(f->db, &c1), 0);
	assert_true(c1.id > 0);
	/* A new one for the same binding and purpose replaces it. */
	challenge_init(&c2, f->alice, 0x11, "device.login", 0xd2, T0 + 1);
	c2.factor_id = 78;
	assert_int_equal(tg_db_challenge_insert(f->db, &c2), 0);
	challenge_init(&c3, f->alice, 0x11, "webauthn.login", 0xd3, T0 + 2);
	assert_int_equal(tg_db_challenge_insert(f->db, &c3), 0);
	challenge_init(&c4, f->bob, 0x22, "device.login", 0xd4, T0 + 3);
	assert_int_equal(tg_db_challenge_insert(f->db, &c4), 0);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM challenge"), 3);

	memset(bind, 0x11, sizeof(bind));
	assert_int_equal(tg_db_challenge_take(f->db, bind, "device.login", &got),
	    0);
	assert_int_equal(got.id, c2.id);
	assert_int_equal(got.customer_id, f->alice);
	assert_memory_equal(got.binding, c2.binding, 32);
	assert_string_equal(got.purpose, "device.login");
	assert_memory_equal(got.challenge, c2.challenge, 32);
	assert_int_equal(got.factor_id, 78);
	assert_int_equal(got.created_at, T0 + 1);
	assert_int_equal(got.expires_at, T0 + 1 + 2 * MIN_MS);
	/* Single use. */
	memset(&got, 0xa5, sizeof(got));
	assert_int_equal(tg_db_challenge_take(f->db, bind, "device.login", &got),
	    TG_ERR_NOT_FOUND);
	assert_true(all_zero(&got, sizeof(got)));
	/* Other purposes and bindings are separate. */
	assert_int_equal(tg_db_challenge_take(f->db, bind, "webauthn.register",
	    &got), TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_challenge_take(f->db, bind, "webauthn.login", &got),
	    0);
	assert_int_equal(got.id, c3.id);
	bind[31] ^= 0x01;
	assert_int_equal(tg_db_challenge_take(f->db, bind, "webauthn.login", &got),
	    TG_ERR_NOT_FOUND);
	memset(bind, 0x22, sizeof(bind));
	assert_int_equal(tg_db_challenge_take(f->db, bind, "device.login", &got),
	    0);
	assert_int_equal(got.id, c4.id);
	assert_int_equal(got.customer_id, f->bob);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM challenge"), 0);

	/* Refused input. */
	challenge_init(&c1, f->alice, 0x11, "", 0xd1, T0);
	assert_int_equal(tg_db_challenge_insert(f->db, &c1), TG_ERR_INVALID);
	challenge_init(&c1, f->alice, 0x11, "x", 0xd1, T0);
	memset(c1.purpose, 'p', sizeof(c1.purpose));	/* not terminated */
	assert_int_equal(tg_db_challenge_insert(f->db, &c1), TG_ERR_INVALID);
	challenge_init(&c1, f->alice + f->bob + 10, 0x11, "device.login", 0xd1,
	    T0);
	assert_int_equal(tg_db_challenge_insert(f->db, &c1), TG_ERR_NOT_FOUND);
	assert_int_equal(c1.id, 0);
	assert_int_equal(tg_db_challenge_take(f->db, bind, NULL, &got),
	    TG_ERR_INVALID);
	assert_int_equal(tg_db_in_tx(f->db), 0);
}

static void
test_challenge_take_race(void **state)
{
	struct fx *f = *state;
	struct tg_challenge_rec c;
	struct race rc;

	challenge_init(&c, f->alice, 0x11, "device.login", 0xd1, T0);
	assert_int_equal(tg_db_challenge_insert(f->db, &c), 0);
	memset(&rc, 0, sizeof(rc));
	rc.st = f->st;
	rc.op = RACE_CHALLENGE_TAKE;
	memset(rc.binding, 0x11, sizeof(rc.binding));
	race_run(&rc, TG_ERR_NOT_FOUND);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM challenge"), 0);
}

static void
test_challenge_purge(void **state)
{
	struct fx *f = *state;
	struct tg_challenge_rec c;
	uint8_t bind[32];
	int n;

	challenge_init(&c, f->alice, 0x11, "device.login", 0xd1, T0);
	assert_int_equal(tg_db_challenge_insert(f->db, &c), 0);
	challenge_init(&c, f->alice, 0x12, "device.login", 0xd2, T0 + MIN_MS);
	assert_int_equal(tg_db_challenge_insert(f->db, &c), 0);
	assert_int_equal(tg_db_challenge_purge(f->db, T0 + 2 * MIN_MS - 1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tg_db_challenge_purge(f->db, T0 + 2 * MIN_MS, &n), 0);
	assert_int_equal(n, 1);
	memset(bind, 0x11, sizeof(bind));
	assert_int_equal(tg_db_challenge_take(f->db, bind, "device.login", &c),
	    TG_ERR_NOT_FOUND);
	memset(bind, 0x12, sizeof(bind));
	assert_int_equal(tg_db_challenge_take(f->db, bind, "device.login", &c), 0);
}

/* --- flows and sessions --- */

static void
flow_add(tg_db *db, uint8_t tag, int64_t customer_id)
{
	struct tg_flow_rec fl;

	memset(&fl, 0, sizeof(fl));
	memset(fl.id_hash, tag, sizeof(fl.id_hash));
	fl.customer_id = customer_id;
	fl.created_at = T0;
	fl.expires_at = T0 + 5 * MIN_MS;
	fl.kinds = TG_KIND_KNOWLEDGE;
	snprintf(fl.client_addr, sizeof(fl.client_addr), "192.0.2.1");
	assert_int_equal(tg_db_flow_insert(db, &fl), 0);
}

static void
test_flow_extra(void **state)
{
	struct fx *f = *state;
	struct tg_flow_extra x, got;
	struct tg_flow_rec fl;
	uint8_t id[32], missing[32];
	char label[241];

	flow_add(f->db, 0x41, f->alice);
	memset(id, 0x41, sizeof(id));
	memset(missing, 0x42, sizeof(missing));

	assert_int_equal(tg_db_flow_get_extra(f->db, id, &got), 0);
	assert_string_equal(got.purpose, "login");
	assert_string_equal(got.factors, "");
	assert_string_equal(got.user_agent, "");

	memset(&x, 0, sizeof(x));
	snprintf(x.purpose, sizeof(x.purpose), "unlock");
	snprintf(x.factors, sizeof(x.factors), "password");
	snprintf(x.user_agent, sizeof(x.user_agent), "Mozilla/5.0 (test)");
	assert_int_equal(tg_db_flow_set_extra(f->db, id, &x), 0);
	assert_int_equal(tg_db_flow_get_extra(f->db, id, &got), 0);
	assert_string_equal(got.purpose, "unlock");
	assert_string_equal(got.factors, "password");
	assert_string_equal(got.user_agent, "Mozilla/5.0 (test)");

	/* Progress adds kinds and appends labels. */
	assert_int_equal(tg_db_flow_progress(f->db, id, TG_KIND_POSSESSION,
	    "totp:3"), 0);
	assert_int_equal(tg_db_flow_get(f->db, id, &fl), 0);
	assert_int_equal(fl.kinds, TG_KIND_KNOWLEDGE | TG_KIND_POSSESSION);
	assert_int_equal(tg_db_flow_get_extra(f->db, id, &got), 0);
	assert_string_equal(got.factors, "password,totp:3");
	assert_string_equal(got.purpose, "unlock");
	assert_int_equal(tg_db_flow_progress(f->db, id, TG_KIND_INHERENCE, ""), 0);
	assert_int_equal(tg_db_flow_progress(f->db, id, 0, NULL), 0);
	assert_int_equal(tg_db_flow_get(f->db, id, &fl), 0);
	assert_int_equal(fl.kinds,
	    TG_KIND_KNOWLEDGE | TG_KIND_POSSESSION | TG_KIND_INHERENCE);
	assert_int_equal(tg_db_flow_get_extra(f->db, id, &got), 0);
	assert_string_equal(got.factors, "password,totp:3");

	/* Labels that would not fit the record are refused, nothing changes. */
	memset(label, 'w', sizeof(label) - 1);
	label[sizeof(label) - 1] = '\0';		/* 240 bytes: one too many */
	assert_int_equal(tg_db_flow_progress(f->db, id, 1u << 3, label),
	    TG_ERR_LIMIT);
	assert_int_equal(tg_db_flow_get(f->db, id, &fl), 0);
	assert_int_equal(fl.kinds,
	    TG_KIND_KNOWLEDGE | TG_KIND_POSSESSION | TG_KIND_INHERENCE);
	assert_int_equal(tg_db_flow_get_extra(f->db, id, &got), 0);
	assert_string_equal(got.factors, "password,totp:3");
	/* "password,totp:3" is 15 bytes; 15 + 1 + 239 = 255 fits exactly. */
	label[239] = '\0';
	assert_int_equal(tg_db_flow_progress(f->db, id, 0, label), 0);
	assert_int_equal(tg_db_flow_get_extra(f->db, id, &got), 0);
	assert_int_equal(strlen(got.factors), 255);
	assert_int_equal(tg_db_flow_progress(f->db, id, 0, "x"), TG_ERR_LIMIT);
	assert_int_equal(tg_db_flow_progress(f->db, id, TG_KIND_POSSESSION, ""),
	    0);

	/* An empty record takes the first label as is. */
	memset(&x, 0, sizeof(x));
	snprintf(x.purpose, sizeof(x.purpose), "reset");
	assert_int_equal(tg_db_flow_set_extra(f->db, id, &x), 0);
	assert_int_equal(tg_db_flow_progress(f->db, id, 0, "sms"), 0);
	assert_int_equal(tg_db_flow_get_extra(f->db, id, &got), 0);
	assert_string_equal(got.factors, "sms");

	/* No such flow. */
	assert_int_equal(tg_db_flow_get_extra(f->db, missing, &got),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_flow_set_extra(f->db, missing, &x),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_flow_progress(f->db, missing, 1, "totp:1"),
	    TG_ERR_NOT_FOUND);
	/* Refused input. */
	x.purpose[0] = '\0';
	assert_int_equal(tg_db_flow_set_extra(f->db, id, &x), TG_ERR_INVALID);
	memset(&x, 'u', sizeof(x));			/* nothing terminated */
	assert_int_equal(tg_db_flow_set_extra(f->db, id, &x), TG_ERR_INVALID);
}

static void
test_session_extra(void **state)
{
	struct fx *f = *state;
	struct tg_session_rec s;
	struct tg_session_extra got;
	uint8_t missing[32];
	char big[300];

	memset(&s, 0, sizeof(s));
	memset(s.id_hash, 0x51, sizeof(s.id_hash));
	s.customer_id = f->alice;
	s.created_at = s.last_seen_at = s.auth_time = T0;
	s.expires_at = T0 + 60 * MIN_MS;
	assert_int_equal(tg_db_session_insert(f->db, &s), 0);
	memset(missing, 0x52, sizeof(missing));

	assert_int_equal(tg_db_session_get_extra(f->db, s.id_hash, &got), 0);
	assert_string_equal(got.factors, "");
	assert_int_equal(got.stepup_at, 0);
	assert_int_equal(got.stepup_kinds, 0);
	assert_string_equal(got.stepup_factors, "");

	assert_int_equal(tg_db_session_set_factors(f->db, s.id_hash,
	    "password,webauthn:4"), 0);
	assert_int_equal(tg_db_session_stepup(f->db, s.id_hash, T0 + MIN_MS,
	    TG_KIND_POSSESSION, "totp:3"), 0);
	assert_int_equal(tg_db_session_get_extra(f->db, s.id_hash, &got), 0);
	assert_string_equal(got.factors, "password,webauthn:4");
	assert_int_equal(got.stepup_at, T0 + MIN_MS);
	assert_int_equal(got.stepup_kinds, TG_KIND_POSSESSION);
	assert_string_equal(got.stepup_factors, "totp:3");
	/* The latest step-up replaces the previous one. */
	assert_int_equal(tg_db_session_stepup(f->db, s.id_hash, T0 + 2 * MIN_MS,
	    TG_KIND_KNOWLEDGE | TG_KIND_INHERENCE, "password,webauthn:4"), 0);
	assert_int_equal(tg_db_session_get_extra(f->db, s.id_hash, &got), 0);
	assert_int_equal(got.stepup_at, T0 + 2 * MIN_MS);
	assert_int_equal(got.stepup_kinds, TG_KIND_KNOWLEDGE | TG_KIND_INHERENCE);
	assert_string_equal(got.stepup_factors, "password,webauthn:4");
	assert_string_equal(got.factors, "password,webauthn:4");

	/* Too long for the record; no such session. */
	memset(big, 'f', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(tg_db_session_set_factors(f->db, s.id_hash, big),
	    TG_ERR_INVALID);
	assert_int_equal(tg_db_session_stepup(f->db, s.id_hash, T0, 1, big),
	    TG_ERR_INVALID);
	assert_int_equal(tg_db_session_set_factors(f->db, s.id_hash, NULL),
	    TG_ERR_INVALID);
	assert_int_equal(tg_db_session_get_extra(f->db, missing, &got),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_session_set_factors(f->db, missing, "x"),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_db_session_stepup(f->db, missing, T0, 1, "x"),
	    TG_ERR_NOT_FOUND);
}

/* --- the customer takes everything with it --- */

static void
test_cascade(void **state)
{
	struct fx *f = *state;
	struct tg_factor a, b;
	struct tg_otp_rec o;
	struct tg_challenge_rec c;
	struct tg_session_rec s;
	uint8_t h[3][32];
	int n;

	totp_init(&a, f->alice, "phone", T0);
	factor_add(f->db, &a);
	webauthn_init(&b, f->alice, 1, 32, T0);
	factor_add(f->db, &b);
	otp_init(&o, f->alice, 0x11, "sms", 0xc1, T0);
	assert_int_equal(tg_db_otp_insert(f->db, &o), 0);
	recovery_hashes(h, 3, 0x5a);
	assert_int_equal(tg_db_recovery_replace(f->db, f->alice,
	    (const uint8_t (*)[32])h, 3, T0), 0);
	challenge_init(&c, f->alice, 0x11, "webauthn.login", 0xd1, T0);
	assert_int_equal(tg_db_challenge_insert(f->db, &c), 0);
	flow_add(f->db, 0x41, f->alice);
	memset(&s, 0, sizeof(s));
	memset(s.id_hash, 0x51, sizeof(s.id_hash));
	s.customer_id = f->alice;
	s.created_at = s.last_seen_at = s.auth_time = T0;
	s.expires_at = T0 + 60 * MIN_MS;
	assert_int_equal(tg_db_session_insert(f->db, &s), 0);
	assert_int_equal(tg_db_session_stepup(f->db, s.id_hash, T0, 2, "totp:1"),
	    0);
	/* Bob keeps his. */
	totp_init(&a, f->bob, "bob's", T0);
	factor_add(f->db, &a);
	otp_init(&o, f->bob, 0x21, "email", 0xc2, T0);
	assert_int_equal(tg_db_otp_insert(f->db, &o), 0);
	assert_int_equal(tg_db_recovery_replace(f->db, f->bob,
	    (const uint8_t (*)[32])h, 3, T0), 0);
	challenge_init(&c, f->bob, 0x21, "device.login", 0xd2, T0);
	assert_int_equal(tg_db_challenge_insert(f->db, &c), 0);

	assert_int_equal(tg_db_customer_delete(f->db, f->alice), 0);
	assert_int_equal(raw_count(f->path,
	    "SELECT count(*) FROM factor WHERE customer_id <> (SELECT id"
	    " FROM customer WHERE login = 'bob')"), 0);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM factor"), 1);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM otp_code"), 1);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM recovery_code"),
	    3);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM challenge"), 1);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM login_flow"), 0);
	assert_int_equal(raw_count(f->path, "SELECT count(*) FROM session"), 0);
	assert_int_equal(tg_db_factor_count(f->db, f->alice, -1, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tg_db_recovery_count(f->db, f->alice, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tg_db_factor_by_credential(f->db, b.credential_id,
	    b.credential_id_len, &b), TG_ERR_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_name),
		cmocka_unit_test_setup_teardown(test_factor_insert_get, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_factor_credential, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_factor_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_factor_manage, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_factor_use_step, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_factor_use_count, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_factor_stored_too_long,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_factor_use_step_race, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_otp_insert_current, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_otp_attempts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_otp_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_otp_use_race, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_otp_count_purge, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovery_atomic, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_challenge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_challenge_take_race, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_challenge_purge, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_flow_extra, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_extra, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cascade, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
