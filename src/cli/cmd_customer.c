/*
 * tradeguard customer add|show|disable|enable|unlock|delete (ACC-02).
 * Every operation goes through service/customer.c and is audited there
 * with the actor "cli:<user>" from "local".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include <tradeguard/error.h>

#include "cli/cli.h"
#include "service/customer.h"

#define CUSTOMER_PW_MAX 1024

static int customer_add(struct cli_env *env, int argc, char **argv);
static int customer_show(struct cli_env *env, int argc, char **argv);
static int customer_disable(struct cli_env *env, int argc, char **argv);
static int customer_enable(struct cli_env *env, int argc, char **argv);
static int customer_unlock(struct cli_env *env, int argc, char **argv);
static int customer_delete(struct cli_env *env, int argc, char **argv);

static const struct cli_cmd customer_cmds[] = {
	{ "add", "--login L --email E --phone P [--locale zh-TW|en]",
	    "create a customer; the initial password is the first line of "
	    "stdin", customer_add },
	{ "show", "LOGIN [--purpose TEXT]",
	    "print a customer's record as JSON (audited as a personal-data "
	    "read)", customer_show },
	{ "disable", "LOGIN [--reason R]",
	    "disable an account and revoke its sessions", customer_disable },
	{ "enable", "LOGIN [--reason R]", "enable a disabled account",
	    customer_enable },
	{ "unlock", "LOGIN --reason R", "unlock an account after lockout",
	    customer_unlock },
	{ "delete", "LOGIN --reason R",
	    "delete an account with its sessions", customer_delete },
};

int
cli_customer(struct cli_env *env, int argc, char **argv)
{
	return cli_dispatch(env, "customer", customer_cmds,
	    CLI_NELEM(customer_cmds), argc, argv);
}

static const struct cli_cmd *
customer_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < CLI_NELEM(customer_cmds); i++)
		if (strcmp(customer_cmds[i].name, name) == 0)
			return &customer_cmds[i];
	return NULL;
}

static void
customer_usage(FILE *f, const char *name)
{
	const struct cli_cmd *c = customer_cmd(name);

	if (c != NULL)
		fprintf(f, "usage: tradeguard [--config FILE] customer %s %s\n"
		    "  %s\n", c->name, c->synopsis, c->help);
}

/* A clear message for a service error on login; returns CLI_ERR. */
static int
customer_fail(int r, const char *op, const char *login, const char *why)
{
	switch (r) {
	case TG_ERR_NOT_FOUND:
		return cli_error("%s: no customer with login \"%s\"", op, login);
	case TG_ERR_EXISTS:
		return cli_error("%s: the login \"%s\" is already taken", op,
		    login);
	case TG_ERR_POLICY:
		return cli_error("%s: password rejected: %s", op,
		    why != NULL && why[0] != '\0' ? why : "password rules");
	case TG_ERR_INVALID:
		return cli_error("%s: invalid input%s%s", op,
		    why != NULL && why[0] != '\0' ? ": " : "",
		    why != NULL ? why : "");
	case TG_ERR_AUDIT:
		return cli_error("%s: the audit trail could not be written, so "
		    "nothing was changed (see the error log)", op);
	case TG_ERR_STORE:
		return cli_error("%s: the store failed (is the database "
		    "writable?)", op);
	default:
		return cli_error("%s \"%s\": %s", op, login, tg_strerror(r));
	}
}

/*
 * Common shape of the one-login commands: LOGIN plus --reason/--purpose.
 * *text receives the option's value (or stays as given).
 */
static int
customer_parse_login(struct cli_env *env, int argc, char **argv,
    const char *optname, const char **login, const char **text)
{
	struct option opts[] = {
		{ optname, required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*login = NULL;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			*text = optarg;
			break;
		case 'C':
			env->config = optarg;
			break;
		case 'h':
			customer_usage(stdout, argv[0]);
			return -1;
		default:
			customer_usage(stderr, argv[0]);
			return CLI_USAGE;
		}
	}
	if (optind >= argc) {
		customer_usage(stderr, argv[0]);
		return cli_usage_error("customer %s: LOGIN is required", argv[0]);
	}
	if (optind + 1 != argc)
		return cli_usage_error("customer %s: unexpected argument \"%s\"",
		    argv[0], argv[optind + 1]);
	*login = argv[optind];
	return 0;
}

