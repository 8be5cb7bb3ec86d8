/*
 * tradeguard — the command-line tool.  Global options, then a command from
 * the table below; each group lives in its own cmd_*.c with its own table.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"

static int main_help(struct cli_env *env, int argc, char **argv);

static const struct cli_cmd commands[] = {
	{ "init", "--dir DIR [--listen HOST:PORT] [--demo]",
	    "create a configuration, keys, TLS certificate and store in DIR",
	    cli_init },
	{ "customer", "add|show|disable|enable|unlock|delete ...",
	    "manage customer accounts", cli_customer },
	{ "audit", "verify|export|checkpoint ...",
	    "verify, export or checkpoint the audit trail", cli_audit },
	{ "config", "sample|markdown|check",
	    "print the sample or reference, or check a configuration",
	    cli_config },
	{ "help", "[COMMAND]", "show this help, or a command's", main_help },
};

static void
main_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: tradeguard [--config FILE] COMMAND [ARGS]\n"
	    "       tradeguard --help | --version\n\ncommands:\n");
	for (i = 0; i < CLI_NELEM(commands); i++)
		fprintf(f, "  %-9s %s\n            %s\n", commands[i].name,
		    commands[i].synopsis, commands[i].help);
	fprintf(f, "\nThe configuration is --config FILE, else $%s, else %s.\n"
	    "Run `tradeguard COMMAND --help` for a command's options.\n",
	    CLI_CONFIG_ENV, CLI_DEFAULT_CONFIG);
}

static const struct cli_cmd *
main_find(const char *name)
{
	size_t i;

	for (i = 0; i < CLI_NELEM(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int
main_help(struct cli_env *env, int argc, char **argv)
{
	const struct cli_cmd *c;
	char help[] = "--help";
	char *sub[3];

	if (argc < 2) {
		main_usage(stdout);
		return CLI_OK;
	}
	if ((c = main_find(argv[1])) == NULL || c->run == main_help)
		return cli_usage_error("no command \"%s\" (try `tradeguard help`)",
		    argv[1]);
	sub[0] = argv[1];
	sub[1] = help;
	sub[2] = NULL;
	return c->run(env, 2, sub);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_env env = { NULL };
	const struct cli_cmd *c;
	int ch;

	/* Library messages (e.g. audit alerts) go to stderr; only warnings and worse. */
	(void)tg_log_open(NULL, TG_LOG_WARN);

	/* "+": stop at the first non-option, the command. */
	while ((ch = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			env.config = optarg;
			break;
		case 'h':
			main_usage(stdout);
			return CLI_OK;
		case 'V':
			printf("tradeguard %s\n", TG_VERSION);
			return CLI_OK;
		default:
			main_usage(stderr);
			return CLI_USAGE;
		}
	}
	if (optind >= argc) {
		main_usage(stderr);
		return CLI_USAGE;
	}
	if ((c = main_find(argv[optind])) == NULL)
		return cli_usage_error("unknown command \"%s\" (try `tradeguard "
		    "help`)", argv[optind]);
	return c->run(&env, argc - optind, argv + optind);
}
