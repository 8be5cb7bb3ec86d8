/*
 * tradeguard init --dir DIR [--listen HOST:PORT] [--demo]
 *
 * A working installation in one directory: tradeguard.ini (the commented
 * sample with paths relative to DIR), keys/, tls/cert.pem + key.pem
 * (self-signed), the migrated store; with --demo also a customer "demo"
 * whose password is written to DIR/demo-login.json and whose recovery codes
 * (its second factor: the login needs two kinds, AUTH-01) to
 * DIR/demo-recovery.txt.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <tradeguard/error.h>

#include "cli/cli.h"
#include "config/config.h"
#include "crypto/encode.h"
#include "crypto/keys.h"
#include "crypto/tlscert.h"
#include "service/customer.h"
#include "service/enrol.h"
#include "store/store.h"

#define INIT_CERT_DAYS 397
#define INIT_DEMO_LOGIN "demo"
#define INIT_DEMO_PW_RANDOM 12		/* bytes -> 16 base64url characters */

struct init_opts {
	const char *dir;
	const char *listen;
	int demo;
};

static void
init_usage(FILE *f)
{
	fprintf(f, "usage: tradeguard init --dir DIR [--listen HOST:PORT] "
	    "[--demo]\n"
	    "  Create DIR (mode 0700) with tradeguard.ini, keys/, tls/ and the "
	    "store.\n"
	    "  --demo  also create the customer \"demo\" with a password "
	    "(demo-login.json)\n"
	    "          and ten recovery codes as its second factor "
	    "(demo-recovery.txt)\n");
}

/* path = dir "/" name, bounded. */
static int
init_join(char *out, size_t len, const char *dir, const char *name)
{
	int n = snprintf(out, len, "%s/%s", dir, name);

	return (n < 0 || (size_t)n >= len) ? TG_ERR_INVALID : 0;
}

static int
init_mkdir(const char *path, int *created)
{
	struct stat st;

	*created = 0;
	if (mkdir(path, 0700) == 0) {
		*created = 1;
		return 0;
	}
	if (errno != EEXIST) {
		cli_error("cannot create %s: %s", path, strerror(errno));
		return TG_ERR_IO;
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		cli_error("%s exists and is not a directory", path);
		return TG_ERR_IO;
	}
	return 0;
}

/*
 * The host part of HOST:PORT or [V6]:PORT into host.  0 or TG_ERR_INVALID.
 */
static int
init_listen_host(const char *listen, char *host, size_t len)
{
	const char *colon, *start = listen, *end;
	int64_t port;

	if (listen[0] == '[') {
		start = listen + 1;
		if ((end = strchr(start, ']')) == NULL || end[1] != ':')
			return TG_ERR_INVALID;
		colon = end + 1;
	} else {
		if ((colon = strrchr(listen, ':')) == NULL)
			return TG_ERR_INVALID;
		end = colon;
	}
	if (end == start || (size_t)(end - start) >= len ||
	    cli_parse_int64(colon + 1, 1, 65535, &port) != 0)
		return TG_ERR_INVALID;
	memcpy(host, start, (size_t)(end - start));
	host[end - start] = '\0';
	return 0;
}

static int
init_dns_name(const char *h)
{
	size_t i;

	for (i = 0; h[i] != '\0'; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= 'A' && h[i] <= 'Z') ||
		    (h[i] >= '0' && h[i] <= '9') || h[i] == '-' || h[i] == '.'))
			return 0;
	return i > 0 && h[0] != '-' && h[0] != '.';
}

/* "https://localhost:PORT" for the port of listen (default 8443). */
static void
init_localhost_origin(const char *listen, char *out, size_t len)
{
	const char *port = strrchr(listen, ':');

	snprintf(out, len, "https://localhost%s", port != NULL ? port : ":8443");
}

/*
 * Subject alternative names: localhost and 127.0.0.1, plus the listen host
 * when it is a specific address or another host name.
 */
