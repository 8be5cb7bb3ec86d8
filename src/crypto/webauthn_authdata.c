/*
 * authenticatorData (WebAuthn L2 6.1): a fixed 37-byte header, then the
 * attested credential data when AT is set, then an extensions map when ED
 * is set, and nothing else.
 */
#include "crypto/webauthn_int.h"

#include <string.h>

#include <openssl/crypto.h>

#include <tradeguard/error.h>

#define AD_HEADER_LEN	37	/* rpIdHash 32, flags 1, signCount 4 */

/* A read position inside p[0..len); off never exceeds len. */
struct ad_cur {
	const uint8_t *p;
	size_t len;
	size_t off;
};

/* The next n bytes (borrowed) and advance, or TG_ERR_INVALID. */
static int
ad_take(struct ad_cur *c, size_t n, const uint8_t **out)
{
	*out = NULL;
	if (n > c->len - c->off)
		return TG_ERR_INVALID;
	*out = c->p + c->off;
	c->off += n;
	return 0;
}

static int
ad_get_u16(struct ad_cur *c, uint16_t *v)
{
	const uint8_t *b;

	*v = 0;
	if (ad_take(c, 2, &b) != 0)
		return TG_ERR_INVALID;
	*v = (uint16_t)((b[0] << 8) | b[1]);
	return 0;
}

static int
ad_get_u32(struct ad_cur *c, uint32_t *v)
{
	const uint8_t *b;

	*v = 0;
	if (ad_take(c, 4, &b) != 0)
		return TG_ERR_INVALID;
	*v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
	    ((uint32_t)b[2] << 8) | b[3];
	return 0;
}

/* One CBOR map at the read position: its offset and exact length. */
static int
ad_take_map(struct ad_cur *c, size_t max, size_t *off, size_t *len)
{
	const uint8_t *b;
	size_t n;

	*off = 0;
	*len = 0;
	if (c->off >= c->len || (c->p[c->off] >> 5) != 5)
		return TG_ERR_INVALID;
	if (tg_webauthn_cbor_len(c->p + c->off, c->len - c->off, &n) != 0 ||
	    n > max)
		return TG_ERR_INVALID;
	*off = c->off;
	*len = n;
	return ad_take(c, n, &b);
}

int
tg_webauthn_authdata_parse(const uint8_t *ad, size_t adlen,
    struct tg_webauthn_authdata *out)
{
	struct ad_cur c = { ad, adlen, 0 };
	const uint8_t *b;
	uint16_t idlen;
	int r = TG_ERR_INVALID;

	memset(out, 0, sizeof(*out));
	if (ad == NULL || adlen < AD_HEADER_LEN ||
	    adlen > TG_WEBAUTHN_AUTH_DATA_MAX)
		return TG_ERR_INVALID;
	if (ad_take(&c, 32, &b) != 0)
		goto out;
	memcpy(out->rp_id_hash, b, 32);
	if (ad_take(&c, 1, &b) != 0)
		goto out;
	out->flags = b[0];
	if (ad_get_u32(&c, &out->sign_count) != 0)
		goto out;
	/* L3: a credential that is not backup eligible cannot be backed up. */
	if ((out->flags & TG_WEBAUTHN_FLAG_BS) != 0 &&
	    (out->flags & TG_WEBAUTHN_FLAG_BE) == 0)
		goto out;
	if ((out->flags & TG_WEBAUTHN_FLAG_AT) != 0) {
		if (ad_take(&c, 16, &b) != 0)
			goto out;
		memcpy(out->aaguid, b, 16);
		if (ad_get_u16(&c, &idlen) != 0 || idlen == 0 ||
		    idlen > TG_WEBAUTHN_CRED_ID_MAX)
			goto out;
		out->cred_id_off = c.off;
		out->cred_id_len = idlen;
		if (ad_take(&c, idlen, &b) != 0 ||
		    ad_take_map(&c, TG_WEBAUTHN_COSE_KEY_MAX,
		    &out->cose_key_off, &out->cose_key_len) != 0)
			goto out;
	}
	if ((out->flags & TG_WEBAUTHN_FLAG_ED) != 0 &&
	    ad_take_map(&c, adlen, &out->ext_off, &out->ext_len) != 0)
		goto out;
	if (c.off != c.len)
		goto out;		/* trailing bytes */
	r = 0;
out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	return r;
}

int
tg_webauthn_authdata_check(const struct tg_webauthn_policy *pol,
    const struct tg_webauthn_authdata *ad)
{
	uint8_t h[32];
	int r;

	if ((r = tg_webauthn_sha256(pol->rp_id, strlen(pol->rp_id), h)) != 0)
		return r;
	if (CRYPTO_memcmp(h, ad->rp_id_hash, sizeof(h)) != 0)
		return TG_ERR_AUTH;
	if ((ad->flags & TG_WEBAUTHN_FLAG_UP) == 0)
		return TG_ERR_AUTH;
	if (pol->require_uv && (ad->flags & TG_WEBAUTHN_FLAG_UV) == 0)
		return TG_ERR_POLICY;
	return 0;
}
