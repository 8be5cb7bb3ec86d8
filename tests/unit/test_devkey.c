/*
 * Bound-device keys (AUTH-02): keys and signatures made by the openssl CLI
 * at test time, as a device developer would, over the message
 * tg_devkey_challenge_msg builds.
 */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tradeguard/error.h>

#include "crypto/devkey.h"

#define FILE_MAX 8192

struct fixture {
	char *dir;
	char msg[TG_DEVKEY_MSG_MAX];
	size_t msglen;
};

static const uint8_t challenge[32] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static size_t
slurp(const struct fixture *fx, const char *name, uint8_t *buf, size_t cap)
{
	char path[1024];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("%s: missing", path);
	n = fread(buf, 1, cap, f);
	assert_true(n < cap);
	fclose(f);
	return n;
}

static void
spit(const struct fixture *fx, const char *name, const void *p, size_t len)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	fclose(f);
}

static void
sh(const struct fixture *fx, const char *cmd)
{
	if (tgt_system("cd '%s' && ( %s ) >/dev/null 2>&1", fx->dir, cmd) != 0)
		fail_msg("failed: %s", cmd);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char other[TG_DEVKEY_MSG_MAX];
	size_t olen;

	assert_non_null(fx);
	fx->dir = tgt_mkdtemp();
	assert_int_equal(tg_devkey_challenge_msg(challenge, sizeof(challenge),
	    "device.login", fx->msg, sizeof(fx->msg), &fx->msglen), 0);
	spit(fx, "msg", fx->msg, fx->msglen);
	/* the same challenge for another purpose */
	assert_int_equal(tg_devkey_challenge_msg(challenge, sizeof(challenge),
	    "device.stepup", other, sizeof(other), &olen), 0);
	spit(fx, "other.msg", other, olen);
	sh(fx, "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
	    "-out p256.pem && openssl pkey -in p256.pem -pubout -out p256.pub "
	    "&& openssl pkey -in p256.pem -pubout -outform DER -out p256.der "
	    "&& openssl dgst -sha256 -sign p256.pem -out p256.sig msg "
	    "&& openssl dgst -sha256 -sign p256.pem -out p256.other.sig other.msg");
	sh(fx, "openssl genpkey -algorithm ED25519 -out ed.pem "
	    "&& openssl pkey -in ed.pem -pubout -out ed.pub "
	    "&& openssl pkey -in ed.pem -pubout -outform DER -out ed.der "
	    "&& openssl pkeyutl -sign -rawin -inkey ed.pem -in msg -out ed.sig "
	    "&& openssl pkeyutl -sign -rawin -inkey ed.pem -in other.msg "
	    "-out ed.other.sig");
	/* a second device of each kind */
	sh(fx, "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
	    "-out p256b.pem && openssl pkey -in p256b.pem -pubout -outform DER "
	    "-out p256b.der && openssl genpkey -algorithm ED25519 -out edb.pem "
	    "&& openssl pkey -in edb.pem -pubout -outform DER -out edb.der");
	/* keys that must be refused */
	sh(fx, "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
	    "-out rsa.pem && openssl pkey -in rsa.pem -pubout -out rsa.pub "
	    "&& openssl pkey -in rsa.pem -pubout -outform DER -out rsa.der");
	sh(fx, "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 "
	    "-out p384.pem && openssl pkey -in p384.pem -pubout -out p384.pub "
	    "&& openssl pkey -in p384.pem -pubout -outform DER -out p384.der");
	sh(fx, "openssl genpkey -algorithm EC -pkeyopt "
	    "ec_paramgen_curve:secp256k1 -out k1.pem && openssl pkey -in k1.pem "
	    "-pubout -outform DER -out k1.der");
	sh(fx, "openssl genpkey -algorithm X25519 -out x.pem && openssl pkey "
	    "-in x.pem -pubout -outform DER -out x25519.der");
	sh(fx, "openssl ec -pubin -in p256.pub -pubout -conv_form compressed "
	    "-outform DER -out p256c.der && openssl ec -pubin -in p256.pub "
	    "-pubout -param_enc explicit -outform DER -out p256e.der");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	tgt_rmtree(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

static int
parse_file(const struct fixture *fx, const char *name, uint8_t *spki,
    size_t *len, int *alg)
{
	uint8_t buf[FILE_MAX];
	size_t n = slurp(fx, name, buf, sizeof(buf));

	return tg_devkey_parse(buf, n, spki, TG_DEVKEY_SPKI_MAX, len, alg);
}

static void
test_challenge_msg(void **state)
{
	static const char want[] = "TGDEV1\n"
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\ndevice.login\n";
	static const char *const bad[] = {
		"", "Device.login", "device login", "device\nlogin", "a/b",
		"device:login", "d\xc3\xa9vice", "abcdefghijklmnopqrstuvwxyz012345",
	};
	uint8_t big[TG_DEVKEY_CHALLENGE_MAX];
	char out[TG_DEVKEY_MSG_MAX], purpose[TG_DEVKEY_PURPOSE_MAX + 1];
	size_t n, i;

	(void)state;
	assert_int_equal(tg_devkey_challenge_msg(challenge, sizeof(challenge),
	    "device.login", out, sizeof(out), &n), 0);
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, n);
	assert_int_equal(out[n], '\0');
	/* exactly enough room, one byte less */
	assert_int_equal(tg_devkey_challenge_msg(challenge, sizeof(challenge),
	    "device.login", out, sizeof(want), &n), 0);
	assert_int_equal(tg_devkey_challenge_msg(challenge, sizeof(challenge),
	    "device.login", out, sizeof(want) - 1, &n), TG_ERR_INVALID);
	assert_int_equal(n, 0);
	assert_string_equal(out, "");
	/* the largest message fits TG_DEVKEY_MSG_MAX */
	memset(big, 0xff, sizeof(big));
	memset(purpose, 'z', TG_DEVKEY_PURPOSE_MAX);
	purpose[TG_DEVKEY_PURPOSE_MAX] = '\0';
	assert_int_equal(tg_devkey_challenge_msg(big, sizeof(big), purpose, out,
	    sizeof(out), &n), 0);
	assert_int_equal(n, TG_DEVKEY_MSG_MAX - 1);
	assert_int_equal(tg_devkey_challenge_msg(big, 15,
	    purpose, out, sizeof(out), &n), TG_ERR_INVALID);	/* 15 bytes */
	assert_int_equal(tg_devkey_challenge_msg(challenge, 16, "a_b-c.9", out,
	    sizeof(out), &n), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tg_devkey_challenge_msg(challenge, sizeof(challenge),
		    bad[i], out, sizeof(out), &n) != TG_ERR_INVALID)
			fail_msg("purpose \"%s\" accepted", bad[i]);
	assert_int_equal(tg_devkey_challenge_msg(NULL, 32, "x", out,
	    sizeof(out), &n), TG_ERR_INVALID);
	assert_int_equal(tg_devkey_challenge_msg(challenge, 32, NULL, out,
	    sizeof(out), &n), TG_ERR_INVALID);
	{
		uint8_t c65[65] = { 0 };

		assert_int_equal(tg_devkey_challenge_msg(c65, sizeof(c65), "x",
		    out, sizeof(out), &n), TG_ERR_INVALID);
	}
}

static void
test_parse(void **state)
{
	struct fixture *fx = *state;
	static const char *const refused[] = {
		"rsa.der", "rsa.pub", "p384.der", "p384.pub", "k1.der",
		"x25519.der", "p256c.der", "p256e.der", "p256.pem", "ed.pem",
		"p256.sig", "msg",
	};
	uint8_t spki[TG_DEVKEY_SPKI_MAX], spki2[TG_DEVKEY_SPKI_MAX];
	uint8_t der[FILE_MAX], buf[FILE_MAX];
	size_t len, len2, n, i;
	int alg, alg2;

	/* P-256 and Ed25519, DER and PEM give the same canonical SPKI */
	assert_int_equal(parse_file(fx, "p256.der", spki, &len, &alg), 0);
	assert_int_equal(alg, TG_DEVKEY_ES256);
	assert_int_equal(len, 91);
	n = slurp(fx, "p256.der", der, sizeof(der));
	assert_int_equal(n, len);
	assert_memory_equal(der, spki, len);
	assert_int_equal(parse_file(fx, "p256.pub", spki2, &len2, &alg2), 0);
	assert_int_equal(alg2, alg);
	assert_int_equal(len2, len);
	assert_memory_equal(spki2, spki, len);
	assert_int_equal(parse_file(fx, "ed.der", spki, &len, &alg), 0);
	assert_int_equal(alg, TG_DEVKEY_EDDSA);
	assert_int_equal(len, 44);
	assert_int_equal(parse_file(fx, "ed.pub", spki2, &len2, &alg2), 0);
	assert_int_equal(alg2, alg);
	assert_memory_equal(spki2, spki, len);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (parse_file(fx, refused[i], spki, &len, &alg) !=
		    TG_ERR_INVALID)
			fail_msg("%s accepted", refused[i]);
	assert_int_equal(len, 0);
	assert_int_equal(alg, 0);

	/* DER: trailing byte, every truncation, header bit flips */
	n = slurp(fx, "p256.der", der, sizeof(der));
	der[n] = 0;
	assert_int_equal(tg_devkey_parse(der, n + 1, spki, sizeof(spki), &len,
	    &alg), TG_ERR_INVALID);
	for (i = 0; i < n; i++)
		assert_int_equal(tg_devkey_parse(der, i, spki, sizeof(spki),
		    &len, &alg), TG_ERR_INVALID);
	for (i = 0; i < 8 * n; i++) {
		der[i / 8] ^= (uint8_t)(1u << (i % 8));
		/* header, point format or coordinates: never a valid key */
		if (tg_devkey_parse(der, n, spki, sizeof(spki), &len, &alg) !=
		    TG_ERR_INVALID)
			fail_msg("P-256 SPKI bit %zu flipped accepted", i);
		der[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	/* the output buffer is too small */
	assert_int_equal(tg_devkey_parse(der, n, spki, 90, &len, &alg),
	    TG_ERR_INVALID);
	n = slurp(fx, "ed.der", der, sizeof(der));
	for (i = 0; i < 8 * 12; i++) {		/* the Ed25519 SPKI header */
		der[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(tg_devkey_parse(der, n, spki, sizeof(spki),
		    &len, &alg), TG_ERR_INVALID);
		der[i / 8] ^= (uint8_t)(1u << (i % 8));
	}

	/* Ed25519: the identity (small order), y >= p (non-canonical) */
	memset(der + 12, 0, 32);
	der[12] = 0x01;
	assert_int_equal(tg_devkey_parse(der, n, spki, sizeof(spki), &len,
	    &alg), TG_ERR_INVALID);
	memset(der + 12, 0xff, 32);
	der[12] = 0xee;
	der[43] = 0x7f;
	assert_int_equal(tg_devkey_parse(der, n, spki, sizeof(spki), &len,
	    &alg), TG_ERR_INVALID);
	assert_int_equal(tg_devkey_verify(der, n, fx->msg, fx->msglen,
	    der, 64), TG_ERR_INVALID);

	/* PEM: white space around is fine, anything else is not */
	n = slurp(fx, "p256.pub", der, sizeof(der));
	len = (size_t)snprintf((char *)buf, sizeof(buf), " \r\n\t%.*s\n\n ",
	    (int)n, (char *)der);
	assert_int_equal(tg_devkey_parse(buf, len, spki, sizeof(spki), &len2,
	    &alg), 0);
	len = (size_t)snprintf((char *)buf, sizeof(buf), "x%.*s", (int)n,
	    (char *)der);
	assert_int_equal(tg_devkey_parse(buf, len, spki, sizeof(spki), &len2,
	    &alg), TG_ERR_INVALID);
	len = (size_t)snprintf((char *)buf, sizeof(buf), "%.*sjunk\n", (int)n,
	    (char *)der);
	assert_int_equal(tg_devkey_parse(buf, len, spki, sizeof(spki), &len2,
	    &alg), TG_ERR_INVALID);
	len = (size_t)snprintf((char *)buf, sizeof(buf), "%.*s%.*s", (int)n,
	    (char *)der, (int)n, (char *)der);
	assert_int_equal(tg_devkey_parse(buf, len, spki, sizeof(spki), &len2,
	    &alg), TG_ERR_INVALID);	/* two blocks */
	memcpy(buf, der, n);
	buf[n / 2] = '\0';		/* an embedded NUL */
	assert_int_equal(tg_devkey_parse(buf, n, spki, sizeof(spki), &len2,
	    &alg), TG_ERR_INVALID);
	for (i = 1; i < n - 1; i++)	/* every truncated PEM */
		if (tg_devkey_parse(der, i, spki, sizeof(spki), &len2,
		    &alg) != TG_ERR_INVALID)
			fail_msg("PEM truncated to %zu accepted", i);
	/* a certificate-labelled block with the same body */
	len = (size_t)snprintf((char *)buf, sizeof(buf), "%.*s", (int)n,
	    (char *)der);
	memcpy(strstr((char *)buf, "PUBLIC KEY"), "PUBLIC KEX", 10);
	assert_int_equal(tg_devkey_parse(buf, len, spki, sizeof(spki), &len2,
	    &alg), TG_ERR_INVALID);
	/* NULLs and sizes */
	assert_int_equal(tg_devkey_parse(NULL, 10, spki, sizeof(spki), &len2,
	    &alg), TG_ERR_INVALID);
	assert_int_equal(tg_devkey_parse(der, 0, spki, sizeof(spki), &len2,
	    &alg), TG_ERR_INVALID);
	assert_int_equal(tg_devkey_parse(der, TG_DEVKEY_INPUT_MAX + 1, spki,
	    sizeof(spki), &len2, &alg), TG_ERR_INVALID);
}

/* The signature sig (file) by key (DER file) verifies over msg; every
 * altered signature, another key and another message do not. */
static void
check_sig(const struct fixture *fx, const char *key, const char *other_key,
    const char *sig_file, const char *other_sig_file)
{
	uint8_t spki[TG_DEVKEY_SPKI_MAX], ospki[TG_DEVKEY_SPKI_MAX];
	uint8_t sig[256], osig[256];
	char msg[TG_DEVKEY_MSG_MAX];
	size_t len, olen, siglen, osiglen, i;
	int alg, oalg;

	assert_int_equal(parse_file(fx, key, spki, &len, &alg), 0);
	assert_int_equal(parse_file(fx, other_key, ospki, &olen, &oalg), 0);
	siglen = slurp(fx, sig_file, sig, sizeof(sig));
	osiglen = slurp(fx, other_sig_file, osig, sizeof(osig));
	assert_int_equal(tg_devkey_verify(spki, len, fx->msg, fx->msglen, sig,
	    siglen), 0);
	/* one flipped bit anywhere in the signature */
	for (i = 0; i < 8 * siglen; i++) {
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (tg_devkey_verify(spki, len, fx->msg, fx->msglen, sig,
		    siglen) != TG_ERR_AUTH)
			fail_msg("%s: sig bit %zu flipped accepted", sig_file, i);
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	/* every truncation, a trailing byte */
	for (i = 0; i < siglen; i++)
		assert_int_equal(tg_devkey_verify(spki, len, fx->msg,
		    fx->msglen, sig, i), TG_ERR_AUTH);
	sig[siglen] = 0;
	assert_int_equal(tg_devkey_verify(spki, len, fx->msg, fx->msglen, sig,
	    siglen + 1), TG_ERR_AUTH);
	/* another key of the same kind */
	assert_int_equal(tg_devkey_verify(ospki, olen, fx->msg, fx->msglen,
	    sig, siglen), TG_ERR_AUTH);
	/* another message: any bit, truncated, another purpose */
	memcpy(msg, fx->msg, fx->msglen);
	for (i = 0; i < 8 * fx->msglen; i++) {
		msg[i / 8] ^= (char)(1u << (i % 8));
		assert_int_equal(tg_devkey_verify(spki, len, msg, fx->msglen,
		    sig, siglen), TG_ERR_AUTH);
		msg[i / 8] ^= (char)(1u << (i % 8));
	}
	assert_int_equal(tg_devkey_verify(spki, len, fx->msg, fx->msglen - 1,
	    sig, siglen), TG_ERR_AUTH);
	assert_int_equal(tg_devkey_verify(spki, len, fx->msg, fx->msglen,
	    osig, osiglen), TG_ERR_AUTH);
	/* an altered key never verifies */
	for (i = 0; i < 8 * len; i++) {
		spki[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (tg_devkey_verify(spki, len, fx->msg, fx->msglen, sig,
		    siglen) == 0)
			fail_msg("%s: key bit %zu flipped accepted", key, i);
		spki[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	assert_int_equal(tg_devkey_verify(spki, len - 1, fx->msg, fx->msglen,
	    sig, siglen), TG_ERR_INVALID);
	assert_int_equal(tg_devkey_verify(spki, len, fx->msg, fx->msglen, NULL,
	    siglen), TG_ERR_AUTH);
	assert_int_equal(tg_devkey_verify(spki, len, fx->msg, fx->msglen, sig,
	    siglen), 0);
}

static void
test_verify_p256(void **state)
{
	check_sig(*state, "p256.der", "p256b.der", "p256.sig", "p256.other.sig");
}

static void
test_verify_ed25519(void **state)
{
	check_sig(*state, "ed.der", "edb.der", "ed.sig", "ed.other.sig");
}

/* A P-256 signature is not taken for an Ed25519 key and vice versa. */
static void
test_verify_cross(void **state)
{
	struct fixture *fx = *state;
	uint8_t p[TG_DEVKEY_SPKI_MAX], e[TG_DEVKEY_SPKI_MAX], ps[128], es[128];
	size_t plen, elen, pslen, eslen;
	int alg;

	assert_int_equal(parse_file(fx, "p256.der", p, &plen, &alg), 0);
	assert_int_equal(parse_file(fx, "ed.der", e, &elen, &alg), 0);
	pslen = slurp(fx, "p256.sig", ps, sizeof(ps));
	eslen = slurp(fx, "ed.sig", es, sizeof(es));
	assert_int_equal(tg_devkey_verify(p, plen, fx->msg, fx->msglen, es,
	    eslen), TG_ERR_AUTH);
	assert_int_equal(tg_devkey_verify(e, elen, fx->msg, fx->msglen, ps,
	    pslen), TG_ERR_AUTH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge_msg),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_verify_p256),
		cmocka_unit_test(test_verify_ed25519),
		cmocka_unit_test(test_verify_cross),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
