#include "service/session.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <tradeguard/error.h>

#include "core/log.h"
#include "crypto/encode.h"
#include "service/login.h"

/* last_seen is written at most this often, so checks stay reads. */
#define TOUCH_MIN_MS 10000

int
tg_session_token_hash(const tg_ctx *ctx, const char *token, uint8_t out[32])
{
	size_t i, len = strlen(token);

	if (len != TG_TOKEN_LEN)
		return TG_ERR_INVALID;
	for (i = 0; i < len; i++) {
		char ch = token[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return TG_ERR_INVALID;
	}
	return tg_keys_hmac(ctx->keys, "session", token, len, out);
}

int
tg_session_token_new(const tg_ctx *ctx, char token[TG_TOKEN_LEN + 1],
    uint8_t hash[32])
{
	uint8_t raw[TG_TOKEN_BYTES];
	int r;

	randombytes_buf(raw, sizeof(raw));
	tg_b64url_encode(raw, sizeof(raw), token);
	sodium_memzero(raw, sizeof(raw));
	if ((r = tg_session_token_hash(ctx, token, hash)) != 0)
		sodium_memzero(token, TG_TOKEN_LEN + 1);
	return r;
}

json_t *
tg_kinds_json(unsigned kinds)
{
	json_t *a = json_array();

	if (kinds & TG_KIND_KNOWLEDGE)
		json_array_append_new(a, json_string("knowledge"));
	if (kinds & TG_KIND_POSSESSION)
		json_array_append_new(a, json_string("possession"));
	if (kinds & TG_KIND_INHERENCE)
		json_array_append_new(a, json_string("inherence"));
	return a;
}

/* Audit a session event with the session's short fingerprint (never the token). */
static int
session_audit(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, const char *type, const uint8_t *id_hash,
    json_t *extra)
{
	json_t *d = extra != NULL ? extra : json_object();
	char fp[17];

	if (id_hash != NULL) {
		tg_hex_encode(id_hash, 8, fp);
		json_object_set_new(d, "session", json_string(fp));
	}
	return tg_audit_customer(ctx, db, who, c->login, type, "ok", d);
}

int
tg_session_create(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, unsigned kinds, int pw_change_recommended,
    char token[TG_TOKEN_LEN + 1], struct tg_session_rec *out)
{
	const struct tg_config *cfg = &ctx->cfg;
	int64_t now = tg_clock_now_ms(&ctx->clock);
	int64_t idle_ms = (int64_t)cfg->session_idle_seconds * 1000;
	struct tg_session_rec s, old;
	int n = 0, r;

	memset(out, 0, sizeof(*out));
	if ((r = tg_db_session_count_live(db, c->id, now, idle_ms, &n)) != 0)
		return r;
	if (n >= cfg->session_max_per_account) {
		if (cfg->session_on_limit == TG_SESSION_LIMIT_REFUSE) {
			json_t *d = json_pack("{s:s,s:i}", "reason",
			    "session_limit", "live", n);

			if ((r = session_audit(ctx, db, who, c,
			    "session.refused", NULL, d)) != 0)
				return r;
			return TG_ERR_LIMIT;
		}
		if ((r = tg_db_session_oldest_live(db, c->id, now, idle_ms,
		    &old)) != 0 ||
		    (r = tg_db_session_delete(db, old.id_hash)) != 0 ||
		    (r = session_audit(ctx, db, who, c, "session.revoked",
		    old.id_hash, json_pack("{s:s}", "reason", "session_limit")))
		    != 0)
			return r;
		atomic_fetch_add(&ctx->metrics.sessions_revoked, 1);
	}
	memset(&s, 0, sizeof(s));
	if ((r = tg_session_token_new(ctx, token, s.id_hash)) != 0)
		return r;
	s.customer_id = c->id;
	s.created_at = s.last_seen_at = s.auth_time = now;
	s.expires_at = now + (int64_t)cfg->session_absolute_seconds * 1000;
	s.kinds = kinds;
	s.pw_change_recommended = pw_change_recommended;
	snprintf(s.client_addr, sizeof(s.client_addr), "%s", who->src);
	snprintf(s.user_agent, sizeof(s.user_agent), "%s", who->ua);
	if ((r = tg_db_session_insert(db, &s)) != 0 ||
	    (r = session_audit(ctx, db, who, c, "session.created", s.id_hash,
	    json_pack("{s:o}", "factor_kinds", tg_kinds_json(kinds)))) != 0) {
		sodium_memzero(token, TG_TOKEN_LEN + 1);
		return r;
	}
	atomic_fetch_add(&ctx->metrics.sessions_created, 1);
	*out = s;
	return 0;
}

/* Delete an expired session and record why (own transaction). */
static int
session_expire(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_session_info *si, const char *why)
{
	int r;

	if ((r = tg_db_begin(db)) != 0)
		return r;
	/* Gone already (a concurrent expiry or logout) is fine: record ours anyway. */
	if (((r = tg_db_session_delete(db, si->rec.id_hash)) != 0 &&
	    r != TG_ERR_NOT_FOUND) ||
	    (r = session_audit(ctx, db, who, &si->customer, "session.expired",
	    si->rec.id_hash, json_pack("{s:s}", "reason", why))) != 0 ||
	    (r = tg_db_commit(db)) != 0) {
		tg_db_rollback(db);
		return r;
	}
	return 0;
}

int
tg_session_check(tg_ctx *ctx, const struct tg_actor *who, const char *token,
    struct tg_session_info *out)
{
	const struct tg_config *cfg = &ctx->cfg;
	tg_db *db = tg_store_db(ctx->store);
	int64_t now = tg_clock_now_ms(&ctx->clock);
	int64_t idle_ms = (int64_t)cfg->session_idle_seconds * 1000;
	uint8_t h[32];
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL)
		return TG_ERR_STORE;
	if (token == NULL || tg_session_token_hash(ctx, token, h) != 0)
		return TG_ERR_AUTH;
	/* Both reads in one snapshot, one WAL read lock. */
	if ((r = tg_db_begin_read(db)) != 0)
		return r;
	if ((r = tg_db_session_get(db, h, &out->rec)) == 0)
		r = tg_db_customer_by_id(db, out->rec.customer_id, &out->customer);
	if (r != 0) {
		tg_db_rollback(db);
		return r == TG_ERR_NOT_FOUND ? TG_ERR_AUTH : r;
	}
	if ((r = tg_db_commit(db)) != 0)
		return r;
	out->idle_expires_at = out->rec.last_seen_at + idle_ms;
	if (now >= out->rec.expires_at || now >= out->idle_expires_at) {
		r = session_expire(ctx, db, who, out,
		    now >= out->rec.expires_at ? "lifetime" : "idle");
		return r != 0 ? r : TG_ERR_EXPIRED;
	}
	if (out->customer.disabled || out->customer.locked)
		return TG_ERR_AUTH;
	/* From the account, not the login time: a change clears it at once (AUTH-11). */
	out->rec.pw_change_recommended = tg_login_password_old(ctx, &out->customer);
	if (cfg->session_bind_address &&
	    strcmp(out->rec.client_addr, who->src) != 0) {
		tg_log(TG_LOG_WARN, "session.address_mismatch", who->request_id,
		    "session used from another client address");
		return TG_ERR_AUTH;
	}
	if (now - out->rec.last_seen_at >= TOUCH_MIN_MS ||
	    now - out->rec.last_seen_at >= idle_ms / 10) {
		if ((r = tg_db_session_touch(db, h, now)) != 0)
			return r;
		out->rec.last_seen_at = now;
		out->idle_expires_at = now + idle_ms;
	}
	return 0;
}

