#include "service/stepup.h"

#include <stdio.h>
#include <string.h>

#include <tradeguard/error.h>

#include "service/factor.h"

int
tg_stepup_send_code(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, const char *channel, char *masked,
    size_t maskedlen, int64_t *expires_at)
{
	tg_db *db = tg_store_db(ctx->store);

	if (db == NULL)
		return TG_ERR_STORE;
	return tg_factor_send_code(ctx, db, who, &si->customer, si->rec.id_hash,
	    channel, "stepup", masked, maskedlen, expires_at);
}

int
tg_stepup_verify(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, const struct tg_proof *p, int64_t *until)
{
	tg_db *db = tg_store_db(ctx->store);
	struct tg_audit_event ev;
	struct tg_session_extra x;
	char label[64], subject[TG_LOGIN_MAX + 16];
	unsigned kinds = 0;
	int64_t now;
	int r;

	*until = 0;
	if (db == NULL)
		return TG_ERR_STORE;
	if (p->type == TG_PROOF_PASSWORD)
		return TG_ERR_POLICY;	/* used at every login: never a step-up */
	if ((r = tg_factor_check(ctx, db, who, &si->customer, si->rec.id_hash,
	    "stepup", p, &kinds, label, sizeof(label))) != 0)
		return r;
	if ((r = tg_db_session_get_extra(db, si->rec.id_hash, &x)) != 0)
		return r;
	/* Valid, but it proves nothing new: AUTH-06 wants another factor. */
	if (tg_factor_in_list(x.factors, label))
		return TG_ERR_POLICY;
	now = tg_clock_now_ms(&ctx->clock);
	snprintf(subject, sizeof(subject), "customer:%s", si->customer.login);
	ev.type = "stepup.verified";
	ev.subject = subject;
	ev.result = "ok";
	ev.details = json_pack("{s:s,s:o}", "factor", label, "kinds",
	    tg_kinds_json(kinds));
	if ((r = tg_db_begin(db)) != 0)
		goto out;
	if ((r = tg_db_session_stepup(db, si->rec.id_hash, now, kinds, label)) != 0 ||
	    (r = tg_audit_append(ctx, db, who, &ev)) != 0 ||
	    (r = tg_db_commit(db)) != 0) {
		tg_db_rollback(db);
		goto out;
	}
	*until = now + (int64_t)ctx->cfg.stepup_freshness_seconds * 1000;
out:
	json_decref(ev.details);
	return r;
}

int
tg_stepup_require(tg_ctx *ctx, const struct tg_session_info *si,
    const char *action)
{
	const struct tg_stepup_rule *rule = tg_stepup_rule(action);
	tg_db *db = tg_store_db(ctx->store);
	struct tg_session_extra x;
	int r;

	if (rule == NULL)
		return 0;
	if (db == NULL)
		return TG_ERR_STORE;
	if ((r = tg_db_session_get_extra(db, si->rec.id_hash, &x)) != 0)
		return r;
	return tg_stepup_satisfied(rule, tg_clock_now_ms(&ctx->clock),
	    (int64_t)ctx->cfg.stepup_freshness_seconds * 1000, x.stepup_at,
	    x.stepup_kinds, x.stepup_factors, x.factors);
}
