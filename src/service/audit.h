/*
 * Audit trail (AUD-01 .. AUD-05): append security events to the hash chain
 * in the store, sign checkpoints of the chain head, verify the chain.
 */
#ifndef TG_SERVICE_AUDIT_H
#define TG_SERVICE_AUDIT_H

#include <jansson.h>

#include "service/ctx.h"

/* Who acts, from where: carried from the request (or the CLI) to the audit record. */
struct tg_actor {
	const char *actor;	/* "customer:alice", "admin-token", "cli:root", "system" */
	const char *src;	/* client address or "local" */
	const char *ua;		/* user agent or "" */
	const char *request_id;	/* or "" */
};

struct tg_audit_event {
	const char *type;	/* "login.success", "account.locked", ... */
	const char *subject;	/* "customer:alice" or "" */
	const char *result;	/* "ok", "fail", "denied" */
	json_t *details;	/* borrowed, may be NULL; serialised compact with sorted keys */
};

/*
 * Append one record.  Inside the caller's transaction if db is in one
 * (so the audited change and its record commit together), else in its own.
 * Writes a signed checkpoint every cfg.audit_checkpoint_every records.
 * Returns 0, or TG_ERR_AUDIT after logging an alert: the caller must then
 * fail the audited operation (AUD-03).
 */
int tg_audit_append(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_audit_event *ev) __attribute__((warn_unused_result));

/*
 * Append an event about a customer: subject "customer:<login>".  Takes
 * ownership of details (may be NULL).  As tg_audit_append.
 */
int tg_audit_customer(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const char *login, const char *type, const char *result, json_t *details)
    __attribute__((warn_unused_result));

/* Sign a checkpoint of the current head if it moved since the last one. */
int tg_audit_checkpoint(tg_ctx *ctx, tg_db *db)
    __attribute__((warn_unused_result));

struct tg_audit_verify_result {
	int64_t records;		/* records checked */
	int64_t checkpoints;		/* checkpoints checked */
	int64_t first_bad_seq;		/* 0 if none */
	char reason[256];		/* what is wrong with first_bad_seq */
	int64_t last_checkpoint_seq;	/* records after it are not yet signed */
};

/*
 * Check every record's hash and link and every checkpoint's signature
 * against the public key pub (the configured audit key).  progress(done,
 * total, arg) is called now and then if non-NULL.  Returns 0 if intact,
 * TG_ERR_TAMPERED with res filled if not.
 */
int tg_audit_verify(tg_db *db, const uint8_t pub[32],
    void (*progress)(int64_t done, int64_t total, void *arg), void *arg,
    struct tg_audit_verify_result *res) __attribute__((warn_unused_result));

#endif
