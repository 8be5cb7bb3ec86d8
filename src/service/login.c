#include "service/login.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <tradeguard/error.h>

#include "core/log.h"
#include "service/customer.h"

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
login_wrong_password(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, const char *subject, const char *purpose)
{
	int64_t now = tg_clock_now_ms(&ctx->clock);
	int locked_now = 0, r;
	char payload[256];

	if ((r = tg_db_begin(db)) != 0)
		return r;
	if ((r = tg_db_customer_attempt_failed(db, c->id,
	    ctx->cfg.lockout_threshold, now, &locked_now)) != 0 ||
	    (r = login_audit(ctx, db, who, "login.failure", subject, "fail",
	    json_pack("{s:s,s:i,s:s}", "reason", "wrong_password",
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

/*
 * The password check shared by login and sensitive actions.  Returns 0 when
 * the password is right (counter reset), TG_ERR_AUTH otherwise (reason
 * audited), or a store/audit error.
 */
static int
login_check(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, const char *pw, size_t pwlen,
    const char *purpose)
{
	int64_t now = tg_clock_now_ms(&ctx->clock);
	char subject[TG_LOGIN_MAX + 16];
	const char *why = NULL;
	int r;

	snprintf(subject, sizeof(subject), "customer:%s", c->login);
	if (c->disabled)
		why = "disabled";
	else if ((r = tg_db_customer_attempt_reserve(db, c->id,
	    ctx->cfg.lockout_threshold, now)) == TG_ERR_LOCKED)
		why = "locked";
	else if (r == TG_ERR_NOT_FOUND)
		why = "deleted";
	else if (r != 0)
		return r;
	if (why != NULL) {
		login_dummy_verify(ctx, pw, pwlen);
		atomic_fetch_add(&ctx->metrics.login_failure, 1);
		r = login_audit(ctx, db, who, "login.failure", subject, "fail",
		    json_pack("{s:s,s:s}", "reason", why, "purpose", purpose));
		return r != 0 ? r : TG_ERR_AUTH;
	}
	atomic_fetch_add(&ctx->metrics.password_verify, 1);
	r = tg_pwhash_verify(ctx->keys, c->pw_hash, pw, pwlen);
	if (r == TG_ERR_AUTH)
		return login_wrong_password(ctx, db, who, c, subject, purpose);
	if (r != 0) {
		tg_log(TG_LOG_ERROR, "login.hash_error", who->request_id,
		    "stored password hash unusable: %s", tg_strerror(r));
		return login_wrong_password(ctx, db, who, c, subject, purpose);
	}
	r = tg_db_customer_attempt_succeeded(db, c->id, now);
	if (r == TG_ERR_LOCKED) {
		/* Locked by a concurrent attempt while this one was verified. */
		atomic_fetch_add(&ctx->metrics.login_failure, 1);
		r = login_audit(ctx, db, who, "login.failure", subject, "fail",
		    json_pack("{s:s,s:s}", "reason", "locked", "purpose",
		    purpose));
		return r != 0 ? r : TG_ERR_AUTH;
	}
	return r;
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

static int
login_finish(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    struct tg_login_result *res)
{
	const struct tg_customer *c = &res->customer;
	int64_t now = tg_clock_now_ms(&ctx->clock);
	char subject[TG_LOGIN_MAX + 16], payload[256];
	struct tg_session_rec s;
	struct tg_flow_rec f;
	int r;

	snprintf(subject, sizeof(subject), "customer:%s", c->login);
	if ((r = tg_db_begin(db)) != 0)
		return r;
	if (tg_kinds_count(res->kinds) < ctx->cfg.min_factor_kinds) {
		memset(&f, 0, sizeof(f));
		if ((r = tg_session_token_new(ctx, res->token, f.id_hash)) != 0)
			goto fail;
		f.customer_id = c->id;
		f.created_at = now;
		f.expires_at = now + (int64_t)ctx->cfg.flow_ttl_seconds * 1000;
		f.kinds = res->kinds;
		snprintf(f.client_addr, sizeof(f.client_addr), "%s", who->src);
		if ((r = tg_db_flow_insert(db, &f)) != 0 ||
		    (r = login_audit(ctx, db, who, "login.factor_required",
		    subject, "ok", json_pack("{s:o,s:i}", "verified_kinds",
		    tg_kinds_json(res->kinds), "required_kinds",
		    ctx->cfg.min_factor_kinds))) != 0)
			goto fail;
		res->state = TG_LOGIN_FACTOR_REQUIRED;
		res->expires_at = f.expires_at;
	} else {
		if ((r = tg_session_create(ctx, db, who, c, res->kinds,
		    res->pw_change_recommended, res->token, &s)) != 0)
			goto fail;
		snprintf(payload, sizeof(payload),
		    "{\"locale\":\"%s\",\"src\":\"%s\"}", c->locale,
		    strchr(who->src, '"') == NULL ? who->src : "");
		if ((r = login_audit(ctx, db, who, "login.success", subject,
		    "ok", json_pack("{s:o,s:b}", "factor_kinds",
		    tg_kinds_json(res->kinds), "password_change_recommended",
		    res->pw_change_recommended))) != 0 ||
		    (r = tg_db_outbox_insert(db, c->id, "login.succeeded",
		    payload, now)) != 0)
			goto fail;
		res->state = TG_LOGIN_AUTHENTICATED;
		res->expires_at = s.expires_at;
		res->idle_expires_at = s.last_seen_at +
		    (int64_t)ctx->cfg.session_idle_seconds * 1000;
	}
	if ((r = tg_db_commit(db)) != 0)
		goto fail;
	if (res->state == TG_LOGIN_AUTHENTICATED)
		atomic_fetch_add(&ctx->metrics.login_success, 1);
	return 0;
fail:
	tg_db_rollback(db);
	sodium_memzero(res->token, sizeof(res->token));
	return r;
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
	res->kinds = TG_KIND_KNOWLEDGE;
	res->pw_change_recommended = tg_login_password_old(ctx, &res->customer);
	return login_finish(ctx, db, who, res);
}
