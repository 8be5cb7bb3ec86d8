#include "service/ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <tradeguard/error.h>

int
tg_ctx_open(const char *config_path, tg_ctx **out, char *err, size_t errlen)
{
	struct tg_pwhash_params p;
	uint8_t junk[16];
	char kerr[512];
	tg_ctx *ctx;
	int r;

	*out = NULL;
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return TG_ERR_CRYPTO;
	}
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return TG_ERR_NOMEM;
	}
	tg_clock_init(&ctx->clock);
	if ((r = tg_config_load(config_path, &ctx->cfg, err, errlen)) != 0)
		goto out;
	if ((r = tg_keys_load(ctx->cfg.keys_dir, &ctx->keys, kerr,
	    sizeof(kerr))) != 0) {
		snprintf(err, errlen, "keys: %s", kerr);
		goto out;
	}
	if (!tg_keys_has(ctx->keys, ctx->cfg.pepper_id)) {
		snprintf(err, errlen, "[keys] pepper_id: no key \"%s\" in %s",
		    ctx->cfg.pepper_id, ctx->cfg.keys_dir);
		r = TG_ERR_CONFIG;
		goto out;
	}
	if ((r = tg_store_open(ctx->cfg.store_path,
	    ctx->cfg.store_busy_timeout_ms, &ctx->store)) != 0) {
		snprintf(err, errlen, "store %s: %s", ctx->cfg.store_path,
		    tg_strerror(r));
		goto out;
	}
	/* Unknown and locked logins verify against this hash: same cost, never a match. */
	randombytes_buf(junk, sizeof(junk));
	tg_ctx_pwhash_params(ctx, &p);
	if ((r = tg_pwhash_hash(ctx->keys, ctx->cfg.pepper_id, &p,
	    (const char *)junk, sizeof(junk), ctx->dummy_hash)) != 0) {
		snprintf(err, errlen, "password hashing: %s", tg_strerror(r));
		goto out;
	}
	*out = ctx;
	ctx = NULL;
out:
	sodium_memzero(junk, sizeof(junk));
	tg_ctx_free(ctx);
	return r;
}

void
tg_ctx_free(tg_ctx *ctx)
{
	if (ctx == NULL)
		return;
	tg_store_close(ctx->store);
	tg_keys_free(ctx->keys);
	free(ctx);
}

void
tg_ctx_pwhash_params(const tg_ctx *ctx, struct tg_pwhash_params *p)
{
	p->memory_kib = (unsigned)ctx->cfg.argon2_memory_kib;
	p->iterations = (unsigned)ctx->cfg.argon2_iterations;
	p->parallelism = (unsigned)ctx->cfg.argon2_parallelism;
}
