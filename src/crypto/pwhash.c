/*
 * Password storage: Argon2id (libsodium) over HMAC-SHA-256(pepper, pw).
 * Stored form "tg1$<pepper-id>" followed by libsodium's own string, which
 * starts with "$argon2id$", so the '$' after the pepper ID is libsodium's.
 */
#include "crypto/pwhash.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <tradeguard/error.h>

#define PW_PREFIX	"tg1$"
#define PW_ARGON_PREFIX	"$argon2id$v=19$m="
#define PW_ID_MAX	32

struct pw_parsed {
	char pepper_id[PW_ID_MAX];
	const char *sodium_str;		/* points into the stored string */
	unsigned long m_kib;
	unsigned long t;
};

static int
pw_id_valid(const char *id, size_t len)
{
	size_t i;

	if (len == 0 || len >= PW_ID_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

static int
pw_params_valid(unsigned long m_kib, unsigned long t)
{
	return m_kib >= TG_PWHASH_MEMORY_MIN_KIB &&
	    m_kib <= TG_PWHASH_MEMORY_MAX_KIB &&
	    t >= TG_PWHASH_ITERATIONS_MIN && t <= TG_PWHASH_ITERATIONS_MAX;
}

/* Decimal without sign or leading zeros, at most 9 digits; advances *sp. */
static int
pw_parse_uint(const char **sp, unsigned long *out)
{
	const char *s = *sp;
	unsigned long v = 0;
	size_t n = 0;

	if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		return -1;
	while (s[n] >= '0' && s[n] <= '9' && n < 10) {
		v = v * 10 + (unsigned long)(s[n] - '0');
		n++;
	}
	if (n == 0 || n > 9)
		return -1;
	*out = v;
	*sp = s + n;
	return 0;
}

/* Split and check the stored form; the salt and hash are checked by libsodium. */
static int
pw_parse(const char *stored, struct pw_parsed *pp)
{
	const char *id, *dollar, *s;
	unsigned long par = 0;
	size_t idlen;

	memset(pp, 0, sizeof(*pp));
	if (stored == NULL || strnlen(stored, TG_PWHASH_MAX) == TG_PWHASH_MAX ||
	    strncmp(stored, PW_PREFIX, sizeof(PW_PREFIX) - 1) != 0)
		return TG_ERR_INVALID;
	id = stored + sizeof(PW_PREFIX) - 1;
	if ((dollar = strchr(id, '$')) == NULL)
		return TG_ERR_INVALID;
	idlen = (size_t)(dollar - id);
	if (!pw_id_valid(id, idlen))
		return TG_ERR_INVALID;
	memcpy(pp->pepper_id, id, idlen);
	pp->pepper_id[idlen] = '\0';
	pp->sodium_str = dollar;
	if (strncmp(dollar, PW_ARGON_PREFIX, sizeof(PW_ARGON_PREFIX) - 1) != 0)
		return TG_ERR_INVALID;
	s = dollar + sizeof(PW_ARGON_PREFIX) - 1;
	if (pw_parse_uint(&s, &pp->m_kib) != 0 || strncmp(s, ",t=", 3) != 0)
		return TG_ERR_INVALID;
	s += 3;
	if (pw_parse_uint(&s, &pp->t) != 0 || strncmp(s, ",p=", 3) != 0)
		return TG_ERR_INVALID;
	s += 3;
	if (pw_parse_uint(&s, &par) != 0 || par != 1 || *s != '$')
		return TG_ERR_INVALID;
	if (!pw_params_valid(pp->m_kib, pp->t))
		return TG_ERR_INVALID;
	/* Full decode (salt, hash, lengths): -1 if malformed. */
	if (crypto_pwhash_argon2id_str_needs_rehash(pp->sodium_str, pp->t,
	    (size_t)pp->m_kib * 1024) != 0)
		return TG_ERR_INVALID;
	return 0;
}

int
tg_pwhash_hash(const tg_keys *k, const char *pepper_id,
    const struct tg_pwhash_params *p, const char *pw, size_t pwlen,
    char out[TG_PWHASH_MAX])
{
	uint8_t mac[32];
	char str[crypto_pwhash_argon2id_STRBYTES];
	int n, r;

	out[0] = '\0';
	if (sodium_init() < 0)
		return TG_ERR_CRYPTO;
	if (pepper_id == NULL || !pw_id_valid(pepper_id, strlen(pepper_id)) ||
	    p == NULL || p->parallelism != 1 ||
	    !pw_params_valid(p->memory_kib, p->iterations))
		return TG_ERR_INVALID;
	if (pw == NULL && pwlen != 0)
		return TG_ERR_INVALID;
	if ((r = tg_keys_hmac(k, pepper_id, pw, pwlen, mac)) != 0)
		goto out;
	if (crypto_pwhash_argon2id_str(str, (const char *)mac, sizeof(mac),
	    p->iterations, (size_t)p->memory_kib * 1024) != 0) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	n = snprintf(out, TG_PWHASH_MAX, PW_PREFIX "%s%s", pepper_id, str);
	if (n < 0 || n >= TG_PWHASH_MAX) {
		out[0] = '\0';
		r = TG_ERR_INTERNAL;
		goto out;
	}
	r = 0;
out:
	sodium_memzero(mac, sizeof(mac));
	sodium_memzero(str, sizeof(str));
	return r;
}

/* CT: time depends on the stored parameters only. */
int
tg_pwhash_verify(const tg_keys *k, const char *stored, const char *pw,
    size_t pwlen)
{
	struct pw_parsed pp;
	uint8_t mac[32];
	int r;

	if (pw == NULL && pwlen != 0)
		return TG_ERR_INVALID;
	if ((r = pw_parse(stored, &pp)) != 0)
		return r;
	if ((r = tg_keys_hmac(k, pp.pepper_id, pw, pwlen, mac)) != 0)
		goto out;
	/* Fails closed: allocation failure inside libsodium is a mismatch. */
	r = crypto_pwhash_argon2id_str_verify(pp.sodium_str,
	    (const char *)mac, sizeof(mac)) == 0 ? 0 : TG_ERR_AUTH;
out:
	sodium_memzero(mac, sizeof(mac));
	return r;
}

int
tg_pwhash_needs_rehash(const char *stored, const char *pepper_id,
    const struct tg_pwhash_params *p)
{
	struct pw_parsed pp;

	if (pw_parse(stored, &pp) != 0 || pepper_id == NULL || p == NULL)
		return 1;
	if (strcmp(pp.pepper_id, pepper_id) != 0 || p->parallelism != 1 ||
	    pp.m_kib != p->memory_kib || pp.t != p->iterations)
		return 1;
	return crypto_pwhash_argon2id_str_needs_rehash(pp.sodium_str,
	    p->iterations, (size_t)p->memory_kib * 1024) != 0;
}
