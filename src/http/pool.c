/* Bounded worker pool: one mutex, one condition variable, a FIFO list. */
#include "http/pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include <tradeguard/error.h>

struct tg_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct tg_pool_job *head, *tail;
	int waiting;
	int queue_max;
	int stop;
	int nthreads;			/* started */
	pthread_t *threads;
	_Atomic uint64_t *gauge;
};

static void *
pool_main(void *arg)
{
	tg_pool *p = arg;
	struct tg_pool_job *job;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->head == NULL)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop)
			break;
		job = p->head;
		if ((p->head = job->next) == NULL)
			p->tail = NULL;
		job->next = NULL;
		p->waiting--;
		if (p->gauge != NULL)
			atomic_fetch_sub(p->gauge, 1);
		pthread_mutex_unlock(&p->mu);
		job->run(job);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int
tg_pool_new(int nthreads, int queue_max, _Atomic uint64_t *queued_gauge,
    tg_pool **out)
{
	tg_pool *p = NULL;
	sigset_t all, old;
	int r = 0, i;

	*out = NULL;
	if (nthreads < 1 || queue_max < 1)
		return TG_ERR_INVALID;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->threads = calloc((size_t)nthreads, sizeof(*p->threads))) == NULL) {
		free(p);
		return TG_ERR_NOMEM;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->queue_max = queue_max;
	p->gauge = queued_gauge;
	/* Workers take no signals: the event loop's thread handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&p->threads[i], NULL, pool_main, p) != 0) {
			r = TG_ERR_INTERNAL;
			break;
		}
		p->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		tg_pool_free(p);
		return r;
	}
	*out = p;
	return 0;
}

int
tg_pool_submit(tg_pool *p, struct tg_pool_job *job)
{
	int r = 0;

	pthread_mutex_lock(&p->mu);
	if (p->stop)
		r = TG_ERR_INVALID;
	else if (p->waiting >= p->queue_max)
		r = TG_ERR_BUSY;
	else {
		job->next = NULL;
		if (p->tail != NULL)
			p->tail->next = job;
		else
			p->head = job;
		p->tail = job;
		p->waiting++;
		if (p->gauge != NULL)
			atomic_fetch_add(p->gauge, 1);
		pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return r;
}

int
tg_pool_queued(tg_pool *p)
{
	int n;

	pthread_mutex_lock(&p->mu);
	n = p->waiting;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void
tg_pool_free(tg_pool *p)
{
	struct tg_pool_job *job, *next;
	int i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	job = p->head;
	p->head = p->tail = NULL;
	if (p->gauge != NULL)
		atomic_fetch_sub(p->gauge, (uint64_t)p->waiting);
	p->waiting = 0;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	for (; job != NULL; job = next) {
		next = job->next;
		job->next = NULL;
		if (job->cancel != NULL)
			job->cancel(job);
	}
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->threads);
	free(p);
}
