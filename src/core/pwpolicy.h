/*
 * Password quality rules (AUTH-10).  Pure: no I/O.
 * Default (the exchange's rule, stricter length): ASCII letters, digits and
 * symbols, at least 8 characters, not containing the login, not in the
 * bundled list of common passwords (compared case-insensitively).
 */
#ifndef TG_CORE_PWPOLICY_H
#define TG_CORE_PWPOLICY_H

#include <stddef.h>

#define TG_PASSWORD_MAX_BYTES 1024

struct tg_pwpolicy {
	int min_length;		/* in characters (UTF-8 code points) */
	int require_letter;
	int require_digit;
	int require_symbol;
	int reject_login;
	int reject_common;
};

/*
 * 0 if pw (len bytes, UTF-8) satisfies p for the account `login`, else
 * TG_ERR_POLICY with *reason set to a stable key: "too_short", "too_long",
 * "invalid_character", "missing_letter", "missing_digit", "missing_symbol",
 * "contains_login", "common_password".
 */
int tg_pwpolicy_check(const struct tg_pwpolicy *p, const char *login,
    const char *pw, size_t len, const char **reason)
    __attribute__((warn_unused_result));

/* 1 if pw is in the bundled common-password list (case-insensitive). */
int tg_pwpolicy_is_common(const char *pw, size_t len);

#endif
