/*
 * WebAuthn relying-party verification (AUTH-03, AUTH-16, ZT-01): passkey
 * registration (attestation) and login (assertion), following W3C Web
 * Authentication Level 2, with the Level 3 backup-flag rule.  Pure
 * verification: no storage, no I/O, no clock.  The caller issues and
 * consumes the challenge, stores the credential, and checks the signature
 * counter against the stored one.
 *
 * Algorithms: ES256 (-7, P-256), RS256 (-257, RSA 2048..4096 bits, PKCS#1
 * v1.5) and EdDSA (-8, Ed25519).  Anything else is TG_ERR_INVALID.
 *
 * Attestation formats: "none" and "packed" (self attestation, or x5c).
 * An x5c statement is checked against the certificate requirements of the
 * packed format (version 3, subject C/O/CN present, OU "Authenticator
 * Attestation", basicConstraints present with CA false, the id-fido-gen-ce-
 * aaguid extension non-critical and equal to the authenticator data AAGUID
 * when present, no other unrecognised critical extension) and its
 * signature is verified with the certificate's key.
 * Attestation trust anchors are a later configuration item: the chain is
 * NOT validated yet (no trusted roots, no certificate signatures, validity
 * dates or revocation), so an x5c result is reported as
 * TG_WEBAUTHN_ATT_BASIC_UNTRUSTED and proves nothing about the
 * authenticator model.  Only the user-verification flag signed by the
 * credential itself (AUTH-03) is relied upon.
 *
 * Error codes (every function here):
 *   TG_ERR_INVALID  malformed input, unsupported algorithm or format, a
 *                   bad argument (NULL, a size out of range)
 *   TG_ERR_AUTH     well-formed but not valid for this login: wrong type,
 *                   challenge, origin or RP ID hash, user presence not
 *                   set, a bad signature, an attestation certificate that
 *                   does not meet the packed-format requirements
 *   TG_ERR_POLICY   valid but refused by the policy: user verification
 *                   required and not performed, a cross-origin ceremony
 *   TG_ERR_NOMEM, TG_ERR_CRYPTO   the environment failed; never 0 then
 *
 * Nothing here is secret: the challenge is compared in constant time
 * anyway, the rest runs in time that depends on the (public) input.
 * Functions are reentrant and keep no state.
 *
 * Sizes are bounded; every length field is range-checked against the bytes
 * actually present; CBOR must be definite-length, without tags, nested at
 * most TG_WEBAUTHN_CBOR_DEPTH deep, and maps the verifier reads must not
 * repeat a key.  Trailing bytes anywhere are refused.
 */
#ifndef TG_CRYPTO_WEBAUTHN_H
#define TG_CRYPTO_WEBAUTHN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

enum tg_webauthn_alg {
	TG_WEBAUTHN_ES256 = -7,
	TG_WEBAUTHN_EDDSA = -8,
	TG_WEBAUTHN_RS256 = -257,
};

/* authenticatorData flag bits */
#define TG_WEBAUTHN_FLAG_UP	0x01	/* user present */
#define TG_WEBAUTHN_FLAG_UV	0x04	/* user verified (AUTH-03) */
#define TG_WEBAUTHN_FLAG_BE	0x08	/* backup eligible */
#define TG_WEBAUTHN_FLAG_BS	0x10	/* backed up */
#define TG_WEBAUTHN_FLAG_AT	0x40	/* attested credential data follows */
#define TG_WEBAUTHN_FLAG_ED	0x80	/* extensions follow */

#define TG_WEBAUTHN_RP_ID_MAX		253	/* a DNS name */
#define TG_WEBAUTHN_ORIGIN_MAX		255
#define TG_WEBAUTHN_ORIGINS_MAX		8
#define TG_WEBAUTHN_CHALLENGE_MIN	16
#define TG_WEBAUTHN_CHALLENGE_MAX	64
#define TG_WEBAUTHN_CRED_ID_MAX		1023	/* WebAuthn L2 credIdLen limit */
#define TG_WEBAUTHN_COSE_KEY_MAX	1024	/* = TG_FACTOR_KEY_MAX */
#define TG_WEBAUTHN_CLIENT_DATA_MAX	4096
#define TG_WEBAUTHN_AUTH_DATA_MAX	4096
#define TG_WEBAUTHN_ATT_OBJ_MAX		16384
#define TG_WEBAUTHN_SIG_MAX		1024
#define TG_WEBAUTHN_CBOR_DEPTH		8
#define TG_WEBAUTHN_FMT_MAX		15

