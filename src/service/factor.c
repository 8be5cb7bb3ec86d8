#include "service/factor_int.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <sodium.h>

#include <tradeguard/error.h>

#include "core/log.h"
#include "core/mask.h"

#define OTP_DIGITS 6
#define RECOVERY_DOMAIN "recovery:v1"
#define OTP_DOMAIN "otp:v1"

int
tg_factor_code_hash(const tg_ctx *ctx, const char *domain,
    const uint8_t *binding, size_t blen, const char *code, uint8_t out[32])
{
	uint8_t buf[256];
	size_t dlen = strlen(domain), clen = strlen(code);
	int r;

	if (dlen + 1 + blen + clen > sizeof(buf))
		return TG_ERR_INVALID;
	memcpy(buf, domain, dlen);
	buf[dlen] = 0;
	memcpy(buf + dlen + 1, binding, blen);
	memcpy(buf + dlen + 1 + blen, code, clen);
	r = tg_keys_hmac(ctx->keys, "session", buf, dlen + 1 + blen + clen, out);
	sodium_memzero(buf, sizeof(buf));
	return r;
}

/* Exactly n ASCII digits. */
static int
all_digits(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* SMS or email code: current, unexpired, within its attempts, then single use. */
static int
verify_code(tg_ctx *ctx, tg_db *db, struct factor_job *j, const char *channel)
{
	struct tg_otp_rec o;
	uint8_t h[32];
	int r;

	if (j->p->code == NULL || !all_digits(j->p->code, OTP_DIGITS))
		return TG_ERR_INVALID;
	if ((r = tg_db_otp_current(db, j->binding, channel, &o)) != 0)
		return r;
	if (tg_clock_now_ms(&ctx->clock) >= o.expires_at)
		return TG_ERR_EXPIRED;
	if ((r = tg_db_otp_attempt(db, o.id, ctx->cfg.otp_max_attempts)) != 0)
		return r;
	if ((r = tg_factor_code_hash(ctx, OTP_DOMAIN, j->binding, 32,
	    j->p->code, h)) != 0)
		return r;
	if (CRYPTO_memcmp(h, o.code_hash, sizeof(h)) != 0)
		return TG_ERR_AUTH;
	if ((r = tg_db_otp_use(db, o.id)) != 0)
		return r;
	j->kinds = TG_KIND_POSSESSION;
	snprintf(j->label, sizeof(j->label), "%s", channel);
	return 0;
}

/* Recovery codes: "xxxx-xxxx-xx" in any case, dashes and spaces ignored. */
static int
normalise_recovery(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in != '\0'; in++) {
		char ch = *in;

		if (ch == '-' || ch == ' ')
			continue;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch + 32);
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) ||
		    n + 1 >= cap)
			return TG_ERR_INVALID;
		out[n++] = ch;
	}
	out[n] = '\0';
	return n == 0 ? TG_ERR_INVALID : 0;
}

static int
verify_recovery(tg_ctx *ctx, tg_db *db, struct factor_job *j)
{
	char norm[64];
	uint8_t id[8], h[32];
	int r;

	if (j->p->code == NULL ||
	    normalise_recovery(j->p->code, norm, sizeof(norm)) != 0)
		return TG_ERR_INVALID;
	for (r = 0; r < 8; r++)
		id[r] = (uint8_t)((uint64_t)j->c->id >> (8 * r));
	r = tg_factor_code_hash(ctx, RECOVERY_DOMAIN, id, sizeof(id), norm, h);
	sodium_memzero(norm, sizeof(norm));
	if (r != 0)
		return r;
	if ((r = tg_db_recovery_use(db, j->c->id, h,
	    tg_clock_now_ms(&ctx->clock))) != 0)
		return r == TG_ERR_NOT_FOUND ? TG_ERR_AUTH : r;
	/* The printed sheet is something the customer holds. */
	j->kinds = TG_KIND_POSSESSION;
	snprintf(j->label, sizeof(j->label), "recovery");
	return 0;
}

/* The password as a later step of a flow (after a passkey, say). */
static int
verify_password(tg_ctx *ctx, struct factor_job *j)
{
	int r;

	if (j->p->code == NULL)
		return TG_ERR_INVALID;
	atomic_fetch_add(&ctx->metrics.password_verify, 1);
	r = tg_pwhash_verify(ctx->keys, j->c->pw_hash, j->p->code,
	    strlen(j->p->code));
	if (r != 0)
		return TG_ERR_AUTH;
	j->kinds = TG_KIND_KNOWLEDGE;
	snprintf(j->label, sizeof(j->label), "password");
	return 0;
}

static int
factor_dispatch(tg_ctx *ctx, tg_db *db, void *arg)
{
	struct factor_job *j = arg;

	switch (j->p->type) {
	case TG_PROOF_PASSWORD:
		return verify_password(ctx, j);
	case TG_PROOF_SMS:
		return verify_code(ctx, db, j, "sms");
	case TG_PROOF_EMAIL:
		return verify_code(ctx, db, j, "email");
	case TG_PROOF_RECOVERY:
		return verify_recovery(ctx, db, j);
	case TG_PROOF_TOTP:
		return tg_factor_verify_totp(ctx, db, j);
	case TG_PROOF_DEVICE:
		return tg_factor_verify_device(ctx, db, j);
	case TG_PROOF_WEBAUTHN:
		return tg_factor_verify_webauthn(ctx, db, j);
	}
	return TG_ERR_INVALID;
}

