/*
 * tradeguardd: the daemon.
 *
 *   tradeguardd --config FILE [--check-config] [--version] [--help]
 *
 * The configuration path may also come from $TRADEGUARD_CONFIG.  Failures
 * of the environment at start-up (bad config, keys, store, port in use)
 * print one clear line and exit 1; a clean stop (SIGTERM/SIGINT) exits 0.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>
#include <sodium.h>

#include <tradeguard/error.h>

#include "config/config.h"
#include "core/log.h"
#include "crypto/keys.h"
#include "http/http.h"
#include "http/tls.h"
#include "notify/notify.h"
#include "service/ctx.h"
#include "service/jobs.h"

#define ERR_LEN 1024

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tradeguardd --config FILE [--check-config]\n"
	    "       tradeguardd --version | --help\n"
	    "\n"
	    "  -c, --config FILE   configuration file (default: $TRADEGUARD_CONFIG)\n"
	    "  -t, --check-config  check the configuration, keys and TLS files, then exit\n"
	    "  -V, --version       print the version and exit\n"
	    "  -h, --help          print this help and exit\n");
}

/*
 * Everything that can be checked without side effects: the config file,
 * the key directory (including its permissions) and the TLS certificate
 * and key.  The store is not opened: that would create or migrate it.
 */
static int
check_config(const char *path, char *err, size_t errlen)
{
	struct tg_config *cfg = NULL;
	tg_keys *keys = NULL;
	SSL_CTX *ssl = NULL;
	int r;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return TG_ERR_NOMEM;
	}
	if ((r = tg_config_load(path, cfg, err, errlen)) != 0 ||
	    (r = tg_keys_load(cfg->keys_dir, &keys, err, errlen)) != 0 ||
	    (r = tg_tls_server_ctx(cfg->tls_certificate, cfg->tls_private_key,
	    &ssl, err, errlen)) != 0 ||
	    (r = tg_notify_check_config(cfg, err, errlen)) != 0)
		goto out;
out:
	SSL_CTX_free(ssl);
	tg_keys_free(keys);
	free(cfg);
	return r;
}

/* A start-up failure: on the terminal, and in the log file if there is one. */
static void
fatal_start(const struct tg_config *cfg, const char *msg)
{
	fprintf(stderr, "tradeguardd: %s\n", msg);
	if (cfg->log_file[0] != '\0')
		tg_log(TG_LOG_ERROR, "server.start_failed", NULL, "%s", msg);
}

static int
run(const char *path)
{
	struct tg_config *cfg = NULL;
	tg_ctx *ctx = NULL;
	tg_server *srv = NULL;
	tg_notify *notify = NULL;
	char err[ERR_LEN] = "";
	int r, status = 1;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
		fprintf(stderr, "tradeguardd: out of memory\n");
		return 1;
	}
	/* The log settings are needed before anything else is opened. */
	if (tg_config_load(path, cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "tradeguardd: %s\n", err);
		goto out;
	}
	if (tg_log_open(cfg->log_file, (enum tg_log_level)cfg->log_level) != 0) {
		fprintf(stderr, "tradeguardd: cannot open the log file %s\n",
		    cfg->log_file);
		goto out;
	}
	if ((r = tg_ctx_open(path, &ctx, err, sizeof(err))) != 0) {
		fatal_start(cfg, err[0] != '\0' ? err : tg_strerror(r));
		goto out;
	}
	if (ctx->cfg.min_factor_kinds < 2)
		tg_log(TG_LOG_WARN, "config.non_compliant", NULL,
		    "auth.min_factor_kinds < 2 is NON-COMPLIANT with AUTH-01 "
		    "(development only)");
	if (tg_server_new(ctx, &srv, err, sizeof(err)) != 0) {
		fatal_start(cfg, err);
		goto out;
	}
	/* Owner notifications (AUTH-15): a background thread, never a login's wait. */
	if (ctx->cfg.notify_smtp_url[0] != '\0' ||
	    ctx->cfg.notify_webhook_url[0] != '\0') {
		if ((r = tg_notify_check_config(&ctx->cfg, err,
		    sizeof(err))) != 0 || (r = tg_notify_start(ctx, &notify)) != 0) {
			fatal_start(cfg, err[0] != '\0' ? err : tg_strerror(r));
			goto out;
		}
	}
	/* Audit checkpoints by time and the session purge, once a second. */
	tg_server_set_tick(srv, tg_jobs_tick, 1);
	printf("tradeguardd %s listening on https://%s\n", TG_VERSION,
	    tg_server_address(srv));
	fflush(stdout);
	if ((r = tg_server_run(srv)) != 0) {
		fprintf(stderr, "tradeguardd: server failed: %s\n", tg_strerror(r));
		goto out;
	}
	status = 0;
out:
	tg_notify_stop(notify);		/* after the drain; NULL-safe */
	tg_server_free(srv);
	tg_ctx_free(ctx);
	free(cfg);
	tg_log_close();
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	char err[ERR_LEN] = "";
	int ch, check = 0;

	while ((ch = getopt_long(argc, argv, "c:tVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 'V':
			printf("tradeguardd %s\n", TG_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tradeguardd: unexpected argument: %s\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	if (path == NULL && (path = getenv("TRADEGUARD_CONFIG")) != NULL &&
	    path[0] == '\0')
		path = NULL;
	if (path == NULL) {
		fprintf(stderr, "tradeguardd: no configuration file: use --config "
		    "FILE or set TRADEGUARD_CONFIG\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		fprintf(stderr, "tradeguardd: cannot initialise libsodium\n");
		return 1;
	}
	if (check) {
		if (check_config(path, err, sizeof(err)) != 0) {
			fprintf(stderr, "tradeguardd: %s\n", err);
			return 1;
		}
		printf("config OK\n");
		return 0;
	}
	return run(path);
}
