/*
 * HOTP/TOTP (RFC 4226, RFC 6238), base32 (RFC 4648) and otpauth:// URIs.
 *
 * Everything that touches a key or a code avoids branches and table
 * look-ups on secret data: the truncation offset selects its four bytes by
 * scanning all sixteen candidates, decimal digits come from a multiply by
 * the reciprocal of 10 (no division instruction), base32 maps values to
 * characters arithmetically, and tg_totp_verify() computes and compares
 * every candidate step before it looks at the result.
 */
#include "core/totp.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <tradeguard/error.h>

#include "core/util.h"

#define DECIMAL_MAX	10	/* digits of a 31-bit value */

/* 0xffffffff if a == b, else 0.  CT. */
static uint32_t
ct_eq_mask(uint32_t a, uint32_t b)
{
	uint32_t x = a ^ b;

	/* (x - 1) & ~x has its top bit set only when x == 0. */
	return 0u - (((x - 1u) & ~x) >> 31);
}

/* v / 10 for any 32-bit v, without a division instruction.  CT. */
static uint32_t
ct_div10(uint32_t v)
{
	return (uint32_t)(((uint64_t)v * UINT64_C(0xCCCCCCCD)) >> 35);
}

/*
 * The last `digits` decimal digits of v (v < 2^31), leading zeros kept, and
 * a NUL: that is v mod 10^digits written out.  CT: depends on digits only.
 */
static void
otp_decimal(uint32_t v, int digits, char *out)
{
	char d[DECIMAL_MAX];
	uint32_t q;
	int i;

	for (i = DECIMAL_MAX - 1; i >= 0; i--) {
		q = ct_div10(v);
		d[i] = (char)('0' + (v - 10u * q));
		v = q;
	}
	memcpy(out, d + DECIMAL_MAX - digits, (size_t)digits);
	out[digits] = '\0';
	OPENSSL_cleanse(d, sizeof(d));
}

static const EVP_MD *
otp_md(enum tg_otp_alg alg)
{
	switch (alg) {
	case TG_OTP_SHA1:
		return EVP_sha1();
	case TG_OTP_SHA256:
		return EVP_sha256();
	case TG_OTP_SHA512:
		return EVP_sha512();
	}
	return NULL;
}

/*
 * RFC 4226 section 5.3 dynamic truncation of an HMAC of mdlen (>= 20)
 * bytes: the 31-bit big-endian word at offset (last byte & 0xf).  All
 * sixteen offsets are read and masked, so the secret offset picks no
 * memory address.
 */
static uint32_t
otp_truncate(const uint8_t *mac, size_t mdlen)
{
	uint32_t off = mac[mdlen - 1] & 0x0fu, word, bin = 0;
	uint32_t i;

	for (i = 0; i < 16; i++) {
		word = (uint32_t)mac[i] << 24 | (uint32_t)mac[i + 1] << 16 |
		    (uint32_t)mac[i + 2] << 8 | (uint32_t)mac[i + 3];
		bin |= word & ct_eq_mask(i, off);
	}
	return bin & 0x7fffffffu;
}

/* The HOTP value as digits; out has room for digits + 1.  No argument checks. */
static int
otp_compute(const EVP_MD *md, const uint8_t *key, size_t keylen,
    uint64_t counter, int digits, char *out)
{
	uint8_t msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	uint32_t bin;
	int i, r;

	for (i = 7; i >= 0; i--) {
		msg[i] = (uint8_t)(counter & 0xff);
		counter >>= 8;
	}
	if (HMAC(md, key, (int)keylen, msg, sizeof(msg), mac,
	    &maclen) == NULL || maclen < 20) {
		ERR_clear_error();
		r = TG_ERR_CRYPTO;
		goto out;
	}
	bin = otp_truncate(mac, maclen);
	otp_decimal(bin, digits, out);
	r = 0;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}

int
tg_hotp(enum tg_otp_alg alg, const uint8_t *key, size_t keylen,
    uint64_t counter, int digits, char *out, size_t outlen)
{
	const EVP_MD *md;
	int r;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if ((md = otp_md(alg)) == NULL || key == NULL || keylen == 0 ||
	    keylen > TG_OTP_KEY_MAX || digits < TG_OTP_DIGITS_MIN ||
	    digits > TG_OTP_DIGITS_MAX || out == NULL)
		return TG_ERR_INVALID;
	if (outlen < (size_t)digits + 1)
		return TG_ERR_LIMIT;
	if ((r = otp_compute(md, key, keylen, counter, digits, out)) != 0)
		out[0] = '\0';
	return r;
}

