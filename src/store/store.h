/*
 * The storage interface.  Callers see domain operations only; the SQLite
 * back end (src/store/sqlite/) implements them, a PostgreSQL back end will
 * implement the same functions.  All state that must agree across nodes
 * (lockout counters, sessions) changes atomically here.
 *
 * tg_store is the database; tg_db is one connection, used by one thread at a
 * time.  tg_store_db() hands every thread its own connection.
 * Times are milliseconds since the epoch (UTC).
 */
#ifndef TG_STORE_STORE_H
#define TG_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/pwhash.h"

typedef struct tg_store tg_store;
typedef struct tg_db tg_db;

#define TG_LOGIN_MAX 64
#define TG_EMAIL_MAX 254
#define TG_PHONE_MAX 32

/* Factor kinds (AUTH-01), a bit set. */
enum {
	TG_KIND_KNOWLEDGE = 1u << 0,
	TG_KIND_POSSESSION = 1u << 1,
	TG_KIND_INHERENCE = 1u << 2,
};

struct tg_customer {
	int64_t id;
	char login[TG_LOGIN_MAX + 1];
	char email[TG_EMAIL_MAX + 1];
	char phone[TG_PHONE_MAX + 1];
	char locale[16];		/* "zh-TW" or "en" */
	char account_class[32];		/* "retail" unless set; see auth.class_min_kinds */
	int disabled;
	int locked;
	int fail_count;
	int64_t locked_at;		/* 0 if not locked */
	char pw_hash[TG_PWHASH_MAX];
	int64_t pw_changed_at;
	int64_t created_at;
	int64_t updated_at;
};

struct tg_session_rec {
	uint8_t id_hash[32];		/* HMAC(session key, token) */
	int64_t customer_id;
	int64_t created_at;
	int64_t last_seen_at;
	int64_t expires_at;		/* absolute lifetime end */
	int64_t auth_time;
	unsigned kinds;			/* TG_KIND_* bit set */
	int pw_change_recommended;
	char client_addr[64];
	char user_agent[256];
};

struct tg_flow_rec {
	uint8_t id_hash[32];
	int64_t customer_id;
	int64_t created_at;
	int64_t expires_at;
	unsigned kinds;			/* kinds verified so far */
	char client_addr[64];
};

struct tg_audit_rec {
	int64_t seq;			/* 1, 2, ... */
	int64_t ts;			/* ms */
	char type[64];
	char actor[128];
	char subject[128];
	char src[64];
	char ua[256];
	char request_id[40];
	char result[32];
	char *details;			/* JSON text, heap, owned by the record */
	uint8_t prev_hash[32];
	uint8_t hash[32];
};

struct tg_checkpoint_rec {
	int64_t seq;			/* chain position signed */
	int64_t ts;
	uint8_t head_hash[32];
	char key_id[32];
	uint8_t pub[32];		/* public key that signed */
	uint8_t sig[64];
};

/* --- database and connections --- */

/* Open (creating if missing) the database file and run pending migrations. */
int tg_store_open(const char *path, int busy_timeout_ms, tg_store **out)
    __attribute__((warn_unused_result));
void tg_store_close(tg_store *st);	/* NULL-safe; closes every connection */
/* The calling thread's connection (opened on first use); NULL on failure. */
tg_db *tg_store_db(tg_store *st);
/* Schema version after migrations. */
int tg_store_schema_version(tg_db *db, int *version);
/* 0 if the database accepts a write transaction now (readiness probe). */
int tg_db_check_writable(tg_db *db);

/* --- transactions (BEGIN IMMEDIATE; nesting is an error) --- */
int tg_db_begin(tg_db *db) __attribute__((warn_unused_result));
/*
 * A read transaction (BEGIN DEFERRED): several reads see one snapshot and
 * take the WAL read lock once.  End it with tg_db_commit or tg_db_rollback.
 */
int tg_db_begin_read(tg_db *db) __attribute__((warn_unused_result));
/* 1 inside a transaction begun with tg_db_begin or tg_db_begin_read. */
int tg_db_in_tx(tg_db *db);
int tg_db_commit(tg_db *db) __attribute__((warn_unused_result));
void tg_db_rollback(tg_db *db);

/* --- customers --- */
/* c->id is set on success.  TG_ERR_EXISTS if the login is taken. */
int tg_db_customer_insert(tg_db *db, struct tg_customer *c);
int tg_db_customer_by_login(tg_db *db, const char *login, struct tg_customer *out);
int tg_db_customer_by_id(tg_db *db, int64_t id, struct tg_customer *out);
int tg_db_customer_set_disabled(tg_db *db, int64_t id, int disabled, int64_t now);
/* Set the account class (already validated). */
int tg_db_customer_set_class(tg_db *db, int64_t id, const char *account_class,
    int64_t now);
/* New notification contacts (both given, already validated). */
int tg_db_customer_set_contact(tg_db *db, int64_t id, const char *email,
    const char *phone, int64_t now);
