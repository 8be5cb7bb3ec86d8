/*
 * tg_keys: every use of key material goes through operations by key ID, so
 * that a separate key-holder process can take over later without callers
 * changing.  Key bytes live in sodium_malloc memory and are wiped on free.
 *
 * Key directory layout (all files mode 0600 or 0400, owned by the caller):
 *   pepper-<N>.key        32 random bytes, hex; password pepper (HMAC-SHA-256)
 *   session.key           32 random bytes, hex; session-token MAC key
 *   audit-ed25519.pem     PKCS#8 PEM Ed25519 private key; audit checkpoints
 *   admin.token           32 random bytes, hex; bearer token for the admin API
 * Key IDs: "pepper-<N>", "session", "audit", "admin".
 */
#ifndef TG_CRYPTO_KEYS_H
#define TG_CRYPTO_KEYS_H

#include <stddef.h>
#include <stdint.h>

typedef struct tg_keys tg_keys;

/*
 * Load every key in dir.  Fails with TG_ERR_PERM (message in err) if the
 * directory or any key file is readable or writable by group/others, or
 * owned by another user; TG_ERR_IO/TG_ERR_INVALID on missing or malformed
 * files.  *out is owned by the caller (tg_keys_free).
 */
int tg_keys_load(const char *dir, tg_keys **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void tg_keys_free(tg_keys *k);	/* NULL-safe; wipes */

/*
 * Create dir (0700; its parent must exist) and generate all keys: pepper-1
 * when no pepper-<N>.key exists, session.key, admin.token, audit-ed25519.pem
 * (all 0600).  Existing files are kept.  An existing dir open to group or
 * others is refused (TG_ERR_PERM).  0 or TG_ERR_IO / TG_ERR_PERM / TG_ERR_CRYPTO.
 */
int tg_keys_generate(const char *dir, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* 1 if a key with this ID is loaded ("pepper-N", "session", "audit", "admin"). */
int tg_keys_has(const tg_keys *k, const char *key_id);

/* HMAC-SHA-256 under key_id ("pepper-N" or "session").  Returns 0 or TG_ERR_NOT_FOUND. */
int tg_keys_hmac(const tg_keys *k, const char *key_id, const void *msg,
    size_t len, uint8_t out[32]) __attribute__((warn_unused_result));

/* Ed25519 signature under "audit". */
int tg_keys_sign(const tg_keys *k, const char *key_id, const void *msg,
    size_t len, uint8_t sig[64]) __attribute__((warn_unused_result));

/* Ed25519 public key of key_id (raw 32 bytes). */
int tg_keys_public(const tg_keys *k, const char *key_id, uint8_t pub[32])
    __attribute__((warn_unused_result));

/* 0 if token equals the admin token (constant time in the token length), else TG_ERR_AUTH. */
int tg_keys_check_admin_token(const tg_keys *k, const char *token, size_t len)
    __attribute__((warn_unused_result));

/*
 * Verify an Ed25519 signature with a raw public key: 0 or TG_ERR_TAMPERED
 * (TG_ERR_NOMEM / TG_ERR_CRYPTO if OpenSSL itself fails; never 0 then).
 */
int tg_ed25519_verify(const uint8_t pub[32], const void *msg, size_t len,
    const uint8_t sig[64]) __attribute__((warn_unused_result));

#endif