/*
 * What the verifier accepts.  Fill it with tg_webauthn_policy_init; the
 * struct is plain data (no pointers) and may be copied.
 */
struct tg_webauthn_policy {
	char rp_id[TG_WEBAUTHN_RP_ID_MAX + 1];
	size_t norigins;
	char origins[TG_WEBAUTHN_ORIGINS_MAX][TG_WEBAUTHN_ORIGIN_MAX + 1];
	int require_uv;		/* 1: refuse ceremonies without UV (AUTH-03) */
};

/*
 * Fill *pol.  rp_id: a lower-case DNS name ([a-z0-9.-], no leading,
 * trailing or double dot), at most TG_WEBAUTHN_RP_ID_MAX characters.
 * origins_csv: comma-separated origins, spaces and tabs around each entry
 * ignored, 1..TG_WEBAUTHN_ORIGINS_MAX entries, each "https://host[:port]"
 * or "http://localhost[:port]" with a lower-case host, no path and no
 * trailing slash — exactly as a browser serialises the origin.  Returns 0
 * or TG_ERR_INVALID (*pol is zeroed then).  Strings are borrowed.
 */
int tg_webauthn_policy_init(struct tg_webauthn_policy *pol, const char *rp_id,
    const char *origins_csv, int require_uv) __attribute__((warn_unused_result));

/*
 * Verify clientDataJSON (cd, cdlen bytes, borrowed) for a ceremony of the
 * given type ("webauthn.create" or "webauthn.get"): a JSON object without
 * duplicate members, "type" equal to type, "challenge" the unpadded
 * base64url encoding of the expected challenge (compared in constant time),
 * "origin" one of pol->origins, "crossOrigin" absent or false (true is
 * TG_ERR_POLICY).  "tokenBinding" and unknown members are ignored.
 * CT: only the challenge comparison; the rest depends on the input.
 */
int tg_webauthn_client_data_verify(const struct tg_webauthn_policy *pol,
    const char *type, const uint8_t *challenge, size_t chlen,
    const uint8_t *cd, size_t cdlen) __attribute__((warn_unused_result));

/*
 * Parsed authenticatorData.  The *_off fields index the buffer that was
 * parsed (borrowed by the caller, not copied); a length of 0 means absent.
 */
struct tg_webauthn_authdata {
	uint8_t rp_id_hash[32];
	uint8_t flags;
	uint32_t sign_count;
	uint8_t aaguid[16];		/* zero unless AT */
	size_t cred_id_off, cred_id_len;
	size_t cose_key_off, cose_key_len;
	size_t ext_off, ext_len;	/* the extensions map when ED */
};

/*
 * Parse authenticatorData: rpIdHash (32), flags (1), signCount (u32 BE);
 * when AT: aaguid (16), credIdLen (u16 BE, 1..TG_WEBAUTHN_CRED_ID_MAX),
 * credentialId, and the COSE key as exactly one CBOR item; when ED: one
 * CBOR map.  Anything left over, a BS flag without BE, or AT/ED data
 * missing is TG_ERR_INVALID.  No policy is applied here.
 */
int tg_webauthn_authdata_parse(const uint8_t *ad, size_t adlen,
    struct tg_webauthn_authdata *out) __attribute__((warn_unused_result));

