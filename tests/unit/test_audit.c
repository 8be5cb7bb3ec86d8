/*
 * Audit chain (AUD-03, AUD-05): hashing known answers, verification of an
 * intact chain, and detection of every kind of tampering the chain is
 * meant to reveal; an append that cannot be written fails the operation.
 */
#include "helpers.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>
#include <sqlite3.h>

#include <tradeguard/error.h>

#include "core/audit_chain.h"
#include "crypto/encode.h"
#include "crypto/keys.h"
#include "service/audit.h"

#define CKPT_EVERY_INI "[audit]\ncheckpoint_every = 3\n"
#define NO_CKPT_INI "[audit]\ncheckpoint_every = 1000\n"

static const struct tg_actor test_who = {
	"cli:tester", "local", "test-ua", "",
};

static void
append_n(tg_ctx *ctx, int n)
{
	tg_db *db = tg_store_db(ctx->store);
	struct tg_audit_event ev;
	char subject[32];
	json_t *d;
	int i;

	assert_non_null(db);
	for (i = 0; i < n; i++) {
		snprintf(subject, sizeof(subject), "customer:c%d", i);
		d = json_pack("{s:i,s:s}", "i", i, "note", "x");
		assert_non_null(d);
		ev.type = "test.event";
		ev.subject = subject;
		ev.result = "ok";
		ev.details = d;
		assert_int_equal(tg_audit_append(ctx, db, &test_who, &ev), 0);
		json_decref(d);
		tg_clock_advance_ms(&ctx->clock, 1000);
	}
}

static int
verify_ctx(tg_ctx *ctx, struct tg_audit_verify_result *res)
{
	uint8_t pub[32];

	assert_int_equal(tg_keys_public(ctx->keys, "audit", pub), 0);
	return tg_audit_verify(tg_store_db(ctx->store), pub, NULL, NULL, res);
}

/* Run SQL on the database file through a separate raw connection. */
static void
raw_sql(tg_ctx *ctx, const char *sql)
{
	sqlite3 *h = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(ctx->cfg.store_path, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg != NULL ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(h);
}

/* Flip one bit of a blob column in one row. */
static void
raw_flip_bit(tg_ctx *ctx, const char *table, const char *col, int64_t seq,
    int byte)
{
	char sql[256];
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	uint8_t buf[64];
	int n;

	assert_int_equal(sqlite3_open(ctx->cfg.store_path, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE seq = ?1", col,
	    table);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, seq);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_bytes(s, 0);
	assert_true(n > byte && n <= (int)sizeof(buf));
	memcpy(buf, sqlite3_column_blob(s, 0), (size_t)n);
	sqlite3_finalize(s);
	buf[byte] ^= 0x01;
	snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ?1 WHERE seq = ?2",
	    table, col);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_blob(s, 1, buf, n, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, seq);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_close(h);
}

/* --- known answers --- */

static void
put_field(uint8_t *buf, size_t *pos, size_t cap, const char *s)
{
	size_t n = strlen(s);

	assert_true(*pos + 4 + n <= cap);
	buf[(*pos)++] = (uint8_t)(n >> 24);
	buf[(*pos)++] = (uint8_t)(n >> 16);
	buf[(*pos)++] = (uint8_t)(n >> 8);
	buf[(*pos)++] = (uint8_t)n;
	memcpy(buf + *pos, s, n);
	*pos += n;
}

