/*
 * Login flows (AUTH-01): a state machine per attempt.  A flow starts with
 * the password (login) or with the login name alone (self-service unlock or
 * password reset), collects verified factors until the policy for its
 * purpose is met, and expires (auth.flow_ttl_seconds).  It is bound to the
 * client that started it (address and user agent).
 */
#ifndef TG_SERVICE_FLOW_H
#define TG_SERVICE_FLOW_H

#include <jansson.h>

#include "core/policy.h"
#include "service/audit.h"
#include "service/ctx.h"
#include "service/login.h"
#include "store/store_factor.h"

struct tg_flow_state {
	uint8_t id_hash[32];
	char token[TG_TOKEN_LEN + 1];
	struct tg_flow_rec rec;
	struct tg_flow_extra x;
	enum tg_flow_purpose purpose;
	struct tg_customer customer;
};

/* A proof of one factor, as presented. */
enum tg_proof_type {
	TG_PROOF_TOTP, TG_PROOF_SMS, TG_PROOF_EMAIL, TG_PROOF_RECOVERY,
	TG_PROOF_DEVICE, TG_PROOF_WEBAUTHN, TG_PROOF_PASSWORD,
};

struct tg_proof {
	enum tg_proof_type type;
	const char *code;		/* TOTP, SMS, email, recovery; the password */
	int64_t factor_id;		/* device */
	const uint8_t *sig;		/* device, WebAuthn */
	size_t sig_len;
	const uint8_t *cred_id;		/* WebAuthn */
	size_t cred_id_len;
	const uint8_t *client_data;	/* WebAuthn */
	size_t client_data_len;
	const uint8_t *auth_data;	/* WebAuthn */
	size_t auth_data_len;
};

/* "totp", "sms", ...; parse returns TG_ERR_INVALID for unknown names. */
const char *tg_proof_name(enum tg_proof_type t);
int tg_proof_parse(const char *s, enum tg_proof_type *out);

/*
 * Record newly verified kinds (label: "password", "totp:3", "sms", ...) on
 * the flow fl (NULL: start one for customer c) and finish it when the
 * policy for purpose is met: a session for login, an unlock, or a flow
 * ready for a new password (reset).  res receives the outcome.
 */
int tg_flow_advance(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, struct tg_flow_state *fl,
    enum tg_flow_purpose purpose, unsigned kinds, const char *label,
    struct tg_login_result *res) __attribute__((warn_unused_result));

/*
 * Load the flow of token: TG_ERR_AUTH if unknown, expired (then deleted) or
 * presented by another client.
 */
int tg_flow_load(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const char *token, struct tg_flow_state *out)
    __attribute__((warn_unused_result));

/* Start a flow without a password (purpose unlock or reset, or login by passkey). */
int tg_flow_start(tg_ctx *ctx, const struct tg_actor *who, const char *login,
    enum tg_flow_purpose purpose, struct tg_login_result *res)
    __attribute__((warn_unused_result));

/* Verify one more factor on the flow of token; res as for tg_flow_advance. */
int tg_flow_verify(tg_ctx *ctx, const struct tg_actor *who, const char *token,
    const struct tg_proof *p, struct tg_login_result *res)
    __attribute__((warn_unused_result));

/* Send a one-time code by "sms" or "email" for the flow; masked receives the masked address. */
int tg_flow_send_code(tg_ctx *ctx, const struct tg_actor *who, const char *token,
    const char *channel, char *masked, size_t maskedlen, int64_t *expires_at)
    __attribute__((warn_unused_result));

/* A device or WebAuthn challenge for the flow of token. */
int tg_flow_challenge(tg_ctx *ctx, const struct tg_actor *who, const char *token,
    const char *factor, int64_t device_id, json_t **out)
    __attribute__((warn_unused_result));

/* Set the new password on a reset flow whose factors are complete. */
int tg_flow_reset_password(tg_ctx *ctx, const struct tg_actor *who,
    const char *token, const char *pw, size_t pwlen, const char **reason)
    __attribute__((warn_unused_result));

/*
 * The factors that can still add a kind to this flow (JSON array of names):
 * not used yet on it, and proving a kind not yet verified (kinds) — a
 * passkey counts for inherence, so it stays on offer while inherence is
 * missing.  purpose: the password is never offered to unlock or reset.
 */
json_t *tg_flow_available(tg_ctx *ctx, tg_db *db, const struct tg_customer *c,
    const char *used, unsigned kinds, enum tg_flow_purpose purpose);

#endif
