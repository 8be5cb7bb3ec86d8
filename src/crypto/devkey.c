/*
 * Bound-device keys (AUTH-02): parse and canonicalise a device's public
 * key, verify its signature over a login challenge, and build the message
 * it signs.  See devkey.h for the app-developer contract.
 */
#include "crypto/devkey.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>

#include <tradeguard/error.h>

#include "crypto/encode.h"

#define P256_SPKI_LEN	91
#define ED25519_SPKI_LEN 44
#define PEM_LABEL	"PUBLIC KEY"
#define PEM_BEGIN	"-----BEGIN "

/* SubjectPublicKeyInfo headers, followed by the raw public key */
static const uint8_t p256_prefix[] = {	/* id-ecPublicKey, prime256v1 */
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
	0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
	0x07, 0x03, 0x42, 0x00,
};
static const uint8_t ed25519_prefix[] = {	/* id-Ed25519 */
	0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
};

static int
is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * The canonical SPKI of pk (P-256 uncompressed or Ed25519) into out
 * (P256_SPKI_LEN bytes of room).
 */
static int
devkey_canonical(EVP_PKEY *pk, uint8_t out[P256_SPKI_LEN], size_t *len,
    int *alg)
{
	char group[64];
	size_t n = 0;

	*len = 0;
	*alg = 0;
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_ED25519:
		n = 32;
		if (EVP_PKEY_get_raw_public_key(pk, out + sizeof(ed25519_prefix),
		    &n) != 1 || n != 32)
			return TG_ERR_INVALID;
		/* canonical, in the prime-order subgroup, not of small order */
		if (sodium_init() < 0)
			return TG_ERR_CRYPTO;
		if (crypto_core_ed25519_is_valid_point(out +
		    sizeof(ed25519_prefix)) != 1)
			return TG_ERR_INVALID;
		memcpy(out, ed25519_prefix, sizeof(ed25519_prefix));
		*len = ED25519_SPKI_LEN;
		*alg = TG_DEVKEY_EDDSA;
		return 0;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(pk, group, sizeof(group), NULL) != 1 ||
		    OBJ_sn2nid(group) != NID_X9_62_prime256v1)
			return TG_ERR_INVALID;
		if (EVP_PKEY_get_octet_string_param(pk,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out + sizeof(p256_prefix),
		    P256_SPKI_LEN - sizeof(p256_prefix), &n) != 1 || n != 65 ||
		    out[sizeof(p256_prefix)] != 0x04)
			return TG_ERR_INVALID;
		memcpy(out, p256_prefix, sizeof(p256_prefix));
		*len = P256_SPKI_LEN;
		*alg = TG_DEVKEY_ES256;
		return 0;
	default:
		return TG_ERR_INVALID;	/* RSA, DSA, X25519, ... */
	}
}

/*
 * Decode DER (exactly len bytes) into a key whose canonical encoding is
 * those very bytes.  *pkp owned by the caller.
 */
static int
devkey_load_der(const uint8_t *der, size_t len, EVP_PKEY **pkp, int *alg)
{
	uint8_t canon[P256_SPKI_LEN];
	const uint8_t *p = der;
	EVP_PKEY *pk = NULL;
	size_t clen;
	int r;

	*pkp = NULL;
	*alg = 0;
	if (der == NULL || len == 0 || len > TG_DEVKEY_INPUT_MAX) {
		r = TG_ERR_INVALID;
		goto out;
	}
	if ((pk = d2i_PUBKEY(NULL, &p, (long)len)) == NULL || p != der + len) {
		r = TG_ERR_INVALID;
		goto out;
	}
	if ((r = devkey_canonical(pk, canon, &clen, alg)) != 0)
		goto out;
	/* refuses BER, explicit curve parameters, compressed points */
	if (clen != len || memcmp(canon, der, len) != 0) {
		r = TG_ERR_INVALID;
		goto out;
	}
	*pkp = pk;
	pk = NULL;
out:
	if (r != 0)
		*alg = 0;
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return r;
}

/*
 * One PEM "PUBLIC KEY" block, white space only before and after, no
 * headers.  *der (OPENSSL_malloc) owned by the caller.
 */