/* The bytes of audit_chain.h, built by hand, hashed with one-shot SHA256(). */
static void
hash_by_hand(const struct tg_audit_rec *r, uint8_t out[32])
{
	uint8_t buf[4096];
	char num[32];
	size_t pos = 0;

	memcpy(buf, "TGAUDIT1", 8);
	pos = 8;
	memcpy(buf + pos, r->prev_hash, 32);
	pos += 32;
	snprintf(num, sizeof(num), "%" PRId64, r->seq);
	put_field(buf, &pos, sizeof(buf), num);
	snprintf(num, sizeof(num), "%" PRId64, r->ts);
	put_field(buf, &pos, sizeof(buf), num);
	put_field(buf, &pos, sizeof(buf), r->type);
	put_field(buf, &pos, sizeof(buf), r->actor);
	put_field(buf, &pos, sizeof(buf), r->subject);
	put_field(buf, &pos, sizeof(buf), r->src);
	put_field(buf, &pos, sizeof(buf), r->ua);
	put_field(buf, &pos, sizeof(buf), r->request_id);
	put_field(buf, &pos, sizeof(buf), r->result);
	put_field(buf, &pos, sizeof(buf), r->details);
	SHA256(buf, pos, out);
}

static void
hex_equal(const uint8_t h[32], const char *want)
{
	char hex[65];

	tg_hex_encode(h, 32, hex);
	assert_string_equal(hex, want);
}

/* Vectors computed outside C (Python hashlib); also in docs/audit-format.md. */
static void
test_chain_hash_kat(void **state)
{
	char details1[] = "{\"kinds\":3,\"method\":\"password\"}";
	char details2[] = "{}";
	struct tg_audit_rec r;
	uint8_t h[32], byhand[32];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.seq = 1;
	r.ts = INT64_C(1767225600000);
	snprintf(r.type, sizeof(r.type), "login.success");
	snprintf(r.actor, sizeof(r.actor), "customer:alice");
	snprintf(r.subject, sizeof(r.subject), "customer:alice");
	snprintf(r.src, sizeof(r.src), "192.0.2.7");
	snprintf(r.ua, sizeof(r.ua), "Mozilla/5.0 (\xe5\x8f\xb0\xe7\x81\xa3)");
	snprintf(r.request_id, sizeof(r.request_id),
	    "0123456789abcdef0123456789abcdef");
	snprintf(r.result, sizeof(r.result), "ok");
	r.details = details1;
	assert_int_equal(tg_audit_chain_hash(&r, h), 0);
	hex_equal(h, "58927ef470dd81c4e47852174cd1b84a"
	    "553cc59062633beaeab063f67b7334e3");
	hash_by_hand(&r, byhand);
	assert_memory_equal(h, byhand, 32);

	memset(&r, 0, sizeof(r));
	memcpy(r.prev_hash, h, 32);
	r.seq = 2;
	r.ts = INT64_C(1767225601234);
	snprintf(r.type, sizeof(r.type), "account.locked");
	snprintf(r.actor, sizeof(r.actor), "system");
	snprintf(r.subject, sizeof(r.subject), "customer:bob");
	snprintf(r.result, sizeof(r.result), "denied");
	r.details = details2;
	assert_int_equal(tg_audit_chain_hash(&r, h), 0);
	hex_equal(h, "4227708d970804538b99a8cf5759eeec"
	    "65d39a4aea81d7904cca91b10b2a0e1d");

	/* Any change to any field changes the hash. */
	snprintf(r.result, sizeof(r.result), "denieD");
	assert_int_equal(tg_audit_chain_hash(&r, byhand), 0);
	assert_memory_not_equal(h, byhand, 32);
}

static void
test_checkpoint_msg(void **state)
{
	uint8_t head[32], msg[TG_CHECKPOINT_MSG_LEN];
	static const uint8_t want_prefix[23] = {
		'T', 'G', 'C', 'K', 'P', 'T', '1',
		0, 0, 0, 0, 0, 0, 0x01, 0x02,			/* 258 */
		0, 0, 0x01, 0x9b, 0x76, 0xda, 0xa8, 0x00,	/* 1767225600000 */
	};
	int i;

	(void)state;
	for (i = 0; i < 32; i++)
		head[i] = (uint8_t)(0xa0 + i);
	tg_audit_checkpoint_msg(258, INT64_C(1767225600000), head, msg);
	assert_memory_equal(msg, want_prefix, sizeof(want_prefix));
	assert_memory_equal(msg + 23, head, 32);
}

