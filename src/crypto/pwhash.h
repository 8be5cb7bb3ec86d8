/*
 * Password storage (AUTH-04): Argon2id (libsodium) over
 * HMAC-SHA-256(pepper, password).  Stored form:
 *   tg1$<pepper-id>$argon2id$v=19$m=<KiB>,t=<t>,p=1$<salt>$<hash>
 * The pepper ID travels with the hash so peppers can rotate.
 */
#ifndef TG_CRYPTO_PWHASH_H
#define TG_CRYPTO_PWHASH_H

#include <stddef.h>

#include "crypto/keys.h"

#define TG_PWHASH_MAX 256

/* Parameter bounds accepted when hashing and verifying (the config uses them too). */
#define TG_PWHASH_MEMORY_MIN_KIB	8192
#define TG_PWHASH_MEMORY_MAX_KIB	1048576
#define TG_PWHASH_ITERATIONS_MIN	1
#define TG_PWHASH_ITERATIONS_MAX	10

struct tg_pwhash_params {
	unsigned memory_kib;
	unsigned iterations;
	unsigned parallelism;	/* libsodium supports 1 only */
};

/* Hash pw with the pepper pepper_id; out receives the stored form (NUL-terminated). */
int tg_pwhash_hash(const tg_keys *k, const char *pepper_id,
    const struct tg_pwhash_params *p, const char *pw, size_t pwlen,
    char out[TG_PWHASH_MAX]) __attribute__((warn_unused_result));

/*
 * 0 if pw matches stored, TG_ERR_AUTH if not, TG_ERR_INVALID if stored is
 * malformed, TG_ERR_NOT_FOUND if its pepper is not loaded.
 * CT: time depends on the stored parameters only.
 */
int tg_pwhash_verify(const tg_keys *k, const char *stored, const char *pw,
    size_t pwlen) __attribute__((warn_unused_result));

/* 1 if stored uses other parameters or another pepper than the current ones. */
int tg_pwhash_needs_rehash(const char *stored, const char *pepper_id,
    const struct tg_pwhash_params *p);

#endif
