/*
 * COSE_Key (RFC 9052/9053, RFC 8230) to OpenSSL public keys, and the
 * signature check both WebAuthn ceremonies use.
 */
#include "crypto/webauthn_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <sodium.h>

#include <tradeguard/error.h>

/* COSE labels and values used here */
#define COSE_KTY	1
#define COSE_KID	2
#define COSE_ALG	3
#define COSE_KTY_OKP	1
#define COSE_KTY_EC2	2
#define COSE_KTY_RSA	3
#define COSE_CRV_P256	1
#define COSE_CRV_ED25519 6
#define COSE_EC_CRV	(-1)	/* EC2 and OKP */
#define COSE_EC_X	(-2)
#define COSE_EC_Y	(-3)
#define COSE_RSA_N	(-1)
#define COSE_RSA_E	(-2)

#define RSA_N_MIN	256	/* 2048 bits */
#define RSA_N_MAX	512	/* 4096 bits */
#define RSA_E_MAX	4

/* Every label is one of kty, kid, alg or the public parameters of kty. */
static int
cose_labels_ok(const cbor_item_t *map, int64_t kty)
{
	struct cbor_pair *pairs = cbor_map_handle(map);
	size_t n = cbor_map_size(map), i;
	int64_t label, lowest;

	lowest = kty == COSE_KTY_EC2 ? COSE_EC_Y :
	    kty == COSE_KTY_OKP ? COSE_EC_X : COSE_RSA_E;
	for (i = 0; i < n; i++) {
		if (tg_webauthn_cbor_int(pairs[i].key, &label) != 0)
			return TG_ERR_INVALID;
		if (label == COSE_KTY || label == COSE_ALG)
			continue;
		if (label == COSE_KID && cbor_isa_bytestring(pairs[i].value))
			continue;
		if (label < 0 && label >= lowest)
			continue;
		return TG_ERR_INVALID;	/* d, p, q, key_ops, ... */
	}
	return 0;
}

/* A byte-string parameter of exactly want bytes (want 0: any length). */
static int
cose_bytes(const cbor_item_t *map, int64_t label, size_t want,
    const uint8_t **p, size_t *len)
{
	if (tg_webauthn_cbor_bytes(tg_webauthn_map_int(map, label), p,
	    len) != 0 || *len == 0)
		return TG_ERR_INVALID;
	if (want != 0 && *len != want)
		return TG_ERR_INVALID;
	return 0;
}

static int
cose_int_is(const cbor_item_t *map, int64_t label, int64_t want)
{
	int64_t v;

	if (tg_webauthn_cbor_int(tg_webauthn_map_int(map, label), &v) != 0 ||
	    v != want)
		return TG_ERR_INVALID;
	return 0;
}

/*
 * Build a public key of the given type from OSSL params.  EC points are
 * checked to lie on the curve (P-256 has cofactor 1, so that suffices).
 * RSA gets no EVP_PKEY_public_check: OpenSSL's runs a gcd and a
 * Miller-Rabin test on n (milliseconds per login, a DoS lever), and the
 * caller's size and parity checks are all PKCS#1 verification needs.
 */
static int
cose_fromdata(const char *type, OSSL_PARAM *params, EVP_PKEY **pkey)
{
	EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
	EVP_PKEY *pk = NULL;
	int r;

	*pkey = NULL;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL) {
		r = TG_ERR_CRYPTO;
		goto out;
	}
	if (EVP_PKEY_fromdata_init(ctx) != 1) {
		r = TG_ERR_CRYPTO;
		goto out;
	}
	if (EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		r = TG_ERR_INVALID;
		goto out;
	}
	if (strcmp(type, "EC") == 0) {
		if ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL) {
			r = TG_ERR_CRYPTO;
			goto out;
		}
		if (EVP_PKEY_public_check_quick(chk) != 1) {
			r = TG_ERR_INVALID;	/* not on the curve */
			goto out;
		}
	}
	*pkey = pk;
	pk = NULL;
	r = 0;
out:
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return r;
}