/* --- records written through the service --- */

struct stored {
	struct tg_audit_rec rec;
	char details[256];
	int seen;
};

static int
grab_first(const struct tg_audit_rec *r, void *arg)
{
	struct stored *s = arg;

	s->rec = *r;
	snprintf(s->details, sizeof(s->details), "%s", r->details);
	s->rec.details = s->details;
	s->seen++;
	return 1;
}

static void
test_append_stores_exact_record(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(NO_CKPT_INI);
	tg_db *db = tg_store_db(ctx->store);
	struct tg_actor who = { "customer:alice", "192.0.2.7", "ua/1",
	    "0123456789abcdef0123456789abcdef" };
	struct tg_audit_event ev = { "login.success", "customer:alice", "ok",
	    NULL };
	struct stored s;
	uint8_t h[32], zero[32];

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(zero, 0, sizeof(zero));
	ev.details = json_pack("{s:s,s:i}", "method", "password", "kinds", 3);
	assert_int_equal(tg_audit_append(ctx, db, &who, &ev), 0);
	json_decref(ev.details);
	assert_int_equal(tg_db_audit_foreach(db, 1, 0, 0, grab_first, &s), 1);
	assert_int_equal(s.seen, 1);
	assert_int_equal(s.rec.seq, 1);
	assert_int_equal(s.rec.ts, TGT_T0);	/* the context's clock */
	assert_string_equal(s.rec.type, "login.success");
	assert_string_equal(s.rec.actor, "customer:alice");
	assert_string_equal(s.rec.src, "192.0.2.7");
	assert_string_equal(s.rec.request_id, who.request_id);
	/* Compact, keys sorted. */
	assert_string_equal(s.details, "{\"kinds\":3,\"method\":\"password\"}");
	assert_memory_equal(s.rec.prev_hash, zero, 32);
	hash_by_hand(&s.rec, h);
	assert_memory_equal(s.rec.hash, h, 32);
	assert_int_equal(atomic_load(&ctx->metrics.audit_appends), 1);
	assert_int_equal(atomic_load(&ctx->metrics.audit_failures), 0);
	tgt_ctx_free(ctx);
}

static void
test_append_sanitises_text(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(NO_CKPT_INI);
	tg_db *db = tg_store_db(ctx->store);
	char ua[600];
	struct tg_actor who = { "customer:x", "local", ua, "" };
	struct tg_audit_event ev = { "t", "", "ok", NULL };
	struct stored s;
	struct tg_audit_verify_result res;

	(void)state;
	memset(&s, 0, sizeof(s));
	/* Invalid UTF-8, then more than the record holds, in 3-byte characters. */
	memset(ua, 0, sizeof(ua));
	ua[0] = (char)0xff;
	ua[1] = 'A';
	while (strlen(ua) + 3 < sizeof(ua))
		memcpy(ua + strlen(ua), "\xe5\x8f\xb0", 4);
	assert_int_equal(tg_audit_append(ctx, db, &who, &ev), 0);
	assert_int_equal(tg_db_audit_foreach(db, 1, 0, 0, grab_first, &s), 1);
	assert_int_equal((unsigned char)s.rec.ua[0], '?');
	assert_int_equal(s.rec.ua[1], 'A');
	assert_true(strlen(s.rec.ua) < sizeof(s.rec.ua));
	assert_int_equal((strlen(s.rec.ua) - 2) % 3, 0);	/* whole characters */
	assert_string_equal(s.details, "{}");
	assert_int_equal(verify_ctx(ctx, &res), 0);
	tgt_ctx_free(ctx);
}

/* --- verification --- */

static int progress_calls;

static void
count_progress(int64_t done, int64_t total, void *arg)
{
	(void)arg;
	assert_true(done <= total);
	progress_calls++;
}

