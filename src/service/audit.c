/*
 * Audit trail (AUD-01 .. AUD-05): records chained by SHA-256
 * (core/audit_chain.c), checkpoints of the head signed with the "audit"
 * Ed25519 key, and the verifier that walks both.
 */
#include "service/audit.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <tradeguard/error.h>

#include "core/audit_chain.h"
#include "core/log.h"
#include "core/util.h"

#define AUDIT_KEY_ID "audit"
#define VERIFY_PROGRESS_EVERY 1000

/*
 * Copy src into dst[cap] as valid UTF-8: invalid bytes become '?', and a
 * value too long for the record is cut at a character boundary.  What is
 * copied is what gets hashed, so the stored record stays exportable as JSON.
 */
static void
audit_copy_text(char *dst, size_t cap, const char *src)
{
	const unsigned char *s = (const unsigned char *)(src != NULL ? src : "");
	size_t pos = 0, n, left = strlen((const char *)s);

	while (left > 0) {
		if ((n = tg_utf8_seq(s, left)) == 0) {
			if (pos + 1 >= cap)
				break;
			dst[pos++] = '?';
			s++;
			left--;
			continue;
		}
		if (pos + n >= cap)
			break;
		memcpy(dst + pos, s, n);
		pos += n;
		s += n;
		left -= n;
	}
	dst[pos] = '\0';
}

/* Sign and insert a checkpoint of (seq, head) at now.  No transaction handling. */
static int
audit_write_checkpoint(tg_ctx *ctx, tg_db *db, int64_t seq,
    const uint8_t head[32], int64_t now)
{
	struct tg_checkpoint_rec c;
	uint8_t msg[TG_CHECKPOINT_MSG_LEN];
	int r;

	memset(&c, 0, sizeof(c));
	c.seq = seq;
	c.ts = now;
	memcpy(c.head_hash, head, 32);
	snprintf(c.key_id, sizeof(c.key_id), "%s", AUDIT_KEY_ID);
	tg_audit_checkpoint_msg(seq, now, head, msg);
	if ((r = tg_keys_public(ctx->keys, AUDIT_KEY_ID, c.pub)) != 0 ||
	    (r = tg_keys_sign(ctx->keys, AUDIT_KEY_ID, msg, sizeof(msg),
	    c.sig)) != 0 ||
	    (r = tg_db_checkpoint_insert(db, &c)) != 0)
		return r;
	atomic_store(&ctx->last_checkpoint_ms, now);
	return 0;
}

/*
 * Is a checkpoint due at record seq?  1 every cfg.audit_checkpoint_every
 * records, or when the last checkpoint is older than
 * cfg.audit_checkpoint_seconds; 0 if not; or a negative error.  The age is
 * kept in ctx; a process's first append takes it from the store's last
 * checkpoint, so a short-lived process (the CLI) honours it too.
 */
static int
audit_checkpoint_due(tg_ctx *ctx, tg_db *db, int64_t seq, int64_t now)
{
	struct tg_checkpoint_rec c;
	int64_t last, zero = 0;
	int r;

	if (ctx->cfg.audit_checkpoint_every > 0 &&
	    seq % ctx->cfg.audit_checkpoint_every == 0)
		return 1;
	if (ctx->cfg.audit_checkpoint_seconds <= 0)
		return 0;
	if ((last = atomic_load(&ctx->last_checkpoint_ms)) == 0) {
		memset(&c, 0, sizeof(c));
		if ((r = tg_db_checkpoint_last(db, &c)) == TG_ERR_NOT_FOUND)
			c.ts = now;	/* never checkpointed: start the timer */
		else if (r != 0)
			return r;
		(void)atomic_compare_exchange_strong(&ctx->last_checkpoint_ms,
		    &zero, c.ts > 0 ? c.ts : now);
		last = atomic_load(&ctx->last_checkpoint_ms);
	}
	return now - last >= (int64_t)ctx->cfg.audit_checkpoint_seconds * 1000;
}

