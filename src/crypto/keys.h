/*
 * tg_keys: every use of key material goes through operations by key ID, so
 * that a separate key-holder process can take over later without callers
 * changing.  Key bytes live in sodium_malloc memory and are wiped on free.
 *
 * Key directory layout (all files mode 0600 or 0400, owned by the caller):
 *   pepper-<N>.key        32 random bytes, hex; password pepper (HMAC-SHA-256)
 *   data-<N>.key          32 random bytes, hex; data-encryption key
 *                         (AES-256-GCM) for secrets kept in the store
 *   session.key           32 random bytes, hex; session-token MAC key
 *   webhook.key           32 random bytes, hex; webhook signing key
 *                         (HMAC-SHA-256 of each notification sent)
 *   audit-ed25519.pem     PKCS#8 PEM Ed25519 private key; audit checkpoints
 *   admin.token           32 random bytes, hex; bearer token for the admin API
 * Key IDs: "pepper-<N>", "data-<N>", "session", "webhook", "audit", "admin".
 * <N> is a decimal number without leading zeros (1..999999999); the
 * highest data-<N> encrypts new data, older ones stay to decrypt old data.
 */
#ifndef TG_CRYPTO_KEYS_H
#define TG_CRYPTO_KEYS_H

#include <stddef.h>
#include <stdint.h>

typedef struct tg_keys tg_keys;

/* Longest key ID, in bytes (without the NUL). */
#define TG_KEYS_ID_MAX		31
#define TG_KEYS_NONCE_LEN	12	/* AES-256-GCM nonce */
#define TG_KEYS_TAG_LEN		16	/* AES-256-GCM tag */
/* Bytes tg_keys_seal() adds to the plaintext for a key ID of idlen bytes. */
#define TG_KEYS_SEAL_OVERHEAD(idlen) \
	(1 + (idlen) + TG_KEYS_NONCE_LEN + TG_KEYS_TAG_LEN)
/* The same for any key ID. */
#define TG_KEYS_SEAL_OVERHEAD_MAX TG_KEYS_SEAL_OVERHEAD(TG_KEYS_ID_MAX)

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
 * when no pepper-<N>.key exists, data-1 when no data-<N>.key exists,
 * session.key, webhook.key, admin.token, audit-ed25519.pem (all 0600).
 * Existing files are kept, so running it on an older key directory adds
 * the keys it lacks.  An existing dir open to group or others is refused
 * (TG_ERR_PERM).  0 or TG_ERR_IO / TG_ERR_PERM / TG_ERR_CRYPTO.
 */
int tg_keys_generate(const char *dir, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * 1 if a key with this ID is loaded ("pepper-N", "data-N", "session",
 * "webhook", "audit", "admin").
 */
int tg_keys_has(const tg_keys *k, const char *key_id);

/*
 * HMAC-SHA-256 under key_id ("pepper-N", "session" or "webhook"; data keys
 * are for tg_keys_seal() only).  Returns 0 or TG_ERR_NOT_FOUND.
 */
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
 * ID of the data key that encrypts new data: the data-<N> with the highest
 * N.  Borrowed from k (valid until tg_keys_free); NULL if k is NULL.
 */
const char *tg_keys_data_current(const tg_keys *k);

/*
 * Encrypt and authenticate pt (ptlen bytes) with AES-256-GCM under the data
 * key key_id ("data-N", normally tg_keys_data_current()), binding aad
 * (aadlen bytes, not stored; may be NULL if aadlen is 0) — e.g. the table,
 * column and row the blob belongs to, so that it cannot be moved.  out
 * receives
 *   keyid_len (1 byte) || key_id || nonce (12, random) || ciphertext || tag (16)
 * and *outlen its length, ptlen + TG_KEYS_SEAL_OVERHEAD(strlen(key_id)).
 * The key ID and its length are authenticated too (as additional data,
 * before aad).  Random nonces: keep each data key under 2^32 seals, then
 * add data-<N+1>.  pt and out must not overlap; all pointers borrowed.
 * Returns 0, TG_ERR_NOT_FOUND (no such data key), TG_ERR_LIMIT (cap too
 * small), TG_ERR_INVALID or TG_ERR_CRYPTO; on error *outlen is 0 and out
 * holds nothing of pt.
 * CT: time depends on the lengths and the key ID only (OpenSSL's GCM).
 */
int tg_keys_seal(const tg_keys *k, const char *key_id, const void *aad,
    size_t aadlen, const void *pt, size_t ptlen, uint8_t *out, size_t cap,
    size_t *outlen) __attribute__((warn_unused_result));

/*
 * Verify and decrypt a blob from tg_keys_seal() with the data key it names
 * (so blobs sealed under an older data key still open after rotation), and
 * the same aad.  pt receives the plaintext (cap >= inlen minus the
 * overhead) and *ptlen its length.  in and pt must not overlap.
 * Returns 0; TG_ERR_TAMPERED if the blob is truncated or fails
 * authentication (any changed bit in it or in aad); TG_ERR_NOT_FOUND if it
 * names a key that is not loaded or not a data key; TG_ERR_LIMIT (cap too
 * small), TG_ERR_INVALID, TG_ERR_CRYPTO.  On error *ptlen is 0 and pt is
 * wiped: no unauthenticated plaintext is released.
 * CT: time depends on the lengths and the key ID only.
 */
int tg_keys_open(const tg_keys *k, const void *aad, size_t aadlen,
    const uint8_t *in, size_t inlen, uint8_t *pt, size_t cap, size_t *ptlen)
    __attribute__((warn_unused_result));

/*
 * Verify an Ed25519 signature with a raw public key: 0 or TG_ERR_TAMPERED
 * (TG_ERR_NOMEM / TG_ERR_CRYPTO if OpenSSL itself fails; never 0 then).
 */
int tg_ed25519_verify(const uint8_t pub[32], const void *msg, size_t len,
    const uint8_t sig[64]) __attribute__((warn_unused_result));

#endif
