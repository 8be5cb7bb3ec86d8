/* Self-service account operations of a logged-in customer. */
#ifndef TG_SERVICE_ACCOUNT_H
#define TG_SERVICE_ACCOUNT_H

#include "service/audit.h"
#include "service/ctx.h"
#include "core/pwpolicy.h"
#include "service/session.h"

/* The password rules in force (from the configuration). */
void tg_account_pwpolicy(const tg_ctx *ctx, struct tg_pwpolicy *p);

/*
 * Change the password (AUTH-10, AUTH-11): the current password must be
 * right (a wrong one counts toward the lockout), the new one must satisfy
 * the rules and differ from the current and the previous history-1 ones.
 * Revokes the account's other sessions; audits; queues a notification.
 * 0, TG_ERR_AUTH (current wrong), TG_ERR_POLICY (*reason set),
 * TG_ERR_REUSED, TG_ERR_AUDIT, TG_ERR_STORE.
 */
int tg_account_change_password(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, const char *cur, size_t curlen,
    const char *nw, size_t nwlen, const char **reason)
    __attribute__((warn_unused_result));

#endif