static void
test_chain_verifies(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(CKPT_EVERY_INI);
	struct tg_audit_verify_result res;
	uint8_t pub[32];

	(void)state;
	assert_int_equal(verify_ctx(ctx, &res), 0);	/* empty is intact */
	assert_int_equal(res.records, 0);
	append_n(ctx, 7);
	assert_int_equal(tg_keys_public(ctx->keys, "audit", pub), 0);
	progress_calls = 0;
	assert_int_equal(tg_audit_verify(tg_store_db(ctx->store), pub,
	    count_progress, NULL, &res), 0);
	assert_true(progress_calls >= 1);
	assert_int_equal(res.records, 7);
	assert_int_equal(res.checkpoints, 2);		/* at 3 and 6 */
	assert_int_equal(res.last_checkpoint_seq, 6);
	assert_int_equal(res.first_bad_seq, 0);
	assert_int_equal(atomic_load(&ctx->metrics.audit_appends), 7);

	/* A forced checkpoint covers the tail; a second one has nothing to do. */
	assert_int_equal(tg_audit_checkpoint(ctx, tg_store_db(ctx->store)), 0);
	assert_int_equal(tg_audit_checkpoint(ctx, tg_store_db(ctx->store)), 0);
	assert_int_equal(verify_ctx(ctx, &res), 0);
	assert_int_equal(res.checkpoints, 3);
	assert_int_equal(res.last_checkpoint_seq, 7);
	tgt_ctx_free(ctx);
}

static void
test_changed_field_detected(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(CKPT_EVERY_INI);
	struct tg_audit_verify_result res;

	(void)state;
	append_n(ctx, 5);
	raw_sql(ctx, "UPDATE audit SET details='{\"x\":1}' WHERE seq=3");
	assert_int_equal(verify_ctx(ctx, &res), TG_ERR_TAMPERED);
	assert_int_equal(res.first_bad_seq, 3);
	assert_int_equal(res.records, 2);
	assert_non_null(strstr(res.reason, "hash"));
	tgt_ctx_free(ctx);
}

/* A value longer than TradeGuard writes cannot even be read back. */
static void
test_oversized_field_detected(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(NO_CKPT_INI);
	struct tg_audit_verify_result res;

	(void)state;
	append_n(ctx, 4);
	raw_sql(ctx, "UPDATE audit SET type = hex(randomblob(64)) WHERE seq = 2");
	assert_int_equal(verify_ctx(ctx, &res), TG_ERR_TAMPERED);
	assert_int_equal(res.first_bad_seq, 2);
	assert_int_equal(res.records, 1);
	tgt_ctx_free(ctx);
}

static void
test_changed_time_detected(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(NO_CKPT_INI);
	struct tg_audit_verify_result res;

	(void)state;
	append_n(ctx, 5);
	raw_sql(ctx, "UPDATE audit SET ts = ts + 1 WHERE seq = 4");
	assert_int_equal(verify_ctx(ctx, &res), TG_ERR_TAMPERED);
	assert_int_equal(res.first_bad_seq, 4);
	tgt_ctx_free(ctx);
}

static void
test_deleted_record_detected(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(NO_CKPT_INI);
	struct tg_audit_verify_result res;

	(void)state;
	append_n(ctx, 5);
	raw_sql(ctx, "DELETE FROM audit WHERE seq = 3");
	assert_int_equal(verify_ctx(ctx, &res), TG_ERR_TAMPERED);
	assert_int_equal(res.first_bad_seq, 3);
	assert_non_null(strstr(res.reason, "missing"));
	tgt_ctx_free(ctx);
}

static void
test_deleted_first_record_detected(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(NO_CKPT_INI);
	struct tg_audit_verify_result res;

	(void)state;
	append_n(ctx, 3);
	raw_sql(ctx, "DELETE FROM audit WHERE seq = 1");
	assert_int_equal(verify_ctx(ctx, &res), TG_ERR_TAMPERED);
	assert_int_equal(res.first_bad_seq, 1);
	tgt_ctx_free(ctx);
}

