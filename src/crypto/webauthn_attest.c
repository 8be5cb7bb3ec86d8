/*
 * Registration (WebAuthn L2 7.1) with the "none" and "packed" attestation
 * statement formats (L2 8.2, 8.7).  Attestation trust anchors are a later
 * configuration item: an x5c chain is checked for form and signature but
 * not chained to a trusted root (TG_WEBAUTHN_ATT_BASIC_UNTRUSTED).
 */
#include "crypto/webauthn_int.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <tradeguard/error.h>

#define ATT_OU			"Authenticator Attestation"
#define OID_FIDO_AAGUID		"1.3.6.1.4.1.45724.1.1.4"
#define X5C_CERT_MAX		4096	/* one DER certificate */

/* The only entry of nid in name, or NULL if there is none or several. */
static const ASN1_STRING *
cert_name_one(const X509_NAME *name, int nid)
{
	int i = X509_NAME_get_index_by_NID(name, nid, -1);

	if (i < 0 || X509_NAME_get_index_by_NID(name, nid, i) >= 0)
		return NULL;
	return X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
}

/* 1 if s holds exactly the len bytes of want. */
static int
asn1_equals(const ASN1_STRING *s, const char *want, size_t len)
{
	return s != NULL && ASN1_STRING_length(s) >= 0 &&
	    (size_t)ASN1_STRING_length(s) == len &&
	    memcmp(ASN1_STRING_get0_data(s), want, len) == 0;
}

/* The id-fido-gen-ce-aaguid extension, if present, equals aaguid. */
static int
cert_check_aaguid(X509 *cert, const uint8_t aaguid[16])
{
	ASN1_OBJECT *obj = NULL;
	X509_EXTENSION *ext;
	const ASN1_OCTET_STRING *os;
	const uint8_t *d;
	int idx, r;

	if ((obj = OBJ_txt2obj(OID_FIDO_AAGUID, 1)) == NULL) {
		r = TG_ERR_CRYPTO;
		goto out;
	}
	if ((idx = X509_get_ext_by_OBJ(cert, obj, -1)) < 0) {
		r = 0;		/* optional */
		goto out;
	}
	r = TG_ERR_AUTH;
	if (X509_get_ext_by_OBJ(cert, obj, idx) >= 0 ||
	    (ext = X509_get_ext(cert, idx)) == NULL ||
	    X509_EXTENSION_get_critical(ext) != 0 ||
	    (os = X509_EXTENSION_get_data(ext)) == NULL ||
	    ASN1_STRING_length(os) != 18)
		goto out;
	/* extnValue holds a DER OCTET STRING of the 16 AAGUID bytes */
	d = ASN1_STRING_get0_data(os);
	if (d[0] != V_ASN1_OCTET_STRING || d[1] != 16 ||
	    CRYPTO_memcmp(d + 2, aaguid, 16) != 0)
		goto out;
	r = 0;
out:
	ASN1_OBJECT_free(obj);
	return r;
}

/* Packed attestation certificate requirements (L2 8.2.1). */
static int
cert_check(X509 *cert, const uint8_t aaguid[16])
{
	const X509_NAME *subj;
	const ASN1_STRING *c;
	BASIC_CONSTRAINTS *bc;
	int crit = 0, ca;

	/* v3; extensions decodable; no critical extension we cannot judge */
	if (X509_get_version(cert) != X509_VERSION_3 ||
	    (X509_get_extension_flags(cert) &
	    (EXFLAG_INVALID | EXFLAG_CRITICAL)) != 0)
		return TG_ERR_AUTH;
	if ((subj = X509_get_subject_name(cert)) == NULL ||
	    (c = cert_name_one(subj, NID_countryName)) == NULL ||
	    ASN1_STRING_length(c) != 2 ||
	    cert_name_one(subj, NID_organizationName) == NULL ||
	    cert_name_one(subj, NID_commonName) == NULL ||
	    !asn1_equals(cert_name_one(subj, NID_organizationalUnitName),
	    ATT_OU, sizeof(ATT_OU) - 1))
		return TG_ERR_AUTH;
	/* present (absent, malformed or repeated all give NULL), CA false */
	if ((bc = X509_get_ext_d2i(cert, NID_basic_constraints, &crit,
	    NULL)) == NULL) {
		ERR_clear_error();
		return TG_ERR_AUTH;
	}
	ca = bc->ca;
	BASIC_CONSTRAINTS_free(bc);
	if (ca)
		return TG_ERR_AUTH;
	return cert_check_aaguid(cert, aaguid);
}