/* Equal-cost work when a locked account presents a password. */
static void
factor_blocked(tg_ctx *ctx, void *arg)
{
	struct factor_job *j = arg;
	int r;

	if (j->p->code == NULL)
		return;
	r = tg_pwhash_verify(ctx->keys, ctx->dummy_hash, j->p->code,
	    strlen(j->p->code));
	(void)r;
	atomic_fetch_add(&ctx->metrics.password_dummy_verify, 1);
}

int
tg_factor_check(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, const uint8_t binding[32], const char *purpose,
    const struct tg_proof *p, unsigned *kinds, char *label, size_t labellen)
{
	struct factor_job j;
	int r;

	memset(&j, 0, sizeof(j));
	j.c = c;
	j.binding = binding;
	j.p = p;
	j.request_id = who->request_id;
	*kinds = 0;
	label[0] = '\0';
	if ((r = tg_login_guard(ctx, db, who, c, tg_proof_name(p->type),
	    purpose, factor_dispatch, p->type == TG_PROOF_PASSWORD ?
	    factor_blocked : NULL, &j)) != 0)
		return r;
	*kinds = j.kinds;
	snprintf(label, labellen, "%s", j.label);
	return 0;
}

int
tg_factor_send_code(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, const uint8_t binding[32], const char *channel,
    const char *purpose, char *masked, size_t maskedlen, int64_t *expires_at)
{
	int64_t now = tg_clock_now_ms(&ctx->clock);
	struct tg_audit_event ev;
	struct tg_otp_rec o;
	char code[OTP_DIGITS + 1], subject[TG_LOGIN_MAX + 16];
	uint8_t sealed[256];
	size_t sealed_len = 0;
	char *payload = NULL, *b64 = NULL;
	json_t *pj = NULL;
	int is_sms, n = 0, r;

	masked[0] = '\0';
	*expires_at = 0;
	is_sms = strcmp(channel, "sms") == 0;
	if (!is_sms && strcmp(channel, "email") != 0)
		return TG_ERR_INVALID;
	if ((is_sms && (c->phone[0] == '\0' ||
	    ctx->cfg.notify_webhook_url[0] == '\0')) ||
	    (!is_sms && (c->email[0] == '\0' ||
	    ctx->cfg.notify_smtp_url[0] == '\0')))
		return TG_ERR_NOT_FOUND;
	if ((r = tg_db_otp_count_since(db, c->id, now - 3600000, &n)) != 0)
		return r;
	if (n >= ctx->cfg.otp_max_per_hour)
		return TG_ERR_LIMIT;
	snprintf(code, sizeof(code), "%06u",
	    (unsigned)randombytes_uniform(1000000));
	memset(&o, 0, sizeof(o));
	o.customer_id = c->id;
	memcpy(o.binding, binding, 32);
	snprintf(o.channel, sizeof(o.channel), "%s", channel);
	o.created_at = now;
	o.expires_at = now + (int64_t)ctx->cfg.otp_ttl_seconds * 1000;
	if ((r = tg_factor_code_hash(ctx, OTP_DOMAIN, binding, 32, code,
	    o.code_hash)) != 0)
		goto out;
	/* The code travels to the delivery worker sealed under a data key, never in clear. */
	if ((r = tg_keys_seal(ctx->keys, tg_keys_data_current(ctx->keys),
	    "otp.code", 8, code, OTP_DIGITS, sealed, sizeof(sealed),
	    &sealed_len)) != 0)
		goto out;
	if ((b64 = malloc(sodium_base64_ENCODED_LEN(sealed_len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING))) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	sodium_bin2base64(b64, sodium_base64_ENCODED_LEN(sealed_len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING), sealed, sealed_len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	pj = json_pack("{s:s,s:s,s:s,s:s,s:I}", "locale", c->locale, "channel",
	    channel, "purpose", purpose, "code_sealed", b64, "expires_at",
	    (json_int_t)o.expires_at);
	if (pj == NULL || (payload = json_dumps(pj, JSON_COMPACT)) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	if (is_sms)
		tg_mask_phone(c->phone, masked, maskedlen);
	else
		tg_mask_email(c->email, masked, maskedlen);
	snprintf(subject, sizeof(subject), "customer:%s", c->login);
	ev.type = "otp.sent";
	ev.subject = subject;
	ev.result = "ok";
	ev.details = json_pack("{s:s,s:s,s:s}", "channel", channel, "to", masked,
	    "purpose", purpose);
	if ((r = tg_db_begin(db)) != 0)
		goto out;
	if ((r = tg_db_otp_insert(db, &o)) != 0 ||
	    (r = tg_db_outbox_insert(db, c->id, "otp.code", payload, now)) != 0 ||
	    (r = tg_audit_append(ctx, db, who, &ev)) != 0 ||
	    (r = tg_db_commit(db)) != 0)
		tg_db_rollback(db);
	json_decref(ev.details);
	if (r == 0)
		*expires_at = o.expires_at;
out:
	sodium_memzero(code, sizeof(code));
	json_decref(pj);
	free(payload);
	free(b64);
	return r;
}
