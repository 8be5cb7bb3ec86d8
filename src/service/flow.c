#include "service/flow.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <tradeguard/error.h>

#include "core/log.h"
#include "core/pwpolicy.h"
#include "service/account.h"
#include "service/customer.h"
#include "service/factor.h"
#include "service/session.h"

static const char *const proof_names[] = {
	"totp", "sms", "email", "recovery", "device", "webauthn", "password",
};

const char *
tg_proof_name(enum tg_proof_type t)
{
	return (unsigned)t < 7 ? proof_names[t] : "unknown";
}

int
tg_proof_parse(const char *s, enum tg_proof_type *out)
{
	unsigned i;

	for (i = 0; i < 7; i++) {
		if (strcmp(s, proof_names[i]) == 0) {
			*out = (enum tg_proof_type)i;
			return 0;
		}
	}
	return TG_ERR_INVALID;
}

/* The flow is complete: act on its purpose. */
static int
flow_complete(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, struct tg_flow_state *fl,
    enum tg_flow_purpose purpose, struct tg_login_result *res, int64_t now)
{
	struct tg_session_rec s;
	char actor[TG_LOGIN_MAX + 16];
	struct tg_actor self = *who;
	int r;

	snprintf(actor, sizeof(actor), "customer:%s", c->login);
	self.actor = actor;
	/* Unlock and reset need two kinds, so they always complete on an existing flow. */
	if (purpose != TG_FLOW_LOGIN && fl == NULL)
		return TG_ERR_INTERNAL;
	switch (purpose) {
	case TG_FLOW_LOGIN:
		if (fl != NULL && (r = tg_db_flow_delete(db, fl->id_hash)) != 0)
			return r;
		if ((r = tg_session_create(ctx, db, who, c, res->kinds,
		    res->pw_change_recommended, res->token, &s)) != 0 ||
		    (r = tg_db_session_set_factors(db, s.id_hash,
		    res->factors)) != 0 ||
		    (r = tg_audit_customer(ctx, db, who, c->login, "login.success", "ok",
		    json_pack("{s:o,s:s,s:b}", "factor_kinds",
		    tg_kinds_json(res->kinds), "factors", res->factors,
		    "password_change_recommended",
		    res->pw_change_recommended))) != 0 ||
		    (r = tg_customer_notify(db, c, "login.succeeded", now, json_pack("{s:s}", "src", who->src))) != 0)
			return r;
		res->state = TG_LOGIN_AUTHENTICATED;
		res->expires_at = s.expires_at;
		res->idle_expires_at = s.last_seen_at +
		    (int64_t)ctx->cfg.session_idle_seconds * 1000;
		return 0;
	case TG_FLOW_UNLOCK:
		if ((r = tg_db_flow_delete(db, fl->id_hash)) != 0 ||
		    (r = tg_db_customer_unlock(db, c->id, now)) != 0 ||
		    (r = tg_audit_customer(ctx, db, &self, c->login, "customer.unlocked", "ok",
		    json_pack("{s:s,s:s,s:o}", "reason", "self_service",
		    "factors", res->factors, "factor_kinds",
		    tg_kinds_json(res->kinds)))) != 0 ||
		    (r = tg_customer_notify(db, c, "account.unlocked", now, json_pack("{s:s}", "src", who->src))) != 0)
			return r;
		res->state = TG_LOGIN_UNLOCKED;
		sodium_memzero(res->token, sizeof(res->token));
		return 0;
	case TG_FLOW_RESET:
		/* The flow stays until the new password is set (or it expires). */
		res->state = TG_LOGIN_RESET_READY;
		res->expires_at = fl->rec.expires_at;
		return tg_audit_customer(ctx, db, who, c->login, "password.reset_verified", "ok",
		    json_pack("{s:s}", "factors", res->factors));
	}
	return TG_ERR_INTERNAL;
}

int
tg_flow_advance(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, struct tg_flow_state *fl,
    enum tg_flow_purpose purpose, unsigned kinds, const char *label,
    struct tg_login_result *res)
{
	int64_t now = tg_clock_now_ms(&ctx->clock);
	struct tg_flow_extra x;
	struct tg_flow_rec f;
	int r;

