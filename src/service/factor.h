/*
 * Second-factor proofs (AUTH-01, AUTH-02, AUTH-03, AUTH-16): verification of
 * one proof for a customer, under the lockout guard, bound to a flow or a
 * session (`binding`: its id hash).  Shared by login flows and step-up.
 */
#ifndef TG_SERVICE_FACTOR_H
#define TG_SERVICE_FACTOR_H

#include "service/flow.h"

/*
 * Verify p for customer c.  On success *kinds receives what it proves and
 * label its name for the record ("totp:3", "sms", "webauthn:7", ...).
 * Failures count toward the lockout and return TG_ERR_AUTH.
 */
int tg_factor_check(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, const uint8_t binding[32], const char *purpose,
    const struct tg_proof *p, unsigned *kinds, char *label, size_t labellen)
    __attribute__((warn_unused_result));

/*
 * Create a one-time code for binding, store its keyed hash and queue it to
 * the owner by channel "sms" or "email".  TG_ERR_NOT_FOUND if the customer
 * has no such contact or the channel is not configured, TG_ERR_LIMIT past
 * otp.max_per_hour.
 */
int tg_factor_send_code(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, const uint8_t binding[32], const char *channel,
    const char *purpose, char *masked, size_t maskedlen, int64_t *expires_at)
    __attribute__((warn_unused_result));

/*
 * Issue a signing challenge for factor "device" (device_id) or "webauthn"
 * (all the customer's passkeys) bound to binding; *out is the JSON the
 * client needs (for WebAuthn: PublicKeyCredentialRequestOptions).
 */
int tg_factor_challenge(tg_ctx *ctx, tg_db *db, const struct tg_customer *c,
    const uint8_t binding[32], const char *factor, int64_t device_id,
    json_t **out) __attribute__((warn_unused_result));

/* Keyed hash of a one-time or recovery code (never stored in clear). */
int tg_factor_code_hash(const tg_ctx *ctx, const char *domain,
    const uint8_t *binding, size_t blen, const char *code, uint8_t out[32])
    __attribute__((warn_unused_result));

#endif