/* Removing the tail is seen only up to the last checkpoint (documented). */
static void
test_truncated_tail_detected_by_checkpoint(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(CKPT_EVERY_INI);
	struct tg_audit_verify_result res;

	(void)state;
	append_n(ctx, 7);
	raw_sql(ctx, "DELETE FROM audit WHERE seq = 7");
	assert_int_equal(verify_ctx(ctx, &res), 0);	/* after the last checkpoint */
	raw_sql(ctx, "DELETE FROM audit WHERE seq >= 5");
	assert_int_equal(verify_ctx(ctx, &res), TG_ERR_TAMPERED);
	assert_int_equal(res.first_bad_seq, 6);
	assert_non_null(strstr(res.reason, "does not exist"));
	tgt_ctx_free(ctx);
}

/*
 * Someone with write access rewrites record 2 and recomputes every hash
 * after it: the links are consistent again, the checkpoint at 3 is not.
 */
static void
test_rewritten_chain_detected_by_checkpoint(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(CKPT_EVERY_INI);
	struct tg_audit_verify_result res;
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL, *u = NULL;
	struct tg_audit_rec r;
	uint8_t prev[32];
	int64_t seq;

	(void)state;
	append_n(ctx, 5);
	raw_sql(ctx, "UPDATE audit SET result = 'fail' WHERE seq = 2");
	assert_int_equal(sqlite3_open(ctx->cfg.store_path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT seq, ts, type, actor, "
	    "subject, src, ua, request_id, result, details, prev_hash FROM "
	    "audit ORDER BY seq", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "UPDATE audit SET prev_hash = "
	    "?1, hash = ?2 WHERE seq = ?3", -1, &u, NULL), SQLITE_OK);
	memset(prev, 0, sizeof(prev));
	while (sqlite3_step(s) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		seq = sqlite3_column_int64(s, 0);
		r.seq = seq;
		r.ts = sqlite3_column_int64(s, 1);
		snprintf(r.type, sizeof(r.type), "%s", sqlite3_column_text(s, 2));
		snprintf(r.actor, sizeof(r.actor), "%s", sqlite3_column_text(s, 3));
		snprintf(r.subject, sizeof(r.subject), "%s",
		    sqlite3_column_text(s, 4));
		snprintf(r.src, sizeof(r.src), "%s", sqlite3_column_text(s, 5));
		snprintf(r.ua, sizeof(r.ua), "%s", sqlite3_column_text(s, 6));
		snprintf(r.request_id, sizeof(r.request_id), "%s",
		    sqlite3_column_text(s, 7));
		snprintf(r.result, sizeof(r.result), "%s",
		    sqlite3_column_text(s, 8));
		r.details = strdup((const char *)sqlite3_column_text(s, 9));
		memcpy(r.prev_hash, prev, 32);
		assert_int_equal(tg_audit_chain_hash(&r, r.hash), 0);
		free(r.details);
		memcpy(prev, r.hash, 32);
		sqlite3_bind_blob(u, 1, r.prev_hash, 32, SQLITE_TRANSIENT);
		sqlite3_bind_blob(u, 2, r.hash, 32, SQLITE_TRANSIENT);
		sqlite3_bind_int64(u, 3, seq);
		assert_int_equal(sqlite3_step(u), SQLITE_DONE);
		sqlite3_reset(u);
	}
	sqlite3_finalize(s);
	sqlite3_finalize(u);
	sqlite3_close(h);

	assert_int_equal(verify_ctx(ctx, &res), TG_ERR_TAMPERED);
	assert_int_equal(res.first_bad_seq, 3);
	assert_non_null(strstr(res.reason, "checkpoint"));
	tgt_ctx_free(ctx);
}