static int
init_san(const char *host, char *san, size_t len)
{
	unsigned char a[16];
	int n;

	n = snprintf(san, len, "DNS:localhost,IP:127.0.0.1");
	if ((inet_pton(AF_INET, host, a) == 1 &&
	    strcmp(host, "127.0.0.1") != 0 && strcmp(host, "0.0.0.0") != 0) ||
	    (inet_pton(AF_INET6, host, a) == 1 && strcmp(host, "::") != 0))
		n = snprintf(san, len, "DNS:localhost,IP:127.0.0.1,IP:%s", host);
	else if (inet_pton(AF_INET, host, a) != 1 &&
	    inet_pton(AF_INET6, host, a) != 1 && init_dns_name(host) &&
	    strcmp(host, "localhost") != 0)
		n = snprintf(san, len, "DNS:localhost,IP:127.0.0.1,DNS:%s", host);
	return (n < 0 || (size_t)n >= len) ? TG_ERR_INVALID : 0;
}

/* Write the configuration to tmp, check that it loads, move it to path. */
static int
init_write_config(const struct init_opts *o, const char *path,
    struct tg_config *loaded)
{
	struct tg_config cfg;
	char tmp[TG_PATH_MAX], err[1024];
	FILE *f = NULL;
	int fd = -1, r;

	tmp[0] = '\0';
	tg_config_defaults(&cfg);
	if (o->listen != NULL)
		snprintf(cfg.listen, sizeof(cfg.listen), "%s", o->listen);
	snprintf(cfg.store_path, sizeof(cfg.store_path), "tradeguard.db");
	snprintf(cfg.keys_dir, sizeof(cfg.keys_dir), "keys");
	snprintf(cfg.tls_certificate, sizeof(cfg.tls_certificate),
	    "tls/cert.pem");
	snprintf(cfg.tls_private_key, sizeof(cfg.tls_private_key),
	    "tls/key.pem");
	/* Passkeys belong to https://localhost:PORT, the name browsers call secure. */
	init_localhost_origin(cfg.listen, cfg.webauthn_origins,
	    sizeof(cfg.webauthn_origins));

	if ((r = init_join(tmp, sizeof(tmp), o->dir, ".tradeguard.ini.tmp")) != 0)
		goto out;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		cli_error("cannot write %s: %s", tmp, strerror(errno));
		r = TG_ERR_IO;
		goto out;
	}
	fd = -1;
	fprintf(f, "# TradeGuard configuration, written by `tradeguard init`.\n"
	    "# Relative paths are relative to this file's directory.\n");
	fprintf(f, "\n");
	if ((r = tg_config_write_sample(f, &cfg)) != 0)
		goto out;
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		r = TG_ERR_IO;
		goto out;
	}
	r = fclose(f);
	f = NULL;
	if (r != 0) {
		r = TG_ERR_IO;
		goto out;
	}
	if ((r = tg_config_load(tmp, loaded, err, sizeof(err))) != 0) {
		cli_error("the generated configuration does not load: %s", err);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		r = TG_ERR_IO;
		goto out;
	}
	tmp[0] = '\0';
	r = 0;
out:
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (r != 0 && tmp[0] != '\0')
		unlink(tmp);
	return r;
}

static int
init_tls(const struct init_opts *o, const struct tg_config *cfg)
{
	char host[256], san[512], err[512], tlsdir[TG_PATH_MAX];
	int created, r;

	if (access(cfg->tls_certificate, F_OK) == 0 &&
	    access(cfg->tls_private_key, F_OK) == 0) {
		printf("  kept       %s (exists)\n", cfg->tls_certificate);
		return 0;
	}
	if ((r = init_join(tlsdir, sizeof(tlsdir), o->dir, "tls")) != 0 ||
	    (r = init_mkdir(tlsdir, &created)) != 0)
		return r;
	if (init_listen_host(cfg->listen, host, sizeof(host)) != 0 ||
	    init_san(host, san, sizeof(san)) != 0)
		snprintf(san, sizeof(san), "DNS:localhost,IP:127.0.0.1");
	err[0] = '\0';
	if ((r = tg_tls_selfsigned(cfg->tls_certificate, cfg->tls_private_key,
	    "localhost", san, INIT_CERT_DAYS, err, sizeof(err))) != 0) {
		cli_error("TLS certificate: %s", err[0] != '\0' ? err :
		    tg_strerror(r));
		return r;
	}
	printf("  created    %s (self-signed, %s, %d days)\n",
	    cfg->tls_certificate, san, INIT_CERT_DAYS);
	printf("  created    %s\n", cfg->tls_private_key);
	return 0;
}

