#include "service/login.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <tradeguard/error.h>

#include "core/log.h"
#include "service/customer.h"
#include "service/flow.h"

int
tg_login_password_old(const tg_ctx *ctx, const struct tg_customer *c)
{
	int64_t max = (int64_t)ctx->cfg.pw_max_age_days * 86400000;

	return max > 0 && tg_clock_now_ms(&ctx->clock) - c->pw_changed_at > max;
}

/* Equal-cost work for unknown, disabled and locked accounts. */
static void
login_dummy_verify(tg_ctx *ctx, const char *pw, size_t pwlen)
{
	int r = tg_pwhash_verify(ctx->keys, ctx->dummy_hash, pw, pwlen);

	(void)r;	/* never a match: the dummy hash is of random bytes */
	atomic_fetch_add(&ctx->metrics.password_dummy_verify, 1);
}

static int
login_audit(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const char *type, const char *subject, const char *result, json_t *d)
{
	struct tg_audit_event ev = { type, subject, result, d };
	int r = tg_audit_append(ctx, db, who, &ev);

	json_decref(d);
	return r;
}

/* Unknown login: the attempted name goes to the audit trail (AUTH-12). */
static int
login_fail_unknown(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const char *login, const char *purpose)
{
	char subject[TG_LOGIN_MAX + 16];

	snprintf(subject, sizeof(subject), "login:%.*s", TG_LOGIN_MAX, login);
	atomic_fetch_add(&ctx->metrics.login_failure, 1);
	return login_audit(ctx, db, who, "login.failure", subject, "fail",
	    json_pack("{s:s,s:s}", "reason", "unknown_account", "purpose",
	    purpose));
}

/*
 * After a wrong password: count it, lock at the threshold (revoking the
 * sessions and queueing the owner's notification), all recorded together.
 */
static int
login_failed(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, const char *subject, const char *factor,
    const char *reason, const char *purpose)
{
	int64_t now = tg_clock_now_ms(&ctx->clock);
	int locked_now = 0, r;
	char payload[256];

	if ((r = tg_db_begin(db)) != 0)
		return r;
	if ((r = tg_db_customer_attempt_failed(db, c->id,
	    ctx->cfg.lockout_threshold, now, &locked_now)) != 0 ||
	    (r = login_audit(ctx, db, who, "login.failure", subject, "fail",
	    json_pack("{s:s,s:s,s:i,s:s}", "reason", reason, "factor", factor,
	    "consecutive_failures", c->fail_count + 1, "purpose", purpose))) != 0)
		goto fail;
	if (locked_now) {
		snprintf(payload, sizeof(payload),
		    "{\"locale\":\"%s\",\"reason\":\"consecutive_failures\"}",
		    c->locale);
		if ((r = login_audit(ctx, db, who, "account.locked", subject,
		    "ok", json_pack("{s:i}", "threshold",
		    ctx->cfg.lockout_threshold))) != 0 ||
		    (r = tg_db_outbox_insert(db, c->id, "account.locked",
		    payload, now)) != 0 ||
		    (r = tg_session_revoke_customer(ctx, db, who, c, NULL,
		    "account_locked")) != 0)
			goto fail;
	}
	if ((r = tg_db_commit(db)) != 0)
		goto fail;
	atomic_fetch_add(&ctx->metrics.login_failure, 1);
	if (locked_now) {
		atomic_fetch_add(&ctx->metrics.accounts_locked, 1);
		tg_log(TG_LOG_WARN, "account.locked", who->request_id,
		    "account locked after %d consecutive failures",
		    ctx->cfg.lockout_threshold);
	}
	return TG_ERR_AUTH;
fail:
	tg_db_rollback(db);
	return r;
}

/* Why a proof failed, for the audit trail. */
static const char *
login_reason(const char *factor, int r)
{
	switch (r) {
	case TG_ERR_AUTH:
		return strcmp(factor, "password") == 0 ? "wrong_password" :
		    "invalid_proof";
	case TG_ERR_REUSED:
		return "replayed";
	case TG_ERR_EXPIRED:
		return "expired";
	case TG_ERR_LIMIT:
		return "too_many_attempts";
	case TG_ERR_TAMPERED:
		return "sign_count_regression";
	case TG_ERR_NOT_FOUND:
		return "no_such_factor";
	default:
		return "unusable_stored_secret";
	}
}

