/*
 * Storage of second factors (AUTH-01, AUTH-02, AUTH-03, AUTH-16): enrolled
 * factors, one-time codes, recovery codes and signing challenges.  Part of
 * the storage interface (see store.h); implemented in sqlite/sqlite_factor.c.
 */
#ifndef TG_STORE_STORE_FACTOR_H
#define TG_STORE_STORE_FACTOR_H

#include "store/store.h"

#define TG_FACTOR_NAME_MAX 64
#define TG_FACTOR_SECRET_MAX 128	/* sealed TOTP secret */
#define TG_FACTOR_KEY_MAX 1024		/* SPKI DER or COSE key */
#define TG_CREDENTIAL_ID_MAX 1023	/* WebAuthn credential IDs */

enum tg_factor_type { TG_FACTOR_TOTP, TG_FACTOR_DEVICE, TG_FACTOR_WEBAUTHN };

struct tg_factor {
	int64_t id;
	int64_t customer_id;
	enum tg_factor_type type;
	char name[TG_FACTOR_NAME_MAX + 1];
	int active;
	uint8_t secret[TG_FACTOR_SECRET_MAX];
	size_t secret_len;
	uint8_t public_key[TG_FACTOR_KEY_MAX];
	size_t public_key_len;
	int alg;
	uint8_t credential_id[TG_CREDENTIAL_ID_MAX];
	size_t credential_id_len;
	int64_t sign_count;
	int64_t last_step;
	int uv;
	int64_t created_at;
	int64_t last_used_at;
};

/* "totp", "device", "webauthn" */
const char *tg_factor_type_name(enum tg_factor_type t);

/*
 * f->id is set.  TG_ERR_EXISTS if the credential ID is registered already.
 * Blobs longer than their buffer are TG_ERR_INVALID here; one found in the
 * database makes the readers below fail with TG_ERR_STORE.
 */
int tg_db_factor_insert(tg_db *db, struct tg_factor *f);
int tg_db_factor_get(tg_db *db, int64_t customer_id, int64_t id, struct tg_factor *out);
int tg_db_factor_by_credential(tg_db *db, const uint8_t *cred, size_t len,
    struct tg_factor *out);
/*
 * Call fn for each factor of the customer (type < 0: all types; active_only),
 * oldest first.  fn returns non-zero to stop (that value is returned, as
 * tg_db_audit_foreach does).  The record is valid only during the call.
 */
int tg_db_factor_foreach(tg_db *db, int64_t customer_id, int type, int active_only,
    int (*fn)(const struct tg_factor *f, void *arg), void *arg);
int tg_db_factor_count(tg_db *db, int64_t customer_id, int type, int active_only,
    int *n);
int tg_db_factor_activate(tg_db *db, int64_t customer_id, int64_t id, int64_t now);
int tg_db_factor_rename(tg_db *db, int64_t customer_id, int64_t id, const char *name);
int tg_db_factor_delete(tg_db *db, int64_t customer_id, int64_t id);
/*
 * TOTP single use: last_step = step if step > last_step (atomic);
 * TG_ERR_REUSED if that step (or a later one) was accepted before.
 */
int tg_db_factor_use_step(tg_db *db, int64_t id, int64_t step, int64_t now);
/*
 * WebAuthn: sign_count = count if count > sign_count, or both are 0 (atomic);
 * TG_ERR_TAMPERED on a regression (a cloned authenticator).
 */
int tg_db_factor_use_count(tg_db *db, int64_t id, int64_t count, int64_t now);
/* Touch last_used_at (devices). */
int tg_db_factor_used(tg_db *db, int64_t id, int64_t now);

/* --- one-time codes sent by SMS or email --- */
struct tg_otp_rec {
	int64_t id;
	int64_t customer_id;
	uint8_t binding[32];
	char channel[8];		/* "sms" or "email" */
	uint8_t code_hash[32];
	int64_t created_at;
	int64_t expires_at;
	int attempts;
	int used;
};

