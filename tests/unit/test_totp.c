/*
 * HOTP/TOTP: RFC 4226 and RFC 6238 vectors, window and replay rules, code
 * format, oathtool cross-check; base32 round trips and rejects; otpauth URI.
 */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include <tradeguard/error.h>

#include "core/totp.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t seed20[] = "12345678901234567890";
static const uint8_t seed32[] = "12345678901234567890123456789012";
static const uint8_t seed64[] =
    "1234567890123456789012345678901234567890123456789012345678901234";

/* RFC 6238 Appendix B. */
static void
test_rfc6238_vectors(void **state)
{
	static const struct {
		int64_t t;
		const char *sha1, *sha256, *sha512;
	} v[] = {
		{ 59, "94287082", "46119246", "90693936" },
		{ 1111111109, "07081804", "68084774", "25091201" },
		{ 1111111111, "14050471", "67062674", "99943326" },
		{ 1234567890, "89005924", "91819424", "93441116" },
		{ 2000000000, "69279037", "90698825", "38618901" },
		{ INT64_C(20000000000), "65353130", "77737706", "47863826" },
	};
	char out[TG_OTP_CODE_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(v); i++) {
		assert_int_equal(tg_totp_code(TG_OTP_SHA1, seed20, 20,
		    v[i].t * 1000, 30, 8, out, sizeof(out)), 0);
		assert_string_equal(out, v[i].sha1);
		assert_int_equal(tg_totp_code(TG_OTP_SHA256, seed32, 32,
		    v[i].t * 1000 + 999, 30, 8, out, sizeof(out)), 0);
		assert_string_equal(out, v[i].sha256);
		assert_int_equal(tg_totp_code(TG_OTP_SHA512, seed64, 64,
		    v[i].t * 1000, 30, 8, out, sizeof(out)), 0);
		assert_string_equal(out, v[i].sha512);
		/* 6 digits are the last 6 of the 8 */
		assert_int_equal(tg_totp_code(TG_OTP_SHA1, seed20, 20,
		    v[i].t * 1000, 30, 6, out, sizeof(out)), 0);
		assert_string_equal(out, v[i].sha1 + 2);
	}
}

/* RFC 4226 Appendix D. */
static void
test_rfc4226_vectors(void **state)
{
	static const char *hotp[] = { "755224", "287082", "359152", "969429",
	    "338314", "254676", "287922", "162583", "399871", "520489" };
	char out[TG_OTP_CODE_MAX];
	uint64_t c;

	(void)state;
	for (c = 0; c < NELEM(hotp); c++) {
		assert_int_equal(tg_hotp(TG_OTP_SHA1, seed20, 20, c, 6, out,
		    sizeof(out)), 0);
		assert_string_equal(out, hotp[c]);
	}
	/* 7 digits: truncated value 0x4c93cf18 = 1284755224 */
	assert_int_equal(tg_hotp(TG_OTP_SHA1, seed20, 20, 0, 7, out, 8), 0);
	assert_string_equal(out, "4755224");
}

