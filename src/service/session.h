/*
 * Sessions (ACC-01): opaque 256-bit random tokens (base64url), stored only
 * as HMAC-SHA-256(session key, token).  Idle timeout and absolute lifetime,
 * a per-account limit, optional binding to the client address.
 */
#ifndef TG_SERVICE_SESSION_H
#define TG_SERVICE_SESSION_H

#include "service/audit.h"
#include "service/ctx.h"

#define TG_TOKEN_BYTES 32
#define TG_TOKEN_LEN 43		/* base64url characters of 32 bytes */

struct tg_session_info {
	struct tg_session_rec rec;
	struct tg_customer customer;
	int64_t idle_expires_at;
};

/* HMAC of a presented token; TG_ERR_INVALID if it is not a well-formed token. */
int tg_session_token_hash(const tg_ctx *ctx, const char *token, uint8_t out[32])
    __attribute__((warn_unused_result));

/* A new random token and its hash. */
int tg_session_token_new(const tg_ctx *ctx, char token[TG_TOKEN_LEN + 1],
    uint8_t hash[32]) __attribute__((warn_unused_result));

/*
 * Create a session for c with the verified factor kinds, enforcing the
 * per-account limit (TG_ERR_LIMIT when refusing; or ending the oldest).
 * Runs inside the caller's transaction; audits "session.created".
 */
int tg_session_create(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, unsigned kinds, int pw_change_recommended,
    char token[TG_TOKEN_LEN + 1], struct tg_session_rec *out)
    __attribute__((warn_unused_result));

/*
 * Validate a presented token: known, not idle-expired, not past its
 * lifetime, from the bound address (if binding is on), account usable.
 * Touches last-seen (at most every few seconds).  Expired sessions are
 * deleted and audited.  0, TG_ERR_AUTH (unknown/invalid), TG_ERR_EXPIRED,
 * TG_ERR_AUDIT, TG_ERR_STORE.
 */
int tg_session_check(tg_ctx *ctx, const struct tg_actor *who, const char *token,
    struct tg_session_info *out) __attribute__((warn_unused_result));

/* Log out (delete) the session with this hash; audited. */
int tg_session_logout(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si) __attribute__((warn_unused_result));

/*
 * Revoke every session of customer_id except keep (may be NULL), within the
 * caller's transaction; audits "session.revoked" with reason and count.
 */
int tg_session_revoke_customer(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, const uint8_t *keep, const char *reason)
    __attribute__((warn_unused_result));

/* Delete expired sessions and flows (periodic job). */
int tg_session_purge(tg_ctx *ctx) __attribute__((warn_unused_result));

/* "knowledge", ... as a JSON array. */
json_t *tg_kinds_json(unsigned kinds);

#endif
