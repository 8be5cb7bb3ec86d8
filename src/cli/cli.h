/*
 * The `tradeguard` command-line tool: shared helpers for the subcommand
 * files (one file per group, each with its own declarative table).
 */
#ifndef TG_CLI_CLI_H
#define TG_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "service/audit.h"
#include "service/ctx.h"

/* Exit codes. */
enum { CLI_OK = 0, CLI_ERR = 1, CLI_USAGE = 2 };

#define CLI_DEFAULT_CONFIG "./tradeguard.ini"
#define CLI_CONFIG_ENV "TRADEGUARD_CONFIG"

/* Options that apply to every command. */
struct cli_env {
	const char *config;	/* --config, or NULL: $TRADEGUARD_CONFIG, then the default */
};

/*
 * One (sub)command.  argv[0] is the command's own name; the function
 * parses the rest and returns an exit code.
 */
struct cli_cmd {
	const char *name;
	const char *synopsis;	/* arguments, for the usage text */
	const char *help;	/* one line */
	int (*run)(struct cli_env *env, int argc, char **argv);
};

/* Group entry points (main.c's table). */
int cli_init(struct cli_env *env, int argc, char **argv);
int cli_customer(struct cli_env *env, int argc, char **argv);
int cli_audit(struct cli_env *env, int argc, char **argv);
int cli_config(struct cli_env *env, int argc, char **argv);

/*
 * Dispatch argv[1] among the group's table cmds (n entries); `help`,
 * --help or a missing subcommand print the group's usage.
 */
int cli_dispatch(struct cli_env *env, const char *group,
    const struct cli_cmd *cmds, size_t n, int argc, char **argv);
/* Print the usage of a group's table to f. */
void cli_group_usage(FILE *f, const char *group, const struct cli_cmd *cmds,
    size_t n);

/* The configuration path in effect: --config, $TRADEGUARD_CONFIG or the default. */
const char *cli_config_path(const struct cli_env *env);
/* Open the context of the configuration in effect; prints why on failure. */
int cli_open_ctx(const struct cli_env *env, tg_ctx **ctxp);

/* "cli:<user name of the effective uid>" into buf; fills *who (borrowing buf). */
void cli_actor(struct tg_actor *who, char *buf, size_t len);

/* Print "tradeguard: <message>" to stderr; return CLI_ERR / CLI_USAGE. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Parse a decimal integer in [min, max] (the whole string).  0 or
 * TG_ERR_INVALID.
 */
int cli_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
    __attribute__((warn_unused_result));
/*
 * Parse a time: milliseconds since the epoch, or RFC 3339
 * ("2026-01-31T08:00:00Z", "2026-01-31T16:00:00.250+08:00").
 */
int cli_parse_time(const char *s, int64_t *ms)
    __attribute__((warn_unused_result));

#define CLI_NELEM(a) (sizeof(a) / sizeof((a)[0]))

#endif