static int
devkey_pem(const uint8_t *in, size_t len, uint8_t **der, size_t *derlen)
{
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	uint8_t rest[64];
	BIO *bio = NULL;
	long dlen = 0;
	int n, r = TG_ERR_INVALID;

	*der = NULL;
	*derlen = 0;
	if ((bio = BIO_new_mem_buf(in, (int)len)) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	if (PEM_read_bio(bio, &name, &header, &data, &dlen) != 1 ||
	    strcmp(name, PEM_LABEL) != 0 || header[0] != '\0' || dlen <= 0)
		goto out;
	while ((n = BIO_read(bio, rest, sizeof(rest))) > 0)
		while (n > 0)
			if (!is_space(rest[--n]))
				goto out;
	*der = data;
	*derlen = (size_t)dlen;
	data = NULL;
	r = 0;
out:
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	BIO_free(bio);
	ERR_clear_error();
	return r;
}

int
tg_devkey_parse(const uint8_t *der_or_pem, size_t len, uint8_t *spki_der,
    size_t cap, size_t *spki_len, int *alg)
{
	EVP_PKEY *pk = NULL;
	uint8_t *pemder = NULL;
	const uint8_t *der;
	size_t derlen, i;
	int a = 0, r;

	if (spki_len == NULL || alg == NULL)
		return TG_ERR_INVALID;
	*spki_len = 0;
	*alg = 0;
	if (der_or_pem == NULL || spki_der == NULL || len == 0 ||
	    len > TG_DEVKEY_INPUT_MAX)
		return TG_ERR_INVALID;
	der = der_or_pem;
	derlen = len;
	for (i = 0; i < len && is_space(der_or_pem[i]); i++)
		;
	if (len - i >= sizeof(PEM_BEGIN) - 1 &&
	    memcmp(der_or_pem + i, PEM_BEGIN, sizeof(PEM_BEGIN) - 1) == 0) {
		if (memchr(der_or_pem, '\0', len) != NULL) {
			r = TG_ERR_INVALID;
			goto out;
		}
		if ((r = devkey_pem(der_or_pem + i, len - i, &pemder,
		    &derlen)) != 0)
			goto out;
		der = pemder;
	}
	if ((r = devkey_load_der(der, derlen, &pk, &a)) != 0)
		goto out;
	if (cap < derlen) {
		r = TG_ERR_INVALID;
		goto out;
	}
	memcpy(spki_der, der, derlen);
	*spki_len = derlen;
	*alg = a;
out:
	OPENSSL_free(pemder);
	EVP_PKEY_free(pk);
	return r;
}

int
tg_devkey_verify(const uint8_t *spki_der, size_t len, const void *msg,
    size_t msglen, const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pk = NULL;
	int alg = 0, r;

	if ((len != P256_SPKI_LEN && len != ED25519_SPKI_LEN) ||
	    (msg == NULL && msglen != 0))
		return TG_ERR_INVALID;
	if ((r = devkey_load_der(spki_der, len, &pk, &alg)) != 0)
		goto out;
	if (sig == NULL || siglen == 0 || siglen > TG_DEVKEY_SIG_MAX ||
	    (alg == TG_DEVKEY_EDDSA && siglen != 64)) {
		r = TG_ERR_AUTH;
		goto out;
	}
	if ((md = EVP_MD_CTX_new()) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestVerifyInit_ex(md, NULL,
	    alg == TG_DEVKEY_EDDSA ? NULL : "SHA256", NULL, NULL, pk,
	    NULL) != 1) {
		r = TG_ERR_CRYPTO;
		goto out;
	}
	/* ECDSA: OpenSSL re-encodes the parsed signature and refuses non-DER */
	r = EVP_DigestVerify(md, sig, siglen, msglen == 0 ?
	    (const unsigned char *)"" : msg, msglen) == 1 ? 0 : TG_ERR_AUTH;
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return r;
}

/* 1 for [a-z0-9._-]. */
static int
purpose_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '_' || c == '-';
}

int
tg_devkey_challenge_msg(const uint8_t *challenge, size_t chlen,
    const char *purpose, char *out, size_t cap, size_t *outlen)
{
	static const char magic[] = "TGDEV1\n";
	char b64[TG_DEVKEY_MSG_MAX];
	size_t plen, blen, need, off = 0, i;

	if (outlen == NULL)
		return TG_ERR_INVALID;
	*outlen = 0;
	if (out != NULL && cap > 0)
		out[0] = '\0';
	if (challenge == NULL || chlen < TG_DEVKEY_CHALLENGE_MIN ||
	    chlen > TG_DEVKEY_CHALLENGE_MAX || purpose == NULL || out == NULL)
		return TG_ERR_INVALID;
	plen = strnlen(purpose, TG_DEVKEY_PURPOSE_MAX + 1);
	if (plen == 0 || plen > TG_DEVKEY_PURPOSE_MAX)
		return TG_ERR_INVALID;
	for (i = 0; i < plen; i++)
		if (!purpose_char(purpose[i]))
			return TG_ERR_INVALID;
	tg_b64url_encode(challenge, chlen, b64);
	blen = strlen(b64);
	need = sizeof(magic) - 1 + blen + 1 + plen + 1;
	if (cap < need + 1)
		return TG_ERR_INVALID;
	memcpy(out + off, magic, sizeof(magic) - 1);
	off += sizeof(magic) - 1;
	memcpy(out + off, b64, blen);
	off += blen;
	out[off++] = '\n';
	memcpy(out + off, purpose, plen);
	off += plen;
	out[off++] = '\n';
	out[off] = '\0';
	*outlen = off;
	return 0;
}