/* Write {"login":...,"password":...} to path, mode 0600. */
static int
init_write_login(const char *path, const char *login, const char *pw)
{
	json_t *j = NULL;
	char *text = NULL;
	size_t len;
	int fd = -1, r;

	if ((j = json_pack("{s:s,s:s}", "login", login, "password", pw)) ==
	    NULL || (text = json_dumps(j, JSON_COMPACT)) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	len = strlen(text);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0 || fchmod(fd, 0600) != 0 ||
	    write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
		cli_error("cannot write %s: %s", path, strerror(errno));
		r = TG_ERR_IO;
		goto out;
	}
	r = 0;
out:
	if (fd >= 0 && close(fd) != 0 && r == 0)
		r = TG_ERR_IO;
	if (text != NULL) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
	json_decref(j);
	return r;
}

/* The https://HOST:PORT a local client should use. */
static void
init_url_host(const char *listen, char *out, size_t len)
{
	char host[256];
	const char *port;

	if (init_listen_host(listen, host, sizeof(host)) != 0 ||
	    (port = strrchr(listen, ':')) == NULL) {
		snprintf(out, len, "%s", listen);
		return;
	}
	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
		snprintf(out, len, "localhost%s", port);
	else
		snprintf(out, len, "%s", listen);
}

/* The demo's recovery codes, one a line, mode 0600. */
static int
init_write_codes(const char *path,
    char codes[TG_RECOVERY_CODES][TG_RECOVERY_CODE_LEN + 1])
{
	FILE *f = NULL;
	int fd, i, r = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		cli_error("cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return TG_ERR_IO;
	}
	for (i = 0; i < TG_RECOVERY_CODES; i++)
		fprintf(f, "%s\n", codes[i]);
	if (fclose(f) != 0)
		r = TG_ERR_IO;
	return r;
}

static int
init_demo(const struct init_opts *o, const char *ini, const char *listen)
{
	uint8_t rnd[INIT_DEMO_PW_RANDOM];
	char pw[64], why[256], actor[160], path[TG_PATH_MAX], url[300];
	char rpath[TG_PATH_MAX], codes[TG_RECOVERY_CODES][TG_RECOVERY_CODE_LEN + 1];
	struct tg_customer c;
	struct tg_actor who;
	struct cli_env env = { ini };
	tg_ctx *ctx = NULL;
	size_t n;
	int r;

	memset(&c, 0, sizeof(c));
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		cli_error("no random bytes for the demo password");
		r = TG_ERR_CRYPTO;
		goto out;
	}
	/* base64url letters and digits, plus a symbol, a digit and a letter. */
	tg_b64url_encode(rnd, sizeof(rnd), pw);
	n = strlen(pw);
	snprintf(pw + n, sizeof(pw) - n, "!7a");

	if ((r = cli_open_ctx(&env, &ctx)) != 0)
		goto out;
	cli_actor(&who, actor, sizeof(actor));
	why[0] = '\0';
	if ((r = tg_customer_add(ctx, &who, INIT_DEMO_LOGIN, "demo@example.com",
	    "0912345678", "zh-TW", pw, strlen(pw), &c, why, sizeof(why))) != 0) {
		if (r == TG_ERR_EXISTS)
			cli_error("customer \"%s\" already exists in %s",
			    INIT_DEMO_LOGIN, ctx->cfg.store_path);
		else
			cli_error("creating customer \"%s\": %s%s%s",
			    INIT_DEMO_LOGIN, tg_strerror(r),
			    why[0] != '\0' ? ": " : "", why);
		goto out;
	}
	if ((r = init_join(path, sizeof(path), o->dir, "demo-login.json")) != 0 ||
	    (r = init_write_login(path, INIT_DEMO_LOGIN, pw)) != 0)
		goto out;
	/* The second factor of the demo: recovery codes (possession of the sheet). */
	if ((r = tg_enrol_recovery_issue(ctx, &who, &c, codes)) != 0) {
		cli_error("issuing recovery codes: %s", tg_strerror(r));
		goto out;
	}
	if ((r = init_join(rpath, sizeof(rpath), o->dir, "demo-recovery.txt")) != 0 ||
	    (r = init_write_codes(rpath, codes)) != 0)
		goto out;
	init_url_host(listen, url, sizeof(url));
	printf("  created    customer \"%s\" (demo@example.com, "
	    "0912345678, zh-TW)\n", INIT_DEMO_LOGIN);
	printf("  created    %s (mode 0600)\n", path);
	printf("  created    %s (10 recovery codes, mode 0600)\n\n", rpath);
	printf("Demo login:    %s\nDemo password: %s\n", INIT_DEMO_LOGIN, pw);
	printf("Second factor: a recovery code, e.g. %s (each works once)\n\n",
	    codes[0]);
	printf("Start the server:\n  tradeguardd --config %s\n", ini);
	printf("Log in:\n  curl --cacert %s/tls/cert.pem https://%s/v1/auth/login "
	    "-H 'Content-Type: application/json' -d @%s\n", o->dir, url, path);
	r = 0;
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(rnd, sizeof(rnd));
	OPENSSL_cleanse(codes, sizeof(codes));
	tg_ctx_free(ctx);
	return r;
}