static void
audit_alert(tg_ctx *ctx, const char *what, const char *type,
    const char *request_id, int err)
{
	atomic_fetch_add(&ctx->metrics.audit_failures, 1);
	tg_log(TG_LOG_ERROR, "audit.alert",
	    request_id != NULL && request_id[0] != '\0' ? request_id : NULL,
	    "%s failed for event %s: %s; the audited operation is refused",
	    what, type != NULL ? type : "(none)", tg_strerror(err));
}

int
tg_audit_append(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_audit_event *ev)
{
	struct tg_audit_rec rec;
	int64_t head_seq = 0, now;
	int own_tx = 0, due, r;

	memset(&rec, 0, sizeof(rec));
	if (ctx == NULL || who == NULL || ev == NULL || ev->type == NULL ||
	    ev->type[0] == '\0') {
		r = TG_ERR_INVALID;
		goto out;
	}
	if (db == NULL && (db = tg_store_db(ctx->store)) == NULL) {
		r = TG_ERR_STORE;
		goto out;
	}
	audit_copy_text(rec.type, sizeof(rec.type), ev->type);
	audit_copy_text(rec.actor, sizeof(rec.actor), who->actor);
	audit_copy_text(rec.subject, sizeof(rec.subject), ev->subject);
	audit_copy_text(rec.src, sizeof(rec.src), who->src);
	audit_copy_text(rec.ua, sizeof(rec.ua), who->ua);
	audit_copy_text(rec.request_id, sizeof(rec.request_id), who->request_id);
	audit_copy_text(rec.result, sizeof(rec.result), ev->result);
	if (ev->details != NULL)
		rec.details = json_dumps(ev->details,
		    JSON_COMPACT | JSON_SORT_KEYS);
	else
		rec.details = strdup("{}");
	if (rec.details == NULL) {
		r = ev->details != NULL ? TG_ERR_INVALID : TG_ERR_NOMEM;
		goto out;
	}

	if (!tg_db_in_tx(db)) {
		if ((r = tg_db_begin(db)) != 0)
			goto out;
		own_tx = 1;
	}
	if ((r = tg_db_audit_head(db, &head_seq, rec.prev_hash)) != 0)
		goto out;
	rec.seq = head_seq + 1;
	/* Read under the write lock, so ts never goes back as seq goes up. */
	now = tg_clock_now_ms(&ctx->clock);
	rec.ts = now;
	if ((r = tg_audit_chain_hash(&rec, rec.hash)) != 0 ||
	    (r = tg_db_audit_insert(db, &rec)) != 0)
		goto out;
	if ((due = audit_checkpoint_due(ctx, db, rec.seq, now)) < 0) {
		r = due;
		goto out;
	}
	if (due && (r = audit_write_checkpoint(ctx, db, rec.seq, rec.hash,
	    now)) != 0)
		goto out;
	if (own_tx) {
		own_tx = 0;
		if ((r = tg_db_commit(db)) != 0) {
			tg_db_rollback(db);
			goto out;
		}
	}
	r = 0;
out:
	if (own_tx)
		tg_db_rollback(db);
	free(rec.details);
	if (r == 0) {
		atomic_fetch_add(&ctx->metrics.audit_appends, 1);
		return 0;
	}
	if (ctx != NULL)
		audit_alert(ctx, "audit append", ev != NULL ? ev->type : NULL,
		    who != NULL ? who->request_id : NULL, r);
	return TG_ERR_AUDIT;
}

int
tg_audit_checkpoint(tg_ctx *ctx, tg_db *db)
{
	struct tg_checkpoint_rec last;
	uint8_t head[32];
	int64_t seq = 0;
	int own_tx = 0, r;

	memset(&last, 0, sizeof(last));
	if (db == NULL && (db = tg_store_db(ctx->store)) == NULL) {
		r = TG_ERR_STORE;
		goto out;
	}
	if (!tg_db_in_tx(db)) {
		if ((r = tg_db_begin(db)) != 0)
			goto out;
		own_tx = 1;
	}
	if ((r = tg_db_audit_head(db, &seq, head)) != 0)
		goto out;
	r = tg_db_checkpoint_last(db, &last);
	if (r == TG_ERR_NOT_FOUND)
		last.seq = 0;
	else if (r != 0)
		goto out;
	if (seq > last.seq && (r = audit_write_checkpoint(ctx, db, seq, head,
	    tg_clock_now_ms(&ctx->clock))) != 0)
		goto out;
	if (own_tx) {
		own_tx = 0;
		if ((r = tg_db_commit(db)) != 0) {
			tg_db_rollback(db);
			goto out;
		}
	}
	r = 0;
out:
	if (own_tx)
		tg_db_rollback(db);
	if (r != 0)
		audit_alert(ctx, "audit checkpoint", "audit.checkpoint", NULL, r);
	return r;
}

