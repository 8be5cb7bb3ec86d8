/*
 * Binding a device key (AUTH-02) and registering a passkey (AUTH-16): both
 * prove possession of the private key by signing a fresh challenge, both
 * need a step-up, both are audited and notified.
 */
#include "service/enrol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <tradeguard/error.h>

#include "crypto/devkey.h"
#include "crypto/encode.h"
#include "crypto/webauthn.h"
#include "service/customer.h"
#include "service/factor_int.h"
#include "service/stepup.h"

#define CHALLENGE_BYTES 32


static int
valid_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > TG_FACTOR_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	return 1;
}

int
tg_enrol_device_challenge(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, json_t **out)
{
	tg_db *db = tg_store_db(ctx->store);
	struct tg_challenge_rec ch;
	char msg[TG_DEVKEY_MSG_MAX];
	size_t msglen = 0;
	int r;

	(void)who;
	*out = NULL;
	if (db == NULL)
		return TG_ERR_STORE;
	if ((r = tg_stepup_require(ctx, si, "device.bind")) != 0)
		return r;
	if ((r = tg_factor_new_challenge(ctx, db, si->customer.id,
	    si->rec.id_hash, "device.register", 0, &ch)) != 0 ||
	    (r = tg_devkey_challenge_msg(ch.challenge, CHALLENGE_BYTES,
	    "device.register", msg, sizeof(msg), &msglen)) != 0)
		return r;
	*out = json_pack("{s:o,s:s,s:I}", "challenge", tg_b64url_json(ch.challenge,
	    CHALLENGE_BYTES), "message", msg, "timeout",
	    (json_int_t)(ch.expires_at - ch.created_at));
	return *out != NULL ? 0 : TG_ERR_NOMEM;
}

int
tg_enrol_device(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, const char *name, const uint8_t *key,
    size_t keylen, const uint8_t *sig, size_t siglen, int64_t *id)
{
	tg_db *db = tg_store_db(ctx->store);
	const struct tg_customer *c = &si->customer;
	struct tg_challenge_rec ch;
	struct tg_factor f;
	char msg[TG_DEVKEY_MSG_MAX];
	size_t msglen = 0;
	int64_t now = tg_clock_now_ms(&ctx->clock);
	int r;

	*id = 0;
	if (db == NULL)
		return TG_ERR_STORE;
	if (!valid_name(name))
		return TG_ERR_INVALID;
	if ((r = tg_stepup_require(ctx, si, "device.bind")) != 0)
		return r;
	memset(&f, 0, sizeof(f));
	if (tg_devkey_parse(key, keylen, f.public_key, sizeof(f.public_key),
	    &f.public_key_len, &f.alg) != 0)
		return TG_ERR_INVALID;
	/* Proof of possession: the new key signs this session's challenge. */
	if ((r = tg_factor_take_challenge(ctx, db, c->id, si->rec.id_hash,
	    "device.register", &ch)) != 0)
		return r == TG_ERR_NOT_FOUND || r == TG_ERR_EXPIRED ? TG_ERR_AUTH : r;
	if ((r = tg_devkey_challenge_msg(ch.challenge, CHALLENGE_BYTES,
	    "device.register", msg, sizeof(msg), &msglen)) != 0)
		return r;
	if (tg_devkey_verify(f.public_key, f.public_key_len, msg, msglen,
	    sig, siglen) != 0)
		return TG_ERR_AUTH;
	f.customer_id = c->id;
	f.type = TG_FACTOR_DEVICE;
	f.active = 1;
	f.created_at = now;
	snprintf(f.name, sizeof(f.name), "%s", name);
	if ((r = tg_db_begin(db)) != 0)
		return r;
	if ((r = tg_db_factor_insert(db, &f)) != 0 ||
	    (r = tg_audit_customer(ctx, db, who, c->login, "factor.enrolled", "ok", json_pack("{s:s,s:I,s:s,s:i}",
	    "type", "device", "factor_id", (json_int_t)f.id, "name", f.name,
	    "alg", f.alg))) != 0 ||
	    (r = tg_customer_notify(db, c, "device.bound", now, json_pack("{s:s}", "name", f.name))) != 0 ||
	    (r = tg_db_commit(db)) != 0) {
		tg_db_rollback(db);
		return r;
	}
	*id = f.id;
	return 0;
}

struct excl {
	json_t *a;
};

static int
add_excl(const struct tg_factor *f, void *arg)
{
	struct excl *e = arg;

	json_array_append_new(e->a, json_pack("{s:s,s:o}", "type", "public-key",
	    "id", tg_b64url_json(f->credential_id, f->credential_id_len)));
	return 0;
}

