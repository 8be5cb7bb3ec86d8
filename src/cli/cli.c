/* Helpers shared by the subcommand files of `tradeguard`. */
#include "cli/cli.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tradeguard/error.h>

void
cli_group_usage(FILE *f, const char *group, const struct cli_cmd *cmds,
    size_t n)
{
	size_t i;

	fprintf(f, "usage:\n");
	for (i = 0; i < n; i++)
		fprintf(f, "  tradeguard %s %s%s%s\n      %s\n", group,
		    cmds[i].name, cmds[i].synopsis[0] != '\0' ? " " : "",
		    cmds[i].synopsis, cmds[i].help);
}

int
cli_dispatch(struct cli_env *env, const char *group,
    const struct cli_cmd *cmds, size_t n, int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		cli_group_usage(stderr, group, cmds, n);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		cli_group_usage(stdout, group, cmds, n);
		return CLI_OK;
	}
	for (i = 0; i < n; i++)
		if (strcmp(cmds[i].name, argv[1]) == 0)
			return cmds[i].run(env, argc - 1, argv + 1);
	cli_group_usage(stderr, group, cmds, n);
	return cli_usage_error("unknown command \"%s %s\"", group, argv[1]);
}

const char *
cli_config_path(const struct cli_env *env)
{
	const char *p;

	if (env->config != NULL && env->config[0] != '\0')
		return env->config;
	if ((p = getenv(CLI_CONFIG_ENV)) != NULL && p[0] != '\0')
		return p;
	return CLI_DEFAULT_CONFIG;
}

int
cli_open_ctx(const struct cli_env *env, tg_ctx **ctxp)
{
	const char *path = cli_config_path(env);
	char err[1024];
	int r;

	err[0] = '\0';
	if ((r = tg_ctx_open(path, ctxp, err, sizeof(err))) != 0) {
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "%s", tg_strerror(r));
		if (access(path, F_OK) != 0 && errno == ENOENT)
			cli_error("no configuration at %s (use --config FILE, "
			    "set %s, or run `tradeguard init`)", path,
			    CLI_CONFIG_ENV);
		else
			cli_error("%s: %s", path, err);
		return r;
	}
	return 0;
}

void
cli_actor(struct tg_actor *who, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(geteuid());

	if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0')
		snprintf(buf, len, "cli:%s", pw->pw_name);
	else
		snprintf(buf, len, "cli:uid%lu", (unsigned long)geteuid());
	who->actor = buf;
	who->src = "local";
	who->ua = "tradeguard-cli/" TG_VERSION;
	who->request_id = "";
}

static void cli_vmsg(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

static void
cli_vmsg(const char *fmt, va_list ap)
{
	fputs("tradeguard: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vmsg(fmt, ap);
	va_end(ap);
	return CLI_ERR;
}

int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vmsg(fmt, ap);
	va_end(ap);
	return CLI_USAGE;
}

int
cli_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	long long v;
	char *end = NULL;

	*out = 0;
	if (s == NULL || *s == '\0' || (*s != '-' && (*s < '0' || *s > '9')))
		return TG_ERR_INVALID;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return TG_ERR_INVALID;
	*out = (int64_t)v;
	return 0;
}

/* Exactly n decimal digits at *sp into *v; advances *sp. */
static int
cli_digits(const char **sp, int n, int *v)
{
	const char *s = *sp;
	int i, x = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return TG_ERR_INVALID;
		x = x * 10 + (s[i] - '0');
	}
	*sp = s + n;
	*v = x;
	return 0;
}

static int
cli_expect(const char **sp, const char *set)
{
	if (**sp == '\0' || strchr(set, **sp) == NULL)
		return TG_ERR_INVALID;
	(*sp)++;
	return 0;
}

int
cli_parse_time(const char *s, int64_t *ms)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int year, mon, day, hour = 0, min = 0, sec = 0, oh = 0, om = 0;
	int64_t frac = 0, scale = 100, off = 0, v;
	struct tm tm;
	time_t t;
	const char *p = s;

	*ms = 0;
	if (s == NULL || *s == '\0')
		return TG_ERR_INVALID;
	if (strchr(s, '-') == NULL || s[0] == '-') {
		/* Milliseconds since the epoch. */
		if (cli_parse_int64(s, 0, INT64_C(253402300799999), &v) != 0)
			return TG_ERR_INVALID;
		*ms = v;
		return 0;
	}
	if (cli_digits(&p, 4, &year) != 0 || cli_expect(&p, "-") != 0 ||
	    cli_digits(&p, 2, &mon) != 0 || cli_expect(&p, "-") != 0 ||
	    cli_digits(&p, 2, &day) != 0)
		return TG_ERR_INVALID;
	if (*p != '\0') {
		if (cli_expect(&p, "Tt ") != 0 ||
		    cli_digits(&p, 2, &hour) != 0 || cli_expect(&p, ":") != 0 ||
		    cli_digits(&p, 2, &min) != 0 || cli_expect(&p, ":") != 0 ||
		    cli_digits(&p, 2, &sec) != 0)
			return TG_ERR_INVALID;
		if (*p == '.') {
			p++;
			if (*p < '0' || *p > '9')
				return TG_ERR_INVALID;
			for (; *p >= '0' && *p <= '9'; p++) {
				frac += (*p - '0') * scale;
				scale /= 10;
			}
		}
		if (*p == 'Z' || *p == 'z')
			p++;
		else if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1;

			p++;
			if (cli_digits(&p, 2, &oh) != 0 ||
			    cli_expect(&p, ":") != 0 ||
			    cli_digits(&p, 2, &om) != 0 || oh > 23 || om > 59)
				return TG_ERR_INVALID;
			off = sign * ((int64_t)oh * 3600 + om * 60) * 1000;
		} else
			return TG_ERR_INVALID;	/* RFC 3339 needs a zone */
		if (*p != '\0')
			return TG_ERR_INVALID;
	}
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 ||
	    day > mdays[mon - 1] || hour > 23 || min > 59 || sec > 60 ||
	    (mon == 2 && day == 29 &&
	    !((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)))
		return TG_ERR_INVALID;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec == 60 ? 59 : sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return TG_ERR_INVALID;
	*ms = (int64_t)t * 1000 + frac - off;
	if (*ms < 0)
		*ms = 0;
	return 0;
}