/* --- verification --- */

struct verify_state {
	const uint8_t *pub;
	struct tg_checkpoint_rec *ckpts;	/* sorted by seq */
	size_t nckpts, ckpt_cap, next_ckpt;
	int64_t expect_seq;
	uint8_t prev_hash[32];
	int64_t total;
	void (*progress)(int64_t, int64_t, void *);
	void *arg;
	struct tg_audit_verify_result *res;
	int err;				/* non-tamper failure */
};

#define VERIFY_STOP 1

static int
verify_collect_ckpt(const struct tg_checkpoint_rec *c, void *arg)
{
	struct verify_state *st = arg;
	struct tg_checkpoint_rec *n;
	size_t cap;

	if (st->nckpts == st->ckpt_cap) {
		cap = st->ckpt_cap == 0 ? 64 : st->ckpt_cap * 2;
		if ((n = reallocarray(st->ckpts, cap, sizeof(*n))) == NULL) {
			st->err = TG_ERR_NOMEM;
			return VERIFY_STOP;
		}
		st->ckpts = n;
		st->ckpt_cap = cap;
	}
	st->ckpts[st->nckpts++] = *c;
	return 0;
}

static int
verify_ckpt_cmp(const void *a, const void *b)
{
	const struct tg_checkpoint_rec *x = a, *y = b;

	return (x->seq > y->seq) - (x->seq < y->seq);
}

