#include "service/jobs.h"

#include <tradeguard/error.h>

#include "core/log.h"
#include "service/audit.h"
#include "service/session.h"
#include "store/store_factor.h"

#define PURGE_EVERY_MS 60000

void
tg_jobs_tick(tg_ctx *ctx)
{
	int64_t now = tg_clock_now_ms(&ctx->clock);
	int64_t every = (int64_t)ctx->cfg.audit_checkpoint_seconds * 1000;
	tg_db *db = tg_store_db(ctx->store);
	int r;

	if (db == NULL)
		return;
	if (now - atomic_load(&ctx->last_checkpoint_ms) >= every) {
		atomic_store(&ctx->last_checkpoint_ms, now);
		if ((r = tg_audit_checkpoint(ctx, db)) != 0)
			tg_log(TG_LOG_ERROR, "audit.alert", NULL,
			    "periodic audit checkpoint failed: %s", tg_strerror(r));
	}
	if (now - atomic_load(&ctx->last_purge_ms) >= PURGE_EVERY_MS) {
		atomic_store(&ctx->last_purge_ms, now);
		int n = 0;

		/* Codes stay for the hourly rate limit, then go; challenges at expiry. */
		if (tg_db_otp_purge(db, now - 2 * 3600000, &n) != 0 ||
		    tg_db_challenge_purge(db, now, &n) != 0)
			tg_log(TG_LOG_WARN, "factor.purge_failed", NULL,
			    "purging expired one-time codes or challenges failed");
		if ((r = tg_session_purge(ctx)) != 0)
			tg_log(TG_LOG_WARN, "session.purge_failed", NULL,
			    "purging expired sessions failed: %s", tg_strerror(r));
	}
}