int
tg_login_guard(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, const char *factor, const char *purpose,
    int (*verify)(tg_ctx *, tg_db *, void *),
    void (*blocked)(tg_ctx *, void *), void *arg)
{
	int64_t now = tg_clock_now_ms(&ctx->clock);
	char subject[TG_LOGIN_MAX + 16];
	const char *why = NULL;
	int selfservice, r = 0;

	snprintf(subject, sizeof(subject), "customer:%s", c->login);
	selfservice = strcmp(purpose, "unlock") == 0 || strcmp(purpose, "reset") == 0;
	if (c->disabled)
		why = "disabled";
	else if (selfservice && (r = tg_db_customer_selfservice_reserve(db, c->id,
	    ctx->cfg.lockout_threshold, now)) == TG_ERR_LOCKED)
		why = "selfservice_exhausted";
	else if (!selfservice && (r = tg_db_customer_attempt_reserve(db, c->id,
	    ctx->cfg.lockout_threshold, now)) == TG_ERR_LOCKED)
		why = "locked";
	else if (r == TG_ERR_NOT_FOUND)
		why = "deleted";
	else if (r != 0)
		return r;
	if (why != NULL) {
		if (blocked != NULL)
			blocked(ctx, arg);
		atomic_fetch_add(&ctx->metrics.login_failure, 1);
		r = login_audit(ctx, db, who, "login.failure", subject, "fail",
		    json_pack("{s:s,s:s,s:s}", "reason", why, "factor", factor,
		    "purpose", purpose));
		return r != 0 ? r : TG_ERR_AUTH;
	}
	r = verify(ctx, db, arg);
	switch (r) {
	case 0:
		break;
	case TG_ERR_AUTH:
	case TG_ERR_REUSED:
	case TG_ERR_EXPIRED:
	case TG_ERR_LIMIT:
	case TG_ERR_TAMPERED:
	case TG_ERR_NOT_FOUND:
	case TG_ERR_INVALID:
		if (selfservice) {
			/* Counted already; a locked account stays as it is. */
			atomic_fetch_add(&ctx->metrics.login_failure, 1);
			r = login_audit(ctx, db, who, "login.failure", subject,
			    "fail", json_pack("{s:s,s:s,s:s}", "reason",
			    login_reason(factor, r), "factor", factor, "purpose",
			    purpose));
			return r != 0 ? r : TG_ERR_AUTH;
		}
		return login_failed(ctx, db, who, c, subject, factor,
		    login_reason(factor, r), purpose);
	default:
		/* The attempt stays counted: failing safe. */
		return r;
	}
	if (selfservice)
		return tg_db_customer_selfservice_reset(db, c->id);
	r = tg_db_customer_attempt_succeeded(db, c->id, now);
	if (r == TG_ERR_LOCKED) {
		/* Locked by a concurrent attempt while this one was verified. */
		atomic_fetch_add(&ctx->metrics.login_failure, 1);
		r = login_audit(ctx, db, who, "login.failure", subject, "fail",
		    json_pack("{s:s,s:s,s:s}", "reason", "locked", "factor",
		    factor, "purpose", purpose));
		return r != 0 ? r : TG_ERR_AUTH;
	}
	return r;
}

struct pw_arg {
	const struct tg_customer *c;
	const char *pw;
	size_t pwlen;
	const char *request_id;
};

static int
pw_verify(tg_ctx *ctx, tg_db *db, void *arg)
{
	struct pw_arg *a = arg;
	int r;

	(void)db;
	atomic_fetch_add(&ctx->metrics.password_verify, 1);
	r = tg_pwhash_verify(ctx->keys, a->c->pw_hash, a->pw, a->pwlen);
	if (r != 0 && r != TG_ERR_AUTH) {
		tg_log(TG_LOG_ERROR, "login.hash_error", a->request_id,
		    "stored password hash unusable: %s", tg_strerror(r));
		r = TG_ERR_AUTH;
	}
	return r;
}

static void
pw_blocked(tg_ctx *ctx, void *arg)
{
	struct pw_arg *a = arg;

	login_dummy_verify(ctx, a->pw, a->pwlen);
}

/* The password check shared by login and sensitive actions. */
static int
login_check(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, const char *pw, size_t pwlen,
    const char *purpose)
{
	struct pw_arg a = { c, pw, pwlen, who->request_id };

	return tg_login_guard(ctx, db, who, c, "password", purpose, pw_verify,
	    pw_blocked, &a);
}

/* Re-hash with the current parameters and pepper (AUTH-04); failures are only logged. */
static void
login_maybe_rehash(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    struct tg_customer *c, const char *pw, size_t pwlen)
{
	struct tg_pwhash_params p;
	char h[TG_PWHASH_MAX];

	tg_ctx_pwhash_params(ctx, &p);
	if (!tg_pwhash_needs_rehash(c->pw_hash, ctx->cfg.pepper_id, &p))
		return;
	if (tg_pwhash_hash(ctx->keys, ctx->cfg.pepper_id, &p, pw, pwlen, h) != 0 ||
	    tg_db_customer_rehash(db, c->id, h) != 0) {
		tg_log(TG_LOG_WARN, "password.rehash_failed", who->request_id,
		    "could not re-hash a password with current parameters");
		return;
	}
	memcpy(c->pw_hash, h, sizeof(h));
}

int
tg_login_verify_password(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_customer *c, const char *pw, size_t pwlen,
    const char *purpose)
{
	tg_db *db = tg_store_db(ctx->store);

	if (db == NULL)
		return TG_ERR_STORE;
	return login_check(ctx, db, who, c, pw, pwlen, purpose);
}

int
tg_login_password(tg_ctx *ctx, const struct tg_actor *who, const char *login,
    const char *pw, size_t pwlen, struct tg_login_result *res)
{
	tg_db *db = tg_store_db(ctx->store);
	char norm[TG_LOGIN_MAX + 1];
	int r;

	memset(res, 0, sizeof(*res));
	if (db == NULL)
		return TG_ERR_STORE;
	if (tg_customer_login_norm(login, norm) != 0)
		r = TG_ERR_NOT_FOUND;
	else
		r = tg_db_customer_by_login(db, norm, &res->customer);
	if (r == TG_ERR_NOT_FOUND) {
		login_dummy_verify(ctx, pw, pwlen);
		r = login_fail_unknown(ctx, db, who, login, "login");
		return r != 0 ? r : TG_ERR_AUTH;
	}
	if (r != 0)
		return r;
	if ((r = login_check(ctx, db, who, &res->customer, pw, pwlen,
	    "login")) != 0)
		return r;
	login_maybe_rehash(ctx, db, who, &res->customer, pw, pwlen);
	res->pw_change_recommended = tg_login_password_old(ctx, &res->customer);
	return tg_flow_advance(ctx, db, who, &res->customer, NULL, TG_FLOW_LOGIN,
	    TG_KIND_KNOWLEDGE, "password", res);
}