int
tg_totp_step(int64_t now_ms, int period, int64_t *step)
{
	*step = -1;
	if (now_ms < 0 || period < 1)
		return TG_ERR_INVALID;
	*step = now_ms / ((int64_t)period * 1000);
	return 0;
}

int
tg_totp_code(enum tg_otp_alg alg, const uint8_t *key, size_t keylen,
    int64_t now_ms, int period, int digits, char *out, size_t outlen)
{
	int64_t step;
	int r;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if ((r = tg_totp_step(now_ms, period, &step)) != 0)
		return r;
	return tg_hotp(alg, key, keylen, (uint64_t)step, digits, out, outlen);
}

/* 1 if code is exactly TG_TOTP_DIGITS ASCII digits and its NUL. */
static int
totp_code_wellformed(const char *code)
{
	int i;

	for (i = 0; i < TG_TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;	/* also stops at an early NUL */
	return code[TG_TOTP_DIGITS] == '\0';
}

/*
 * CT: all 2 * window + 1 steps are computed and compared; the selection of
 * the result uses masks only.  Whether a step is below 0 or not later than
 * last_step is public (both are known to the caller and stored in clear).
 */
int
tg_totp_verify(const uint8_t *key, size_t keylen, int64_t now_ms,
    int window, const char *code, int64_t last_step, int64_t *matched_step)
{
	char cand[TG_OTP_CODE_MAX];
	int64_t now_step, s;
	uint64_t best = 0, take64;
	uint32_t any = 0, fresh = 0, diff, eq, later;
	int i, r;

	*matched_step = -1;
	if (key == NULL || keylen == 0 || keylen > TG_OTP_KEY_MAX ||
	    window < 0 || window > TG_TOTP_WINDOW_MAX || code == NULL)
		return TG_ERR_INVALID;
	if ((r = tg_totp_step(now_ms, TG_TOTP_PERIOD, &now_step)) != 0)
		return r;
	if (!totp_code_wellformed(code))
		return TG_ERR_INVALID;
	for (s = now_step - window; s <= now_step + window; s++) {
		if (s < 0)
			continue;
		if ((r = otp_compute(EVP_sha1(), key, keylen, (uint64_t)s,
		    TG_TOTP_DIGITS, cand)) != 0)
			goto out;
		diff = 0;
		for (i = 0; i < TG_TOTP_DIGITS; i++)
			diff |= (uint32_t)(uint8_t)(cand[i] ^ code[i]);
		eq = 1u & ((diff - 1u) >> 8);	/* diff <= 0xff */
		later = s > last_step;
		any |= eq;
		fresh |= eq & later;
		/* steps rise, so the last one taken is the latest match */
		take64 = 0 - (uint64_t)(eq & later);
		best = (best & ~take64) | ((uint64_t)s & take64);
	}
	if (fresh) {
		*matched_step = (int64_t)best;
		r = 0;
	} else
		r = any ? TG_ERR_REUSED : TG_ERR_AUTH;
out:
	OPENSSL_cleanse(cand, sizeof(cand));
	return r;
}

/* --- base32 (RFC 4648 section 6) --- */

/* Value 0..31 to 'A'..'Z', '2'..'7' without a table.  CT. */
static char
b32_char(uint32_t v)
{
	/* all ones when v > 25 */
	uint32_t hi = 0u - ((25u - v) >> 31);

	return (char)('A' + v - (hi & ('A' + 26 - '2')));
}

/* 0xffffffff if lo <= c <= hi, else 0 (c, lo, hi < 256).  CT. */
static uint32_t
ct_range_mask(uint32_t c, uint32_t lo, uint32_t hi)
{
	return 0u - (((lo - 1u - c) & (c - hi - 1u)) >> 31);
}

/* Character to value; *valid 0 or 1.  CT. */
static uint32_t
b32_value(unsigned char ch, uint32_t *valid)
{
	uint32_t c = ch, up, lo, dg;

	up = ct_range_mask(c, 'A', 'Z');
	lo = ct_range_mask(c, 'a', 'z');
	dg = ct_range_mask(c, '2', '7');
	*valid = (up | lo | dg) & 1u;
	return ((c - 'A') & up) | ((c - 'a') & lo) | ((c - '2' + 26) & dg);
}

size_t
tg_base32_encoded_len(size_t len)
{
	return len / 5 * 8 + (len % 5 * 8 + 4) / 5;
}

/* CT: time depends on len only. */
int
tg_base32_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	uint32_t acc = 0;
	size_t i, o = 0;
	int bits = 0;

	if (outlen > 0)
		out[0] = '\0';
	if (len > SIZE_MAX / 2 || outlen < tg_base32_encoded_len(len) + 1)
		return TG_ERR_LIMIT;
	for (i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32_char((acc >> bits) & 31u);
		}
	}
	if (bits > 0)
		out[o++] = b32_char((acc << (5 - bits)) & 31u);
	out[o] = '\0';
	return 0;
}

