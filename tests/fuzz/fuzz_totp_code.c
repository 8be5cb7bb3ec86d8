/*
 * Fuzz tg_totp_verify() with arbitrary code strings (what a client types
 * into the second-factor form), time, window and last step.  Input: byte 0
 * window (0..TG_TOTP_WINDOW_MAX + 1, the last one invalid), bytes 1..4 a
 * time offset in seconds, byte 5 last_step relative to now, then the code
 * (copied and NUL-terminated; an embedded NUL ends it early).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tradeguard/error.h>

#include "core/totp.h"

#define HDR	6
#define T0_MS	INT64_C(1767225600000)	/* 2026-01-01T00:00:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[20] = "12345678901234567890";

static int
wellformed(const char *code)
{
	size_t i;

	for (i = 0; i < TG_TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	return code[TG_TOTP_DIGITS] == '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *code, cand[TG_OTP_CODE_MAX];
	int64_t now, now_step, last, m = 0, s;
	int window, r, seen_fresh = 0, seen_old = 0;
	uint32_t off;

	if (size < HDR)
		return 0;
	window = data[0] % (TG_TOTP_WINDOW_MAX + 2);
	off = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 |
	    (uint32_t)data[3] << 8 | data[4];
	/* reach the epoch too, where steps below 0 are skipped */
	now = (data[1] & 0x80) ? (int64_t)(off & 0xffff) * 1000 :
	    T0_MS + (int64_t)off * 1000;
	now_step = now / (TG_TOTP_PERIOD * 1000);
	last = now_step + (int64_t)(int8_t)data[5];
	/* exact-size copy so that ASan catches any read past the NUL */
	if ((code = malloc(size - HDR + 1)) == NULL)
		abort();
	memcpy(code, data + HDR, size - HDR);
	code[size - HDR] = '\0';

	r = tg_totp_verify(key, sizeof(key), now, window, code, last, &m);
	if (r != 0 && m != -1)
		__builtin_trap();
	if (window > TG_TOTP_WINDOW_MAX || !wellformed(code)) {
		if (r != TG_ERR_INVALID)
			__builtin_trap();
		goto out;
	}
	/* the reference: which steps of the window carry this code */
	for (s = now_step - window; s <= now_step + window; s++) {
		if (s < 0)
			continue;
		if (tg_hotp(TG_OTP_SHA1, key, sizeof(key), (uint64_t)s,
		    TG_TOTP_DIGITS, cand, sizeof(cand)) != 0)
			__builtin_trap();
		if (strcmp(cand, code) != 0)
			continue;
		if (s > last)
			seen_fresh = 1;
		else
			seen_old = 1;
		if (s > last && r == 0 && m < s)
			__builtin_trap();	/* not the latest fresh match */
	}
	switch (r) {
	case 0:
		if (!seen_fresh || m <= last || m < now_step - window ||
		    m > now_step + window ||
		    tg_hotp(TG_OTP_SHA1, key, sizeof(key), (uint64_t)m,
		    TG_TOTP_DIGITS, cand, sizeof(cand)) != 0 ||
		    strcmp(cand, code) != 0)
			__builtin_trap();
		break;
	case TG_ERR_REUSED:
		if (seen_fresh || !seen_old)
			__builtin_trap();
		break;
	case TG_ERR_AUTH:
		if (seen_fresh || seen_old)
			__builtin_trap();
		break;
	default:
		__builtin_trap();
	}
out:
	free(code);
	return 0;
}
