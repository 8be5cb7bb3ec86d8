/*
 * Masking of personal data (DATA-03).  Output goes through one bounded
 * writer that appends whole characters only, so a truncated result never
 * ends inside a UTF-8 sequence and is never longer than the buffer.
 */
#include "core/mask.h"

#include <string.h>

#include <tradeguard/error.h>

#include "core/util.h"

#define PHONE_HEAD 4
#define PHONE_TAIL 3
#define PHONE_MIN_STARS 3
#define PHONE_MIN_DIGITS 8		/* in free text */
#define PHONE_MAX_SEP_RUN 3		/* separators between two digit groups */
#define ID_HEAD 3
#define ID_TAIL 3
#define ID_MIN_STARS 4
#define ID_LEN 10
#define LOGIN_HEAD 2
#define LOGIN_TAIL 2
#define LOGIN_MIN_STARS 3
#define EMAIL_MIN_LOCAL 3		/* shorter local parts are fully hidden */
#define STARS "***"

/* --- the bounded writer --- */

struct mbuf {
	char *p;
	size_t cap;			/* bytes available including the NUL */
	size_t len;
	int full;			/* something did not fit: stop writing */
};

static void
mb_init(struct mbuf *b, char *out, size_t outsz)
{
	b->p = out;
	b->cap = outsz;
	b->len = 0;
	b->full = 0;
	out[0] = '\0';
}

