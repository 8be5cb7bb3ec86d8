/*
 * TradeGuard error codes.
 *
 * Every library function that can fail returns int: 0 on success or one of
 * the negative TG_ERR_* values below.  tg_strerror() never returns NULL.
 */
#ifndef TRADEGUARD_ERROR_H
#define TRADEGUARD_ERROR_H

#include <tradeguard/visibility.h>

enum tg_err {
	TG_OK = 0,
	TG_ERR_INTERNAL = -1,	/* broken invariant or unexpected library error */
	TG_ERR_NOMEM = -2,	/* allocation failed */
	TG_ERR_INVALID = -3,	/* malformed argument or input */
	TG_ERR_NOT_FOUND = -4,	/* no such record */
	TG_ERR_EXISTS = -5,	/* record already exists */
	TG_ERR_AUTH = -6,	/* authentication failed (wrong secret) */
	TG_ERR_LOCKED = -7,	/* account locked */
	TG_ERR_DISABLED = -8,	/* account disabled */
	TG_ERR_EXPIRED = -9,	/* token, session or flow expired */
	TG_ERR_POLICY = -10,	/* rejected by a policy (password rules, limits) */
	TG_ERR_STORE = -11,	/* storage back end failed */
	TG_ERR_AUDIT = -12,	/* audit append failed: the operation must fail */
	TG_ERR_IO = -13,	/* file or socket I/O failed */
	TG_ERR_CRYPTO = -14,	/* cryptographic library failure */
	TG_ERR_BUSY = -15,	/* resource exhausted, try again later */
	TG_ERR_CONFIG = -16,	/* configuration error */
	TG_ERR_TAMPERED = -17,	/* integrity check failed */
	TG_ERR_PERM = -18,	/* insecure permissions or not allowed */
	TG_ERR_LIMIT = -19,	/* a configured limit was reached */
	TG_ERR_REUSED = -20,	/* a password or one-time value was used before */
};

/* Returns a static, human-readable description; never NULL. */
TG_API const char *tg_strerror(int err);

#endif
