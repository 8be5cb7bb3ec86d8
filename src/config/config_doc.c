/*
 * Documents generated from the option table: the commented sample INI
 * (`tradeguard init`) and the Markdown reference (docs/configuration.md).
 */
#include "config/config.h"
#include "config/config_table.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <tradeguard/error.h>

#define SAMPLE_WIDTH	78

/* Write text as "# "-comment lines wrapped at SAMPLE_WIDTH. */
static void
doc_comment(FILE *f, const char *text)
{
	const char *p = text + strspn(text, " ");
	size_t col, wlen, gap;

	while (*p != '\0') {
		fputc('#', f);
		col = 1;
		gap = 1;
		for (;;) {
			wlen = strcspn(p, " ");
			if (col > 1 && col + gap + wlen > SAMPLE_WIDTH)
				break;
			fprintf(f, "%*s%.*s", (int)gap, "", (int)wlen, p);
			col += gap + wlen;
			p += wlen;
			gap = strspn(p, " ");
			p += gap;
			if (*p == '\0')
				break;
			if (gap > 2)
				gap = 2;	/* keep two spaces after a full stop */
		}
		fputc('\n', f);
	}
}

/* "1..64", "true/false, ...", "refuse | evict_oldest", the syntax, or "". */
static void
doc_bounds(const struct tg_option *o, char *buf, size_t len, const char *sep)
{
	const struct tg_opt_enum *e;
	size_t off = 0;
	int n;

	buf[0] = '\0';
	switch (o->type) {
	case TG_OPT_INT:
		snprintf(buf, len, "%lld..%lld", o->min, o->max);
		break;
	case TG_OPT_BOOL:
		snprintf(buf, len, "true/false, yes/no, on/off, 1/0");
		break;
	case TG_OPT_ENUM:
	case TG_OPT_LOGLEVEL:
		for (e = o->values; e->name != NULL; e++) {
			n = snprintf(buf + off, len - off, "%s%s",
			    off ? sep : "", e->name);
			if (n < 0 || (size_t)n >= len - off)
				break;
			off += (size_t)n;
		}
		break;
	case TG_OPT_STRING:
		if (o->syntax != NULL)
			snprintf(buf, len, "%s", o->syntax);
		break;
	case TG_OPT_PATH:
		if (o->flags & TG_OPT_EMPTY_OK)
			snprintf(buf, len, "may be empty");
		break;
	}
}

int
tg_config_write_sample(FILE *f, const struct tg_config *over)
{
	const struct tg_option *opts;
	const struct tg_section *secs;
	struct tg_config def;
	char dval[TG_PATH_MAX], oval[TG_PATH_MAX], bounds[256], line[512];
	size_t nopt, nsec, s, i;

	opts = tg_config_options(&nopt);
	secs = tg_config_sections(&nsec);
	tg_config_defaults(&def);
	doc_comment(f, "TradeGuard configuration.");
	fputs("#\n", f);
	doc_comment(f, "Every option is listed below with its meaning, bounds "
	    "and default.  The commented-out assignment under each option "
	    "shows its default; to change the option, uncomment it and edit "
	    "the value.  Relative "
	    "paths are resolved against the directory of this file.  Unknown "
	    "sections or keys and values out of bounds are errors: "
	    "`tradeguardd --check-config` checks a file without starting the "
	    "server.  Lines are at most 198 characters; \";\" after a space "
	    "starts a comment.");
	for (s = 0; s < nsec; s++) {
		fprintf(f, "\n[%s]\n", secs[s].name);
		doc_comment(f, secs[s].help);
		for (i = 0; i < nopt; i++) {
			const struct tg_option *o = &opts[i];
			int n;

			if (strcmp(o->section, secs[s].name) != 0)
				continue;
			if (tg_config_format(o, &def, dval, sizeof(dval)) != 0)
				return TG_ERR_INTERNAL;
			doc_bounds(o, bounds, sizeof(bounds), " | ");
			fputc('\n', f);
			doc_comment(f, o->help);
			n = snprintf(line, sizeof(line), "%s%s%s.%s",
			    tg_config_type_name(o), bounds[0] ? ": " : "",
			    bounds, o->flags & TG_OPT_SENSITIVE ?
			    "  Sensitive: never shown in messages." : "");
			if (n < 0 || (size_t)n >= sizeof(line))
				return TG_ERR_INTERNAL;
			line[0] = (char)toupper((unsigned char)line[0]);
			doc_comment(f, line);
			fprintf(f, "# %s =%s%s\n", o->name, dval[0] ? " " : "",
			    dval);
			if (over == NULL)
				continue;
			if (tg_config_format(o, over, oval, sizeof(oval)) != 0)
				return TG_ERR_INVALID;
			if (strcmp(oval, dval) == 0)
				continue;
			if (strlen(o->name) + 3 + strlen(oval) > TG_CONFIG_LINE_MAX ||
			    strchr(oval, '\n') != NULL)
				return TG_ERR_INVALID;
			fprintf(f, "%s =%s%s\n", o->name, oval[0] ? " " : "",
			    oval);
		}
	}
	return ferror(f) ? TG_ERR_IO : 0;
}

/* Markdown table cell: '|' escaped, no line breaks. */
static void
doc_cell(FILE *f, const char *s, int code)
{
	if (code && s[0] == '\0') {
		fputs("(empty)", f);
		return;
	}
	if (code)
		fputc('`', f);
	for (; *s != '\0'; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
	if (code)
		fputc('`', f);
}

int
tg_config_write_markdown(FILE *f)
{
	const struct tg_option *opts;
	const struct tg_section *secs;
	struct tg_config def;
	char dval[TG_PATH_MAX], bounds[256];
	size_t nopt, nsec, s, i;

	opts = tg_config_options(&nopt);
	secs = tg_config_sections(&nsec);
	tg_config_defaults(&def);
	fputs("# Configuration reference\n\n"
	    "TradeGuard reads one INI file (`tradeguardd --config FILE`; "
	    "`tradeguardd --check-config` checks it).  Unknown sections or "
	    "keys, malformed values and values out of bounds are errors that "
	    "name the file, line and key.  Relative paths are resolved against "
	    "the directory of the configuration file.  Booleans accept "
	    "`true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`.  Values marked "
	    "sensitive are never shown in error messages.\n", f);
	for (s = 0; s < nsec; s++) {
		fprintf(f, "\n## [%s]\n\n", secs[s].name);
		doc_cell(f, secs[s].help, 0);
		fputs("\n\n| Key | Type | Default | Bounds | Sensitive | "
		    "Description |\n| --- | --- | --- | --- | --- | --- |\n", f);
		for (i = 0; i < nopt; i++) {
			const struct tg_option *o = &opts[i];

			if (strcmp(o->section, secs[s].name) != 0)
				continue;
			if (tg_config_format(o, &def, dval, sizeof(dval)) != 0)
				return TG_ERR_INTERNAL;
			doc_bounds(o, bounds, sizeof(bounds), ", ");
			fputs("| ", f);
			doc_cell(f, o->name, 1);
			fputs(" | ", f);
			doc_cell(f, tg_config_type_name(o), 0);
			fputs(" | ", f);
			doc_cell(f, dval, 1);
			fputs(" | ", f);
			doc_cell(f, bounds, 0);
			fprintf(f, " | %s | ", o->flags & TG_OPT_SENSITIVE ?
			    "yes" : "no");
			doc_cell(f, o->help, 0);
			fputs(" |\n", f);
		}
	}
	return ferror(f) ? TG_ERR_IO : 0;
}
