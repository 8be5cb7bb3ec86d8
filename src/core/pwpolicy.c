#include "core/pwpolicy.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tradeguard/error.h>

#include "core/util.h"

/* Generated from data/common-passwords.txt: sorted, lower case. */
extern const size_t tg_common_passwords_count;
extern const char *const tg_common_passwords[];

static int
cmp_word(const void *key, const void *elem)
{
	return strcmp((const char *)key, *(const char *const *)elem);
}

int
tg_pwpolicy_is_common(const char *pw, size_t len)
{
	char low[TG_PASSWORD_MAX_BYTES + 1];
	size_t i;

	if (len > TG_PASSWORD_MAX_BYTES)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)pw[i];

		low[i] = (char)((ch >= 'A' && ch <= 'Z') ? ch + 32 : ch);
	}
	low[len] = '\0';
	return bsearch(low, tg_common_passwords, tg_common_passwords_count,
	    sizeof(tg_common_passwords[0]), cmp_word) != NULL;
}

/* Case-insensitive (ASCII) substring test over (ptr, len). */
static int
contains_ci(const char *hay, size_t hlen, const char *needle)
{
	size_t nlen = strlen(needle), i;

	if (nlen == 0 || nlen > hlen)
		return 0;
	for (i = 0; i + nlen <= hlen; i++)
		if (strncasecmp(hay + i, needle, nlen) == 0)
			return 1;
	return 0;
}

int
tg_pwpolicy_check(const struct tg_pwpolicy *p, const char *login,
    const char *pw, size_t len, const char **reason)
{
	const unsigned char *s = (const unsigned char *)pw;
	int letters = 0, digits = 0, symbols = 0;
	size_t i = 0, chars = 0, n;

	*reason = NULL;
	if (len > TG_PASSWORD_MAX_BYTES) {
		*reason = "too_long";
		return TG_ERR_POLICY;
	}
	while (i < len) {
		if ((n = tg_utf8_seq(s + i, len - i)) == 0 || s[i] < 0x20 ||
		    s[i] == 0x7f) {
			*reason = "invalid_character";
			return TG_ERR_POLICY;
		}
		if (n == 1 && ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z'))
			letters++;
		else if (n == 1 && s[i] >= '0' && s[i] <= '9')
			digits++;
		else
			symbols++;
		chars++;
		i += n;
	}
	if (chars < (size_t)p->min_length)
		*reason = "too_short";
	else if (p->require_letter && letters == 0)
		*reason = "missing_letter";
	else if (p->require_digit && digits == 0)
		*reason = "missing_digit";
	else if (p->require_symbol && symbols == 0)
		*reason = "missing_symbol";
	else if (p->reject_login && login != NULL && strlen(login) >= 3 &&
	    contains_ci(pw, len, login))
		*reason = "contains_login";
	else if (p->reject_common && tg_pwpolicy_is_common(pw, len))
		*reason = "common_password";
	return *reason == NULL ? 0 : TG_ERR_POLICY;
}
