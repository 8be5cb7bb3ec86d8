/*
 * Configuration parser: libinih over the option table in config_table.c.
 *
 * libinih's handler does not receive line numbers in Debian's build, so the
 * text reaches libinih through our own line reader (ini_parse_stream): it
 * counts lines, so the handler always knows the line it is called for, and
 * it enforces what libinih would let slip: NUL bytes, over-long lines
 * (libinih would silently split them), junk after a section header, unknown
 * sections without keys.  It also strips leading white space, which turns
 * off libinih's indented "continuation line" rule: an indented key is a key.
 */
#include "config/config.h"
#include "config/config_table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include <tradeguard/error.h>

#include "core/util.h"

#define CONFIG_FILE_MAX	(1024 * 1024)

/* ---- parsing ---- */

struct cfg_parse {
	const char *name;		/* file name for messages */
	const char *p, *end;		/* text not yet read */
	int line;			/* line last handed to libinih */
	int failed;			/* an error was recorded */
	int err_line;
	struct tg_config *cfg;
	int *opt_line;			/* per option: line that set it, 0 = default */
	char *err;
	size_t errlen;
};

static void cfg_error(struct cfg_parse *cp, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the first error as "name:line: message". */
static void
cfg_error(struct cfg_parse *cp, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (cp->failed)
		return;
	cp->failed = 1;
	cp->err_line = line;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		tg_errf(cp->err, cp->errlen, "%s:%d: %s", cp->name, line, msg);
	else
		tg_errf(cp->err, cp->errlen, "%s: %s", cp->name, msg);
}

/* Printable copy of untrusted text for a message: escaped, truncated. */
static void
cfg_escape(const char *s, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (outlen < 8) {
		if (outlen > 0)
			out[0] = '\0';
		return;
	}
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o + 8 >= outlen || i >= 80) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

/* Check a "[section]" line the way libinih will read it, and more strictly. */
static int
cfg_check_section_line(struct cfg_parse *cp, const char *s, size_t len)
{
	const char *close = memchr(s, ']', len);
	char name[64], esc[96];
	size_t nlen, i;

	if (close == NULL) {
		cfg_error(cp, cp->line, "section header without ']'");
		return -1;
	}
	nlen = (size_t)(close - s - 1);
	for (i = (size_t)(close - s) + 1; i < len; i++) {
		if (s[i] == ';' || s[i] == '#')
			break;
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
			cfg_error(cp, cp->line, "text after the section header");
			return -1;
		}
	}
	if (!tg_config_section_known(s + 1, nlen)) {
		if (nlen >= sizeof(name))
			nlen = sizeof(name) - 1;
		memcpy(name, s + 1, nlen);
		name[nlen] = '\0';
		cfg_escape(name, esc, sizeof(esc));
		cfg_error(cp, cp->line, "unknown section [%s]", esc);
		return -1;
	}
	return 0;
}

/*
 * ini_reader: hand libinih one line at a time, without leading white
 * space, counting lines.  Returns NULL at the end or after an error.
 */
