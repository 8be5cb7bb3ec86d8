/*
 * libtradeguard — the in-process API for a firm's own C/C++ order system.
 *
 * Open the same configuration as the daemon (read access to its store and
 * keys) and validate the session tokens that arrive with orders without a
 * network round trip.  Thread-safe: one tg_ctx may be shared by threads.
 */
#ifndef TRADEGUARD_TRADEGUARD_H
#define TRADEGUARD_TRADEGUARD_H

#include <stddef.h>
#include <stdint.h>

#include <tradeguard/error.h>
#include <tradeguard/visibility.h>

typedef struct tg_ctx tg_ctx;

/* Factor kinds (AUTH-01), as a bit set in tg_session_view.factor_kinds. */
#define TG_FACTOR_KNOWLEDGE  (1u << 0)
#define TG_FACTOR_POSSESSION (1u << 1)
#define TG_FACTOR_INHERENCE  (1u << 2)

/* The library version, e.g. "0.1.0".  Static string. */
TG_API const char *tg_version(void);

/*
 * Open the configuration at config_path with its keys and store.  On
 * failure returns a TG_ERR_* and writes a message to err (may be NULL).
 * *out is owned by the caller: release it with tg_close.
 */
TG_API int tg_open(const char *config_path, tg_ctx **out, char *err,
    size_t errlen) TG_WUR;

/* Release everything tg_open created.  NULL-safe. */
TG_API void tg_close(tg_ctx *ctx);

struct tg_session_view {
	char login[65];
	unsigned factor_kinds;			/* TG_FACTOR_* bits */
	int64_t auth_time_ms;			/* ms since the epoch, UTC */
	int64_t expires_at_ms;
	int64_t idle_expires_at_ms;
	int password_change_recommended;
};

/*
 * Validate a session token as GET /v1/session does: known, within its idle
 * and absolute limits, bound address (if configured), account usable.
 * client_addr is the address the order came from ("" if unknown).
 * Returns 0 and fills *out, TG_ERR_AUTH (unknown or invalid token),
 * TG_ERR_EXPIRED, or TG_ERR_STORE / TG_ERR_AUDIT.  The token is borrowed;
 * the comparison is by keyed hash lookup, so it leaks no timing about it.
 */
TG_API int tg_session_validate(tg_ctx *ctx, const char *token,
    const char *client_addr, struct tg_session_view *out) TG_WUR;

#endif