static void
test_hotp_arguments(void **state)
{
	char out[TG_OTP_CODE_MAX];
	int64_t step;

	(void)state;
	assert_int_equal(tg_hotp(TG_OTP_SHA1, seed20, 20, 0, 5, out,
	    sizeof(out)), TG_ERR_INVALID);
	assert_int_equal(tg_hotp(TG_OTP_SHA1, seed20, 20, 0, 9, out,
	    sizeof(out)), TG_ERR_INVALID);
	assert_int_equal(tg_hotp((enum tg_otp_alg)7, seed20, 20, 0, 6, out,
	    sizeof(out)), TG_ERR_INVALID);
	assert_int_equal(tg_hotp(TG_OTP_SHA1, NULL, 20, 0, 6, out,
	    sizeof(out)), TG_ERR_INVALID);
	assert_int_equal(tg_hotp(TG_OTP_SHA1, seed20, 0, 0, 6, out,
	    sizeof(out)), TG_ERR_INVALID);
	assert_int_equal(tg_hotp(TG_OTP_SHA1, seed20, TG_OTP_KEY_MAX + 1, 0, 6,
	    out, sizeof(out)), TG_ERR_INVALID);
	assert_int_equal(tg_hotp(TG_OTP_SHA1, seed20, 20, 0, 6, out, 6),
	    TG_ERR_LIMIT);
	assert_int_equal(out[0], '\0');
	assert_int_equal(tg_hotp(TG_OTP_SHA1, seed20, 20, 0, 6, out, 7), 0);
	assert_int_equal(tg_totp_code(TG_OTP_SHA1, seed20, 20, -1, 30, 6, out,
	    sizeof(out)), TG_ERR_INVALID);
	assert_int_equal(tg_totp_code(TG_OTP_SHA1, seed20, 20, 0, 0, 6, out,
	    sizeof(out)), TG_ERR_INVALID);
	assert_int_equal(tg_totp_step(59999, 30, &step), 0);
	assert_int_equal(step, 1);
	assert_int_equal(tg_totp_step(60000, 30, &step), 0);
	assert_int_equal(step, 2);
	assert_int_equal(tg_totp_step(-1, 30, &step), TG_ERR_INVALID);
	assert_int_equal(step, -1);
}

/* The 6-digit SHA-1 code of a step. */
static void
code_at(int64_t step, char out[TG_OTP_CODE_MAX])
{
	assert_true(step >= 0);
	assert_int_equal(tg_hotp(TG_OTP_SHA1, seed20, 20, (uint64_t)step, 6,
	    out, TG_OTP_CODE_MAX), 0);
}

static void
test_verify_window(void **state)
{
	const int64_t now = TGT_T0 + 12345;	/* mid-step */
	const int64_t s0 = now / 30000;
	char code[TG_OTP_CODE_MAX];
	int64_t m, d;
	int w;

	(void)state;
	for (d = -1; d <= 1; d++) {
		code_at(s0 + d, code);
		m = 0;
		assert_int_equal(tg_totp_verify(seed20, 20, now, 1, code, -1,
		    &m), 0);
		assert_int_equal(m, s0 + d);
	}
	for (d = -2; d <= 2; d += 4) {
		code_at(s0 + d, code);
		m = 0;
		assert_int_equal(tg_totp_verify(seed20, 20, now, 1, code, -1,
		    &m), TG_ERR_AUTH);
		assert_int_equal(m, -1);
		assert_int_equal(tg_totp_verify(seed20, 20, now, 2, code, -1,
		    &m), 0);
		assert_int_equal(m, s0 + d);
	}
	/* window 0: only the current step */
	code_at(s0, code);
	assert_int_equal(tg_totp_verify(seed20, 20, now, 0, code, -1, &m), 0);
	code_at(s0 + 1, code);
	assert_int_equal(tg_totp_verify(seed20, 20, now, 0, code, -1, &m),
	    TG_ERR_AUTH);
	/* the step boundary: the last and first millisecond of a step */
	code_at(s0, code);
	assert_int_equal(tg_totp_verify(seed20, 20, s0 * 30000, 0, code, -1,
	    &m), 0);
	assert_int_equal(tg_totp_verify(seed20, 20, s0 * 30000 + 29999, 0, code,
	    -1, &m), 0);
	assert_int_equal(tg_totp_verify(seed20, 20, s0 * 30000 - 1, 0, code,
	    -1, &m), TG_ERR_AUTH);
	/* near the epoch, steps below 0 are skipped */
	code_at(0, code);
	assert_int_equal(tg_totp_verify(seed20, 20, 1000, 2, code, -1, &m), 0);
	assert_int_equal(m, 0);
	/* every window size accepts its edges */
	for (w = 0; w <= TG_TOTP_WINDOW_MAX; w++) {
		code_at(s0 - w, code);
		assert_int_equal(tg_totp_verify(seed20, 20, now, w, code, -1,
		    &m), 0);
		code_at(s0 + w, code);
		assert_int_equal(tg_totp_verify(seed20, 20, now, w, code, -1,
		    &m), 0);
	}
}