/* locked = 0, fail_count = 0. */
int tg_db_customer_unlock(tg_db *db, int64_t id, int64_t now);
/* Deletes the customer, its sessions, flows and password history. */
int tg_db_customer_delete(tg_db *db, int64_t id);
/*
 * Lockout counter, atomically in the store (AUTH-10):
 * reserve: fail_count += 1 if fail_count < threshold, not locked and not
 *   disabled; TG_ERR_LOCKED if no attempt may be made.  Done BEFORE the
 *   password is verified, so concurrent attempts cannot exceed threshold.
 * failed: after a wrong password; locks the account if fail_count >=
 *   threshold (*locked_now = 1 when this call set the lock).
 * succeeded: fail_count = 0 if not locked; TG_ERR_LOCKED if it was locked
 *   meanwhile.
 */
int tg_db_customer_attempt_reserve(tg_db *db, int64_t id, int threshold, int64_t now);
int tg_db_customer_attempt_failed(tg_db *db, int64_t id, int threshold, int64_t now,
    int *locked_now);
int tg_db_customer_attempt_succeeded(tg_db *db, int64_t id, int64_t now);
/*
 * Self-service recovery (unlock, password reset) works on a locked account,
 * so it has its own counter: reserve adds one attempt if fewer than
 * threshold have failed in a row (TG_ERR_LOCKED otherwise, or for a
 * disabled account); reset clears it after a success.  An operator unlock
 * clears both counters.
 */
int tg_db_customer_selfservice_reserve(tg_db *db, int64_t id, int threshold,
    int64_t now);
int tg_db_customer_selfservice_reset(tg_db *db, int64_t id);
/* New password: old hash goes to history, pw_changed_at = now. */
int tg_db_customer_set_password(tg_db *db, int64_t id, const char *hash, int64_t now);
/* Same password, new parameters or pepper: pw_changed_at unchanged. */
int tg_db_customer_rehash(tg_db *db, int64_t id, const char *hash);
/* Up to max previous hashes, newest first; *n receives the count. */
int tg_db_password_history(tg_db *db, int64_t id, int max,
    char (*hashes)[TG_PWHASH_MAX], int *n);
/* Count of customers (metrics, reports). */
int tg_db_customer_count(tg_db *db, int64_t *n);

/* --- sessions --- */
int tg_db_session_insert(tg_db *db, const struct tg_session_rec *s);
int tg_db_session_get(tg_db *db, const uint8_t id_hash[32], struct tg_session_rec *out);
int tg_db_session_touch(tg_db *db, const uint8_t id_hash[32], int64_t now);
int tg_db_session_delete(tg_db *db, const uint8_t id_hash[32]);
/* Delete all sessions of a customer except `keep` (may be NULL); *n = deleted. */
int tg_db_session_delete_customer(tg_db *db, int64_t customer_id,
    const uint8_t *keep, int *n);
/* Live sessions (not expired at now with idle limit idle_ms) of a customer. */
int tg_db_session_count_live(tg_db *db, int64_t customer_id, int64_t now,
    int64_t idle_ms, int *n);
/* The live session created first. */
int tg_db_session_oldest_live(tg_db *db, int64_t customer_id, int64_t now,
    int64_t idle_ms, struct tg_session_rec *out);
/* Delete expired sessions; *n = deleted. */
int tg_db_session_purge(tg_db *db, int64_t now, int64_t idle_ms, int *n);

/* --- login flows --- */
int tg_db_flow_insert(tg_db *db, const struct tg_flow_rec *f);
int tg_db_flow_get(tg_db *db, const uint8_t id_hash[32], struct tg_flow_rec *out);
int tg_db_flow_update_kinds(tg_db *db, const uint8_t id_hash[32], unsigned kinds);
int tg_db_flow_delete(tg_db *db, const uint8_t id_hash[32]);
int tg_db_flow_purge(tg_db *db, int64_t now, int *n);

/* --- audit chain (see core/audit_chain.h for hashing) --- */
/* Last record's seq and hash; seq 0 and 32 zero bytes when empty. */
int tg_db_audit_head(tg_db *db, int64_t *seq, uint8_t hash[32]);
int tg_db_audit_insert(tg_db *db, const struct tg_audit_rec *r);
/*
 * Call fn for each record with from <= seq (and ts within [since, until] if
 * those are non-zero), in order.  fn returns 0 to go on, non-zero to stop
 * (that value is returned).  The record is valid only during the call.
 */
int tg_db_audit_foreach(tg_db *db, int64_t from_seq, int64_t since, int64_t until,
    int (*fn)(const struct tg_audit_rec *r, void *arg), void *arg);
int tg_db_audit_count(tg_db *db, int64_t *n);
int tg_db_checkpoint_insert(tg_db *db, const struct tg_checkpoint_rec *c);
int tg_db_checkpoint_last(tg_db *db, struct tg_checkpoint_rec *out);
int tg_db_checkpoint_foreach(tg_db *db,
    int (*fn)(const struct tg_checkpoint_rec *c, void *arg), void *arg);

/* --- notification outbox --- */
/* event: "account.locked", ...; payload: JSON text. */
int tg_db_outbox_insert(tg_db *db, int64_t customer_id, const char *event,
    const char *payload, int64_t now);
int tg_db_outbox_count(tg_db *db, int64_t customer_id, const char *event, int64_t *n);

#endif
