/*
 * Customer lifecycle (ACC-02): create, read, disable, enable, unlock, delete.
 * Shared by the admin HTTP API and the CLI; every operation is audited, and
 * every read of personal data too (AUD-01).
 */
#ifndef TG_SERVICE_CUSTOMER_H
#define TG_SERVICE_CUSTOMER_H

#include "service/audit.h"
#include "service/ctx.h"

/*
 * Create a customer with an initial password (checked against the password
 * rules; why receives the rule broken).  TG_ERR_EXISTS, TG_ERR_POLICY,
 * TG_ERR_INVALID (bad login/email/phone), TG_ERR_AUDIT.
 */
int tg_customer_add(tg_ctx *ctx, const struct tg_actor *who, const char *login,
    const char *email, const char *phone, const char *locale,
    const char *password, size_t pwlen, struct tg_customer *out, char *why,
    size_t whylen) __attribute__((warn_unused_result));

/* Read a customer's record for `purpose` (audited as a personal-data read). */
int tg_customer_show(tg_ctx *ctx, const struct tg_actor *who, const char *login,
    const char *purpose, struct tg_customer *out)
    __attribute__((warn_unused_result));

/* Disable (revokes sessions) or enable. */
int tg_customer_set_disabled(tg_ctx *ctx, const struct tg_actor *who,
    const char *login, int disabled, const char *reason)
    __attribute__((warn_unused_result));

/*
 * Set the account class (its factor minimum comes from auth.class_min_kinds);
 * reason required.  TG_ERR_INVALID for an empty reason or a bad class name.
 */
int tg_customer_set_class(tg_ctx *ctx, const struct tg_actor *who,
    const char *login, const char *account_class, const char *reason)
    __attribute__((warn_unused_result));

/* Unlock after lockout; reason required (TG_ERR_INVALID if empty). */
int tg_customer_unlock(tg_ctx *ctx, const struct tg_actor *who,
    const char *login, const char *reason) __attribute__((warn_unused_result));

/* Delete with all sessions; reason required. */
int tg_customer_delete(tg_ctx *ctx, const struct tg_actor *who,
    const char *login, const char *reason) __attribute__((warn_unused_result));

/*
 * Normalise a login for storage and lookup: ASCII lower case into out
 * (TG_LOGIN_MAX + 1 bytes).  TG_ERR_INVALID if it is too long.
 */
int tg_customer_login_norm(const char *in, char *out)
    __attribute__((warn_unused_result));

/*
 * The owner changes the email and/or phone used for notifications and
 * one-time codes (NULL keeps one).  Needs step-up "contact.change"
 * (TG_ERR_POLICY without); TG_ERR_INVALID for a malformed value (why says
 * which).  Audited with masked old and new values; the owner is notified
 * (at the contacts in force when the notice is delivered).
 */
struct tg_session_info;
int tg_customer_change_contact(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, const char *email, const char *phone,
    char *why, size_t whylen) __attribute__((warn_unused_result));

/*
 * Queue a notification to c's owner: payload {"locale": c->locale} plus the
 * members of extra (taken over; may be NULL).  Inside the caller's
 * transaction.
 */
int tg_customer_notify(tg_db *db, const struct tg_customer *c,
    const char *event, int64_t now, json_t *extra)
    __attribute__((warn_unused_result));

/* JSON view of a customer (no password hash). */
json_t *tg_customer_json(const tg_ctx *ctx, const struct tg_customer *c);

#endif