/* One DER certificate, exactly len bytes. */
static int
cert_parse(const cbor_item_t *item, X509 **certp)
{
	const uint8_t *p, *q;
	size_t len;
	X509 *cert;

	*certp = NULL;
	if (tg_webauthn_cbor_bytes(item, &p, &len) != 0 || len == 0 ||
	    len > X5C_CERT_MAX)
		return TG_ERR_INVALID;
	q = p;
	cert = d2i_X509(NULL, &q, (long)len);
	ERR_clear_error();
	if (cert == NULL)
		return TG_ERR_INVALID;
	if (q != p + len) {
		X509_free(cert);
		return TG_ERR_INVALID;
	}
	*certp = cert;
	return 0;
}

/*
 * x5c: an array of 1..TG_WEBAUTHN_X5C_MAX DER certificates, the first the
 * attestation certificate; its key verifies sig under alg.
 */
static int
packed_x5c(const cbor_item_t *x5c, int alg, const uint8_t *ad, size_t adlen,
    const uint8_t aaguid[16], const uint8_t cd_hash[32], const uint8_t *sig,
    size_t siglen)
{
	cbor_item_t **certs;
	X509 *leaf = NULL, *other = NULL;
	size_t n, i;
	int r;

	if (!cbor_isa_array(x5c) || !cbor_array_is_definite(x5c) ||
	    (n = cbor_array_size(x5c)) == 0 || n > TG_WEBAUTHN_X5C_MAX ||
	    (certs = cbor_array_handle(x5c)) == NULL)
		return TG_ERR_INVALID;
	if ((r = cert_parse(certs[0], &leaf)) != 0)
		goto out;
	/* the rest are kept for a later chain check; they must be certificates */
	for (i = 1; i < n; i++) {
		if ((r = cert_parse(certs[i], &other)) != 0)
			goto out;
		X509_free(other);
		other = NULL;
	}
	if ((r = cert_check(leaf, aaguid)) != 0)
		goto out;
	r = tg_webauthn_sig_verify_ad(X509_get0_pubkey(leaf), alg, ad, adlen,
	    cd_hash, sig, siglen);
out:
	X509_free(leaf);
	ERR_clear_error();
	return r;
}

/*
 * attStmt of fmt "packed": {alg, sig} (self) or {alg, sig, x5c}; ECDAA
 * (ecdaaKeyId) and unknown members are refused.
 */
static int
attest_packed(const cbor_item_t *stmt, EVP_PKEY *cred, int cred_alg,
    const uint8_t *ad, size_t adlen, const uint8_t aaguid[16],
    const uint8_t cd_hash[32], enum tg_webauthn_att_type *type)
{
	const cbor_item_t *algi, *sigi, *x5c;
	const uint8_t *sig;
	size_t siglen;
	int64_t alg;

	algi = tg_webauthn_map_text(stmt, "alg");
	sigi = tg_webauthn_map_text(stmt, "sig");
	x5c = tg_webauthn_map_text(stmt, "x5c");
	if (algi == NULL || sigi == NULL ||
	    cbor_map_size(stmt) != (x5c == NULL ? 2u : 3u) ||
	    tg_webauthn_cbor_int(algi, &alg) != 0 ||
	    tg_webauthn_cbor_bytes(sigi, &sig, &siglen) != 0)
		return TG_ERR_INVALID;
	if (alg != TG_WEBAUTHN_ES256 && alg != TG_WEBAUTHN_RS256 &&
	    alg != TG_WEBAUTHN_EDDSA)
		return TG_ERR_INVALID;
	if (x5c != NULL) {
		*type = TG_WEBAUTHN_ATT_BASIC_UNTRUSTED;
		return packed_x5c(x5c, (int)alg, ad, adlen, aaguid, cd_hash,
		    sig, siglen);
	}
	*type = TG_WEBAUTHN_ATT_SELF;
	if (alg != cred_alg)
		return TG_ERR_AUTH;
	return tg_webauthn_sig_verify_ad(cred, cred_alg, ad, adlen, cd_hash,
	    sig, siglen);
}

