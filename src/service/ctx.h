/*
 * tg_ctx: what every service function needs, passed explicitly (no globals):
 * configuration, clock, keys, store and metrics.
 */
#ifndef TG_SERVICE_CTX_H
#define TG_SERVICE_CTX_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/clock.h"
#include "crypto/keys.h"
#include "crypto/pwhash.h"
#include "store/store.h"

struct tg_metrics {
	_Atomic uint64_t http_requests[6];	/* by status class: [1]..[5] */
	_Atomic uint64_t http_busy;		/* 503 because the pool was full */
	_Atomic uint64_t http_connections;	/* open now (gauge) */
	_Atomic uint64_t pool_queued;		/* waiting now (gauge) */
	_Atomic uint64_t login_success;
	_Atomic uint64_t login_failure;
	_Atomic uint64_t accounts_locked;
	_Atomic uint64_t password_verify;	/* verifications against a real hash */
	_Atomic uint64_t password_dummy_verify;	/* equal-cost verifications for unknown/locked */
	_Atomic uint64_t sessions_created;
	_Atomic uint64_t sessions_revoked;
	_Atomic uint64_t audit_appends;
	_Atomic uint64_t audit_failures;
	_Atomic uint64_t notify_sent;		/* deliveries accepted by the server */
	_Atomic uint64_t notify_attempt_failures;	/* attempts that failed */
	_Atomic uint64_t notify_failed;		/* deliveries given up */
};

typedef struct tg_ctx {
	struct tg_config cfg;
	tg_clock clock;
	tg_keys *keys;
	tg_store *store;
	struct tg_metrics metrics;
	char dummy_hash[TG_PWHASH_MAX];	/* verified for unknown/locked logins */
	_Atomic int64_t last_checkpoint_ms;	/* jobs.c */
	_Atomic int64_t last_purge_ms;
} tg_ctx;

/*
 * Load the configuration at path, the keys and the store; compute the dummy
 * hash.  On failure err says why.  *out owned by the caller (tg_ctx_free).
 */
int tg_ctx_open(const char *config_path, tg_ctx **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void tg_ctx_free(tg_ctx *ctx);	/* NULL-safe */

/* Current password-hash parameters from the configuration. */
void tg_ctx_pwhash_params(const tg_ctx *ctx, struct tg_pwhash_params *p);

/* Render the metrics as Prometheus text into a malloc'd string. */
char *tg_metrics_render(const struct tg_metrics *m);

#endif
