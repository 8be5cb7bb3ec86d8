/*
 * Signature factors: bound devices (AUTH-02) and passkeys (AUTH-03,
 * AUTH-16).  A challenge (256 random bits, single use, bound to the flow
 * or session, expiring) is issued first; the proof signs it.
 */
#include "service/factor_int.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include <tradeguard/error.h>

#include "crypto/devkey.h"
#include "crypto/encode.h"
#include "crypto/webauthn.h"

#define CHALLENGE_BYTES 32

int
tg_factor_webauthn_policy(const tg_ctx *ctx, struct tg_webauthn_policy *pol)
{
	if (tg_webauthn_policy_init(pol, ctx->cfg.webauthn_rp_id,
	    ctx->cfg.webauthn_origins, 0) != 0)
		return TG_ERR_CONFIG;
	return 0;
}

int
tg_factor_new_challenge(tg_ctx *ctx, tg_db *db, int64_t customer_id,
    const uint8_t binding[32], const char *purpose, int64_t factor_id,
    struct tg_challenge_rec *out)
{
	int64_t now = tg_clock_now_ms(&ctx->clock);

	memset(out, 0, sizeof(*out));
	out->customer_id = customer_id;
	memcpy(out->binding, binding, 32);
	snprintf(out->purpose, sizeof(out->purpose), "%s", purpose);
	randombytes_buf(out->challenge, CHALLENGE_BYTES);
	out->factor_id = factor_id;
	out->created_at = now;
	out->expires_at = now + (int64_t)ctx->cfg.webauthn_timeout_seconds * 1000;
	return tg_db_challenge_insert(db, out);
}

/* Take the single-use challenge for binding+purpose; TG_ERR_EXPIRED if stale. */
int
tg_factor_take_challenge(tg_ctx *ctx, tg_db *db, int64_t customer_id,
    const uint8_t binding[32], const char *purpose, struct tg_challenge_rec *out)
{
	int r;

	if ((r = tg_db_challenge_take(db, binding, purpose, out)) != 0)
		return r;
	if (out->customer_id != customer_id)
		return TG_ERR_NOT_FOUND;
	if (tg_clock_now_ms(&ctx->clock) >= out->expires_at)
		return TG_ERR_EXPIRED;
	return 0;
}

/* The user handle of a customer: stable, opaque, not the login (privacy). */
int
tg_factor_user_handle(const tg_ctx *ctx, int64_t customer_id, uint8_t out[16])
{
	uint8_t mac[32];
	char msg[48];
	int r;

	snprintf(msg, sizeof(msg), "webauthn-user:%lld", (long long)customer_id);
	if ((r = tg_keys_hmac(ctx->keys, "session", msg, strlen(msg), mac)) != 0)
		return r;
	memcpy(out, mac, 16);
	sodium_memzero(mac, sizeof(mac));
	return 0;
}


struct cred_list {
	json_t *a;
};

static int
add_cred(const struct tg_factor *f, void *arg)
{
	struct cred_list *l = arg;

	json_array_append_new(l->a, json_pack("{s:s,s:o}", "type", "public-key",
	    "id", tg_b64url_json(f->credential_id, f->credential_id_len)));
	return 0;
}

int
tg_factor_challenge(tg_ctx *ctx, tg_db *db, const struct tg_customer *c,
    const uint8_t binding[32], const char *factor, int64_t device_id,
    json_t **out)
{
	struct tg_challenge_rec ch;
	struct cred_list l;
	struct tg_factor f;
	char msg[TG_DEVKEY_MSG_MAX];
	size_t msglen = 0;
	int r;

	*out = NULL;
	if (strcmp(factor, "device") == 0) {
		if ((r = tg_db_factor_get(db, c->id, device_id, &f)) != 0)
			return r;
		if (f.type != TG_FACTOR_DEVICE || !f.active)
			return TG_ERR_NOT_FOUND;
		if ((r = tg_factor_new_challenge(ctx, db, c->id, binding,
		    "device.login", f.id, &ch)) != 0 ||
		    (r = tg_devkey_challenge_msg(ch.challenge, CHALLENGE_BYTES,
		    "device.login", msg, sizeof(msg), &msglen)) != 0)
			return r;
		*out = json_pack("{s:I,s:o,s:s,s:I}", "device_id",
		    (json_int_t)f.id, "challenge", tg_b64url_json(ch.challenge,
		    CHALLENGE_BYTES), "message", msg, "timeout",
		    (json_int_t)(ch.expires_at - ch.created_at));
		return *out != NULL ? 0 : TG_ERR_NOMEM;
	}
	if (strcmp(factor, "webauthn") != 0)
		return TG_ERR_INVALID;
	l.a = json_array();
	if ((r = tg_db_factor_foreach(db, c->id, TG_FACTOR_WEBAUTHN, 1, add_cred,
	    &l)) != 0 || json_array_size(l.a) == 0) {
		json_decref(l.a);
		return r != 0 ? r : TG_ERR_NOT_FOUND;
	}
	if ((r = tg_factor_new_challenge(ctx, db, c->id, binding,
	    "webauthn.login", 0, &ch)) != 0) {
		json_decref(l.a);
		return r;
	}
	/* PublicKeyCredentialRequestOptions, binary members base64url. */
	*out = json_pack("{s:o,s:s,s:I,s:s,s:o}", "challenge",
	    tg_b64url_json(ch.challenge, CHALLENGE_BYTES), "rpId",
	    ctx->cfg.webauthn_rp_id, "timeout",
	    (json_int_t)(ch.expires_at - ch.created_at), "userVerification",
	    "preferred", "allowCredentials", l.a);
	return *out != NULL ? 0 : TG_ERR_NOMEM;
}

