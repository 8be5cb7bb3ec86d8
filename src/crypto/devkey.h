/*
 * Bound-device keys (AUTH-02): a customer's phone or computer registers a
 * public key once (revocable by deleting the factor); later logins count
 * it as a possession factor only if the device signs a fresh server
 * challenge with the matching private key.
 *
 * Keys: ECDSA P-256 (COSE alg -7) or Ed25519 (COSE alg -8), given as a
 * SubjectPublicKeyInfo in DER or PEM ("-----BEGIN PUBLIC KEY-----", as
 * `openssl pkey -pubout` writes it).  RSA, other curves, explicit curve
 * parameters, compressed points, and Ed25519 points that are
 * non-canonical or of small order are refused.  The stored form is the
 * canonical DER SPKI (91 bytes for P-256, 44 for Ed25519).
 *
 * App-developer contract — the message a device signs for a challenge:
 *
 *     "TGDEV1\n" || base64url(challenge) || "\n" || purpose || "\n"
 *
 * ASCII, no NUL; base64url per RFC 4648 section 5 without '=' padding;
 * purpose is the string the server names with the challenge (for example
 * "device.login"), 1..TG_DEVKEY_PURPOSE_MAX of [a-z0-9._-].  The signature
 * is, over exactly those bytes:
 *   P-256:   ECDSA with SHA-256, DER-encoded ECDSA-Sig-Value (strict DER;
 *            what `openssl dgst -sha256 -sign key.pem msg` outputs);
 *   Ed25519: the 64-byte pure Ed25519 signature (what
 *            `openssl pkeyutl -sign -rawin -inkey key.pem -in msg` outputs).
 * A device that signs anything else the server sends it, or the challenge
 * without this framing, is outside the contract: the prefix and the
 * purpose keep a login signature from being replayed for another use.
 *
 * Error codes: TG_ERR_INVALID (malformed or unsupported input, bad sizes),
 * TG_ERR_AUTH (signature does not verify), TG_ERR_NOMEM / TG_ERR_CRYPTO.
 */
#ifndef TG_CRYPTO_DEVKEY_H
#define TG_CRYPTO_DEVKEY_H

#include <stddef.h>
#include <stdint.h>

#define TG_DEVKEY_INPUT_MAX	4096	/* DER or PEM given to tg_devkey_parse */
#define TG_DEVKEY_SPKI_MAX	91	/* canonical P-256 SPKI */
#define TG_DEVKEY_SIG_MAX	72	/* DER ECDSA P-256 */
#define TG_DEVKEY_CHALLENGE_MIN	16
#define TG_DEVKEY_CHALLENGE_MAX	64
#define TG_DEVKEY_PURPOSE_MAX	31
/* Longest message incl. NUL: "TGDEV1\n" + 86 + "\n" + 31 + "\n" + NUL */
#define TG_DEVKEY_MSG_MAX	(7 + 86 + 1 + TG_DEVKEY_PURPOSE_MAX + 1 + 1)

#define TG_DEVKEY_ES256		(-7)
#define TG_DEVKEY_EDDSA		(-8)

/*
 * Parse a device public key (len bytes, borrowed; DER SPKI or one PEM
 * "PUBLIC KEY" block with nothing but white space around it).  On success
 * the canonical DER SPKI is written to spki_der (cap bytes; cap >=
 * TG_DEVKEY_SPKI_MAX always suffices), its length to *spki_len and the
 * COSE alg to *alg.  The DER must be exactly the canonical encoding.
 * 0, TG_ERR_INVALID or TG_ERR_NOMEM/TG_ERR_CRYPTO; the outputs are zeroed
 * on error.
 */
int tg_devkey_parse(const uint8_t *der_or_pem, size_t len, uint8_t *spki_der,
    size_t cap, size_t *spki_len, int *alg) __attribute__((warn_unused_result));

/*
 * Verify sig over msg (msglen bytes) with a canonical SPKI as returned by
 * tg_devkey_parse.  0, TG_ERR_AUTH (bad signature), TG_ERR_INVALID (the
 * key is not a canonical supported SPKI).  All pointers borrowed.
 * CT: OpenSSL's verification; nothing secret is involved.
 */
int tg_devkey_verify(const uint8_t *spki_der, size_t len, const void *msg,
    size_t msglen, const uint8_t *sig, size_t siglen)
    __attribute__((warn_unused_result));

/*
 * Build the message of the contract above into out (cap bytes, NUL
 * terminated; TG_DEVKEY_MSG_MAX always suffices); *outlen is its length
 * without the NUL, the exact bytes the device signs.  challenge: chlen
 * TG_DEVKEY_CHALLENGE_MIN..MAX bytes.  0 or TG_ERR_INVALID (bad
 * challenge length, purpose outside [a-z0-9._-] or too long, cap too
 * small); out is emptied on error.
 */
int tg_devkey_challenge_msg(const uint8_t *challenge, size_t chlen,
    const char *purpose, char *out, size_t cap, size_t *outlen)
    __attribute__((warn_unused_result));

#endif