/* A definite text string of 1..TG_WEBAUTHN_FMT_MAX bytes into buf. */
static int
attest_fmt(const cbor_item_t *item, char buf[TG_WEBAUTHN_FMT_MAX + 1])
{
	size_t n;

	memset(buf, 0, TG_WEBAUTHN_FMT_MAX + 1);
	if (item == NULL || !cbor_isa_string(item) ||
	    !cbor_string_is_definite(item) ||
	    (n = cbor_string_length(item)) == 0 || n > TG_WEBAUTHN_FMT_MAX ||
	    memchr(cbor_string_handle(item), '\0', n) != NULL)
		return TG_ERR_INVALID;
	memcpy(buf, cbor_string_handle(item), n);
	return 0;
}

int
tg_webauthn_register(const struct tg_webauthn_policy *pol,
    const uint8_t *challenge, size_t chlen, const uint8_t *client_data,
    size_t cdlen, const uint8_t *att_obj, size_t aolen,
    struct tg_webauthn_credential *out)
{
	struct tg_webauthn_authdata ad;
	enum tg_webauthn_att_type type = TG_WEBAUTHN_ATT_NONE;
	cbor_item_t *root = NULL, *stmt;
	EVP_PKEY *cred = NULL;
	const uint8_t *adp;
	uint8_t cd_hash[32];
	char fmt[TG_WEBAUTHN_FMT_MAX + 1];
	size_t adlen;
	int alg = 0, r;

	if (out == NULL)
		return TG_ERR_INVALID;
	memset(out, 0, sizeof(*out));
	if (pol == NULL || att_obj == NULL || aolen == 0 ||
	    aolen > TG_WEBAUTHN_ATT_OBJ_MAX)
		return TG_ERR_INVALID;
	if ((r = tg_webauthn_client_data_verify(pol, "webauthn.create",
	    challenge, chlen, client_data, cdlen)) != 0 ||
	    (r = tg_webauthn_sha256(client_data, cdlen, cd_hash)) != 0)
		goto out;
	if ((r = tg_webauthn_cbor_load(att_obj, aolen, &root)) != 0 ||
	    (r = tg_webauthn_map_check(root)) != 0)
		goto out;
	r = TG_ERR_INVALID;
	if (cbor_map_size(root) != 3 ||
	    attest_fmt(tg_webauthn_map_text(root, "fmt"), fmt) != 0 ||
	    (stmt = tg_webauthn_map_text(root, "attStmt")) == NULL ||
	    tg_webauthn_map_check(stmt) != 0 ||
	    tg_webauthn_cbor_bytes(tg_webauthn_map_text(root, "authData"),
	    &adp, &adlen) != 0)
		goto out;
	if ((r = tg_webauthn_authdata_parse(adp, adlen, &ad)) != 0)
		goto out;
	if ((ad.flags & TG_WEBAUTHN_FLAG_AT) == 0) {
		r = TG_ERR_INVALID;
		goto out;
	}
	if ((r = tg_webauthn_authdata_check(pol, &ad)) != 0 ||
	    (r = tg_webauthn_cose_key_load(adp + ad.cose_key_off,
	    ad.cose_key_len, &alg, &cred)) != 0)
		goto out;
	if (strcmp(fmt, "none") == 0)
		r = cbor_map_size(stmt) == 0 ? 0 : TG_ERR_INVALID;
	else if (strcmp(fmt, "packed") == 0)
		r = attest_packed(stmt, cred, alg, adp, adlen, ad.aaguid,
		    cd_hash, &type);
	else
		r = TG_ERR_INVALID;	/* unsupported format */
	if (r != 0)
		goto out;
	memcpy(out->id, adp + ad.cred_id_off, ad.cred_id_len);
	out->id_len = ad.cred_id_len;
	memcpy(out->cose_key, adp + ad.cose_key_off, ad.cose_key_len);
	out->cose_key_len = ad.cose_key_len;
	out->alg = alg;
	out->sign_count = ad.sign_count;
	out->uv = (ad.flags & TG_WEBAUTHN_FLAG_UV) != 0;
	out->flags = ad.flags;
	memcpy(out->aaguid, ad.aaguid, sizeof(out->aaguid));
	memcpy(out->fmt, fmt, sizeof(out->fmt));
	out->att_type = type;
out:
	if (root != NULL)
		cbor_decref(&root);
	EVP_PKEY_free(cred);
	return r;
}