static char *
cfg_reader(char *str, int num, void *stream)
{
	struct cfg_parse *cp = stream;
	const char *s, *nl, *lend, *next;
	size_t len;

	if (cp->failed || cp->p >= cp->end || num < 3)
		return NULL;
	s = cp->p;
	nl = memchr(s, '\n', (size_t)(cp->end - s));
	lend = nl != NULL ? nl : cp->end;
	next = nl != NULL ? nl + 1 : cp->end;
	cp->line++;
	cp->p = next;
	if (cp->line == 1 && lend - s >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;		/* UTF-8 byte-order mark */
	while (s < lend && (*s == ' ' || *s == '\t' || *s == '\r' ||
	    *s == '\f' || *s == '\v'))
		s++;
	len = (size_t)(lend - s);
	if (memchr(s, '\0', len) != NULL) {
		cfg_error(cp, cp->line, "NUL byte in line");
		return NULL;
	}
	if (len > TG_CONFIG_LINE_MAX || len + 2 > (size_t)num) {
		cfg_error(cp, cp->line, "line longer than %d characters",
		    TG_CONFIG_LINE_MAX < num - 2 ? TG_CONFIG_LINE_MAX : num - 2);
		return NULL;
	}
	if (len > 0 && s[0] == '[' && cfg_check_section_line(cp, s, len) != 0)
		return NULL;
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

static int
cfg_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct cfg_parse *cp = user;
	const struct tg_option *o;
	char why[160], sec[64], key[64], val[128];
	size_t i = 0;

	if (cp->failed)
		return 0;
	cfg_escape(section, sec, sizeof(sec));
	cfg_escape(name, key, sizeof(key));
	if (section[0] == '\0') {
		cfg_error(cp, cp->line, "%s: key outside of any [section]", key);
		return 0;
	}
	if ((o = tg_config_find(section, name, &i)) == NULL) {
		if (!tg_config_section_known(section, strlen(section)))
			cfg_error(cp, cp->line, "[%s] %s: unknown section [%s]",
			    sec, key, sec);
		else
			cfg_error(cp, cp->line, "[%s] %s: unknown key", sec, key);
		return 0;
	}
	if (cp->opt_line[i] != 0) {
		cfg_error(cp, cp->line, "[%s] %s: set twice (first on line %d)",
		    sec, key, cp->opt_line[i]);
		return 0;
	}
	cp->opt_line[i] = cp->line;
	if (tg_config_set(o, cp->cfg, value, why, sizeof(why)) != 0) {
		if (o->flags & TG_OPT_SENSITIVE) {
			cfg_error(cp, cp->line, "[%s] %s: %s", sec, key, why);
		} else {
			cfg_escape(value, val, sizeof(val));
			cfg_error(cp, cp->line, "[%s] %s = %s: %s", sec, key,
			    val, why);
		}
		return 0;
	}
	return 1;
}

/* The absolute directory holding the file `name` (need not exist). */
static int
cfg_dir_of(const char *name, char *out, size_t outlen)
{
	char dir[TG_PATH_MAX], cwd[TG_PATH_MAX], *rp;
	const char *slash = strrchr(name, '/');
	size_t len;
	int n;

	if (slash == NULL)
		n = snprintf(dir, sizeof(dir), ".");
	else if (slash == name)
		n = snprintf(dir, sizeof(dir), "/");
	else
		n = snprintf(dir, sizeof(dir), "%.*s", (int)(slash - name), name);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return -1;
	if ((rp = realpath(dir, NULL)) != NULL) {
		len = strlen(rp);
		if (len >= outlen) {
			free(rp);
			return -1;
		}
		memcpy(out, rp, len + 1);
		free(rp);
		return 0;
	}
	if (dir[0] == '/')
		n = snprintf(out, outlen, "%s", dir);
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	else if (strcmp(dir, ".") == 0)
		n = snprintf(out, outlen, "%s", cwd);
	else
		n = snprintf(out, outlen, "%s/%s", cwd, dir);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* Make relative PATH options absolute against cfg->config_dir. */
static int
cfg_resolve_paths(struct cfg_parse *cp)
{
	struct tg_config *cfg = cp->cfg;
	const struct tg_option *opts;
	char buf[TG_PATH_MAX];
	const char *sep;
	size_t nopt, i;
	int n;

	opts = tg_config_options(&nopt);
	sep = strcmp(cfg->config_dir, "/") == 0 ? "" : "/";
	for (i = 0; i < nopt; i++) {
		const struct tg_option *o = &opts[i];
		char *v = (char *)cfg + o->offset;

		if (o->type != TG_OPT_PATH || v[0] == '\0' || v[0] == '/')
			continue;
		n = snprintf(buf, sizeof(buf), "%s%s%s", cfg->config_dir, sep, v);
		if (n < 0 || (size_t)n >= o->size || (size_t)n >= sizeof(buf)) {
			cfg_error(cp, cp->opt_line[i], "[%s] %s: longer than %zu "
			    "characters once made absolute", o->section, o->name,
			    o->size - 1);
			return -1;
		}
		memset(v, 0, o->size);
		memcpy(v, buf, (size_t)n);
	}
	return 0;
}

static size_t
cfg_index(const char *section, const char *name)
{
	size_t i;

	if (tg_config_find(section, name, &i) == NULL)
		abort();	/* a name below is not in the table */
	return i;
}

/* Rules between options. */
static int
cfg_cross_check(struct cfg_parse *cp)
{
	const struct tg_config *cfg = cp->cfg;
	size_t idle = cfg_index("session", "idle_timeout_seconds");
	size_t abs = cfg_index("session", "absolute_lifetime_seconds");
	int line;

	if (cfg->session_absolute_seconds < cfg->session_idle_seconds) {
		line = cp->opt_line[abs] > cp->opt_line[idle] ?
		    cp->opt_line[abs] : cp->opt_line[idle];
		cfg_error(cp, line, "[session] absolute_lifetime_seconds = %d: "
		    "below idle_timeout_seconds (%d)",
		    cfg->session_absolute_seconds, cfg->session_idle_seconds);
		return -1;
	}
	return 0;
}

int
tg_config_parse(const char *name, const char *text, size_t len,
    struct tg_config *cfg, char *err, size_t errlen)
{
	struct cfg_parse *cp = NULL;
	size_t nopt;
	int r, ret;

	(void)tg_config_options(&nopt);
	tg_config_defaults(cfg);
	tg_errf(err, errlen, "%s", "");
	if (name == NULL)
		name = "(config)";
	if (text == NULL && len != 0)
		return TG_ERR_INVALID;
	if ((cp = calloc(1, sizeof(*cp))) == NULL ||
	    (cp->opt_line = calloc(nopt, sizeof(*cp->opt_line))) == NULL) {
		free(cp);
		return TG_ERR_NOMEM;
	}
	cp->name = name;
	cp->p = text;
	cp->end = text + len;
	cp->cfg = cfg;
	cp->err = err;
	cp->errlen = errlen;
	if (cfg_dir_of(name, cfg->config_dir, sizeof(cfg->config_dir)) != 0) {
		cfg_error(cp, 0, "cannot determine the directory of the file");
		r = TG_ERR_CONFIG;
		goto out;
	}
	ret = len == 0 ? 0 : ini_parse_stream(cfg_reader, cp, cfg_handler, cp);
	if (ret < 0 && !cp->failed) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	if (ret > 0 && (!cp->failed || ret < cp->err_line)) {
		cp->failed = 0;
		cfg_error(cp, ret, "syntax error (expected [section] or "
		    "key = value)");
	}
	if (cp->failed || cfg_resolve_paths(cp) != 0 ||
	    cfg_cross_check(cp) != 0) {
		r = TG_ERR_CONFIG;
		goto out;
	}
	r = 0;
out:
	if (r != 0) {
		char dir[TG_PATH_MAX];

		memcpy(dir, cfg->config_dir, sizeof(dir));
		tg_config_defaults(cfg);
		memcpy(cfg->config_dir, dir, sizeof(dir));
	}
	free(cp->opt_line);
	free(cp);
	return r;
}

int
tg_config_load(const char *path, struct tg_config *cfg, char *err,
    size_t errlen)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1, r;

	tg_config_defaults(cfg);
	tg_errf(err, errlen, "%s", "");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1 ||
	    fstat(fd, &st) == -1) {
		tg_errf(err, errlen, "%s: %s", path, strerror(errno));
		r = TG_ERR_IO;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_FILE_MAX) {
		tg_errf(err, errlen, "%s: not a regular file of at most %d "
		    "bytes", path, CONFIG_FILE_MAX);
		r = TG_ERR_CONFIG;
		goto out;
	}
	if ((text = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		n = read(fd, text + len, CONFIG_FILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			tg_errf(err, errlen, "%s: %s", path, strerror(errno));
			r = TG_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_FILE_MAX) {
			tg_errf(err, errlen, "%s: larger than %d bytes", path,
			    CONFIG_FILE_MAX);
			r = TG_ERR_CONFIG;
			goto out;
		}
	}
	r = tg_config_parse(path, text, len, cfg, err, errlen);
out:
	if (fd != -1)
		close(fd);
	free(text);
	return r;
}