/*
 * Decode a COSE_Key (one CBOR map, exactly len bytes) into a new public
 * key: ES256 (kty 2, crv 1, x and y 32 bytes each, the point on the curve),
 * RS256 (kty 3, n an odd 2048..4096-bit modulus in 256..512 bytes without
 * a leading zero byte, e 1..4 bytes without one, odd, >= 3) or EdDSA (kty 1, crv 6, x 32 bytes, a canonical point of the
 * prime-order subgroup, not of small order).  The alg label (3) is
 * required; labels other than kty, kid, alg and the key's public
 * parameters (private parts in particular) are refused.  *pkey is owned
 * by the caller (EVP_PKEY_free) and NULL on error; *alg is the COSE alg.
 */
int tg_webauthn_cose_key_load(const uint8_t *cose, size_t len, int *alg,
    EVP_PKEY **pkey) __attribute__((warn_unused_result));

enum tg_webauthn_att_type {
	TG_WEBAUTHN_ATT_NONE = 0,		/* fmt "none": no attestation */
	TG_WEBAUTHN_ATT_SELF = 1,		/* packed, signed by the credential */
	TG_WEBAUTHN_ATT_BASIC_UNTRUSTED = 2,	/* packed x5c, chain not validated */
};

/* A registered credential: everything the caller stores. */
struct tg_webauthn_credential {
	uint8_t id[TG_WEBAUTHN_CRED_ID_MAX];
	size_t id_len;
	uint8_t cose_key[TG_WEBAUTHN_COSE_KEY_MAX];	/* raw CBOR as received */
	size_t cose_key_len;
	int alg;			/* enum tg_webauthn_alg */
	uint32_t sign_count;
	int uv;				/* 1 if UV was set (AUTH-03) */
	uint8_t flags;			/* authenticatorData flags as received */
	uint8_t aaguid[16];
	char fmt[TG_WEBAUTHN_FMT_MAX + 1];	/* "none" or "packed" */
	enum tg_webauthn_att_type att_type;
};

/*
 * Registration ceremony (WebAuthn L2 7.1): clientDataJSON of type
 * "webauthn.create" for the expected challenge (chlen
 * TG_WEBAUTHN_CHALLENGE_MIN..MAX), an attestationObject that is exactly one
 * CBOR map {"fmt", "attStmt", "authData"} with no other member, an
 * rpIdHash equal to SHA-256(pol->rp_id), UP set, UV set if
 * pol->require_uv, attested credential data present with a supported
 * key, and a valid "none" or "packed" statement.  All inputs borrowed;
 * *out is zeroed first and filled only on success.
 */
int tg_webauthn_register(const struct tg_webauthn_policy *pol,
    const uint8_t *challenge, size_t chlen, const uint8_t *client_data,
    size_t cdlen, const uint8_t *att_obj, size_t aolen,
    struct tg_webauthn_credential *out) __attribute__((warn_unused_result));

/* The result of a verified assertion. */
struct tg_webauthn_assertion {
	uint32_t sign_count;	/* compare with the stored count (clones) */
	int uv;			/* 1 if UV was set (AUTH-03) */
	uint8_t flags;
};

/*
 * Authentication ceremony (WebAuthn L2 7.2) against a stored credential:
 * cose_key/cklen and alg as returned by tg_webauthn_register (alg must
 * equal the key's alg).  clientDataJSON of type "webauthn.get", the
 * challenge, an allowed origin; authenticatorData with the RP ID hash, UP
 * set, UV if pol->require_uv, no attested credential data; sig over
 * authenticatorData || SHA-256(clientDataJSON): ES256 a DER ECDSA-Sig-Value
 * (strict DER), RS256 PKCS#1 v1.5 with SHA-256, EdDSA a raw 64-byte
 * Ed25519 signature.  The signature counter is reported, not judged.  All
 * inputs borrowed; *out is zeroed first and filled only on success.
 */
int tg_webauthn_assert(const struct tg_webauthn_policy *pol,
    const uint8_t *challenge, size_t chlen, const uint8_t *cose_key,
    size_t cklen, int alg, const uint8_t *client_data, size_t cdlen,
    const uint8_t *auth_data, size_t adlen, const uint8_t *sig, size_t siglen,
    struct tg_webauthn_assertion *out) __attribute__((warn_unused_result));

#endif