int
tg_enrol_webauthn_options(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, json_t **out)
{
	tg_db *db = tg_store_db(ctx->store);
	const struct tg_customer *c = &si->customer;
	struct tg_challenge_rec ch;
	uint8_t handle[16];
	struct excl e;
	int r;

	(void)who;
	*out = NULL;
	if (db == NULL)
		return TG_ERR_STORE;
	if ((r = tg_stepup_require(ctx, si, "passkey.register")) != 0)
		return r;
	if ((r = tg_factor_user_handle(ctx, c->id, handle)) != 0 ||
	    (r = tg_factor_new_challenge(ctx, db, c->id, si->rec.id_hash,
	    "webauthn.register", 0, &ch)) != 0)
		return r;
	e.a = json_array();
	if ((r = tg_db_factor_foreach(db, c->id, TG_FACTOR_WEBAUTHN, 0, add_excl,
	    &e)) != 0) {
		json_decref(e.a);
		return r;
	}
	/* PublicKeyCredentialCreationOptions, binary members base64url. */
	*out = json_pack("{s:{s:s,s:s},s:{s:o,s:s,s:s},s:o,s:[{s:s,s:i},{s:s,s:i},"
	    "{s:s,s:i}],s:I,s:s,s:{s:s,s:s},s:o}",
	    "rp", "id", ctx->cfg.webauthn_rp_id, "name", ctx->cfg.webauthn_rp_name,
	    "user", "id", tg_b64url_json(handle, sizeof(handle)), "name", c->login,
	    "displayName", c->login,
	    "challenge", tg_b64url_json(ch.challenge, CHALLENGE_BYTES),
	    "pubKeyCredParams", "type", "public-key", "alg", -7, "type",
	    "public-key", "alg", -8, "type", "public-key", "alg", -257,
	    "timeout", (json_int_t)(ch.expires_at - ch.created_at),
	    "attestation", "direct",
	    "authenticatorSelection", "residentKey", "preferred",
	    "userVerification", "preferred",
	    "excludeCredentials", e.a);
	return *out != NULL ? 0 : TG_ERR_NOMEM;
}

int
tg_enrol_webauthn(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, const char *name,
    const uint8_t *client_data, size_t cdlen, const uint8_t *att_obj,
    size_t aolen, int64_t *id)
{
	tg_db *db = tg_store_db(ctx->store);
	const struct tg_customer *c = &si->customer;
	struct tg_webauthn_policy pol;
	struct tg_webauthn_credential cred;
	struct tg_challenge_rec ch;
	struct tg_factor f;
	int64_t now = tg_clock_now_ms(&ctx->clock);
	int r;

	*id = 0;
	if (db == NULL)
		return TG_ERR_STORE;
	if (!valid_name(name))
		return TG_ERR_INVALID;
	if ((r = tg_stepup_require(ctx, si, "passkey.register")) != 0)
		return r;
	if ((r = tg_factor_webauthn_policy(ctx, &pol)) != 0)
		return r;
	if ((r = tg_factor_take_challenge(ctx, db, c->id, si->rec.id_hash,
	    "webauthn.register", &ch)) != 0)
		return r == TG_ERR_NOT_FOUND || r == TG_ERR_EXPIRED ? TG_ERR_AUTH : r;
	if (tg_webauthn_register(&pol, ch.challenge, CHALLENGE_BYTES,
	    client_data, cdlen, att_obj, aolen, &cred) != 0)
		return TG_ERR_AUTH;
	memset(&f, 0, sizeof(f));
	f.customer_id = c->id;
	f.type = TG_FACTOR_WEBAUTHN;
	f.active = 1;
	f.created_at = now;
	snprintf(f.name, sizeof(f.name), "%s", name);
	memcpy(f.credential_id, cred.id, cred.id_len);
	f.credential_id_len = cred.id_len;
	memcpy(f.public_key, cred.cose_key, cred.cose_key_len);
	f.public_key_len = cred.cose_key_len;
	f.alg = cred.alg;
	f.sign_count = cred.sign_count;
	f.uv = cred.uv;
	if ((r = tg_db_begin(db)) != 0)
		return r;
	if ((r = tg_db_factor_insert(db, &f)) != 0 ||
	    (r = tg_audit_customer(ctx, db, who, c->login, "factor.enrolled", "ok", json_pack("{s:s,s:I,s:s,s:i,s:s,s:b}",
	    "type", "webauthn", "factor_id", (json_int_t)f.id, "name", f.name,
	    "alg", f.alg, "attestation", cred.att_type == TG_WEBAUTHN_ATT_NONE ?
	    "none" : cred.att_type == TG_WEBAUTHN_ATT_SELF ? "packed-self" :
	    "packed-x5c-untrusted", "user_verified_claimed", cred.uv))) != 0 ||
	    (r = tg_customer_notify(db, c, "passkey.registered", now, json_pack("{s:s}", "name", f.name))) != 0 ||
	    (r = tg_db_commit(db)) != 0) {
		tg_db_rollback(db);
		return r;
	}
	*id = f.id;
	return 0;
}
