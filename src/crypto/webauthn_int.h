/*
 * Internal to the webauthn_*.c files: the bounded CBOR front end, map
 * look-ups, signature verification and the checks shared by registration
 * and assertion.  Not for other modules (use crypto/webauthn.h).
 */
#ifndef TG_CRYPTO_WEBAUTHN_INT_H
#define TG_CRYPTO_WEBAUTHN_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cbor.h>
#include <openssl/types.h>

#include "crypto/webauthn.h"

/* Largest map the verifier reads (attestationObject, attStmt, COSE_Key). */
#define TG_WEBAUTHN_MAP_MAX	16
/* Largest x5c array accepted (leaf plus intermediates). */
#define TG_WEBAUTHN_X5C_MAX	4

/*
 * Length of the one well-formed CBOR item at the start of p[0..len):
 * definite lengths only, no tags, no simple values other than
 * false/true/null/undefined and floats, nesting at most
 * TG_WEBAUTHN_CBOR_DEPTH, every count bounded by the bytes left.
 * Iterative; O(len).  0 or TG_ERR_INVALID.
 */
int tg_webauthn_cbor_len(const uint8_t *p, size_t len, size_t *itemlen)
    __attribute__((warn_unused_result));

/*
 * Decode exactly one item occupying all len bytes (checked with
 * tg_webauthn_cbor_len first, so libcbor never allocates for counts the
 * input cannot hold).  *item is owned by the caller (cbor_decref).
 */
int tg_webauthn_cbor_load(const uint8_t *p, size_t len, cbor_item_t **item)
    __attribute__((warn_unused_result));

/*
 * map must be a definite map of at most TG_WEBAUTHN_MAP_MAX pairs whose
 * keys are all integers or all-definite text strings and pairwise distinct.
 * 0 or TG_ERR_INVALID.
 */
int tg_webauthn_map_check(const cbor_item_t *map)
    __attribute__((warn_unused_result));

/*
 * The value under an integer or text key of a checked map (borrowed), or
 * NULL when absent.
 */
cbor_item_t *tg_webauthn_map_int(const cbor_item_t *map, int64_t key);
cbor_item_t *tg_webauthn_map_text(const cbor_item_t *map, const char *key);

/* An integer item (major type 0 or 1) in int64_t range: 0 or TG_ERR_INVALID. */
int tg_webauthn_cbor_int(const cbor_item_t *item, int64_t *v)
    __attribute__((warn_unused_result));

/* A definite byte string: its bytes (borrowed) or TG_ERR_INVALID. */
int tg_webauthn_cbor_bytes(const cbor_item_t *item, const uint8_t **p,
    size_t *len) __attribute__((warn_unused_result));

/* 0 if pkey is a key of the kind alg names (ES256: P-256, RS256: RSA
 * 2048..4096 bits, EdDSA: Ed25519), else TG_ERR_INVALID. */
int tg_webauthn_key_matches(EVP_PKEY *pkey, int alg)
    __attribute__((warn_unused_result));

/*
 * Verify sig over msg with pkey under COSE alg (see webauthn.h for the
 * signature encodings).  0, TG_ERR_AUTH (bad signature), TG_ERR_INVALID
 * (alg does not fit the key), TG_ERR_NOMEM / TG_ERR_CRYPTO.
 */
int tg_webauthn_sig_verify(EVP_PKEY *pkey, int alg, const uint8_t *msg,
    size_t mlen, const uint8_t *sig, size_t siglen)
    __attribute__((warn_unused_result));

/*
 * Verify sig over authData || SHA-256(clientDataJSON) (the message both
 * ceremonies sign).  Same returns as tg_webauthn_sig_verify.
 */
int tg_webauthn_sig_verify_ad(EVP_PKEY *pkey, int alg, const uint8_t *ad,
    size_t adlen, const uint8_t cd_hash[32], const uint8_t *sig,
    size_t siglen) __attribute__((warn_unused_result));

/*
 * The policy checks on parsed authenticatorData common to both
 * ceremonies: rpIdHash == SHA-256(pol->rp_id) (constant time), UP set
 * (TG_ERR_AUTH otherwise), UV set if pol->require_uv (TG_ERR_POLICY).
 */
int tg_webauthn_authdata_check(const struct tg_webauthn_policy *pol,
    const struct tg_webauthn_authdata *ad) __attribute__((warn_unused_result));

/* SHA-256 of len bytes: 0 or TG_ERR_CRYPTO. */
int tg_webauthn_sha256(const void *p, size_t len, uint8_t out[32])
    __attribute__((warn_unused_result));

/* 0 if chlen is within TG_WEBAUTHN_CHALLENGE_MIN..MAX and challenge non-NULL. */
int tg_webauthn_challenge_check(const uint8_t *challenge, size_t chlen)
    __attribute__((warn_unused_result));

#endif