/* Insert a code; earlier unused codes of the same binding and channel are invalidated. */
int tg_db_otp_insert(tg_db *db, struct tg_otp_rec *o);
/* The newest unused code for binding+channel. */
int tg_db_otp_current(tg_db *db, const uint8_t binding[32], const char *channel,
    struct tg_otp_rec *out);
/* attempts += 1 if attempts < max (atomic); TG_ERR_LIMIT when exhausted. */
int tg_db_otp_attempt(tg_db *db, int64_t id, int max);
/* used = 1 if it was 0 (atomic); TG_ERR_REUSED otherwise. */
int tg_db_otp_use(tg_db *db, int64_t id);
/* Codes sent for this customer since `since` (rate limit). */
int tg_db_otp_count_since(tg_db *db, int64_t customer_id, int64_t since, int *n);
/*
 * Delete codes created before `before`; *n = deleted.  Pass a time older
 * than the rate-limit window: tg_db_otp_count_since counts these rows.
 */
int tg_db_otp_purge(tg_db *db, int64_t before, int *n);

/* --- recovery codes --- */
#define TG_RECOVERY_CODES_MAX 64	/* per customer */
/* Replace all recovery codes of the customer by these n hashes. */
int tg_db_recovery_replace(tg_db *db, int64_t customer_id,
    const uint8_t (*hashes)[32], int n, int64_t now);
/* Mark the unused code with this hash used (atomic); TG_ERR_NOT_FOUND if none. */
int tg_db_recovery_use(tg_db *db, int64_t customer_id, const uint8_t hash[32],
    int64_t now);
int tg_db_recovery_count(tg_db *db, int64_t customer_id, int unused_only, int *n);

/* --- challenges (device and WebAuthn signatures) --- */
struct tg_challenge_rec {
	int64_t id;
	int64_t customer_id;
	uint8_t binding[32];
	char purpose[32];		/* "device.login", "webauthn.login", "webauthn.register" */
	uint8_t challenge[32];
	int64_t factor_id;
	int64_t created_at;
	int64_t expires_at;
};

/* Insert; earlier challenges for the same binding and purpose are removed. */
int tg_db_challenge_insert(tg_db *db, struct tg_challenge_rec *c);
/* Fetch and delete (single use) the challenge for binding+purpose. */
int tg_db_challenge_take(tg_db *db, const uint8_t binding[32], const char *purpose,
    struct tg_challenge_rec *out);
/* Delete challenges with expires_at <= now; *n = deleted. */
int tg_db_challenge_purge(tg_db *db, int64_t now, int *n);

/* --- flow and session extras --- */
struct tg_flow_extra {
	char purpose[16];		/* "login", "unlock", "reset" */
	char factors[256];		/* factor labels used, comma-separated ("password,totp:3") */
	char user_agent[256];
};
int tg_db_flow_get_extra(tg_db *db, const uint8_t id_hash[32], struct tg_flow_extra *out);
int tg_db_flow_set_extra(tg_db *db, const uint8_t id_hash[32],
    const struct tg_flow_extra *x);
/*
 * kinds |= kinds and append the labels factors (may be "" or NULL) to the
 * list, comma-separated, in one UPDATE; TG_ERR_LIMIT (nothing changed) if
 * the list would not fit tg_flow_extra.factors.
 */
int tg_db_flow_progress(tg_db *db, const uint8_t id_hash[32], unsigned kinds,
    const char *factors);

struct tg_session_extra {
	char factors[256];		/* factor labels used at login */
	int64_t stepup_at;
	unsigned stepup_kinds;
	char stepup_factors[256];
};
int tg_db_session_get_extra(tg_db *db, const uint8_t id_hash[32],
    struct tg_session_extra *out);
int tg_db_session_set_factors(tg_db *db, const uint8_t id_hash[32], const char *factors);
/* Record a step-up at now; it replaces the previous one (kinds and factors). */
int tg_db_session_stepup(tg_db *db, const uint8_t id_hash[32], int64_t now,
    unsigned kinds, const char *factors);

#endif
