/*
 * One-time passwords (AUTH-01): HOTP (RFC 4226), TOTP (RFC 6238), base32
 * (RFC 4648 section 6) and otpauth:// enrolment URIs (the Key Uri Format
 * that authenticator apps read from a QR code).
 *
 * Pure: no I/O, no clock (the caller passes the time), no allocation.  The
 * HMAC is OpenSSL's.  Keys, computed codes and URIs holding a secret are
 * secrets: callers keep them in memory they wipe.
 */
#ifndef TG_CORE_TOTP_H
#define TG_CORE_TOTP_H

#include <stddef.h>
#include <stdint.h>

/* What authenticator apps use, and what tg_totp_verify() checks. */
#define TG_TOTP_PERIOD		30	/* seconds per time step */
#define TG_TOTP_DIGITS		6
/* Largest window tg_totp_verify() accepts (steps either side of now). */
#define TG_TOTP_WINDOW_MAX	10

#define TG_OTP_DIGITS_MIN	6	/* RFC 4226 section 5.3 */
#define TG_OTP_DIGITS_MAX	8
#define TG_OTP_KEY_MAX		128	/* bytes; RFC 4226 asks for >= 16 */
/* A buffer for any code: TG_OTP_DIGITS_MAX digits and the NUL. */
#define TG_OTP_CODE_MAX		(TG_OTP_DIGITS_MAX + 1)

enum tg_otp_alg {
	TG_OTP_SHA1 = 0,	/* RFC 4226; the only one most apps support */
	TG_OTP_SHA256,		/* RFC 6238 */
	TG_OTP_SHA512,		/* RFC 6238 */
};

/*
 * HOTP value for counter: HMAC-alg(key, counter as 8 bytes big-endian),
 * dynamic truncation, modulo 10^digits, written as exactly `digits` ASCII
 * digits (leading zeros kept) and a NUL into out (outlen >= digits + 1).
 * key is borrowed (1..TG_OTP_KEY_MAX bytes).
 * Returns 0, TG_ERR_INVALID (alg, digits outside 6..8, key length),
 * TG_ERR_LIMIT (out too small) or TG_ERR_CRYPTO.  On error out holds no
 * digits.
 * CT: time depends on alg, keylen and digits only.
 */
int tg_hotp(enum tg_otp_alg alg, const uint8_t *key, size_t keylen,
    uint64_t counter, int digits, char *out, size_t outlen)
    __attribute__((warn_unused_result));

/*
 * The RFC 6238 time step: floor(now_ms / 1000 / period), T0 = 0.
 * Returns 0, or TG_ERR_INVALID if now_ms < 0 or period < 1 (*step = -1).
 */
int tg_totp_step(int64_t now_ms, int period, int64_t *step)
    __attribute__((warn_unused_result));

/*
 * TOTP value at now_ms: tg_hotp() of the step that contains now_ms.  Same
 * returns as tg_hotp(), and TG_ERR_INVALID for a negative time or period < 1.
 * CT: as tg_hotp().
 */
int tg_totp_code(enum tg_otp_alg alg, const uint8_t *key, size_t keylen,
    int64_t now_ms, int period, int digits, char *out, size_t outlen)
    __attribute__((warn_unused_result));

/*
 * Check a code typed by the user against key (HMAC-SHA-1, 30 s steps,
 * 6 digits).  Candidates are the steps now-window .. now+window (steps
 * below 0 are skipped); a step counts only if it is later than last_step,
 * the last step accepted for this key (pass -1 for none), so that each code
 * is accepted once.
 *
 * Returns 0 and sets *matched_step to the matching step (the latest one if
 * several match; store it as the new last_step); TG_ERR_REUSED if the code
 * matches only steps <= last_step; TG_ERR_AUTH if it matches none;
 * TG_ERR_INVALID if code is not exactly 6 ASCII digits followed by its NUL,
 * or key, window (0..TG_TOTP_WINDOW_MAX) or now_ms (>= 0) are out of range;
 * TG_ERR_CRYPTO if OpenSSL fails.  *matched_step is -1 unless 0 is
 * returned.  key and code are borrowed.
 *
 * CT: every candidate step is computed and compared in full whatever
 * matches; time depends on window, keylen and whether code is well formed,
 * not on which step (if any) matched.
 */
int tg_totp_verify(const uint8_t *key, size_t keylen, int64_t now_ms,
    int window, const char *code, int64_t last_step, int64_t *matched_step)
    __attribute__((warn_unused_result));

/*
 * Number of characters (without the NUL) of the unpadded base32 encoding
 * of len bytes: ceil(8 * len / 5).
 */
size_t tg_base32_encoded_len(size_t len);

/*
 * Base32 of in (len bytes): upper-case RFC 4648 alphabet, no '=' padding,
 * NUL-terminated in out (outlen >= tg_base32_encoded_len(len) + 1).
 * Returns 0 or TG_ERR_LIMIT (out too small; out is then emptied if
 * outlen > 0).
 * CT: time depends on len only (no table look-ups, no branches on data).
 */
int tg_base32_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
    __attribute__((warn_unused_result));

/* Upper bound of the bytes tg_base32_decode() writes for inlen characters. */
size_t tg_base32_decoded_max(size_t inlen);

/*
 * Decode inlen characters of base32 (NULs included are rejected, not
 * terminators) into out (cap bytes); *outlen receives the byte count.
 * Accepts upper and lower case, ignores spaces (' ') anywhere, and accepts
 * '=' padding at the end if it completes the last 8-character group.
 * Rejects any other character, data after '=', lengths that no encoder
 * produces (1, 3 or 6 characters past a multiple of 8) and non-zero unused
 * trailing bits, so that each byte string has one accepted spelling up to
 * case, spaces and padding.
 * Returns 0, TG_ERR_INVALID or TG_ERR_LIMIT (more than cap bytes); on
 * error *outlen is 0 and the bytes written to out are wiped.
 * CT: time depends on inlen and the positions of spaces and padding; an
 * invalid input also leaks where it is invalid.
 */
int tg_base32_decode(const char *in, size_t inlen, uint8_t *out, size_t cap,
    size_t *outlen) __attribute__((warn_unused_result));

/*
 * Enrolment URI for an authenticator app:
 *   otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER
 *   &algorithm=SHA1&digits=6&period=30
 * ISSUER and ACCOUNT are percent-encoded as UTF-8 (RFC 3986: every byte
 * except the unreserved A-Z a-z 0-9 - . _ ~ becomes %XX, so a ':' in
 * either cannot split the label).  issuer and account are non-empty,
 * NUL-terminated, well-formed UTF-8 without ASCII control characters
 * (borrowed); secret is 1..TG_OTP_KEY_MAX
 * bytes (borrowed).  out receives the NUL-terminated URI; it holds the
 * secret, so the caller wipes it.
 * Returns 0, TG_ERR_INVALID or TG_ERR_LIMIT (out too small; out is wiped).
 * CT: time depends on the lengths and on the issuer and account text, not
 * on the secret.
 */
int tg_totp_uri(const char *issuer, const char *account,
    const uint8_t *secret, size_t len, char *out, size_t outlen)
    __attribute__((warn_unused_result));

#endif