int
tg_session_logout(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si)
{
	tg_db *db = tg_store_db(ctx->store);
	int r;

	if (db == NULL)
		return TG_ERR_STORE;
	if ((r = tg_db_begin(db)) != 0)
		return r;
	if (((r = tg_db_session_delete(db, si->rec.id_hash)) != 0 &&
	    r != TG_ERR_NOT_FOUND) ||
	    (r = session_audit(ctx, db, who, &si->customer, "session.logout",
	    si->rec.id_hash, NULL)) != 0 ||
	    (r = tg_db_commit(db)) != 0) {
		tg_db_rollback(db);
		return r;
	}
	return 0;
}

int
tg_session_revoke_customer(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, const uint8_t *keep, const char *reason)
{
	int n = 0, r;

	if ((r = tg_db_session_delete_customer(db, c->id, keep, &n)) != 0)
		return r;
	if (n == 0)
		return 0;
	atomic_fetch_add(&ctx->metrics.sessions_revoked, (uint64_t)n);
	return session_audit(ctx, db, who, c, "session.revoked", NULL,
	    json_pack("{s:s,s:i}", "reason", reason, "count", n));
}

int
tg_session_purge(tg_ctx *ctx)
{
	tg_db *db = tg_store_db(ctx->store);
	int64_t now = tg_clock_now_ms(&ctx->clock);
	static const struct tg_actor sys = { "system", "local", "", "" };
	struct tg_audit_event ev;
	int n = 0, m = 0, r;

	if (db == NULL)
		return TG_ERR_STORE;
	if ((r = tg_db_session_purge(db, now,
	    (int64_t)ctx->cfg.session_idle_seconds * 1000, &n)) != 0 ||
	    (r = tg_db_flow_purge(db, now, &m)) != 0)
		return r;
	if (n + m == 0)
		return 0;
	ev.type = "session.expired";
	ev.subject = "";
	ev.result = "ok";
	ev.details = json_pack("{s:s,s:i,s:i}", "reason", "purge", "sessions", n,
	    "login_flows", m);
	r = tg_audit_append(ctx, db, &sys, &ev);
	json_decref(ev.details);
	return r;
}