int
tg_factor_verify_device(tg_ctx *ctx, tg_db *db, struct factor_job *j)
{
	struct tg_challenge_rec ch;
	struct tg_factor f;
	char msg[TG_DEVKEY_MSG_MAX];
	size_t msglen = 0;
	int r;

	if (j->p->sig == NULL || j->p->sig_len == 0)
		return TG_ERR_INVALID;
	if ((r = tg_factor_take_challenge(ctx, db, j->c->id, j->binding,
	    "device.login", &ch)) != 0)
		return r;
	if (ch.factor_id != j->p->factor_id)
		return TG_ERR_NOT_FOUND;
	if ((r = tg_db_factor_get(db, j->c->id, j->p->factor_id, &f)) != 0)
		return r;
	if (f.type != TG_FACTOR_DEVICE || !f.active)
		return TG_ERR_NOT_FOUND;
	if ((r = tg_devkey_challenge_msg(ch.challenge, CHALLENGE_BYTES,
	    "device.login", msg, sizeof(msg), &msglen)) != 0)
		return r;
	if ((r = tg_devkey_verify(f.public_key, f.public_key_len, msg, msglen,
	    j->p->sig, j->p->sig_len)) != 0)
		return r == TG_ERR_INVALID ? TG_ERR_AUTH : r;
	if ((r = tg_db_factor_used(db, f.id, tg_clock_now_ms(&ctx->clock))) != 0)
		return r;
	j->kinds = TG_KIND_POSSESSION;
	snprintf(j->label, sizeof(j->label), "device:%lld", (long long)f.id);
	return 0;
}

int
tg_factor_verify_webauthn(tg_ctx *ctx, tg_db *db, struct factor_job *j)
{
	struct tg_webauthn_policy pol;
	struct tg_webauthn_assertion a;
	struct tg_challenge_rec ch;
	struct tg_factor f;
	int r;

	if (j->p->cred_id == NULL || j->p->cred_id_len == 0)
		return TG_ERR_INVALID;
	if ((r = tg_factor_webauthn_policy(ctx, &pol)) != 0)
		return r;
	if ((r = tg_factor_take_challenge(ctx, db, j->c->id, j->binding,
	    "webauthn.login", &ch)) != 0)
		return r;
	if ((r = tg_db_factor_by_credential(db, j->p->cred_id, j->p->cred_id_len,
	    &f)) != 0)
		return r;
	if (f.customer_id != j->c->id || f.type != TG_FACTOR_WEBAUTHN || !f.active)
		return TG_ERR_NOT_FOUND;
	if ((r = tg_webauthn_assert(&pol, ch.challenge, CHALLENGE_BYTES,
	    f.public_key, f.public_key_len, f.alg, j->p->client_data,
	    j->p->client_data_len, j->p->auth_data, j->p->auth_data_len,
	    j->p->sig, j->p->sig_len, &a)) != 0)
		return r == TG_ERR_INVALID || r == TG_ERR_POLICY ||
		    r == TG_ERR_TAMPERED ? TG_ERR_AUTH : r;
	/* A counter that goes back means a cloned authenticator. */
	if ((r = tg_db_factor_use_count(db, f.id, (int64_t)a.sign_count,
	    tg_clock_now_ms(&ctx->clock))) != 0)
		return r;
	/* The device verified the biometric or PIN and signed that it did (AUTH-03). */
	j->kinds = TG_KIND_POSSESSION | (a.uv ? TG_KIND_INHERENCE : 0);
	snprintf(j->label, sizeof(j->label), "webauthn:%lld", (long long)f.id);
	return 0;
}
