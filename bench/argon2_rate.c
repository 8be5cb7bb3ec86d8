/*
 * argon2_rate: the pure Argon2id ceiling that bench/login compares the
 * server's login rate with.  N threads each call crypto_pwhash_str (which
 * is Argon2id, as the server's password hashes are) with the given memory
 * and iteration counts for a fixed time; prints the total hashes per second.
 *
 * Usage: argon2_rate MEMORY_KIB ITERATIONS THREADS SECONDS
 * Output (one line): hashes=N seconds=S threads=T rate=R
 *
 * Built by bench/login with cc -O2 ... $(pkg-config --cflags --libs libsodium).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#define THREADS_MAX	1024

struct worker {
	pthread_t tid;
	unsigned long long opslimit;
	size_t memlimit;
	double deadline;	/* CLOCK_MONOTONIC seconds */
	unsigned long hashes;
	int failed;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	char out[crypto_pwhash_STRBYTES];
	/* The server hashes a 32-byte HMAC of the password; hash 32 bytes too. */
	unsigned char pw[32];

	randombytes_buf(pw, sizeof(pw));
	while (now_s() < w->deadline) {
		if (crypto_pwhash_str(out, (const char *)pw, sizeof(pw),
		    w->opslimit, w->memlimit) != 0) {
			w->failed = 1;
			break;
		}
		w->hashes++;
	}
	return NULL;
}

/* Decimal in [min, max]; exits on anything else. */
static unsigned long
arg_ulong(const char *s, const char *what, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    v < min || v > max) {
		fprintf(stderr, "argon2_rate: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	static struct worker w[THREADS_MAX];
	unsigned long mem_kib, t, nthreads, secs, total = 0, i;
	double start, elapsed;
	int failed = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: argon2_rate MEMORY_KIB ITERATIONS THREADS SECONDS\n");
		return 2;
	}
	mem_kib = arg_ulong(argv[1], "memory", 8, 4UL * 1024 * 1024);
	t = arg_ulong(argv[2], "iterations", 1, 100);
	nthreads = arg_ulong(argv[3], "threads", 1, THREADS_MAX);
	secs = arg_ulong(argv[4], "seconds", 1, 3600);
	if (sodium_init() < 0) {
		fprintf(stderr, "argon2_rate: sodium_init failed\n");
		return 1;
	}
	if (t < crypto_pwhash_OPSLIMIT_MIN ||
	    mem_kib * 1024 < crypto_pwhash_MEMLIMIT_MIN) {
		fprintf(stderr, "argon2_rate: parameters below libsodium's minimum\n");
		return 2;
	}
	start = now_s();
	for (i = 0; i < nthreads; i++) {
		w[i].opslimit = t;
		w[i].memlimit = (size_t)mem_kib * 1024;
		w[i].deadline = start + (double)secs;
		if (pthread_create(&w[i].tid, NULL, worker_run, &w[i]) != 0) {
			fprintf(stderr, "argon2_rate: pthread_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].tid, NULL);
		total += w[i].hashes;
		failed |= w[i].failed;
	}
	elapsed = now_s() - start;
	if (failed) {
		fprintf(stderr, "argon2_rate: crypto_pwhash_str failed (out of memory?)\n");
		return 1;
	}
	printf("hashes=%lu seconds=%.2f threads=%lu rate=%.1f\n", total, elapsed,
	    nthreads, (double)total / elapsed);
	return 0;
}