static void
test_verify_replay(void **state)
{
	const int64_t now = TGT_T0 + 45000;
	const int64_t s0 = now / 30000;
	char code[TG_OTP_CODE_MAX];
	int64_t m = 0, last;

	(void)state;
	code_at(s0, code);
	assert_int_equal(tg_totp_verify(seed20, 20, now, 1, code, -1, &m), 0);
	last = m;
	/* the same code again, in the same step or the next */
	assert_int_equal(tg_totp_verify(seed20, 20, now, 1, code, last, &m),
	    TG_ERR_REUSED);
	assert_int_equal(m, -1);
	assert_int_equal(tg_totp_verify(seed20, 20, now + 30000, 1, code, last,
	    &m), TG_ERR_REUSED);
	/* an older code once a later one was used */
	code_at(s0 - 1, code);
	assert_int_equal(tg_totp_verify(seed20, 20, now, 1, code, last, &m),
	    TG_ERR_REUSED);
	/* the next step's code is fresh */
	code_at(s0 + 1, code);
	assert_int_equal(tg_totp_verify(seed20, 20, now, 1, code, last, &m), 0);
	assert_int_equal(m, s0 + 1);
	last = m;
	/* after that the current step's code counts as used */
	code_at(s0, code);
	assert_int_equal(tg_totp_verify(seed20, 20, now, 1, code, last, &m),
	    TG_ERR_REUSED);
}

static void
test_verify_rejects(void **state)
{
	static const char *bad[] = { "", "12345", "1234567", "12345a",
	    "a23456", "12 456", " 23456", "123456 ", "+12345", "-12345",
	    "12345\n", "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94",
	    "123\x00" "56", "0x1234", "12345678" };
	const int64_t now = TGT_T0;
	const int64_t s0 = now / 30000;
	char code[TG_OTP_CODE_MAX], win[3][TG_OTP_CODE_MAX];
	int64_t m;
	unsigned v;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		m = 0;
		assert_int_equal(tg_totp_verify(seed20, 20, now, 1, bad[i], -1,
		    &m), TG_ERR_INVALID);
		assert_int_equal(m, -1);
	}
	code_at(s0, code);
	assert_int_equal(tg_totp_verify(seed20, 20, now, 1, NULL, -1, &m),
	    TG_ERR_INVALID);
	assert_int_equal(tg_totp_verify(NULL, 20, now, 1, code, -1, &m),
	    TG_ERR_INVALID);
	assert_int_equal(tg_totp_verify(seed20, 0, now, 1, code, -1, &m),
	    TG_ERR_INVALID);
	assert_int_equal(tg_totp_verify(seed20, 20, now, -1, code, -1, &m),
	    TG_ERR_INVALID);
	assert_int_equal(tg_totp_verify(seed20, 20, now, TG_TOTP_WINDOW_MAX + 1,
	    code, -1, &m), TG_ERR_INVALID);
	assert_int_equal(tg_totp_verify(seed20, 20, -1, 1, code, -1, &m),
	    TG_ERR_INVALID);

	/* a wrong code: each digit changed in turn, and codes nearby */
	code_at(s0 - 1, win[0]);
	code_at(s0, win[1]);
	code_at(s0 + 1, win[2]);
	for (i = 0; i < 6; i++) {
		memcpy(code, win[1], sizeof(code));
		code[i] = (char)('0' + (code[i] - '0' + 1) % 10);
		if (strcmp(code, win[0]) == 0 || strcmp(code, win[2]) == 0)
			continue;
		assert_int_equal(tg_totp_verify(seed20, 20, now, 1, code, -1,
		    &m), TG_ERR_AUTH);
		assert_int_equal(m, -1);
	}
	for (v = 0; v < 1000; v += 37) {
		snprintf(code, sizeof(code), "%06u", v * 997u);
		if (strcmp(code, win[0]) == 0 || strcmp(code, win[1]) == 0 ||
		    strcmp(code, win[2]) == 0)
			continue;
		assert_int_equal(tg_totp_verify(seed20, 20, now, 1, code, -1,
		    &m), TG_ERR_AUTH);
	}
	/* another key's code */
	assert_int_equal(tg_hotp(TG_OTP_SHA1, seed32, 32, (uint64_t)s0, 6, code,
	    sizeof(code)), 0);
	if (strcmp(code, win[0]) != 0 && strcmp(code, win[1]) != 0 &&
	    strcmp(code, win[2]) != 0)
		assert_int_equal(tg_totp_verify(seed20, 20, now, 1, code, -1,
		    &m), TG_ERR_AUTH);
}