/* Append n bytes that form whole characters, all or nothing. */
static void
mb_put(struct mbuf *b, const char *s, size_t n)
{
	if (b->full)
		return;
	if (n >= b->cap - b->len) {
		b->full = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
mb_stars(struct mbuf *b, size_t n)
{
	while (n-- > 0)
		mb_put(b, "*", 1);
}

static int
mb_result(const struct mbuf *b)
{
	return b->full ? TG_ERR_LIMIT : 0;
}

/* --- characters --- */

/* Length of the character at s (1 for a malformed byte); *valid says which. */
static size_t
unit_len(const char *s, size_t left, int *valid)
{
	size_t n = tg_utf8_seq((const unsigned char *)s, left);

	*valid = n != 0;
	return n != 0 ? n : 1;
}

/* Copy one character, or '?' for a malformed byte. */
static void
put_unit(struct mbuf *b, const char *s, size_t n, int valid)
{
	if (valid)
		mb_put(b, s, n);
	else
		mb_put(b, "?", 1);
}

/* The same for a single value (not text): control characters become '?'. */
static void
put_value_unit(struct mbuf *b, const char *s, size_t n, int valid)
{
	if (valid && n == 1 && ((unsigned char)s[0] < 0x20 ||
	    (unsigned char)s[0] == 0x7f))
		valid = 0;
	put_unit(b, s, n, valid);
}

/* Bytes of the digit at s: 1 (ASCII), 3 (full-width U+FF10..U+FF19) or 0. */
static size_t
digit_len(const char *s, size_t left)
{
	const unsigned char *u = (const unsigned char *)s;

	if (left >= 1 && u[0] >= '0' && u[0] <= '9')
		return 1;
	if (left >= 3 && u[0] == 0xef && u[1] == 0xbc && u[2] >= 0x90 &&
	    u[2] <= 0x99)
		return 3;
	return 0;
}

static int
is_ascii_alpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int
is_ascii_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_ascii_alnum(int c)
{
	return is_ascii_alpha(c) || is_ascii_digit(c);
}

/* Separators kept in place inside phone numbers. */
static int
is_phone_sep(int c)
{
	return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

/* Characters of an (ASCII) email local part. */
static int
is_local_char(int c)
{
	return is_ascii_alnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.",
	    c) != NULL);
}

/* --- the shared policy: keep a head and a tail, star the rest --- */

/*
 * How many of n significant characters to keep at each end so that at
 * least min_stars are hidden.  Returns 0 if all must be hidden.
 */
static int
keep_ends(size_t n, size_t head, size_t tail, size_t min_stars, size_t *h,
    size_t *t)
{
	size_t stars, keep;

	*h = *t = 0;
	if (n <= min_stars)
		return 0;
	stars = n > head + tail ? n - head - tail : 0;
	if (stars < min_stars)
		stars = min_stars;
	keep = n - stars;
	*t = tail < keep / 2 ? tail : keep / 2;
	*h = head < keep - *t ? head : keep - *t;
	return 1;
}

/*
 * Mask the span s[0..len): separators (sep(c) true) are copied, every
 * other character is significant; the first h and last t significant
 * characters are copied, the others become one '*' each.  Too short a
 * span becomes min_stars stars.
 */
static void
mask_span(struct mbuf *b, const char *s, size_t len, int (*sep)(int),
    size_t head, size_t tail, size_t min_stars)
{
	size_t i, n = 0, k = 0, h, t, u;
	int valid;

	for (i = 0; i < len; i += u) {
		u = unit_len(s + i, len - i, &valid);
		if (!(u == 1 && sep != NULL && sep((unsigned char)s[i])))
			n++;
	}
	if (!keep_ends(n, head, tail, min_stars, &h, &t)) {
		mb_stars(b, min_stars);
		return;
	}
	for (i = 0; i < len; i += u) {
		u = unit_len(s + i, len - i, &valid);
		if (u == 1 && sep != NULL && sep((unsigned char)s[i])) {
			mb_put(b, s + i, 1);
			continue;
		}
		if (k < h || k >= n - t)
			put_value_unit(b, s + i, u, valid);
		else
			mb_put(b, "*", 1);
		k++;
	}
}

static int
phone_sep_or_plus(int c)
{
	return c == '+' || is_phone_sep(c);
}

/* The local part s[0..llen) and the domain s[llen+1..len). */
static void
mask_email_parts(struct mbuf *b, const char *s, size_t llen, size_t len)
{
	size_t i, n = 0, u, first = 0;
	int valid, first_valid = 0;

	for (i = 0; i < llen; i += u) {
		u = unit_len(s + i, llen - i, &valid);
		if (n == 0) {
			first = u;
			first_valid = valid;
		}
		n++;
	}
	if (n >= EMAIL_MIN_LOCAL)
		put_value_unit(b, s, first, first_valid);
	mb_put(b, STARS, strlen(STARS));
	mb_put(b, "@", 1);
	for (i = llen + 1; i < len; i += u) {
		u = unit_len(s + i, len - i, &valid);
		put_value_unit(b, s + i, u, valid);
	}
}

/* --- the public maskers --- */

int
tg_mask_phone(const char *in, char *out, size_t outsz)
{
	struct mbuf b;

	if (out == NULL || outsz == 0)
		return TG_ERR_INVALID;
	out[0] = '\0';
	if (in == NULL)
		return TG_ERR_INVALID;
	mb_init(&b, out, outsz);
	if (in[0] != '\0')
		mask_span(&b, in, strlen(in), phone_sep_or_plus, PHONE_HEAD,
		    PHONE_TAIL, PHONE_MIN_STARS);
	return mb_result(&b);
}

int
tg_mask_email(const char *in, char *out, size_t outsz)
{
	struct mbuf b;
	const char *at;
	size_t len;

	if (out == NULL || outsz == 0)
		return TG_ERR_INVALID;
	out[0] = '\0';
	if (in == NULL)
		return TG_ERR_INVALID;
	mb_init(&b, out, outsz);
	if (in[0] == '\0')
		return 0;
	len = strlen(in);
	at = strrchr(in, '@');
	if (at == NULL || at == in || at[1] == '\0') {
		mb_put(&b, STARS, strlen(STARS));
		return mb_result(&b);
	}
	mask_email_parts(&b, in, (size_t)(at - in), len);
	return mb_result(&b);
}

int
tg_mask_national_id(const char *in, char *out, size_t outsz)
{
	struct mbuf b;

	if (out == NULL || outsz == 0)
		return TG_ERR_INVALID;
	out[0] = '\0';
	if (in == NULL)
		return TG_ERR_INVALID;
	mb_init(&b, out, outsz);
	if (in[0] != '\0')
		mask_span(&b, in, strlen(in), NULL, ID_HEAD, ID_TAIL,
		    ID_MIN_STARS);
	return mb_result(&b);
}

int
tg_mask_login(const char *in, char *out, size_t outsz)
{
	struct mbuf b;

	if (out == NULL || outsz == 0)
		return TG_ERR_INVALID;
	out[0] = '\0';
	if (in == NULL)
		return TG_ERR_INVALID;
	if (strchr(in, '@') != NULL)
		return tg_mask_email(in, out, outsz);
	mb_init(&b, out, outsz);
	if (in[0] != '\0')
		mask_span(&b, in, strlen(in), NULL, LOGIN_HEAD, LOGIN_TAIL,
		    LOGIN_MIN_STARS);
	return mb_result(&b);
}

/* --- free text --- */

/* Length of a domain at s (labels of letters, digits, '-', split by '.'); 0 if none. */
static size_t
domain_len(const char *s, size_t left)
{
	size_t i = 0;

	if (left == 0 || !is_ascii_alnum((unsigned char)s[0]))
		return 0;
	while (i < left && (is_ascii_alnum((unsigned char)s[i]) ||
	    s[i] == '-' || (s[i] == '.' && s[i - 1] != '.')))
		i++;
	/* A sentence may end right after the address. */
	while (i > 0 && (s[i - 1] == '.' || s[i - 1] == '-'))
		i--;
	return i;
}

/* An email address starting at s: its length, or 0. */
static size_t
email_at(const char *s, size_t left)
{
	size_t l = 0, d;

	while (l < left && is_local_char((unsigned char)s[l]))
		l++;
	if (l == 0 || l >= left || s[l] != '@')
		return 0;
	if ((d = domain_len(s + l + 1, left - l - 1)) == 0)
		return 0;
	return l + 1 + d;
}

/* A Taiwanese ID starting at s: ID_LEN, or 0. */
static size_t
national_id_at(const char *s, size_t left)
{
	size_t i;
	int c;

	if (left < ID_LEN || !is_ascii_alpha((unsigned char)s[0]))
		return 0;
	c = (unsigned char)s[1];
	if (!(c == '1' || c == '2' || c == '8' || c == '9' ||
	    (c >= 'A' && c <= 'D') || (c >= 'a' && c <= 'd')))
		return 0;
	for (i = 2; i < ID_LEN; i++)
		if (!is_ascii_digit((unsigned char)s[i]))
			return 0;
	if (digit_len(s + ID_LEN, left - ID_LEN) != 0)
		return 0;
	return ID_LEN;
}

/* 1 if s[0..len) is a dotted quad of 1-3 digit groups (an IPv4 address). */
static int
is_ipv4(const char *s, size_t len)
{
	size_t i, groups = 1, run = 0;

	for (i = 0; i < len; i++) {
		if (is_ascii_digit((unsigned char)s[i])) {
			if (++run > 3)
				return 0;
		} else if (s[i] == '.' && run > 0) {
			groups++;
			run = 0;
		} else
			return 0;
	}
	return groups == 4 && run > 0;
}

/*
 * A run of digits starting at s (optionally '+' first), digit groups split
 * by at most PHONE_MAX_SEP_RUN separators.  Returns its length (ending on
 * a digit) and the digit count in *ndigits; 0 if s does not start one.
 */
static size_t
digit_run_at(const char *s, size_t left, size_t *ndigits)
{
	size_t i = 0, end = 0, d, seps;

	*ndigits = 0;
	if (left > 1 && s[0] == '+' && digit_len(s + 1, left - 1) != 0)
		i = 1;
	else if (digit_len(s, left) == 0)
		return 0;
	for (;;) {
		while (i < left && (d = digit_len(s + i, left - i)) != 0) {
			i += d;
			(*ndigits)++;
		}
		end = i;
		for (seps = 0; i < left && seps < PHONE_MAX_SEP_RUN &&
		    is_phone_sep((unsigned char)s[i]); seps++)
			i++;
		if (seps == 0 || digit_len(s + i, left - i) == 0)
			break;
	}
	return end;
}

int
tg_mask_text(const char *in, char *out, size_t outsz)
{
	struct mbuf b;
	size_t len, i, n, nd, u;
	int valid, prev_local = 0;

	if (out == NULL || outsz == 0)
		return TG_ERR_INVALID;
	out[0] = '\0';
	if (in == NULL)
		return TG_ERR_INVALID;
	mb_init(&b, out, outsz);
	len = strlen(in);
	for (i = 0; i < len && !b.full; ) {
		const char *s = in + i;
		size_t left = len - i;

		/* An address starts where a run of local-part characters does. */
		if (!prev_local && (n = email_at(s, left)) != 0) {
			const char *at = memchr(s, '@', n);

			mask_email_parts(&b, s, (size_t)(at - s), n);
			i += n;
			prev_local = 0;
			continue;
		}
		if ((n = national_id_at(s, left)) != 0) {
			mask_span(&b, s, n, NULL, ID_HEAD, ID_TAIL, ID_MIN_STARS);
			i += n;
			prev_local = 0;
			continue;
		}
		if ((n = digit_run_at(s, left, &nd)) != 0) {
			if (nd >= PHONE_MIN_DIGITS && !is_ipv4(s, n))
				mask_span(&b, s, n, phone_sep_or_plus,
				    PHONE_HEAD, PHONE_TAIL, PHONE_MIN_STARS);
			else
				mb_put(&b, s, n);	/* ASCII and whole characters */
			prev_local = is_local_char((unsigned char)s[n - 1]);
			i += n;
			continue;
		}
		u = unit_len(s, left, &valid);
		put_unit(&b, s, u, valid);
		prev_local = u == 1 && is_local_char((unsigned char)s[0]);
		i += u;
	}
	return mb_result(&b);
}
