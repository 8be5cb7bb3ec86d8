/*
 * Step-up (AUTH-06): a fresh verification inside a session before a
 * sensitive action, with a factor different from those used at login.
 * The rules are the declarative table in core/policy.c.
 */
#ifndef TG_SERVICE_STEPUP_H
#define TG_SERVICE_STEPUP_H

#include "service/flow.h"
#include "service/session.h"

/* Send a one-time code for a step-up of this session. */
int tg_stepup_send_code(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, const char *channel, char *masked,
    size_t maskedlen, int64_t *expires_at) __attribute__((warn_unused_result));

/* Verify a step-up proof; on success *until is when it stops counting. */
int tg_stepup_verify(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, const struct tg_proof *p, int64_t *until)
    __attribute__((warn_unused_result));

/*
 * 0 if the session may perform action now; TG_ERR_POLICY if it needs a
 * (fresh, different) step-up first.  Actions without a rule pass.
 */
int tg_stepup_require(tg_ctx *ctx, const struct tg_session_info *si,
    const char *action) __attribute__((warn_unused_result));

#endif
