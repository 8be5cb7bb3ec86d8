/* TOTP as a login or step-up factor (possession of the enrolled generator). */
#include "service/factor_int.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <tradeguard/error.h>

#include "core/totp.h"
#include "service/enrol.h"

struct totp_try {
	tg_ctx *ctx;
	struct factor_job *j;
	const char *code;
	int64_t now;
	int64_t matched_id;
	int64_t matched_step;
	int result;
};

static int
totp_try_one(const struct tg_factor *f, void *arg)
{
	struct totp_try *t = arg;
	uint8_t key[TG_OTP_KEY_MAX];
	size_t keylen = 0;
	int64_t step = -1;
	int r;

	if (tg_enrol_totp_secret(t->ctx, f, key, sizeof(key), &keylen) != 0) {
		t->result = TG_ERR_TAMPERED;
		return 0;
	}
	r = tg_totp_verify(key, keylen, t->now, t->ctx->cfg.totp_window,
	    t->code, f->last_step, &step);
	sodium_memzero(key, sizeof(key));
	if (r == 0) {
		t->matched_id = f->id;
		t->matched_step = step;
		t->result = 0;
		return 1;
	}
	/* Remember the most telling failure: a replay beats a plain miss. */
	if (r == TG_ERR_REUSED || t->result == TG_ERR_NOT_FOUND)
		t->result = r;
	return 0;
}

int
tg_factor_verify_totp(tg_ctx *ctx, tg_db *db, struct factor_job *j)
{
	struct totp_try t;
	int r;

	if (j->p->code == NULL)
		return TG_ERR_INVALID;
	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.j = j;
	t.code = j->p->code;
	t.now = tg_clock_now_ms(&ctx->clock);
	t.result = TG_ERR_NOT_FOUND;
	if ((r = tg_db_factor_foreach(db, j->c->id, TG_FACTOR_TOTP, 1,
	    totp_try_one, &t)) != 0 && r != 1)
		return r;
	if (t.result != 0)
		return t.result;
	/* Each accepted time step is single use, atomically in the store. */
	if ((r = tg_db_factor_use_step(db, t.matched_id, t.matched_step, t.now)) != 0)
		return r;
	j->kinds = TG_KIND_POSSESSION;
	snprintf(j->label, sizeof(j->label), "totp:%lld", (long long)t.matched_id);
	return 0;
}