size_t
tg_base32_decoded_max(size_t inlen)
{
	return inlen / 8 * 5 + inlen % 8 * 5 / 8;
}

int
tg_base32_decode(const char *in, size_t inlen, uint8_t *out, size_t cap,
    size_t *outlen)
{
	uint32_t acc = 0, v, valid;
	size_t i, o = 0, ndata = 0, npad = 0;
	int bits = 0, r;

	*outlen = 0;
	if (in == NULL && inlen > 0)
		return TG_ERR_INVALID;
	for (i = 0; i < inlen; i++) {
		if (in[i] == ' ')
			continue;
		if (in[i] == '=') {
			npad++;
			continue;
		}
		v = b32_value((unsigned char)in[i], &valid);
		if (!valid || npad > 0) {
			r = TG_ERR_INVALID;
			goto out;
		}
		ndata++;
		acc = (acc << 5) | v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap) {
				r = TG_ERR_LIMIT;
				goto out;
			}
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	switch (ndata % 8) {
	case 1:
	case 3:
	case 6:
		r = TG_ERR_INVALID;	/* no encoder ends a group like this */
		goto out;
	default:
		break;
	}
	if ((acc & ((1u << bits) - 1u)) != 0 ||
	    (npad > 0 && (npad >= 8 || (ndata + npad) % 8 != 0))) {
		r = TG_ERR_INVALID;
		goto out;
	}
	*outlen = o;
	o = 0;
	r = 0;
out:
	if (o > 0)
		OPENSSL_cleanse(out, o);
	return r;
}

/* --- otpauth:// URI --- */

struct uri_buf {
	char *p;
	size_t cap;
	size_t len;
	int full;
};

static void
uri_add(struct uri_buf *b, const char *s, size_t n)
{
	if (b->full || n >= b->cap - b->len) {
		b->full = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
uri_add_str(struct uri_buf *b, const char *s)
{
	uri_add(b, s, strlen(s));
}

/* RFC 3986 unreserved characters stay; every other byte becomes %XX. */
static void
uri_add_pct(struct uri_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	char enc[3];

	for (; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~') {
			uri_add(b, (const char *)p, 1);
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[*p >> 4];
		enc[2] = hex[*p & 0x0f];
		uri_add(b, enc, 3);
	}
}

/* Non-empty, well-formed UTF-8 without control characters. */
static int
uri_text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s), n;

	if (left == 0)
		return 0;
	while (left > 0) {
		if (*p < 0x20 || *p == 0x7f || (n = tg_utf8_seq(p, left)) == 0)
			return 0;
		p += n;
		left -= n;
	}
	return 1;
}

/* CT: the secret goes through tg_base32_encode() only. */
int
tg_totp_uri(const char *issuer, const char *account, const uint8_t *secret,
    size_t len, char *out, size_t outlen)
{
	struct uri_buf b = { out, outlen, 0, 0 };

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (issuer == NULL || account == NULL || secret == NULL || len == 0 ||
	    len > TG_OTP_KEY_MAX || out == NULL || !uri_text_ok(issuer) ||
	    !uri_text_ok(account))
		return TG_ERR_INVALID;
	if (outlen == 0)
		return TG_ERR_LIMIT;
	uri_add_str(&b, "otpauth://totp/");
	uri_add_pct(&b, issuer);
	uri_add_str(&b, ":");
	uri_add_pct(&b, account);
	uri_add_str(&b, "?secret=");
	if (!b.full) {
		if (tg_base32_encode(secret, len, b.p + b.len,
		    b.cap - b.len) != 0)
			b.full = 1;
		else
			b.len += tg_base32_encoded_len(len);
	}
	uri_add_str(&b, "&issuer=");
	uri_add_pct(&b, issuer);
	uri_add_str(&b, "&algorithm=SHA1&digits=6&period=30");
	if (b.full) {
		OPENSSL_cleanse(out, outlen);
		out[0] = '\0';
		return TG_ERR_LIMIT;
	}
	return 0;
}