/* Read the first line of stdin (without echo on a terminal) into buf. */
static int
customer_read_password(char *buf, size_t cap, size_t *lenp)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO), restore = 0, c;
	size_t n = 0;

	*lenp = 0;
	if (tty) {
		fprintf(stderr, "Initial password: ");
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		}
	}
	while ((c = getchar()) != EOF && c != '\n') {
		if (n + 1 >= cap) {
			n = cap;	/* too long */
			while ((c = getchar()) != EOF && c != '\n')
				;
			break;
		}
		buf[n++] = (char)c;
	}
	if (restore)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (tty)
		fputc('\n', stderr);
	if (n >= cap) {
		OPENSSL_cleanse(buf, cap);
		return TG_ERR_LIMIT;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (n == 0 || memchr(buf, '\0', n) != NULL)
		return TG_ERR_INVALID;
	*lenp = n;
	return 0;
}

static int
customer_add(struct cli_env *env, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "login", required_argument, NULL, 'l' },
		{ "email", required_argument, NULL, 'e' },
		{ "phone", required_argument, NULL, 'p' },
		{ "locale", required_argument, NULL, 'L' },
		{ "config", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *login = NULL, *email = NULL, *phone = NULL;
	const char *locale = "zh-TW";
	char pw[CUSTOMER_PW_MAX], why[256], actor[160];
	struct tg_customer c;
	struct tg_actor who;
	tg_ctx *ctx = NULL;
	size_t pwlen = 0;
	int ch, r, rc = CLI_ERR;

	memset(&c, 0, sizeof(c));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			login = optarg;
			break;
		case 'e':
			email = optarg;
			break;
		case 'p':
			phone = optarg;
			break;
		case 'L':
			locale = optarg;
			break;
		case 'C':
			env->config = optarg;
			break;
		case 'h':
			customer_usage(stdout, "add");
			return CLI_OK;
		default:
			customer_usage(stderr, "add");
			return CLI_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage_error("customer add: unexpected argument \"%s\"",
		    argv[optind]);
	if (login == NULL || email == NULL || phone == NULL) {
		customer_usage(stderr, "add");
		return cli_usage_error("customer add: --login, --email and "
		    "--phone are required");
	}
	if (strcmp(locale, "zh-TW") != 0 && strcmp(locale, "en") != 0)
		return cli_usage_error("customer add: --locale must be zh-TW or "
		    "en");

	r = customer_read_password(pw, sizeof(pw), &pwlen);
	if (r == TG_ERR_LIMIT) {
		rc = cli_error("customer add: the password line is longer "
		    "than %d bytes", CUSTOMER_PW_MAX - 1);
		goto out;
	} else if (r != 0) {
		rc = cli_usage_error("customer add: no password: give the "
		    "initial password as the first line of stdin");
		goto out;
	}
	if (cli_open_ctx(env, &ctx) != 0)
		goto out;
	cli_actor(&who, actor, sizeof(actor));
	why[0] = '\0';
	if ((r = tg_customer_add(ctx, &who, login, email, phone, locale, pw,
	    pwlen, &c, why, sizeof(why))) != 0) {
		if (r == TG_ERR_INVALID && why[0] == '\0')
			snprintf(why, sizeof(why), "check the login (3-%d of "
			    "letters, digits, . _ - @), e-mail and phone",
			    TG_LOGIN_MAX);
		rc = customer_fail(r, "customer add", login, why);
		goto out;
	}
	printf("customer \"%s\" created (id %lld)\n", c.login, (long long)c.id);
	rc = CLI_OK;
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(&c, sizeof(c));
	tg_ctx_free(ctx);
	return rc;
}

