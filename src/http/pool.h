/*
 * A bounded worker pool for the expensive work (Argon2id, signatures) so
 * the event loops never block.  Jobs are intrusive (struct tg_pool_job
 * embedded in the caller's struct): submitting never allocates, and a full
 * queue is refused at once instead of growing without bound.
 */
#ifndef TG_HTTP_POOL_H
#define TG_HTTP_POOL_H

#include <stdatomic.h>
#include <stdint.h>

struct tg_pool_job {
	/* Runs on a worker thread. */
	void (*run)(struct tg_pool_job *job);
	/* Called instead of run for jobs still queued at tg_pool_free (may be NULL). */
	void (*cancel)(struct tg_pool_job *job);
	struct tg_pool_job *next;	/* the pool's */
};

typedef struct tg_pool tg_pool;

/*
 * Start nthreads (>= 1) workers; at most queue_max (>= 1) jobs wait for a
 * worker.  queued_gauge, if not NULL, tracks the number waiting.  Returns
 * 0, TG_ERR_INVALID, TG_ERR_NOMEM or TG_ERR_INTERNAL (thread creation).
 * *out is owned by the caller (tg_pool_free).
 */
int tg_pool_new(int nthreads, int queue_max, _Atomic uint64_t *queued_gauge,
    tg_pool **out) __attribute__((warn_unused_result));

/*
 * Queue job.  Returns 0; TG_ERR_BUSY at once if queue_max jobs are already
 * waiting; TG_ERR_INVALID once the pool is being freed.  The job (borrowed)
 * must stay valid until run or cancel has been called.  Thread-safe.
 */
int tg_pool_submit(tg_pool *p, struct tg_pool_job *job)
    __attribute__((warn_unused_result));

/* Jobs waiting now. */
int tg_pool_queued(tg_pool *p);

/*
 * Stop: running jobs finish, waiting jobs get their cancel callback (on the
 * calling thread, after the workers have exited), threads are joined.
 * NULL-safe.
 */
void tg_pool_free(tg_pool *p);

#endif