static void
test_forged_checkpoint_signature(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(CKPT_EVERY_INI);
	struct tg_audit_verify_result res;
	int byte;

	(void)state;
	append_n(ctx, 7);
	assert_int_equal(verify_ctx(ctx, &res), 0);
	/* One flipped bit anywhere in the signature. */
	for (byte = 0; byte < 64; byte += 21) {
		raw_flip_bit(ctx, "audit_checkpoint", "sig", 6, byte);
		assert_int_equal(verify_ctx(ctx, &res), TG_ERR_TAMPERED);
		assert_int_equal(res.first_bad_seq, 6);
		assert_non_null(strstr(res.reason, "signature"));
		raw_flip_bit(ctx, "audit_checkpoint", "sig", 6, byte);
		assert_int_equal(verify_ctx(ctx, &res), 0);
	}
	/* The signed head hash, or the signed time. */
	raw_flip_bit(ctx, "audit_checkpoint", "head_hash", 3, 31);
	assert_int_equal(verify_ctx(ctx, &res), TG_ERR_TAMPERED);
	assert_int_equal(res.first_bad_seq, 3);
	raw_flip_bit(ctx, "audit_checkpoint", "head_hash", 3, 31);
	raw_sql(ctx, "UPDATE audit_checkpoint SET ts = ts - 1 WHERE seq = 3");
	assert_int_equal(verify_ctx(ctx, &res), TG_ERR_TAMPERED);
	assert_int_equal(res.first_bad_seq, 3);
	/* A checkpoint moved to another seq. */
	raw_sql(ctx, "UPDATE audit_checkpoint SET ts = ts + 1 WHERE seq = 3");
	assert_int_equal(verify_ctx(ctx, &res), 0);
	raw_sql(ctx, "UPDATE audit_checkpoint SET seq = 4 WHERE seq = 3");
	assert_int_equal(verify_ctx(ctx, &res), TG_ERR_TAMPERED);
	assert_int_equal(res.first_bad_seq, 4);
	tgt_ctx_free(ctx);
}

/* A checkpoint signed by a key that is not the configured audit key. */
static void
test_checkpoint_other_key(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(CKPT_EVERY_INI);
	struct tg_audit_verify_result res;
	struct tg_checkpoint_rec c;
	uint8_t msg[TG_CHECKPOINT_MSG_LEN], head[32], trusted[32];
	char dir[TG_PATH_MAX + 16], err[256];
	tg_keys *other = NULL;
	tg_db *db = tg_store_db(ctx->store);
	int64_t seq;

	(void)state;
	append_n(ctx, 4);
	snprintf(dir, sizeof(dir), "%s/other-keys", ctx->cfg.config_dir);
	assert_int_equal(tg_keys_generate(dir, err, sizeof(err)), 0);
	assert_int_equal(tg_keys_load(dir, &other, err, sizeof(err)), 0);
	assert_int_equal(tg_db_audit_head(db, &seq, head), 0);
	assert_int_equal(seq, 4);

	memset(&c, 0, sizeof(c));
	c.seq = seq;
	c.ts = tg_clock_now_ms(&ctx->clock);
	memcpy(c.head_hash, head, 32);
	snprintf(c.key_id, sizeof(c.key_id), "audit");
	tg_audit_checkpoint_msg(c.seq, c.ts, head, msg);
	assert_int_equal(tg_keys_sign(other, "audit", msg, sizeof(msg), c.sig),
	    0);
	assert_int_equal(tg_keys_public(other, "audit", c.pub), 0);
	assert_int_equal(tg_db_checkpoint_insert(db, &c), 0);
	assert_int_equal(verify_ctx(ctx, &res), TG_ERR_TAMPERED);
	assert_int_equal(res.first_bad_seq, 4);
	assert_non_null(strstr(res.reason, "key"));

	/* Claiming the trusted public key does not help: the signature fails. */
	assert_int_equal(tg_keys_public(ctx->keys, "audit", trusted), 0);
	raw_sql(ctx, "DELETE FROM audit_checkpoint WHERE seq = 4");
	memcpy(c.pub, trusted, 32);
	assert_int_equal(tg_db_checkpoint_insert(db, &c), 0);
	assert_int_equal(verify_ctx(ctx, &res), TG_ERR_TAMPERED);
	assert_int_equal(res.first_bad_seq, 4);
	assert_non_null(strstr(res.reason, "signature"));

	/* And verifying against the other key rejects the genuine checkpoint at 3. */
	assert_int_equal(tg_keys_public(other, "audit", trusted), 0);
	assert_int_equal(tg_audit_verify(db, trusted, NULL, NULL, &res),
	    TG_ERR_TAMPERED);
	assert_int_equal(res.first_bad_seq, 3);
	tg_keys_free(other);
	tgt_ctx_free(ctx);
}