int
cli_init(struct cli_env *env, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "demo", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct init_opts o = { NULL, NULL, 0 };
	struct tg_config cfg;
	tg_store *st = NULL;
	char ini[TG_PATH_MAX], keys[TG_PATH_MAX], err[512], host[256];
	int ch, created, r;

	(void)env;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "d:l:Dh", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			o.dir = optarg;
			break;
		case 'l':
			o.listen = optarg;
			break;
		case 'D':
			o.demo = 1;
			break;
		case 'h':
			init_usage(stdout);
			return CLI_OK;
		default:
			init_usage(stderr);
			return CLI_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage_error("init: unexpected argument \"%s\"",
		    argv[optind]);
	if (o.dir == NULL || o.dir[0] == '\0') {
		init_usage(stderr);
		return cli_usage_error("init: --dir DIR is required");
	}
	if (o.listen != NULL &&
	    init_listen_host(o.listen, host, sizeof(host)) != 0)
		return cli_usage_error("init: --listen wants HOST:PORT, e.g. "
		    "127.0.0.1:8443 or [::1]:8443");
	if (init_join(ini, sizeof(ini), o.dir, "tradeguard.ini") != 0 ||
	    init_join(keys, sizeof(keys), o.dir, "keys") != 0)
		return cli_usage_error("init: --dir path too long");
	memset(&cfg, 0, sizeof(cfg));

	if (init_mkdir(o.dir, &created) != 0)
		return CLI_ERR;
	if (access(ini, F_OK) == 0)
		return cli_error("%s already exists; refusing to overwrite it "
		    "(choose another --dir or remove it)", ini);
	printf("Initialising %s\n", o.dir);
	if (created)
		printf("  created    %s/ (mode 0700)\n", o.dir);

	if ((r = init_write_config(&o, ini, &cfg)) != 0) {
		if (r != TG_ERR_CONFIG)
			cli_error("writing %s: %s", ini, tg_strerror(r));
		return CLI_ERR;
	}
	printf("  created    %s\n", ini);

	err[0] = '\0';
	if ((r = tg_keys_generate(cfg.keys_dir, err, sizeof(err))) != 0)
		return cli_error("keys in %s: %s", cfg.keys_dir,
		    err[0] != '\0' ? err : tg_strerror(r));
	printf("  created    %s/ (pepper, session, audit and admin keys)\n",
	    cfg.keys_dir);

	if (init_tls(&o, &cfg) != 0)
		return CLI_ERR;

	if ((r = tg_store_open(cfg.store_path, cfg.store_busy_timeout_ms,
	    &st)) != 0)
		return cli_error("store %s: %s", cfg.store_path, tg_strerror(r));
	tg_store_close(st);
	printf("  created    %s (schema migrated)\n", cfg.store_path);

	if (o.demo) {
		if (init_demo(&o, ini, cfg.listen) != 0)
			return CLI_ERR;
	} else
		printf("\nNext: add a customer with\n  TRADEGUARD_CONFIG=%s "
		    "tradeguard customer add --login LOGIN --email E "
		    "--phone P < password-file\n"
		    "and start the server with\n  tradeguardd --config %s\n",
		    ini, ini);
	return CLI_OK;
}
