#include "helpers.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/keys.h"

char *
tgt_mkdtemp(void)
{
	char tmpl[] = "/tmp/tgtest.XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
tgt_rmtree(const char *dir)
{
	if (dir != NULL)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

tg_ctx *
tgt_ctx_new(const char *extra_ini)
{
	char *dir = tgt_mkdtemp();
	char path[1024], keys[1024], err[512];
	tg_ctx *ctx = NULL;
	FILE *f;
	int r;

	snprintf(keys, sizeof(keys), "%s/keys", dir);
	r = tg_keys_generate(keys, err, sizeof(err));
	if (r != 0)
		fail_msg("tg_keys_generate: %s", err);
	snprintf(path, sizeof(path), "%s/tradeguard.ini", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "[store]\npath = tradeguard.db\n"
	    "[password]\nargon2_memory_kib = 8192\nargon2_iterations = 1\n");
	if (extra_ini != NULL)
		fputs(extra_ini, f);
	fclose(f);
	r = tg_ctx_open(path, &ctx, err, sizeof(err));
	if (r != 0)
		fail_msg("tg_ctx_open: %s", err);
	tg_clock_set_ms(&ctx->clock, TGT_T0);
	free(dir);
	return ctx;
}

void
tgt_ctx_free(tg_ctx *ctx)
{
	char dir[TG_PATH_MAX];

	if (ctx == NULL)
		return;
	snprintf(dir, sizeof(dir), "%s", ctx->cfg.config_dir);
	tg_ctx_free(ctx);
	tgt_rmtree(dir);
}

int
tgt_system(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
