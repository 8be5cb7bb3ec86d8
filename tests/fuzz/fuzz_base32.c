/*
 * Fuzz the base32 decoder (secrets pasted or scanned by users): it never
 * writes past the buffer it is given, and what it accepts re-encodes to the
 * same text up to case, spaces and padding.  Also checks that arbitrary
 * bytes survive encode then decode.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tradeguard/error.h>

#include "core/totp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* malloc(n) for n >= 0 so that ASan sees the exact bounds. */
static void *
xmalloc(size_t n)
{
	void *p = malloc(n > 0 ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

/* in without spaces and '=', upper-cased: the one spelling encode gives. */
static size_t
canonical(const uint8_t *in, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (in[i] == ' ' || in[i] == '=')
			continue;
		out[o++] = (char)(in[i] >= 'a' && in[i] <= 'z' ?
		    in[i] - 'a' + 'A' : in[i]);
	}
	out[o] = '\0';
	return o;
}

static void
check_decode(const uint8_t *data, size_t size)
{
	size_t cap = tg_base32_decoded_max(size), n = 1, n2 = 1, elen;
	uint8_t *dec = xmalloc(cap), *dec2;
	char *enc, *canon;
	int r;

	r = tg_base32_decode((const char *)data, size, dec, cap, &n);
	if (r == TG_ERR_LIMIT)
		__builtin_trap();	/* decoded_max was not enough */
	if (r != 0) {
		if (r != TG_ERR_INVALID || n != 0)
			__builtin_trap();
		free(dec);
		return;
	}
	if (n > cap)
		__builtin_trap();
	canon = xmalloc(size + 1);
	elen = canonical(data, size, canon);
	enc = xmalloc(tg_base32_encoded_len(n) + 1);
	if (tg_base32_encode(dec, n, enc, tg_base32_encoded_len(n) + 1) != 0 ||
	    strlen(enc) != elen || memcmp(enc, canon, elen) != 0)
		__builtin_trap();
	/* one byte less room is refused, not overrun */
	if (n > 0) {
		dec2 = xmalloc(n - 1);
		if (tg_base32_decode((const char *)data, size, dec2, n - 1,
		    &n2) != TG_ERR_LIMIT || n2 != 0)
			__builtin_trap();
		free(dec2);
	}
	free(enc);
	free(canon);
	free(dec);
}

static void
check_round_trip(const uint8_t *data, size_t size)
{
	size_t elen = tg_base32_encoded_len(size), n = 0;
	char *enc = xmalloc(elen + 1);
	uint8_t *dec = xmalloc(size);

	if (tg_base32_encode(data, size, enc, elen + 1) != 0 ||
	    strlen(enc) != elen ||
	    tg_base32_decode(enc, elen, dec, size, &n) != 0 || n != size ||
	    (size > 0 && memcmp(dec, data, size) != 0))
		__builtin_trap();
	free(dec);
	free(enc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_decode(data, size);
	check_round_trip(data, size);
	return 0;
}
