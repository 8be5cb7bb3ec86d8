/*
 * Hex and base64url (no padding) over libsodium's constant-time codecs,
 * with the strict checks libsodium leaves to the caller: the whole input
 * must be consumed and must decode to the expected length.
 */
#include "crypto/encode.h"

#include <jansson.h>

#include <sodium.h>

#include <tradeguard/error.h>

#define B64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* CT: time depends on len only. */
void
tg_hex_encode(const uint8_t *in, size_t len, char *out)
{
	sodium_bin2hex(out, 2 * len + 1, in, len);
}

/* CT: time depends on inlen only (libsodium's decoder is branch-free per digit). */
int
tg_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t outlen)
{
	const char *end = NULL;
	size_t binlen = 0;

	if (outlen > SIZE_MAX / 2 || inlen != 2 * outlen)
		return TG_ERR_INVALID;
	if (inlen == 0)
		return 0;
	if (sodium_hex2bin(out, outlen, in, inlen, NULL, &binlen, &end) != 0 ||
	    binlen != outlen || end != in + inlen) {
		sodium_memzero(out, outlen);
		return TG_ERR_INVALID;
	}
	return 0;
}

/* Bytes needed for the encoding of len bytes, including the NUL. */
size_t
tg_b64url_len(size_t len)
{
	return sodium_base64_ENCODED_LEN(len, B64_VARIANT);
}

void
tg_b64url_encode(const uint8_t *in, size_t len, char *out)
{
	sodium_bin2base64(out, tg_b64url_len(len), in, len, B64_VARIANT);
}

/*
 * Rejects characters outside the URL-safe alphabet (including '=' and
 * white space), lengths that are 1 mod 4, non-zero unused trailing bits
 * and output larger than cap.
 */
int
tg_b64url_decode(const char *in, size_t inlen, uint8_t *out, size_t cap,
    size_t *outlen)
{
	const char *end = NULL;
	size_t binlen = 0;

	*outlen = 0;
	if (inlen == 0)
		return 0;
	if (sodium_base642bin(out, cap, in, inlen, NULL, &binlen, &end,
	    B64_VARIANT) != 0 || end != in + inlen) {
		if (cap > 0)
			sodium_memzero(out, cap);
		return TG_ERR_INVALID;
	}
	*outlen = binlen;
	return 0;
}

json_t *
tg_b64url_json(const uint8_t *p, size_t n)
{
	char buf[2048];

	if (tg_b64url_len(n) > sizeof(buf))
		return NULL;
	tg_b64url_encode(p, n, buf);
	return json_string(buf);
}