/* Run cmd, read its first line into buf (newline stripped); exit status. */
static int
run_line(const char *cmd, char *buf, size_t len)
{
	FILE *p = popen(cmd, "r");
	int st;

	assert_non_null(p);
	if (fgets(buf, (int)len, p) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	st = pclose(p);
	return st;
}

static void
utc_string(int64_t secs, char *buf, size_t len)
{
	time_t t = (time_t)secs;
	struct tm tm;

	assert_non_null(gmtime_r(&t, &tm));
	assert_true(strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) > 0);
}

/* An independent implementation (oathtool) agrees on random secrets. */
static void
test_oathtool_cross_check(void **state)
{
	static const size_t keylens[] = { 10, 16, 20, 26, 32, 64 };
	static const struct {
		enum tg_otp_alg alg;
		const char *mode;
		int digits;
	} modes[] = {
		{ TG_OTP_SHA1, "SHA1", 6 },
		{ TG_OTP_SHA1, "SHA1", 8 },
		{ TG_OTP_SHA256, "SHA256", 8 },
		{ TG_OTP_SHA512, "SHA512", 7 },
	};
	static const int64_t offsets[] = { 30, 0, 29, 86400 * 365 + 17,
	    -86400 * 3650 + 1 };
	uint8_t key[64];
	char b32[128], hex[129], cmd[512], when[64], theirs[64];
	char ours[TG_OTP_CODE_MAX];
	size_t i, j, m, t;
	int64_t secs;

	(void)state;
	if (system("oathtool --version >/dev/null 2>&1") != 0)
		skip();
	for (i = 0; i < NELEM(keylens); i++) {
		assert_int_equal(RAND_bytes(key, (int)keylens[i]), 1);
		assert_int_equal(tg_base32_encode(key, keylens[i], b32,
		    sizeof(b32)), 0);
		for (j = 0; j < keylens[i]; j++)
			snprintf(hex + 2 * j, 3, "%02x", key[j]);
		for (m = 0; m < NELEM(modes); m++) {
			for (t = 0; t < NELEM(offsets); t++) {
				secs = TGT_T0 / 1000 + offsets[t];
				utc_string(secs, when, sizeof(when));
				snprintf(cmd, sizeof(cmd), "oathtool --totp=%s "
				    "-d %d -b %s --now '%s'", modes[m].mode,
				    modes[m].digits, b32, when);
				assert_int_equal(run_line(cmd, theirs,
				    sizeof(theirs)), 0);
				assert_int_equal(tg_totp_code(modes[m].alg, key,
				    keylens[i], secs * 1000, 30,
				    modes[m].digits, ours, sizeof(ours)), 0);
				if (strcmp(ours, theirs) != 0)
					fail_msg("%s: ours %s, oathtool %s", cmd,
					    ours, theirs);
			}
		}
		/* what apps use, through tg_totp_verify */
		utc_string(TGT_T0 / 1000 + 30, when, sizeof(when));
		snprintf(cmd, sizeof(cmd), "oathtool --totp -b %s --now '%s'",
		    b32, when);
		assert_int_equal(run_line(cmd, theirs, sizeof(theirs)), 0);
		{
			int64_t step = 0;

			assert_int_equal(tg_totp_verify(key, keylens[i],
			    TGT_T0 + 30000, 1, theirs, -1, &step), 0);
			assert_int_equal(step, (TGT_T0 + 30000) / 30000);
		}
		/* HOTP with a hex key and counters */
		for (j = 0; j < 3; j++) {
			uint64_t c = j == 0 ? 0 : j == 1 ? 1 :
			    UINT64_C(123456789);

			snprintf(cmd, sizeof(cmd), "oathtool -c %llu %s",
			    (unsigned long long)c, hex);
			assert_int_equal(run_line(cmd, theirs, sizeof(theirs)),
			    0);
			assert_int_equal(tg_hotp(TG_OTP_SHA1, key, keylens[i], c,
			    6, ours, sizeof(ours)), 0);
			assert_string_equal(ours, theirs);
		}
	}
}