static int
cose_ec2(const cbor_item_t *map, EVP_PKEY **pkey)
{
	OSSL_PARAM params[3];
	uint8_t point[65];
	const uint8_t *x, *y;
	size_t xlen, ylen;
	char group[] = "prime256v1";

	if (cose_int_is(map, COSE_EC_CRV, COSE_CRV_P256) != 0 ||
	    cose_bytes(map, COSE_EC_X, 32, &x, &xlen) != 0 ||
	    cose_bytes(map, COSE_EC_Y, 32, &y, &ylen) != 0)
		return TG_ERR_INVALID;
	point[0] = 0x04;	/* uncompressed */
	memcpy(point + 1, x, 32);
	memcpy(point + 33, y, 32);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    point, sizeof(point));
	params[2] = OSSL_PARAM_construct_end();
	return cose_fromdata("EC", params, pkey);
}

static int
cose_rsa(const cbor_item_t *map, EVP_PKEY **pkey)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	BIGNUM *n = NULL, *e = NULL;
	const uint8_t *np, *ep;
	size_t nlen, elen;
	int r;

	*pkey = NULL;
	if (cose_bytes(map, COSE_RSA_N, 0, &np, &nlen) != 0 ||
	    cose_bytes(map, COSE_RSA_E, 0, &ep, &elen) != 0)
		return TG_ERR_INVALID;
	/* minimal big-endian, 2048..4096-bit odd modulus, small odd e >= 3 */
	if (nlen < RSA_N_MIN || nlen > RSA_N_MAX || np[0] == 0 ||
	    (nlen == RSA_N_MIN && np[0] < 0x80) || (np[nlen - 1] & 1) == 0 ||
	    elen > RSA_E_MAX || ep[0] == 0 || (ep[elen - 1] & 1) == 0 ||
	    (elen == 1 && ep[0] < 3))
		return TG_ERR_INVALID;
	if ((n = BN_bin2bn(np, (int)nlen, NULL)) == NULL ||
	    (e = BN_bin2bn(ep, (int)elen, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL) {
		r = TG_ERR_CRYPTO;
		goto out;
	}
	r = cose_fromdata("RSA", params, pkey);
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return r;
}

static int
cose_okp(const cbor_item_t *map, EVP_PKEY **pkey)
{
	const uint8_t *x;
	size_t xlen;

	*pkey = NULL;
	if (cose_int_is(map, COSE_EC_CRV, COSE_CRV_ED25519) != 0 ||
	    cose_bytes(map, COSE_EC_X, 32, &x, &xlen) != 0)
		return TG_ERR_INVALID;
	/* canonical, in the prime-order subgroup, not of small order */
	if (sodium_init() < 0)
		return TG_ERR_CRYPTO;
	if (crypto_core_ed25519_is_valid_point(x) != 1)
		return TG_ERR_INVALID;
	*pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, xlen);
	ERR_clear_error();
	return *pkey == NULL ? TG_ERR_INVALID : 0;
}

int
tg_webauthn_cose_key_load(const uint8_t *cose, size_t len, int *alg,
    EVP_PKEY **pkey)
{
	cbor_item_t *map = NULL;
	EVP_PKEY *pk = NULL;
	int64_t kty, a;
	int r;

	*alg = 0;
	*pkey = NULL;
	if (cose == NULL || len == 0 || len > TG_WEBAUTHN_COSE_KEY_MAX)
		return TG_ERR_INVALID;
	if ((r = tg_webauthn_cbor_load(cose, len, &map)) != 0 ||
	    (r = tg_webauthn_map_check(map)) != 0)
		goto out;
	if (tg_webauthn_cbor_int(tg_webauthn_map_int(map, COSE_KTY), &kty) != 0 ||
	    tg_webauthn_cbor_int(tg_webauthn_map_int(map, COSE_ALG), &a) != 0 ||
	    cose_labels_ok(map, kty) != 0) {
		r = TG_ERR_INVALID;
		goto out;
	}
	if (a == TG_WEBAUTHN_ES256 && kty == COSE_KTY_EC2)
		r = cose_ec2(map, &pk);
	else if (a == TG_WEBAUTHN_RS256 && kty == COSE_KTY_RSA)
		r = cose_rsa(map, &pk);
	else if (a == TG_WEBAUTHN_EDDSA && kty == COSE_KTY_OKP)
		r = cose_okp(map, &pk);
	else
		r = TG_ERR_INVALID;	/* unsupported alg or kty mismatch */
	if (r != 0)
		goto out;
	*alg = (int)a;
	*pkey = pk;
	pk = NULL;
out:
	if (map != NULL)
		cbor_decref(&map);
	EVP_PKEY_free(pk);
	return r;
}