static int
customer_show(struct cli_env *env, int argc, char **argv)
{
	const char *login, *purpose = "operator lookup";
	char actor[160];
	struct tg_customer c;
	struct tg_actor who;
	tg_ctx *ctx = NULL;
	json_t *j = NULL;
	int r, rc;

	memset(&c, 0, sizeof(c));
	if ((rc = customer_parse_login(env, argc, argv, "purpose", &login,
	    &purpose)) != 0)
		return rc < 0 ? CLI_OK : rc;
	if (purpose == NULL || purpose[0] == '\0')
		return cli_usage_error("customer show: --purpose must not be "
		    "empty (the read is audited with it)");
	rc = CLI_ERR;
	if (cli_open_ctx(env, &ctx) != 0)
		goto out;
	cli_actor(&who, actor, sizeof(actor));
	if ((r = tg_customer_show(ctx, &who, login, purpose, &c)) != 0) {
		rc = customer_fail(r, "customer show", login, NULL);
		goto out;
	}
	if ((j = tg_customer_json(ctx, &c)) == NULL ||
	    json_dumpf(j, stdout, JSON_INDENT(2)) != 0) {
		rc = cli_error("customer show: cannot render the record");
		goto out;
	}
	putchar('\n');
	rc = CLI_OK;
out:
	json_decref(j);
	OPENSSL_cleanse(&c, sizeof(c));
	tg_ctx_free(ctx);
	return rc;
}

enum customer_op { OP_DISABLE, OP_ENABLE, OP_UNLOCK, OP_DELETE };

static int
customer_change(struct cli_env *env, int argc, char **argv,
    enum customer_op op)
{
	static const char *const done[] = { "disabled", "enabled", "unlocked",
	    "deleted" };
	const char *login, *reason = NULL;
	char actor[160], what[32];
	struct tg_actor who;
	tg_ctx *ctx = NULL;
	int r, rc;

	if ((rc = customer_parse_login(env, argc, argv, "reason", &login,
	    &reason)) != 0)
		return rc < 0 ? CLI_OK : rc;
	snprintf(what, sizeof(what), "customer %s", argv[0]);
	if ((op == OP_UNLOCK || op == OP_DELETE) &&
	    (reason == NULL || reason[0] == '\0')) {
		customer_usage(stderr, argv[0]);
		return cli_usage_error("%s: --reason R is required (it goes "
		    "into the audit trail)", what);
	}
	if (reason == NULL)
		reason = "";
	rc = CLI_ERR;
	if (cli_open_ctx(env, &ctx) != 0)
		goto out;
	cli_actor(&who, actor, sizeof(actor));
	switch (op) {
	case OP_DISABLE:
	case OP_ENABLE:
		r = tg_customer_set_disabled(ctx, &who, login,
		    op == OP_DISABLE, reason);
		break;
	case OP_UNLOCK:
		r = tg_customer_unlock(ctx, &who, login, reason);
		break;
	case OP_DELETE:
		r = tg_customer_delete(ctx, &who, login, reason);
		break;
	default:
		abort();
	}
	if (r != 0) {
		rc = customer_fail(r, what, login, NULL);
		goto out;
	}
	printf("customer \"%s\" %s\n", login, done[op]);
	rc = CLI_OK;
out:
	tg_ctx_free(ctx);
	return rc;
}

static int
customer_disable(struct cli_env *env, int argc, char **argv)
{
	return customer_change(env, argc, argv, OP_DISABLE);
}

static int
customer_enable(struct cli_env *env, int argc, char **argv)
{
	return customer_change(env, argc, argv, OP_ENABLE);
}

static int
customer_unlock(struct cli_env *env, int argc, char **argv)
{
	return customer_change(env, argc, argv, OP_UNLOCK);
}

static int
customer_delete(struct cli_env *env, int argc, char **argv)
{
	return customer_change(env, argc, argv, OP_DELETE);
}