/* RFC 4648 section 10, unpadded on encode; padded, lower case, spaced on decode. */
static void
test_base32_rfc4648(void **state)
{
	static const struct {
		const char *bin, *enc, *padded;
	} v[] = {
		{ "", "", "" },
		{ "f", "MY", "MY======" },
		{ "fo", "MZXQ", "MZXQ====" },
		{ "foo", "MZXW6", "MZXW6===" },
		{ "foob", "MZXW6YQ", "MZXW6YQ=" },
		{ "fooba", "MZXW6YTB", "MZXW6YTB" },
		{ "foobar", "MZXW6YTBOI", "MZXW6YTBOI======" },
	};
	char enc[64], lower[64];
	uint8_t dec[64];
	size_t i, j, n;

	(void)state;
	for (i = 0; i < NELEM(v); i++) {
		assert_int_equal(tg_base32_encode((const uint8_t *)v[i].bin,
		    strlen(v[i].bin), enc, sizeof(enc)), 0);
		assert_string_equal(enc, v[i].enc);
		assert_int_equal(tg_base32_encoded_len(strlen(v[i].bin)),
		    strlen(v[i].enc));
		assert_int_equal(tg_base32_decode(v[i].padded,
		    strlen(v[i].padded), dec, sizeof(dec), &n), 0);
		assert_int_equal(n, strlen(v[i].bin));
		assert_memory_equal(dec, v[i].bin, n);
		for (j = 0; v[i].padded[j] != '\0'; j++)
			lower[j] = (char)(v[i].padded[j] >= 'A' &&
			    v[i].padded[j] <= 'Z' ? v[i].padded[j] + 32 :
			    v[i].padded[j]);
		lower[j] = '\0';
		assert_int_equal(tg_base32_decode(lower, j, dec, sizeof(dec),
		    &n), 0);
		assert_memory_equal(dec, v[i].bin, n);
	}
}

