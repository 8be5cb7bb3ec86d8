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
};

struct tg_login_result {
	enum tg_login_state state;
	unsigned kinds;				/* kinds verified */
	int pw_change_recommended;		/* AUTH-11 */
	char token[TG_TOKEN_LEN + 1];		/* session or flow token */
	int64_t expires_at;			/* session lifetime end or flow expiry */
	int64_t idle_expires_at;		/* sessions only */
	struct tg_customer customer;
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

/* 1 if c's password is older than password.max_age_days. */
int tg_login_password_old(const tg_ctx *ctx, const struct tg_customer *c);

#endif
