/* Periodic jobs of the daemon: audit checkpoints by time, purge of expired sessions. */
#ifndef TG_SERVICE_JOBS_H
#define TG_SERVICE_JOBS_H

#include "service/ctx.h"

/*
 * Run whatever is due: an audit checkpoint every audit.checkpoint_seconds
 * (if the chain moved), a purge of expired sessions and flows every minute.
 * Call about once a second from one thread.
 */
void tg_jobs_tick(tg_ctx *ctx);

#endif