static void
test_base32_round_trips(void **state)
{
	uint8_t in[40], dec[48];
	char enc[80], spaced[200], lower[80];
	size_t len, i, n, o;

	(void)state;
	for (len = 0; len <= 40; len++) {
		assert_int_equal(RAND_bytes(in, (int)sizeof(in)), 1);
		assert_int_equal(tg_base32_encode(in, len, enc, sizeof(enc)), 0);
		assert_int_equal(strlen(enc), tg_base32_encoded_len(len));
		assert_int_equal(strlen(enc), (len * 8 + 4) / 5);
		assert_int_equal(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
		    strlen(enc));
		assert_true(tg_base32_decoded_max(strlen(enc)) >= len);
		n = 99;
		assert_int_equal(tg_base32_decode(enc, strlen(enc), dec,
		    sizeof(dec), &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(dec, in, len);
		/* exactly enough room, and one byte short */
		assert_int_equal(tg_base32_decode(enc, strlen(enc), dec, len,
		    &n), 0);
		if (len > 0) {
			assert_int_equal(tg_base32_decode(enc, strlen(enc), dec,
			    len - 1, &n), TG_ERR_LIMIT);
			assert_int_equal(n, 0);
			assert_int_equal(tg_base32_encode(in, len, enc,
			    tg_base32_encoded_len(len)), TG_ERR_LIMIT);
			assert_int_equal(enc[0], '\0');
			assert_int_equal(tg_base32_encode(in, len, enc,
			    sizeof(enc)), 0);
		}
		/* lower case, grouped by four with spaces, padded */
		for (i = 0, o = 0; enc[i] != '\0'; i++) {
			lower[i] = (char)(enc[i] >= 'A' && enc[i] <= 'Z' ?
			    enc[i] + 32 : enc[i]);
			if (i > 0 && i % 4 == 0)
				spaced[o++] = ' ';
			spaced[o++] = enc[i];
		}
		lower[i] = '\0';
		while (i % 8 != 0) {
			spaced[o++] = '=';
			i++;
		}
		spaced[o++] = ' ';
		spaced[o] = '\0';
		assert_int_equal(tg_base32_decode(lower, strlen(lower), dec,
		    sizeof(dec), &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(dec, in, len);
		assert_int_equal(tg_base32_decode(spaced, o, dec, sizeof(dec),
		    &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(dec, in, len);
	}
}

static void
test_base32_rejects(void **state)
{
	static const char *bad[] = {
		"MZXW1", "MZXW8", "MZXW0", "MZXW9", "MZ@Q", "MZ[Q", "MZ`Q",
		"MZ{Q", "MZ-Q", "MZ\tQ", "MZ\nQ", "MZ+Q", "MZ/Q", "MZ\xc3\x84Q",
		"M", "MZX", "MZXW6Y",		/* impossible lengths */
		"MZ", "MZXR", "MZXW7", "MZXW6YR", "MZXW6YTBOJ", /* trailing bits */
		"MY=A", "MY======A", "MY= =====A",	/* data after padding */
		"MY=", "MY=====", "MY=======", "MZXW6YTB========", "========",
		"=", "MZXW6YTB=",
	};
	uint8_t dec[32];
	size_t i, n;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		n = 99;
		if (tg_base32_decode(bad[i], strlen(bad[i]), dec, sizeof(dec),
		    &n) != TG_ERR_INVALID)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(n, 0);
	}
	/* an embedded NUL is a character like any other, and not valid */
	assert_int_equal(tg_base32_decode("MZ\0Q", 4, dec, sizeof(dec), &n),
	    TG_ERR_INVALID);
	assert_int_equal(tg_base32_decode("MZXQ\0", 5, dec, sizeof(dec), &n),
	    TG_ERR_INVALID);
	/* but the explicit length ends the input */
	assert_int_equal(tg_base32_decode("MZXQ\0", 4, dec, sizeof(dec), &n), 0);
	assert_int_equal(n, 2);
	/* spaces only, empty */
	assert_int_equal(tg_base32_decode("   ", 3, dec, sizeof(dec), &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tg_base32_decode(NULL, 0, dec, sizeof(dec), &n), 0);
	assert_int_equal(tg_base32_decode(NULL, 1, dec, sizeof(dec), &n),
	    TG_ERR_INVALID);
}

static void
test_uri(void **state)
{
	static const uint8_t secret[] = "12345678901234567890";
	char out[512];
	size_t need;

	(void)state;
	assert_int_equal(tg_totp_uri("TradeGuard", "alice@example.com", secret,
	    20, out, sizeof(out)), 0);
	assert_string_equal(out, "otpauth://totp/TradeGuard:alice%40example.com"
	    "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=TradeGuard"
	    "&algorithm=SHA1&digits=6&period=30");

	/* reserved characters, spaces, non-ASCII; unreserved kept */
	assert_int_equal(tg_totp_uri("ACME Co:Ltd/&?=#+%", "a-b.c_d~e",
	    (const uint8_t *)"f", 1, out, sizeof(out)), 0);
	assert_string_equal(out, "otpauth://totp/ACME%20Co%3ALtd%2F%26%3F%3D"
	    "%23%2B%25:a-b.c_d~e?secret=MY&issuer=ACME%20Co%3ALtd%2F%26%3F"
	    "%3D%23%2B%25&algorithm=SHA1&digits=6&period=30");
	assert_int_equal(tg_totp_uri("\xe5\x85\x83\xe5\xa4\xa7\xe8\xad\x89"
	    "\xe5\x88\xb8", "\xe7\x8e\x8b\xe5\xb0\x8f\xe6\x98\x8e", secret, 5,
	    out, sizeof(out)), 0);
	assert_string_equal(out, "otpauth://totp/%E5%85%83%E5%A4%A7%E8%AD%89"
	    "%E5%88%B8:%E7%8E%8B%E5%B0%8F%E6%98%8E?secret=GEZDGNBV&issuer="
	    "%E5%85%83%E5%A4%A7%E8%AD%89%E5%88%B8&algorithm=SHA1&digits=6"
	    "&period=30");

	/* exactly enough room, one byte short (wiped) */
	assert_int_equal(tg_totp_uri("TradeGuard", "alice", secret, 20, out,
	    sizeof(out)), 0);
	need = strlen(out) + 1;
	assert_int_equal(tg_totp_uri("TradeGuard", "alice", secret, 20, out,
	    need), 0);
	assert_int_equal(tg_totp_uri("TradeGuard", "alice", secret, 20, out,
	    need - 1), TG_ERR_LIMIT);
	assert_int_equal(out[0], '\0');
	assert_null(memmem(out, need - 1, "GEZDG", 5));
	assert_int_equal(tg_totp_uri("TradeGuard", "alice", secret, 20, out,
	    40), TG_ERR_LIMIT);
	assert_int_equal(tg_totp_uri("TradeGuard", "alice", secret, 20, out,
	    0), TG_ERR_LIMIT);

	/* malformed arguments */
	assert_int_equal(tg_totp_uri("", "alice", secret, 20, out, sizeof(out)),
	    TG_ERR_INVALID);
	assert_int_equal(tg_totp_uri("TG", "", secret, 20, out, sizeof(out)),
	    TG_ERR_INVALID);
	assert_int_equal(tg_totp_uri(NULL, "a", secret, 20, out, sizeof(out)),
	    TG_ERR_INVALID);
	assert_int_equal(tg_totp_uri("TG", "a\xff", secret, 20, out,
	    sizeof(out)), TG_ERR_INVALID);
	assert_int_equal(tg_totp_uri("TG", "a\xc3", secret, 20, out,
	    sizeof(out)), TG_ERR_INVALID);
	assert_int_equal(tg_totp_uri("T\nG", "a", secret, 20, out,
	    sizeof(out)), TG_ERR_INVALID);
	assert_int_equal(tg_totp_uri("TG", "a", secret, 0, out, sizeof(out)),
	    TG_ERR_INVALID);
	assert_int_equal(tg_totp_uri("TG", "a", secret, TG_OTP_KEY_MAX + 1, out,
	    sizeof(out)), TG_ERR_INVALID);
	assert_int_equal(out[0], '\0');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_rfc4226_vectors),
		cmocka_unit_test(test_hotp_arguments),
		cmocka_unit_test(test_verify_window),
		cmocka_unit_test(test_verify_replay),
		cmocka_unit_test(test_verify_rejects),
		cmocka_unit_test(test_oathtool_cross_check),
		cmocka_unit_test(test_base32_rfc4648),
		cmocka_unit_test(test_base32_round_trips),
		cmocka_unit_test(test_base32_rejects),
		cmocka_unit_test(test_uri),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
