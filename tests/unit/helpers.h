/* Shared helpers for the unit tests. */
#ifndef TG_TESTS_HELPERS_H
#define TG_TESTS_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "service/ctx.h"

/* A fresh private temporary directory (malloc'd path). */
char *tgt_mkdtemp(void);
/* Remove dir and everything below it. */
void tgt_rmtree(const char *dir);
/*
 * A context in a fresh temporary directory: keys generated, a config file
 * with cheap Argon2id parameters plus extra_ini (may be NULL), the store
 * migrated, and the clock frozen at TGT_T0.
 */
#define TGT_T0 INT64_C(1767225600000)	/* 2026-01-01T00:00:00Z */
tg_ctx *tgt_ctx_new(const char *extra_ini);
/* Free the context and remove its directory. */
void tgt_ctx_free(tg_ctx *ctx);
/* Run a shell command; returns its exit status. */
int tgt_system(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