int
tg_webauthn_key_matches(EVP_PKEY *pkey, int alg)
{
	char group[64];
	size_t glen = 0;
	int bits, nid;

	if (pkey == NULL)
		return TG_ERR_INVALID;
	switch (alg) {
	case TG_WEBAUTHN_ES256:
		if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
		    EVP_PKEY_get_group_name(pkey, group, sizeof(group),
		    &glen) != 1) {
			ERR_clear_error();
			return TG_ERR_INVALID;
		}
		nid = OBJ_sn2nid(group);
		if (nid == NID_undef)
			nid = EC_curve_nist2nid(group);
		return nid == NID_X9_62_prime256v1 ? 0 : TG_ERR_INVALID;
	case TG_WEBAUTHN_RS256:
		bits = EVP_PKEY_get_bits(pkey);
		return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA &&
		    bits >= 2048 && bits <= 4096 ? 0 : TG_ERR_INVALID;
	case TG_WEBAUTHN_EDDSA:
		return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519 ?
		    0 : TG_ERR_INVALID;
	default:
		return TG_ERR_INVALID;
	}
}

/* CT: OpenSSL's verification; time does not depend on secret data. */
int
tg_webauthn_sig_verify(EVP_PKEY *pkey, int alg, const uint8_t *msg,
    size_t mlen, const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int r;

	if ((r = tg_webauthn_key_matches(pkey, alg)) != 0)
		return r;
	if (msg == NULL || sig == NULL || siglen == 0 ||
	    siglen > TG_WEBAUTHN_SIG_MAX ||
	    (alg == TG_WEBAUTHN_EDDSA && siglen != 64))
		return TG_ERR_AUTH;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return TG_ERR_NOMEM;
	if (EVP_DigestVerifyInit_ex(md, &pctx,
	    alg == TG_WEBAUTHN_EDDSA ? NULL : "SHA256", NULL, NULL, pkey,
	    NULL) != 1) {
		r = TG_ERR_CRYPTO;
		goto out;
	}
	if (alg == TG_WEBAUTHN_RS256 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
		r = TG_ERR_CRYPTO;
		goto out;
	}
	/* ECDSA: OpenSSL re-encodes the parsed signature and refuses non-DER. */
	r = EVP_DigestVerify(md, sig, siglen, msg, mlen) == 1 ? 0 : TG_ERR_AUTH;
out:
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return r;
}

int
tg_webauthn_sig_verify_ad(EVP_PKEY *pkey, int alg, const uint8_t *ad,
    size_t adlen, const uint8_t cd_hash[32], const uint8_t *sig,
    size_t siglen)
{
	uint8_t *msg = NULL;
	int r;

	if (ad == NULL || adlen == 0 || adlen > TG_WEBAUTHN_AUTH_DATA_MAX)
		return TG_ERR_INVALID;
	if ((msg = malloc(adlen + 32)) == NULL)
		return TG_ERR_NOMEM;
	memcpy(msg, ad, adlen);
	memcpy(msg + adlen, cd_hash, 32);
	r = tg_webauthn_sig_verify(pkey, alg, msg, adlen + 32, sig, siglen);
	free(msg);
	return r;
}

int
tg_webauthn_sha256(const void *p, size_t len, uint8_t out[32])
{
	unsigned int n = 0;

	if (EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32) {
		ERR_clear_error();
		return TG_ERR_CRYPTO;
	}
	return 0;
}
