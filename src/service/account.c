#include "service/account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tradeguard/error.h>

#include "service/login.h"

void
tg_account_pwpolicy(const tg_ctx *ctx, struct tg_pwpolicy *p)
{
	p->min_length = ctx->cfg.pw_min_length;
	p->require_letter = ctx->cfg.pw_require_letter;
	p->require_digit = ctx->cfg.pw_require_digit;
	p->require_symbol = ctx->cfg.pw_require_symbol;
	p->reject_login = ctx->cfg.pw_reject_login;
	p->reject_common = ctx->cfg.pw_reject_common;
}

/* TG_ERR_REUSED if nw matches the current or one of the last history-1 hashes. */
static int
account_check_reuse(tg_ctx *ctx, tg_db *db, const struct tg_customer *c,
    const char *nw, size_t nwlen)
{
	char (*hist)[TG_PWHASH_MAX] = NULL;
	int max = ctx->cfg.pw_history, n = 0, i, r;

	if (max <= 0)
		return 0;
	if (tg_pwhash_verify(ctx->keys, c->pw_hash, nw, nwlen) == 0)
		return TG_ERR_REUSED;
	if (max == 1)
		return 0;
	if ((hist = calloc((size_t)max, sizeof(*hist))) == NULL)
		return TG_ERR_NOMEM;
	if ((r = tg_db_password_history(db, c->id, max - 1, hist, &n)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (tg_pwhash_verify(ctx->keys, hist[i], nw, nwlen) == 0) {
			r = TG_ERR_REUSED;
			goto out;
		}
	}
out:
	free(hist);
	return r;
}

int
tg_account_change_password(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, const char *cur, size_t curlen,
    const char *nw, size_t nwlen, const char **reason)
{
	const struct tg_customer *c = &si->customer;
	tg_db *db = tg_store_db(ctx->store);
	struct tg_pwhash_params p;
	struct tg_pwpolicy pol;
	struct tg_audit_event ev;
	char h[TG_PWHASH_MAX], subject[TG_LOGIN_MAX + 16], payload[64];
	int64_t now;
	int r;

	*reason = NULL;
	if (db == NULL)
		return TG_ERR_STORE;
	if ((r = tg_login_verify_password(ctx, who, c, cur, curlen,
	    "password_change")) != 0)
		return r;
	tg_account_pwpolicy(ctx, &pol);
	if ((r = tg_pwpolicy_check(&pol, c->login, nw, nwlen, reason)) != 0)
		return r;
	if ((r = account_check_reuse(ctx, db, c, nw, nwlen)) != 0)
		return r;
	tg_ctx_pwhash_params(ctx, &p);
	if ((r = tg_pwhash_hash(ctx->keys, ctx->cfg.pepper_id, &p, nw, nwlen,
	    h)) != 0)
		return r;
	now = tg_clock_now_ms(&ctx->clock);
	snprintf(subject, sizeof(subject), "customer:%s", c->login);
	snprintf(payload, sizeof(payload), "{\"locale\":\"%s\"}", c->locale);
	ev.type = "password.changed";
	ev.subject = subject;
	ev.result = "ok";
	ev.details = NULL;
	if ((r = tg_db_begin(db)) != 0)
		return r;
	if ((r = tg_db_customer_set_password(db, c->id, h, now)) != 0 ||
	    (r = tg_session_revoke_customer(ctx, db, who, c, si->rec.id_hash,
	    "password_changed")) != 0 ||
	    (r = tg_audit_append(ctx, db, who, &ev)) != 0 ||
	    (r = tg_db_outbox_insert(db, c->id, "password.changed", payload,
	    now)) != 0 ||
	    (r = tg_db_commit(db)) != 0) {
		tg_db_rollback(db);
		return r;
	}
	return 0;
}
