/*
 * The relying-party policy (RP ID, allowed origins, user verification) and
 * the clientDataJSON checks (WebAuthn L2 5.8.1, 7.1 steps 7-10, 7.2 steps
 * 11-14).
 */
#include "crypto/webauthn_int.h"

#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include <tradeguard/error.h>

#include "crypto/encode.h"

#define DNS_LABEL_MAX	63
#define PORT_MAX	65535

/* 1 for [a-z0-9-]. */
static int
dns_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	    ch == '-';
}

/* A lower-case DNS name of len bytes: labels of 1..63 of [a-z0-9-], not
 * starting or ending with '-'. */
static int
dns_name_ok(const char *s, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > TG_WEBAUTHN_RP_ID_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!dns_char(s[i]))
			return 0;
		if (label == 0 && s[i] == '-')
			return 0;
		if (++label > DNS_LABEL_MAX)
			return 0;
	}
	return label != 0 && s[len - 1] != '-';
}

/* ":port" of len bytes (after the colon): 1..65535, no leading zero. */
static int
port_ok(const char *s, size_t len, unsigned long *port)
{
	unsigned long v = 0;
	size_t i;

	*port = 0;
	if (len == 0 || len > 5 || s[0] == '0')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > PORT_MAX)
		return 0;
	*port = v;
	return 1;
}

/*
 * A serialised origin of len bytes: "https://host[:port]" or
 * "http://localhost[:port]"; the default port is omitted by browsers, so an
 * explicit :443 / :80 could never match and is refused.
 */
static int
origin_ok(const char *s, size_t len)
{
	static const char https[] = "https://", http[] = "http://";
	const char *colon;
	size_t skip, hlen;
	unsigned long port = 0, dflt;

	if (len > sizeof(https) - 1 && memcmp(s, https, sizeof(https) - 1) == 0) {
		skip = sizeof(https) - 1;
		dflt = 443;
	} else if (len > sizeof(http) - 1 &&
	    memcmp(s, http, sizeof(http) - 1) == 0) {
		skip = sizeof(http) - 1;
		dflt = 80;
	} else
		return 0;
	colon = memchr(s + skip, ':', len - skip);
	hlen = colon == NULL ? len - skip : (size_t)(colon - (s + skip));
	if (!dns_name_ok(s + skip, hlen))
		return 0;
	if (dflt == 80 && (hlen != 9 || memcmp(s + skip, "localhost", 9) != 0))
		return 0;
	if (colon != NULL && (!port_ok(colon + 1, len - skip - hlen - 1, &port) ||
	    port == dflt))
		return 0;
	return 1;
}

int
tg_webauthn_policy_init(struct tg_webauthn_policy *pol, const char *rp_id,
    const char *origins_csv, int require_uv)
{
	const char *p, *end, *a, *b;
	size_t n;
	int r = TG_ERR_INVALID;

	if (pol == NULL)
		return TG_ERR_INVALID;
	memset(pol, 0, sizeof(*pol));
	if (rp_id == NULL || origins_csv == NULL)
		return TG_ERR_INVALID;
	n = strlen(rp_id);
	if (!dns_name_ok(rp_id, n))
		goto out;
	memcpy(pol->rp_id, rp_id, n + 1);
	p = origins_csv;
	for (;;) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		a = p;
		b = end;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		n = (size_t)(b - a);
		if (n == 0 || n > TG_WEBAUTHN_ORIGIN_MAX || !origin_ok(a, n) ||
		    pol->norigins == TG_WEBAUTHN_ORIGINS_MAX)
			goto out;
		memcpy(pol->origins[pol->norigins], a, n);
		pol->origins[pol->norigins][n] = '\0';
		pol->norigins++;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	pol->require_uv = require_uv != 0;
	r = 0;
out:
	if (r != 0)
		memset(pol, 0, sizeof(*pol));
	return r;
}

int
tg_webauthn_challenge_check(const uint8_t *challenge, size_t chlen)
{
	if (challenge == NULL || chlen < TG_WEBAUTHN_CHALLENGE_MIN ||
	    chlen > TG_WEBAUTHN_CHALLENGE_MAX)
		return TG_ERR_INVALID;
	return 0;
}

/* The string member name of obj, or NULL if absent or not a string. */
static const char *
cd_string(json_t *obj, const char *name, size_t *len)
{
	json_t *v = json_object_get(obj, name);

	*len = 0;
	if (!json_is_string(v))
		return NULL;
	*len = json_string_length(v);
	return json_string_value(v);
}

/* CT: the challenge comparison (sodium_memcmp); the rest is input-dependent. */
int
tg_webauthn_client_data_verify(const struct tg_webauthn_policy *pol,
    const char *type, const uint8_t *challenge, size_t chlen,
    const uint8_t *cd, size_t cdlen)
{
	uint8_t got[TG_WEBAUTHN_CHALLENGE_MAX];
	json_error_t jerr;
	json_t *root = NULL, *xo;
	const char *s;
	size_t slen, glen = 0, i;
	int r;

	if (pol == NULL || type == NULL || cd == NULL || cdlen == 0 ||
	    cdlen > TG_WEBAUTHN_CLIENT_DATA_MAX ||
	    tg_webauthn_challenge_check(challenge, chlen) != 0)
		return TG_ERR_INVALID;
	/* jansson refuses NUL bytes, \u0000, bad UTF-8 and trailing data */
	root = json_loadb((const char *)cd, cdlen, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root)) {
		r = TG_ERR_INVALID;
		goto out;
	}
	if ((s = cd_string(root, "type", &slen)) == NULL) {
		r = TG_ERR_INVALID;
		goto out;
	}
	if (slen != strlen(type) || memcmp(s, type, slen) != 0) {
		r = TG_ERR_AUTH;
		goto out;
	}
	if ((s = cd_string(root, "challenge", &slen)) == NULL ||
	    tg_b64url_decode(s, slen, got, sizeof(got), &glen) != 0) {
		r = TG_ERR_INVALID;
		goto out;
	}
	if (glen != chlen || sodium_memcmp(got, challenge, chlen) != 0) {
		r = TG_ERR_AUTH;
		goto out;
	}
	if ((s = cd_string(root, "origin", &slen)) == NULL) {
		r = TG_ERR_INVALID;
		goto out;
	}
	r = TG_ERR_AUTH;
	for (i = 0; i < pol->norigins; i++)
		if (slen == strlen(pol->origins[i]) &&
		    memcmp(s, pol->origins[i], slen) == 0)
			r = 0;
	if (r != 0)
		goto out;
	xo = json_object_get(root, "crossOrigin");
	if (xo != NULL && !json_is_boolean(xo)) {
		r = TG_ERR_INVALID;
		goto out;
	}
	if (json_is_true(xo)) {
		r = TG_ERR_POLICY;	/* embedded in another site's frame */
		goto out;
	}
	r = 0;
out:
	sodium_memzero(got, sizeof(got));
	json_decref(root);
	return r;
}
