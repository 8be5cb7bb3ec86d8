/*
 * Login (AUTH-01, AUTH-04, AUTH-10, AUTH-11): the password step of a login
 * flow, the 3-strike lockout and the uniform failure answer.
 */
#ifndef TG_SERVICE_LOGIN_H
#define TG_SERVICE_LOGIN_H

#include "service/audit.h"
#include "service/ctx.h"
#include "service/session.h"

enum tg_login_state {
	TG_LOGIN_AUTHENTICATED,		/* policy met: a session was created */
	TG_LOGIN_FACTOR_REQUIRED,	/* more factor kinds needed: a flow was created */
	TG_LOGIN_UNLOCKED,		/* self-service unlock completed */
	TG_LOGIN_RESET_READY,		/* reset flow may now set a new password */
};

struct tg_login_result {
	enum tg_login_state state;
	unsigned kinds;				/* kinds verified */
	int pw_change_recommended;		/* AUTH-11 */
	char token[TG_TOKEN_LEN + 1];		/* session or flow token */
	int64_t expires_at;			/* session lifetime end or flow expiry */
	int64_t idle_expires_at;		/* sessions only */
	struct tg_customer customer;
	char factors[256];			/* factor labels verified on the flow */
	int purpose;				/* enum tg_flow_purpose */
	int required_kinds;			/* for this customer's class */
};

/*
 * Verify login+password.  Unknown login, disabled or locked account and a
 * wrong password all return TG_ERR_AUTH after the same Argon2id work; the
 * reason is only in the audit trail.  The N-th consecutive wrong password
 * (lockout.threshold) locks the account, revokes its sessions and queues a
 * notification to the owner.  Other errors: TG_ERR_LIMIT (session limit,
 * refuse mode), TG_ERR_AUDIT, TG_ERR_STORE, TG_ERR_BUSY.
 */
int tg_login_password(tg_ctx *ctx, const struct tg_actor *who, const char *login,
    const char *pw, size_t pwlen, struct tg_login_result *res)
    __attribute__((warn_unused_result));

/*
 * Verify the password of a known customer for a sensitive action (password
 * change): counts toward the lockout exactly like a login.  0, TG_ERR_AUTH,
 * TG_ERR_AUDIT, TG_ERR_STORE.
 */
int tg_login_verify_password(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_customer *c, const char *pw, size_t pwlen,
    const char *purpose) __attribute__((warn_unused_result));

/*
 * Run verify(ctx, db, arg) as one attempt of customer c under the lockout
 * (AUTH-10: every factor failure counts): the attempt is reserved in the
 * store first; a disabled or locked account never reaches verify (blocked
 * is called instead, for equal-cost work).  verify returns 0 for a valid
 * proof, or TG_ERR_AUTH / REUSED / EXPIRED / LIMIT / TAMPERED / NOT_FOUND /
 * INVALID for a failed one: the failure is counted, audited with `factor`
 * and its reason, may lock the account, and TG_ERR_AUTH is returned.  Any
 * other error is returned as it is.
 */
int tg_login_guard(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, const char *factor, const char *purpose,
    int (*verify)(tg_ctx *, tg_db *, void *),
    void (*blocked)(tg_ctx *, void *), void *arg)
    __attribute__((warn_unused_result));

/* 1 if c's password is older than password.max_age_days. */
int tg_login_password_old(const tg_ctx *ctx, const struct tg_customer *c);

#endif