	res->customer = *c;
	res->purpose = (int)purpose;
	res->kinds = kinds | (fl != NULL ? fl->rec.kinds : 0);
	snprintf(res->factors, sizeof(res->factors), "%s",
	    fl != NULL ? fl->x.factors : "");
	if (label != NULL &&
	    tg_factor_list_add(res->factors, sizeof(res->factors), label) != 0)
		return TG_ERR_LIMIT;
	if (fl != NULL)
		memcpy(res->token, fl->token, sizeof(res->token));
	if ((r = tg_db_begin(db)) != 0)
		return r;
	res->required_kinds = purpose == TG_FLOW_LOGIN ?
	    tg_policy_min_kinds(ctx->cfg.class_min_kinds, c->account_class,
	    ctx->cfg.min_factor_kinds) : 2;
	if (tg_policy_complete(purpose, res->kinds, res->required_kinds)) {
		if (fl != NULL && purpose == TG_FLOW_RESET &&
		    (r = tg_db_flow_progress(db, fl->id_hash, res->kinds,
		    res->factors)) != 0)
			goto fail;
		if ((r = flow_complete(ctx, db, who, c, fl, purpose, res, now)) != 0)
			goto fail;
	} else if (fl == NULL) {
		memset(&f, 0, sizeof(f));
		memset(&x, 0, sizeof(x));
		if ((r = tg_session_token_new(ctx, res->token, f.id_hash)) != 0)
			goto fail;
		f.customer_id = c->id;
		f.created_at = now;
		f.expires_at = now + (int64_t)ctx->cfg.flow_ttl_seconds * 1000;
		f.kinds = res->kinds;
		snprintf(f.client_addr, sizeof(f.client_addr), "%s", who->src);
		snprintf(x.purpose, sizeof(x.purpose), "%s",
		    tg_flow_purpose_name(purpose));
		snprintf(x.factors, sizeof(x.factors), "%s", res->factors);
		snprintf(x.user_agent, sizeof(x.user_agent), "%s", who->ua);
		if ((r = tg_db_flow_insert(db, &f)) != 0 ||
		    (r = tg_db_flow_set_extra(db, f.id_hash, &x)) != 0 ||
		    (r = tg_audit_customer(ctx, db, who, c->login, "login.factor_required", "ok",
		    json_pack("{s:s,s:o,s:s}", "purpose", x.purpose,
		    "verified_kinds", tg_kinds_json(res->kinds), "factors",
		    res->factors))) != 0)
			goto fail;
		res->state = TG_LOGIN_FACTOR_REQUIRED;
		res->expires_at = f.expires_at;
	} else {
		if ((r = tg_db_flow_progress(db, fl->id_hash, res->kinds,
		    res->factors)) != 0 ||
		    (r = tg_audit_customer(ctx, db, who, c->login, "login.factor_verified", "ok",
		    json_pack("{s:s,s:o,s:s}", "purpose", fl->x.purpose,
		    "verified_kinds", tg_kinds_json(res->kinds), "factors",
		    res->factors))) != 0)
			goto fail;
		res->state = TG_LOGIN_FACTOR_REQUIRED;
		res->expires_at = fl->rec.expires_at;
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
tg_flow_load(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const char *token, struct tg_flow_state *out)
{
	int64_t now = tg_clock_now_ms(&ctx->clock);
	int r;

	memset(out, 0, sizeof(*out));
	if (token == NULL || tg_session_token_hash(ctx, token, out->id_hash) != 0)
		return TG_ERR_AUTH;
	snprintf(out->token, sizeof(out->token), "%s", token);
	if ((r = tg_db_flow_get(db, out->id_hash, &out->rec)) != 0)
		return r == TG_ERR_NOT_FOUND ? TG_ERR_AUTH : r;
	if (now >= out->rec.expires_at) {
		(void)tg_db_flow_delete(db, out->id_hash);
		return TG_ERR_AUTH;
	}
	if ((r = tg_db_flow_get_extra(db, out->id_hash, &out->x)) != 0)
		return r == TG_ERR_NOT_FOUND ? TG_ERR_AUTH : r;
	/* Bound to the client that started it. */
	if (strcmp(out->rec.client_addr, who->src) != 0 ||
	    strcmp(out->x.user_agent, who->ua) != 0) {
		tg_log(TG_LOG_WARN, "flow.client_mismatch", who->request_id,
		    "login flow presented by another client");
		return TG_ERR_AUTH;
	}
	if (tg_flow_purpose_parse(out->x.purpose, &out->purpose) != 0)
		return TG_ERR_AUTH;
	if ((r = tg_db_customer_by_id(db, out->rec.customer_id,
	    &out->customer)) != 0)
		return r == TG_ERR_NOT_FOUND ? TG_ERR_AUTH : r;
	return 0;
}

int
tg_flow_start(tg_ctx *ctx, const struct tg_actor *who, const char *login,
    enum tg_flow_purpose purpose, struct tg_login_result *res)
{
	tg_db *db = tg_store_db(ctx->store);
	struct tg_customer c;
	char norm[TG_LOGIN_MAX + 1];
	uint8_t junk[32];
	int r;

	memset(res, 0, sizeof(*res));
	if (db == NULL)
		return TG_ERR_STORE;
	r = tg_customer_login_norm(login, norm);
	if (r == 0)
		r = tg_db_customer_by_login(db, norm, &c);
	if (r == TG_ERR_NOT_FOUND || r == TG_ERR_INVALID || (r == 0 && c.disabled)) {
		/*
		 * No such (usable) account: answer with a decoy flow of the same
		 * shape so that the answer does not reveal it (AUTH-10).
		 */
		randombytes_buf(junk, sizeof(junk));
		r = tg_session_token_new(ctx, res->token, junk);
		res->state = TG_LOGIN_FACTOR_REQUIRED;
		res->required_kinds = purpose == TG_FLOW_LOGIN ?
		    ctx->cfg.min_factor_kinds : 2;
		res->expires_at = tg_clock_now_ms(&ctx->clock) +
		    (int64_t)ctx->cfg.flow_ttl_seconds * 1000;
		snprintf(res->customer.login, sizeof(res->customer.login), "%s",
		    norm);
		return r;
	}
	if (r != 0)
		return r;
	/* A locked account may start an unlock flow; a login flow needs no lock. */
	return tg_flow_advance(ctx, db, who, &c, NULL, purpose, 0, NULL, res);
}

int
tg_flow_verify(tg_ctx *ctx, const struct tg_actor *who, const char *token,
    const struct tg_proof *p, struct tg_login_result *res)
{
	tg_db *db = tg_store_db(ctx->store);
	struct tg_flow_state fl;
	char label[64];
	unsigned kinds = 0;
	int r;

	memset(res, 0, sizeof(*res));
	if (db == NULL)
		return TG_ERR_STORE;
	if ((r = tg_flow_load(ctx, db, who, token, &fl)) != 0)
		return r;
	if (fl.purpose == TG_FLOW_RESET &&
	    tg_policy_complete(fl.purpose, fl.rec.kinds, 0))
		return TG_ERR_INVALID;	/* already verified: set the password */
	if (p->type == TG_PROOF_PASSWORD && fl.purpose != TG_FLOW_LOGIN)
		return TG_ERR_INVALID;	/* the password cannot recover itself */
	if ((r = tg_factor_check(ctx, db, who, &fl.customer, fl.id_hash,
	    fl.x.purpose, p, &kinds, label, sizeof(label))) != 0)
		return r;
	/* The same factor twice proves nothing new. */
	if (tg_factor_in_list(fl.x.factors, label))
		kinds = 0;
	res->pw_change_recommended = fl.purpose == TG_FLOW_LOGIN &&
	    (tg_factor_in_list(fl.x.factors, "password") ||
	    p->type == TG_PROOF_PASSWORD) &&
	    tg_login_password_old(ctx, &fl.customer);
	/* Unlock flows may run on a locked account; others need it usable. */
	if (fl.purpose != TG_FLOW_UNLOCK && fl.customer.locked)
		return TG_ERR_AUTH;
	return tg_flow_advance(ctx, db, who, &fl.customer, &fl, fl.purpose,
	    kinds, label, res);
}

int
tg_flow_send_code(tg_ctx *ctx, const struct tg_actor *who, const char *token,
    const char *channel, char *masked, size_t maskedlen, int64_t *expires_at)
{
	tg_db *db = tg_store_db(ctx->store);
	struct tg_flow_state fl;
	int r;

	masked[0] = '\0';
	*expires_at = 0;
	if (db == NULL)
		return TG_ERR_STORE;
	if ((r = tg_flow_load(ctx, db, who, token, &fl)) != 0)
		return r;
	return tg_factor_send_code(ctx, db, who, &fl.customer, fl.id_hash,
	    channel, fl.x.purpose, masked, maskedlen, expires_at);
}

int
tg_flow_challenge(tg_ctx *ctx, const struct tg_actor *who, const char *token,
    const char *factor, int64_t device_id, json_t **out)
{
	tg_db *db = tg_store_db(ctx->store);
	struct tg_flow_state fl;
	int r;

	*out = NULL;
	if (db == NULL)
		return TG_ERR_STORE;
	if ((r = tg_flow_load(ctx, db, who, token, &fl)) != 0)
		return r;
	return tg_factor_challenge(ctx, db, &fl.customer, fl.id_hash, factor,
	    device_id, out);
}

int
tg_flow_reset_password(tg_ctx *ctx, const struct tg_actor *who,
    const char *token, const char *pw, size_t pwlen, const char **reason)
{
	tg_db *db = tg_store_db(ctx->store);
	struct tg_pwhash_params params;
	struct tg_pwpolicy pol;
	struct tg_flow_state fl;
	char h[TG_PWHASH_MAX], actor[TG_LOGIN_MAX + 16];
	struct tg_actor self = *who;
	int64_t now;
	int r;

	*reason = NULL;
	if (db == NULL)
		return TG_ERR_STORE;
	if ((r = tg_flow_load(ctx, db, who, token, &fl)) != 0)
		return r;
	if (fl.purpose != TG_FLOW_RESET ||
	    !tg_policy_complete(fl.purpose, fl.rec.kinds, 0))
		return TG_ERR_AUTH;
	tg_account_pwpolicy(ctx, &pol);
	if ((r = tg_pwpolicy_check(&pol, fl.customer.login, pw, pwlen,
	    reason)) != 0)
		return r;
	tg_ctx_pwhash_params(ctx, &params);
	if ((r = tg_pwhash_hash(ctx->keys, ctx->cfg.pepper_id, &params, pw,
	    pwlen, h)) != 0)
		return r;
	snprintf(actor, sizeof(actor), "customer:%s", fl.customer.login);
	self.actor = actor;
	now = tg_clock_now_ms(&ctx->clock);
	if ((r = tg_db_begin(db)) != 0)
		return r;
	if ((r = tg_db_flow_delete(db, fl.id_hash)) != 0 ||
	    (r = tg_db_customer_set_password(db, fl.customer.id, h, now)) != 0 ||
	    (r = tg_db_customer_unlock(db, fl.customer.id, now)) != 0 ||
	    (r = tg_session_revoke_customer(ctx, db, &self, &fl.customer, NULL,
	    "password_reset")) != 0 ||
	    (r = tg_audit_customer(ctx, db, &self, fl.customer.login, "password.reset", "ok",
	    json_pack("{s:s}", "factors", fl.x.factors))) != 0 ||
	    (r = tg_customer_notify(db, &fl.customer, "password.changed", now, json_pack("{s:s}", "src", who->src))) != 0 ||
	    (r = tg_db_commit(db)) != 0) {
		tg_db_rollback(db);
		return r;
	}
	return 0;
}

struct avail {
	json_t *a;
	int totp, device, webauthn;
};

static int
avail_one(const struct tg_factor *f, void *arg)
{
	struct avail *v = arg;

	if (f->type == TG_FACTOR_TOTP)
		v->totp = 1;
	else if (f->type == TG_FACTOR_DEVICE)
		v->device = 1;
	else
		v->webauthn = 1;
	return 0;
}

/* 1 if a label of this family ("webauthn" matches "webauthn:7") was used. */
static int
family_used(const char *used, const char *family)
{
	size_t n = strlen(family);
	const char *p = used;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, family, n) == 0 && (p[n] == ':' || p[n] == ',' ||
		    p[n] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return 0;
}

json_t *
tg_flow_available(tg_ctx *ctx, tg_db *db, const struct tg_customer *c,
    const char *used, unsigned kinds, enum tg_flow_purpose purpose)
{
	struct avail v = { json_array(), 0, 0, 0 };
	int need_p = !(kinds & TG_KIND_POSSESSION);
	int n = 0;

	if (tg_db_factor_foreach(db, c->id, -1, 1, avail_one, &v) != 0)
		return v.a;
	/* A passkey may add possession and inherence. */
	if (v.webauthn && !family_used(used, "webauthn") &&
	    (need_p || !(kinds & TG_KIND_INHERENCE)))
		json_array_append_new(v.a, json_string("webauthn"));
	if (purpose == TG_FLOW_LOGIN && !(kinds & TG_KIND_KNOWLEDGE) &&
	    !family_used(used, "password"))
		json_array_append_new(v.a, json_string("password"));
	if (!need_p)
		return v.a;
	if (v.device && !family_used(used, "device"))
		json_array_append_new(v.a, json_string("device"));
	if (v.totp && !family_used(used, "totp"))
		json_array_append_new(v.a, json_string("totp"));
	if (c->phone[0] != '\0' && ctx->cfg.notify_webhook_url[0] != '\0' &&
	    !family_used(used, "sms"))
		json_array_append_new(v.a, json_string("sms"));
	if (c->email[0] != '\0' && ctx->cfg.notify_smtp_url[0] != '\0' &&
	    !family_used(used, "email"))
		json_array_append_new(v.a, json_string("email"));
	if (tg_db_recovery_count(db, c->id, 1, &n) == 0 && n > 0 &&
	    !family_used(used, "recovery"))
		json_array_append_new(v.a, json_string("recovery"));
	return v.a;
}
