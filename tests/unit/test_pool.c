/* The bounded worker pool: jobs run, the bound refuses at once, shutdown is clean. */
#include "helpers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include <tradeguard/error.h>

#include "http/pool.h"

struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int open;
	int started;
};

struct tjob {
	struct tg_pool_job pj;		/* first: the pool hands us this */
	struct gate *gate;		/* NULL: do not block */
	atomic_int *ran;
	atomic_int *cancelled;
};

static void
gate_init(struct gate *g)
{
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->open = 0;
	g->started = 0;
}

static void
gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->open = 1;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

/* Wait until n gated jobs are running. */
static void
gate_wait_started(struct gate *g, int n)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	pthread_mutex_lock(&g->mu);
	while (g->started < n)
		if (pthread_cond_timedwait(&g->cv, &g->mu, &ts) != 0)
			break;
	assert_int_equal(g->started, n);
	pthread_mutex_unlock(&g->mu);
}

static void
tjob_run(struct tg_pool_job *pj)
{
	struct tjob *j = (struct tjob *)pj;

	if (j->gate != NULL) {
		pthread_mutex_lock(&j->gate->mu);
		j->gate->started++;
		pthread_cond_broadcast(&j->gate->cv);
		while (!j->gate->open)
			pthread_cond_wait(&j->gate->cv, &j->gate->mu);
		pthread_mutex_unlock(&j->gate->mu);
	}
	atomic_fetch_add(j->ran, 1);
}

static void
tjob_cancel(struct tg_pool_job *pj)
{
	struct tjob *j = (struct tjob *)pj;

	atomic_fetch_add(j->cancelled, 1);
}

static void
tjob_init(struct tjob *j, struct gate *g, atomic_int *ran, atomic_int *cancelled)
{
	memset(j, 0, sizeof(*j));
	j->pj.run = tjob_run;
	j->pj.cancel = tjob_cancel;
	j->gate = g;
	j->ran = ran;
	j->cancelled = cancelled;
}

static void
wait_ran(atomic_int *ran, int n)
{
	struct timespec d = { 0, 1000000 };
	int i;

	for (i = 0; i < 10000 && atomic_load(ran) < n; i++)
		nanosleep(&d, NULL);
	assert_int_equal(atomic_load(ran), n);
}

static void
test_jobs_run(void **state)
{
	struct tjob jobs[200];
	atomic_int ran = 0, cancelled = 0;
	_Atomic uint64_t gauge = 0;
	tg_pool *p = NULL;
	int i, r;

	(void)state;
	assert_int_equal(tg_pool_new(4, 1000, &gauge, &p), 0);
	for (i = 0; i < 200; i++) {
		tjob_init(&jobs[i], NULL, &ran, &cancelled);
		r = tg_pool_submit(p, &jobs[i].pj);
		assert_int_equal(r, 0);
	}
	wait_ran(&ran, 200);
	assert_int_equal(atomic_load(&gauge), 0);
	assert_int_equal(tg_pool_queued(p), 0);
	tg_pool_free(p);
	assert_int_equal(atomic_load(&cancelled), 0);
}

static void
test_bound(void **state)
{
	struct tjob blocker, q[3];
	struct gate g;
	atomic_int ran = 0, cancelled = 0;
	_Atomic uint64_t gauge = 0;
	struct timespec t0, t1;
	tg_pool *p = NULL;
	int i;

	(void)state;
	gate_init(&g);
	assert_int_equal(tg_pool_new(1, 2, &gauge, &p), 0);
	tjob_init(&blocker, &g, &ran, &cancelled);
	assert_int_equal(tg_pool_submit(p, &blocker.pj), 0);
	gate_wait_started(&g, 1);
	/* The worker is busy: two may wait, the third is refused at once. */
	for (i = 0; i < 3; i++)
		tjob_init(&q[i], NULL, &ran, &cancelled);
	assert_int_equal(tg_pool_submit(p, &q[0].pj), 0);
	assert_int_equal(tg_pool_submit(p, &q[1].pj), 0);
	assert_int_equal(atomic_load(&gauge), 2);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(tg_pool_submit(p, &q[2].pj), TG_ERR_BUSY);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true((t1.tv_sec - t0.tv_sec) * 1000000000L +
	    (t1.tv_nsec - t0.tv_nsec) < 100000000L);
	assert_int_equal(tg_pool_queued(p), 2);
	gate_open(&g);
	wait_ran(&ran, 3);
	assert_int_equal(atomic_load(&gauge), 0);
	/* Room again. */
	assert_int_equal(tg_pool_submit(p, &q[2].pj), 0);
	wait_ran(&ran, 4);
	tg_pool_free(p);
	assert_int_equal(atomic_load(&cancelled), 0);
}

struct opener {
	tg_pool *p;
	struct gate *g;
};

/*
 * Open the gate once tg_pool_free has taken the waiting jobs off the queue
 * (the workers are blocked in the gate, so only tg_pool_free empties it;
 * the pool stays valid until the running jobs return).
 */
static void *
opener_main(void *arg)
{
	struct opener *op = arg;
	struct timespec d = { 0, 1000000 };

	while (tg_pool_queued(op->p) != 0)
		nanosleep(&d, NULL);
	gate_open(op->g);
	return NULL;
}

static void
test_shutdown(void **state)
{
	struct tjob running[2], queued[5];
	struct gate g;
	atomic_int ran = 0, cancelled = 0;
	_Atomic uint64_t gauge = 0;
	tg_pool *p = NULL;
	struct opener op;
	pthread_t opener;
	int i;

	(void)state;
	gate_init(&g);
	assert_int_equal(tg_pool_new(2, 5, &gauge, &p), 0);
	for (i = 0; i < 2; i++) {
		tjob_init(&running[i], &g, &ran, &cancelled);
		assert_int_equal(tg_pool_submit(p, &running[i].pj), 0);
	}
	gate_wait_started(&g, 2);
	for (i = 0; i < 5; i++) {
		tjob_init(&queued[i], NULL, &ran, &cancelled);
		assert_int_equal(tg_pool_submit(p, &queued[i].pj), 0);
	}
	/* Free while two run and five wait: the two finish, the five are cancelled. */
	op.p = p;
	op.g = &g;
	assert_int_equal(pthread_create(&opener, NULL, opener_main, &op), 0);
	tg_pool_free(p);
	pthread_join(opener, NULL);
	assert_int_equal(atomic_load(&ran), 2);
	assert_int_equal(atomic_load(&cancelled), 5);
	assert_int_equal(atomic_load(&gauge), 0);
}

static void
test_invalid(void **state)
{
	tg_pool *p = (tg_pool *)1;

	(void)state;
	assert_int_equal(tg_pool_new(0, 1, NULL, &p), TG_ERR_INVALID);
	assert_null(p);
	assert_int_equal(tg_pool_new(1, 0, NULL, &p), TG_ERR_INVALID);
	tg_pool_free(NULL);
	/* Idle pool without a gauge starts and stops. */
	assert_int_equal(tg_pool_new(3, 1, NULL, &p), 0);
	tg_pool_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_run),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_shutdown),
		cmocka_unit_test(test_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
