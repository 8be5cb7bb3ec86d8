/*
 * Enrolment and management of second factors by their owner (AUTH-02,
 * AUTH-06): TOTP generators, recovery codes, bound devices and passkeys.
 * Every binding needs a step-up (see core/policy.c) and is audited and
 * notified.
 */
#ifndef TG_SERVICE_ENROL_H
#define TG_SERVICE_ENROL_H

#include <jansson.h>

#include "service/session.h"
#include "store/store_factor.h"

#define TG_RECOVERY_CODES 10
#define TG_RECOVERY_CODE_LEN 11		/* "xxxxx-xxxxx" */

struct tg_totp_enrolment {
	int64_t factor_id;
	char secret_b32[64];
	char uri[1024];
	char *qr_svg;			/* malloc'd */
};

/* Open a stored TOTP secret (sealed under a data key, bound to the customer). */
int tg_enrol_totp_secret(tg_ctx *ctx, const struct tg_factor *f, uint8_t *key,
    size_t cap, size_t *keylen) __attribute__((warn_unused_result));

/* Start a TOTP enrolment (pending until confirmed); needs step-up "totp.enrol". */
int tg_enrol_totp_begin(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, const char *name,
    struct tg_totp_enrolment *out) __attribute__((warn_unused_result));
void tg_enrol_totp_clear(struct tg_totp_enrolment *e);

/* Confirm with a first valid code; the code's time step is then used up. */
int tg_enrol_totp_confirm(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, int64_t factor_id, const char *code)
    __attribute__((warn_unused_result));

/* New set of recovery codes (the old ones stop working); needs step-up "recovery.regenerate". */
int tg_enrol_recovery(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si,
    char codes[TG_RECOVERY_CODES][TG_RECOVERY_CODE_LEN + 1])
    __attribute__((warn_unused_result));

/*
 * Issue recovery codes for c on an operator's behalf (account opening, a
 * customer who lost every device, the demo): no step-up — the operator's
 * own identification procedure stands in for it — and audited as
 * "recovery.issued" with the operator as actor.
 */
int tg_enrol_recovery_issue(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_customer *c,
    char codes[TG_RECOVERY_CODES][TG_RECOVERY_CODE_LEN + 1])
    __attribute__((warn_unused_result));

/* The customer's factors as JSON (no secrets or keys). */
json_t *tg_enrol_list(tg_ctx *ctx, const struct tg_session_info *si);

/* Revoke (delete) a factor; needs step-up "factor.revoke". */
int tg_enrol_revoke(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, int64_t factor_id)
    __attribute__((warn_unused_result));

/* Rename a factor. */
int tg_enrol_rename(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, int64_t factor_id, const char *name)
    __attribute__((warn_unused_result));

/* A challenge for binding a device key (needs step-up "device.bind"). */
int tg_enrol_device_challenge(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, json_t **out)
    __attribute__((warn_unused_result));
/*
 * Bind a device public key (SPKI, DER or PEM; P-256 or Ed25519) whose
 * signature over the challenge message proves possession.  TG_ERR_AUTH for
 * a bad or missing proof, TG_ERR_INVALID for an unsupported key or name.
 */
int tg_enrol_device(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, const char *name, const uint8_t *key,
    size_t keylen, const uint8_t *sig, size_t siglen, int64_t *id)
    __attribute__((warn_unused_result));
/* PublicKeyCredentialCreationOptions (needs step-up "passkey.register"). */
int tg_enrol_webauthn_options(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, json_t **out)
    __attribute__((warn_unused_result));
/* Verify a registration (attestation none or packed) and store the passkey. */
int tg_enrol_webauthn(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, const char *name,
    const uint8_t *client_data, size_t cdlen, const uint8_t *att_obj,
    size_t aolen, int64_t *id) __attribute__((warn_unused_result));

#endif
