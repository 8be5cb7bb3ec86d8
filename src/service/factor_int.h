/* Per-factor verification, private to src/service/factor*.c. */
#ifndef TG_SERVICE_FACTOR_INT_H
#define TG_SERVICE_FACTOR_INT_H

#include "service/factor.h"

/*
 * Each returns 0 for a valid proof (filling *kinds and label), or a proof
 * failure (TG_ERR_AUTH, REUSED, EXPIRED, LIMIT, TAMPERED, NOT_FOUND,
 * INVALID) that the lockout guard counts, or a store error.
 */
struct factor_job {
	const struct tg_customer *c;
	const uint8_t *binding;
	const struct tg_proof *p;
	const char *request_id;
	unsigned kinds;
	char label[64];
};

int tg_factor_verify_totp(tg_ctx *ctx, tg_db *db, struct factor_job *j);
int tg_factor_verify_device(tg_ctx *ctx, tg_db *db, struct factor_job *j);
int tg_factor_verify_webauthn(tg_ctx *ctx, tg_db *db, struct factor_job *j);


struct tg_webauthn_policy;
/* The WebAuthn policy from the configuration; TG_ERR_CONFIG if it is invalid. */
int tg_factor_webauthn_policy(const tg_ctx *ctx, struct tg_webauthn_policy *pol);
/* Issue a single-use challenge for binding+purpose. */
int tg_factor_new_challenge(tg_ctx *ctx, tg_db *db, int64_t customer_id,
    const uint8_t binding[32], const char *purpose, int64_t factor_id,
    struct tg_challenge_rec *out);
/* Take it back (deleted): NOT_FOUND, EXPIRED or 0. */
int tg_factor_take_challenge(tg_ctx *ctx, tg_db *db, int64_t customer_id,
    const uint8_t binding[32], const char *purpose, struct tg_challenge_rec *out);
/* The WebAuthn user handle of a customer (16 bytes). */
int tg_factor_user_handle(const tg_ctx *ctx, int64_t customer_id, uint8_t out[16]);

#endif