/* Checkpoints also come checkpoint_seconds after the last one. */
static void
test_checkpoint_by_time(void **state)
{
	tg_ctx *ctx = tgt_ctx_new("[audit]\ncheckpoint_every = 1000\n"
	    "checkpoint_seconds = 10\n");
	struct tg_audit_verify_result res;

	(void)state;
	append_n(ctx, 3);		/* T0, +1 s, +2 s: the timer starts */
	assert_int_equal(verify_ctx(ctx, &res), 0);
	assert_int_equal(res.checkpoints, 0);
	tg_clock_advance_ms(&ctx->clock, 8000);	/* 11 s after the first */
	append_n(ctx, 2);
	assert_int_equal(verify_ctx(ctx, &res), 0);
	assert_int_equal(res.checkpoints, 1);
	assert_int_equal(res.last_checkpoint_seq, 4);

	/* A new process learns the age of the last checkpoint from the store. */
	atomic_store(&ctx->last_checkpoint_ms, 0);
	append_n(ctx, 1);		/* 2 s after the checkpoint: not due */
	assert_int_equal(verify_ctx(ctx, &res), 0);
	assert_int_equal(res.checkpoints, 1);
	atomic_store(&ctx->last_checkpoint_ms, 0);
	tg_clock_advance_ms(&ctx->clock, 10000);
	append_n(ctx, 1);
	assert_int_equal(verify_ctx(ctx, &res), 0);
	assert_int_equal(res.checkpoints, 2);
	assert_int_equal(res.last_checkpoint_seq, 7);
	tgt_ctx_free(ctx);
}

/* --- AUD-03: a failed append fails the operation and raises the alarm --- */

static void
test_append_failure(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(NO_CKPT_INI);
	tg_db *db = tg_store_db(ctx->store);
	struct tg_audit_event ev = { "test.event", "", "ok", NULL };
	struct tg_audit_verify_result res;
	uint8_t head[32];
	int64_t seq;

	(void)state;
	append_n(ctx, 2);
	raw_sql(ctx, "CREATE TRIGGER t BEFORE INSERT ON audit BEGIN "
	    "SELECT RAISE(FAIL, 'disk full'); END");
	assert_int_equal(tg_audit_append(ctx, db, &test_who, &ev), TG_ERR_AUDIT);
	assert_int_equal(atomic_load(&ctx->metrics.audit_failures), 1);
	assert_int_equal(atomic_load(&ctx->metrics.audit_appends), 2);
	assert_false(tg_db_in_tx(db));		/* its own transaction rolled back */

	/* Inside the caller's transaction: the caller rolls back its change too. */
	assert_int_equal(tg_db_begin(db), 0);
	assert_int_equal(tg_audit_append(ctx, db, &test_who, &ev), TG_ERR_AUDIT);
	assert_true(tg_db_in_tx(db));
	tg_db_rollback(db);
	assert_int_equal(atomic_load(&ctx->metrics.audit_failures), 2);

	raw_sql(ctx, "DROP TRIGGER t");
	assert_int_equal(tg_audit_append(ctx, db, &test_who, &ev), 0);
	assert_int_equal(tg_db_audit_head(db, &seq, head), 0);
	assert_int_equal(seq, 3);
	assert_int_equal(verify_ctx(ctx, &res), 0);
	tgt_ctx_free(ctx);
}

