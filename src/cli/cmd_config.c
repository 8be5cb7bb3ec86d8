/*
 * tradeguard config sample|markdown|check: the option table as a commented
 * INI file or as Markdown, and a check of a configuration file.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tradeguard/error.h>

#include "cli/cli.h"
#include "config/config.h"
#include "crypto/keys.h"

static int config_sample(struct cli_env *env, int argc, char **argv);
static int config_markdown(struct cli_env *env, int argc, char **argv);
static int config_check(struct cli_env *env, int argc, char **argv);

static const struct cli_cmd config_cmds[] = {
	{ "sample", "", "print a fully commented sample configuration",
	    config_sample },
	{ "markdown", "", "print the option reference as Markdown "
	    "(docs/configuration.md)", config_markdown },
	{ "check", "[FILE]", "load a configuration (default: the one in "
	    "effect) and its keys, and report", config_check },
};

int
cli_config(struct cli_env *env, int argc, char **argv)
{
	return cli_dispatch(env, "config", config_cmds, CLI_NELEM(config_cmds),
	    argc, argv);
}

/* --help, --config and at most max_args positional arguments. */
static int
config_parse(struct cli_env *env, int argc, char **argv, int max_args)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t i;
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'C') {
			env->config = optarg;
			continue;
		}
		for (i = 0; i < CLI_NELEM(config_cmds); i++)
			if (strcmp(config_cmds[i].name, argv[0]) == 0)
				fprintf(ch == 'h' ? stdout : stderr,
				    "usage: tradeguard config %s%s%s\n  %s\n",
				    argv[0], config_cmds[i].synopsis[0] != '\0' ?
				    " " : "", config_cmds[i].synopsis,
				    config_cmds[i].help);
		return ch == 'h' ? -1 : CLI_USAGE;
	}
	if (argc - optind > max_args)
		return cli_usage_error("config %s: unexpected argument \"%s\"",
		    argv[0], argv[optind + max_args]);
	return 0;
}

static int
config_sample(struct cli_env *env, int argc, char **argv)
{
	struct tg_config cfg;
	int rc;

	if ((rc = config_parse(env, argc, argv, 0)) != 0)
		return rc < 0 ? CLI_OK : rc;
	tg_config_defaults(&cfg);
	if (tg_config_write_sample(stdout, &cfg) != 0 || fflush(stdout) != 0)
		return cli_error("config sample: write error");
	return CLI_OK;
}

static int
config_markdown(struct cli_env *env, int argc, char **argv)
{
	int rc;

	if ((rc = config_parse(env, argc, argv, 0)) != 0)
		return rc < 0 ? CLI_OK : rc;
	if (tg_config_write_markdown(stdout) != 0 || fflush(stdout) != 0)
		return cli_error("config markdown: write error");
	return CLI_OK;
}

static int
config_check(struct cli_env *env, int argc, char **argv)
{
	struct tg_config cfg;
	tg_keys *keys = NULL;
	char err[1024];
	const char *path;
	int rc, problems = 0;

	if ((rc = config_parse(env, argc, argv, 1)) != 0)
		return rc < 0 ? CLI_OK : rc;
	path = optind < argc ? argv[optind] : cli_config_path(env);
	err[0] = '\0';
	if (tg_config_load(path, &cfg, err, sizeof(err)) != 0)
		return cli_error("%s", err[0] != '\0' ? err : path);
	printf("%s: configuration OK\n", path);
	printf("  listen     %s\n", cfg.listen);
	printf("  store      %s\n", cfg.store_path);
	printf("  keys       %s\n", cfg.keys_dir);
	printf("  tls        %s, %s\n", cfg.tls_certificate,
	    cfg.tls_private_key);

	err[0] = '\0';
	if (tg_keys_load(cfg.keys_dir, &keys, err, sizeof(err)) != 0) {
		printf("  problem:   keys: %s\n", err);
		problems++;
	} else if (!tg_keys_has(keys, cfg.pepper_id)) {
		printf("  problem:   keys: no pepper \"%s\" in %s\n",
		    cfg.pepper_id, cfg.keys_dir);
		problems++;
	}
	tg_keys_free(keys);
	if (access(cfg.tls_certificate, R_OK) != 0) {
		printf("  problem:   cannot read the TLS certificate %s\n",
		    cfg.tls_certificate);
		problems++;
	}
	if (access(cfg.tls_private_key, R_OK) != 0) {
		printf("  problem:   cannot read the TLS private key %s\n",
		    cfg.tls_private_key);
		problems++;
	}
	if (cfg.min_factor_kinds < 2)
		printf("  warning:   [auth] min_factor_kinds = %d: logins need "
		    "fewer than two factor kinds (not AUTH-01 compliant)\n",
		    cfg.min_factor_kinds);
	if (problems > 0)
		return cli_error("%s: %d problem%s found", path, problems,
		    problems == 1 ? "" : "s");
	return CLI_OK;
}
