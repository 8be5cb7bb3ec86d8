/*
 * Internal: the declarative option table behind config.c, shared with the
 * generators in config_doc.c (sample INI, Markdown reference).
 */
#ifndef TG_CONFIG_CONFIG_TABLE_H
#define TG_CONFIG_CONFIG_TABLE_H

#include <stddef.h>

#include "config/config.h"

enum tg_opt_type {
	TG_OPT_INT,
	TG_OPT_BOOL,
	TG_OPT_STRING,
	TG_OPT_PATH,		/* relative to the config file's directory */
	TG_OPT_ENUM,
	TG_OPT_LOGLEVEL,	/* an enum over enum tg_log_level */
};

#define TG_OPT_SENSITIVE	0x01	/* value never shown in messages */
#define TG_OPT_EMPTY_OK		0x02	/* a PATH/STRING may be "" */

/* Longest line the INI reader accepts (libinih's fixed line buffer). */
#define TG_CONFIG_LINE_MAX	198

struct tg_opt_enum {
	const char *name;
	int value;
};

struct tg_option {
	const char *section;
	const char *name;
	enum tg_opt_type type;
	size_t offset;			/* into struct tg_config */
	size_t size;			/* of the field */
	const char *def;		/* default, as written in the file */
	long long min, max;		/* TG_OPT_INT */
	const struct tg_opt_enum *values; /* ENUM/LOGLEVEL, NULL-terminated */
	unsigned flags;
	/* Extra syntax check for STRING values; why receives the reason. */
	int (*check)(const char *value, char *why, size_t whylen);
	const char *syntax;		/* STRING: shape for the docs, or NULL */
	const char *help;
};

struct tg_section {
	const char *name;
	const char *help;
};

/* The table, in file order. */
const struct tg_option *tg_config_options(size_t *n);
const struct tg_section *tg_config_sections(size_t *n);

/* The option named section.name (and its index), or NULL. */
const struct tg_option *tg_config_find(const char *section, const char *name,
    size_t *index);
/* 1 if a section of that name (len bytes, not NUL-terminated) exists. */
int tg_config_section_known(const char *name, size_t len);

/*
 * Set o in cfg from its text as written in the file (bounds and syntax
 * checked).  Returns 0, or -1 with the reason in why.
 */
int tg_config_set(const struct tg_option *o, struct tg_config *cfg,
    const char *value, char *why, size_t whylen);

/*
 * Format opt's value in cfg as it is written in an INI file.  Returns 0,
 * or TG_ERR_INVALID if it does not fit in len.
 */
int tg_config_format(const struct tg_option *o, const struct tg_config *cfg,
    char *buf, size_t len);

/* "integer", "boolean", "string", "path", "enum", "log level". */
const char *tg_config_type_name(const struct tg_option *o);

#endif