static int
verify_bad(struct verify_state *st, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
verify_bad(struct verify_state *st, int64_t seq, const char *fmt, ...)
{
	va_list ap;

	st->res->first_bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(st->res->reason, sizeof(st->res->reason), fmt, ap);
	va_end(ap);
	return VERIFY_STOP;
}

/* Check one checkpoint against the recomputed hash of the record it names. */
static int
verify_one_ckpt(struct verify_state *st, const struct tg_checkpoint_rec *c,
    const uint8_t hash[32])
{
	uint8_t msg[TG_CHECKPOINT_MSG_LEN];

	if (CRYPTO_memcmp(c->pub, st->pub, 32) != 0)
		return verify_bad(st, c->seq, "checkpoint at seq %" PRId64
		    " was signed by a key other than the configured audit key",
		    c->seq);
	tg_audit_checkpoint_msg(c->seq, c->ts, c->head_hash, msg);
	if (tg_ed25519_verify(st->pub, msg, sizeof(msg), c->sig) != 0)
		return verify_bad(st, c->seq, "checkpoint at seq %" PRId64
		    " has an invalid signature", c->seq);
	if (CRYPTO_memcmp(c->head_hash, hash, 32) != 0)
		return verify_bad(st, c->seq, "checkpoint at seq %" PRId64
		    " signed a different chain head than the records now give "
		    "(records up to it were rewritten)", c->seq);
	st->res->checkpoints++;
	if (c->seq > st->res->last_checkpoint_seq)
		st->res->last_checkpoint_seq = c->seq;
	return 0;
}

static int
verify_record(const struct tg_audit_rec *rec, void *arg)
{
	struct verify_state *st = arg;
	uint8_t hash[32];
	int r;

	if (rec->seq != st->expect_seq) {
		if (rec->seq > st->expect_seq)
			return verify_bad(st, st->expect_seq, "record missing "
			    "(next record present is seq %" PRId64 ")", rec->seq);
		return verify_bad(st, rec->seq, "record out of sequence "
		    "(expected seq %" PRId64 ")", st->expect_seq);
	}
	/* Checkpoints naming a seq below the first record: their records are gone. */
	if (st->next_ckpt < st->nckpts &&
	    st->ckpts[st->next_ckpt].seq < rec->seq)
		return verify_bad(st, st->ckpts[st->next_ckpt].seq,
		    "checkpoint names a record that does not exist");
	if (CRYPTO_memcmp(rec->prev_hash, st->prev_hash, 32) != 0)
		return verify_bad(st, rec->seq, rec->seq == 1 ?
		    "first record's prev_hash is not all zeros" :
		    "prev_hash does not match the previous record's hash");
	if ((r = tg_audit_chain_hash(rec, hash)) != 0) {
		st->err = r;
		return VERIFY_STOP;
	}
	if (CRYPTO_memcmp(hash, rec->hash, 32) != 0)
		return verify_bad(st, rec->seq, "hash mismatch: the record's "
		    "contents were changed after it was written");
	while (st->next_ckpt < st->nckpts &&
	    st->ckpts[st->next_ckpt].seq == rec->seq) {
		if (verify_one_ckpt(st, &st->ckpts[st->next_ckpt], hash) != 0)
			return VERIFY_STOP;
		st->next_ckpt++;
	}
	memcpy(st->prev_hash, hash, 32);
	st->expect_seq++;
	st->res->records++;
	if (st->progress != NULL &&
	    st->res->records % VERIFY_PROGRESS_EVERY == 0)
		st->progress(st->res->records, st->total, st->arg);
	return 0;
}

int
tg_audit_verify(tg_db *db, const uint8_t pub[32],
    void (*progress)(int64_t done, int64_t total, void *arg), void *arg,
    struct tg_audit_verify_result *res)
{
	struct verify_state st;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&st, 0, sizeof(st));
	st.pub = pub;
	st.expect_seq = 1;
	st.progress = progress;
	st.arg = arg;
	st.res = res;

	if ((r = tg_db_audit_count(db, &st.total)) != 0)
		goto out;
	r = tg_db_checkpoint_foreach(db, verify_collect_ckpt, &st);
	if (st.err != 0 || (r != 0 && r != VERIFY_STOP)) {
		r = st.err != 0 ? st.err : r;
		goto out;
	}
	if (st.nckpts > 1)
		qsort(st.ckpts, st.nckpts, sizeof(*st.ckpts), verify_ckpt_cmp);
	if (progress != NULL)
		progress(0, st.total, arg);

	r = tg_db_audit_foreach(db, INT64_MIN, 0, 0, verify_record, &st);
	if (st.err != 0) {
		r = st.err;
		goto out;
	}
	if (r == TG_ERR_STORE && res->first_bad_seq == 0) {
		/*
		 * A row the store cannot read back: a text longer or a hash
		 * shorter than TradeGuard ever writes.  Altered or damaged.
		 */
		verify_bad(&st, st.expect_seq, "record cannot be read back (a "
		    "field is longer, or a hash not the length, that TradeGuard "
		    "writes): altered or damaged");
	} else if (r != 0 && r != VERIFY_STOP)
		goto out;
	/* Checkpoints beyond the last record: the tail of the chain was removed. */
	if (res->first_bad_seq == 0 && st.next_ckpt < st.nckpts)
		verify_bad(&st, st.ckpts[st.next_ckpt].seq, "checkpoint names a "
		    "record that does not exist (the chain ends at seq %" PRId64
		    "; records were removed)", st.expect_seq - 1);
	if (progress != NULL)
		progress(res->records, st.total, arg);
	r = res->first_bad_seq != 0 ? TG_ERR_TAMPERED : 0;
out:
	free(st.ckpts);
	return r;
}

int
tg_audit_customer(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const char *login, const char *type, const char *result, json_t *details)
{
	char subject[TG_LOGIN_MAX + 16];
	struct tg_audit_event ev;
	int r;

	snprintf(subject, sizeof(subject), "customer:%s", login);
	ev.type = type;
	ev.subject = subject;
	ev.result = result;
	ev.details = details;
	r = tg_audit_append(ctx, db, who, &ev);
	json_decref(details);
	return r;
}