/* A failing checkpoint write fails the append as well. */
static void
test_checkpoint_failure_fails_append(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(CKPT_EVERY_INI);
	tg_db *db = tg_store_db(ctx->store);
	struct tg_audit_event ev = { "test.event", "", "ok", NULL };
	struct tg_audit_verify_result res;
	uint8_t head[32];
	int64_t seq;

	(void)state;
	append_n(ctx, 2);
	raw_sql(ctx, "CREATE TRIGGER t BEFORE INSERT ON audit_checkpoint BEGIN "
	    "SELECT RAISE(FAIL, 'disk full'); END");
	assert_int_equal(tg_audit_append(ctx, db, &test_who, &ev), TG_ERR_AUDIT);
	assert_int_equal(tg_db_audit_head(db, &seq, head), 0);
	assert_int_equal(seq, 2);		/* the record went with it */
	assert_int_equal(atomic_load(&ctx->metrics.audit_failures), 1);
	raw_sql(ctx, "DROP TRIGGER t");
	assert_int_equal(verify_ctx(ctx, &res), 0);
	tgt_ctx_free(ctx);
}

/* --- concurrent appenders serialise into one chain --- */

#define THREADS 4
#define PER_THREAD 40

static void *
append_thread(void *arg)
{
	tg_ctx *ctx = arg;
	tg_db *db = tg_store_db(ctx->store);
	struct tg_audit_event ev = { "test.concurrent", "", "ok", NULL };
	int i;

	if (db == NULL)
		return (void *)1;
	for (i = 0; i < PER_THREAD; i++)
		if (tg_audit_append(ctx, db, &test_who, &ev) != 0)
			return (void *)1;
	return NULL;
}

static void
test_concurrent_appends(void **state)
{
	tg_ctx *ctx = tgt_ctx_new("[audit]\ncheckpoint_every = 7\n");
	struct tg_audit_verify_result res;
	pthread_t t[THREADS];
	void *rv;
	int i;

	(void)state;
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, append_thread, ctx),
		    0);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], &rv), 0);
		assert_null(rv);
	}
	assert_int_equal(verify_ctx(ctx, &res), 0);
	assert_int_equal(res.records, THREADS * PER_THREAD);
	assert_int_equal(res.checkpoints, THREADS * PER_THREAD / 7);
	assert_int_equal(atomic_load(&ctx->metrics.audit_appends),
	    THREADS * PER_THREAD);
	tgt_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_hash_kat),
		cmocka_unit_test(test_checkpoint_msg),
		cmocka_unit_test(test_append_stores_exact_record),
		cmocka_unit_test(test_append_sanitises_text),
		cmocka_unit_test(test_chain_verifies),
		cmocka_unit_test(test_changed_field_detected),
		cmocka_unit_test(test_changed_time_detected),
		cmocka_unit_test(test_oversized_field_detected),
		cmocka_unit_test(test_deleted_record_detected),
		cmocka_unit_test(test_deleted_first_record_detected),
		cmocka_unit_test(test_truncated_tail_detected_by_checkpoint),
		cmocka_unit_test(test_rewritten_chain_detected_by_checkpoint),
		cmocka_unit_test(test_forged_checkpoint_signature),
		cmocka_unit_test(test_checkpoint_other_key),
		cmocka_unit_test(test_checkpoint_by_time),
		cmocka_unit_test(test_append_failure),
		cmocka_unit_test(test_checkpoint_failure_fails_append),
		cmocka_unit_test(test_concurrent_appends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
