/*
 * Key directory: generation, loading, permission checks, HMAC, Ed25519,
 * admin token, data-key sealing (AES-256-GCM) and rotation, webhook key.
 */
#include "helpers.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <tradeguard/error.h>

#include "crypto/encode.h"
#include "crypto/keys.h"

struct fixture {
	char *tmp;
	char dir[512];
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[512];

	assert_non_null(fx);
	fx->tmp = tgt_mkdtemp();
	snprintf(fx->dir, sizeof(fx->dir), "%s/keys", fx->tmp);
	if (tg_keys_generate(fx->dir, err, sizeof(err)) != 0)
		fail_msg("tg_keys_generate: %s", err);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	tgt_rmtree(fx->tmp);
	free(fx->tmp);
	free(fx);
	return 0;
}

static void
path_of(const struct fixture *fx, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", fx->dir, name);
}

/* Read a small file whole (test only). */
static size_t
slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static tg_keys *
load_ok(const struct fixture *fx)
{
	tg_keys *k = NULL;
	char err[512];

	if (tg_keys_load(fx->dir, &k, err, sizeof(err)) != 0)
		fail_msg("tg_keys_load: %s", err);
	assert_non_null(k);
	return k;
}

static void
test_generate_layout(void **state)
{
	struct fixture *fx = *state;
	static const char *files[] = { "pepper-1.key", "session.key",
	    "admin.token", "audit-ed25519.pem", "data-1.key", "webhook.key" };
	char path[600], before[6][512], after[512], err[512];
	struct stat st;
	size_t i;

	assert_int_equal(stat(fx->dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	for (i = 0; i < 6; i++) {
		path_of(fx, files[i], path, sizeof(path));
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		slurp(path, before[i], sizeof(before[i]));
	}
	path_of(fx, "pepper-1.key", path, sizeof(path));
	slurp(path, after, sizeof(after));
	assert_int_equal(strlen(after), 65);
	assert_int_equal(after[64], '\n');
	path_of(fx, "data-1.key", path, sizeof(path));
	assert_int_equal(slurp(path, after, sizeof(after)), 65);
	path_of(fx, "webhook.key", path, sizeof(path));
	assert_int_equal(slurp(path, after, sizeof(after)), 65);
	path_of(fx, "audit-ed25519.pem", path, sizeof(path));
	slurp(path, after, sizeof(after));
	assert_non_null(strstr(after, "-----BEGIN PRIVATE KEY-----"));

	/* generating again keeps every existing file */
	assert_int_equal(tg_keys_generate(fx->dir, err, sizeof(err)), 0);
	for (i = 0; i < 6; i++) {
		path_of(fx, files[i], path, sizeof(path));
		slurp(path, after, sizeof(after));
		assert_string_equal(before[i], after);
	}
	/* no temporary files left behind */
	path_of(fx, ".session.key.tmp", path, sizeof(path));
	assert_int_not_equal(access(path, F_OK), 0);
}

static void
test_load_has(void **state)
{
	struct fixture *fx = *state;
	tg_keys *k = load_ok(fx);

	assert_true(tg_keys_has(k, "pepper-1"));
	assert_true(tg_keys_has(k, "session"));
	assert_true(tg_keys_has(k, "audit"));
	assert_true(tg_keys_has(k, "admin"));
	assert_true(tg_keys_has(k, "data-1"));
	assert_true(tg_keys_has(k, "webhook"));
	assert_string_equal(tg_keys_data_current(k), "data-1");
	assert_null(tg_keys_data_current(NULL));
	assert_false(tg_keys_has(k, "data-2"));
	assert_false(tg_keys_has(k, "data-"));
	assert_false(tg_keys_has(k, "pepper-2"));
	assert_false(tg_keys_has(k, "pepper-"));
	assert_false(tg_keys_has(k, ""));
	assert_false(tg_keys_has(NULL, "session"));
	tg_keys_free(k);
	tg_keys_free(NULL);
}

static void
test_second_pepper(void **state)
{
	struct fixture *fx = *state;
	char path[600];
	tg_keys *k;
	uint8_t a[32], b[32];

	path_of(fx, "pepper-12.key", path, sizeof(path));
	write_file(path, "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\n", 0600);
	/* names that are not pepper-<N>.key are ignored */
	path_of(fx, "pepper-07.key", path, sizeof(path));
	write_file(path, "junk", 0600);
	path_of(fx, "pepper-3.key.bak", path, sizeof(path));
	write_file(path, "junk", 0600);
	k = load_ok(fx);
	assert_true(tg_keys_has(k, "pepper-12"));
	assert_false(tg_keys_has(k, "pepper-07"));
	assert_false(tg_keys_has(k, "pepper-3"));
	assert_int_equal(tg_keys_hmac(k, "pepper-1", "x", 1, a), 0);
	assert_int_equal(tg_keys_hmac(k, "pepper-12", "x", 1, b), 0);
	assert_memory_not_equal(a, b, 32);
	tg_keys_free(k);
}

static void
expect_perm(const struct fixture *fx, const char *name)
{
	tg_keys *k = (tg_keys *)1;
	char err[512];

	assert_int_equal(tg_keys_load(fx->dir, &k, err, sizeof(err)),
	    TG_ERR_PERM);
	assert_null(k);
	if (strstr(err, name) == NULL)
		fail_msg("message does not name %s: %s", name, err);
}

static void
test_perm_files(void **state)
{
	struct fixture *fx = *state;
	static const char *files[] = { "pepper-1.key", "session.key",
	    "admin.token", "audit-ed25519.pem", "data-1.key", "webhook.key" };
	static const mode_t bad[] = { 0640, 0604, 0620, 0602, 0610, 0660 };
	char path[600];
	size_t i, j;

	for (i = 0; i < 6; i++) {
		path_of(fx, files[i], path, sizeof(path));
		for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
			assert_int_equal(chmod(path, bad[j]), 0);
			expect_perm(fx, files[i]);
		}
		assert_int_equal(chmod(path, 0400), 0);	/* read-only is fine */
		tg_keys_free(load_ok(fx));
		assert_int_equal(chmod(path, 0600), 0);
	}
}

static void
test_perm_dir(void **state)
{
	struct fixture *fx = *state;
	static const mode_t bad[] = { 0750, 0705, 0710, 0770, 0701 };
	size_t j;

	for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
		assert_int_equal(chmod(fx->dir, bad[j]), 0);
		expect_perm(fx, fx->dir);
	}
	assert_int_equal(chmod(fx->dir, 0700), 0);
	tg_keys_free(load_ok(fx));
}

static void
test_perm_owner(void **state)
{
	struct fixture *fx = *state;
	char path[600];

	if (geteuid() != 0)
		skip();		/* only root can give a file away */
	path_of(fx, "session.key", path, sizeof(path));
	assert_int_equal(chown(path, 65534, 65534), 0);
	expect_perm(fx, "session.key");
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(chown(fx->dir, 65534, 65534), 0);
	expect_perm(fx, fx->dir);
	assert_int_equal(chown(fx->dir, 0, 0), 0);
}

static void
test_generate_refuses_open_dir(void **state)
{
	struct fixture *fx = *state;
	char dir[600], err[512];

	snprintf(dir, sizeof(dir), "%s/open", fx->tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(tg_keys_generate(dir, err, sizeof(err)), TG_ERR_PERM);
	assert_non_null(strstr(err, dir));
}

static void
expect_load_fails(const struct fixture *fx, int want, const char *name)
{
	tg_keys *k = NULL;
	char err[512];

	assert_int_equal(tg_keys_load(fx->dir, &k, err, sizeof(err)), want);
	assert_null(k);
	if (strstr(err, name) == NULL)
		fail_msg("message does not name %s: %s", name, err);
}

static void
test_malformed_and_missing(void **state)
{
	struct fixture *fx = *state;
	static const char *bad[] = {
		"",
		"0011\n",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e\n",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00\n",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\n",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n\n",
		" 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
	};
	char path[600], saved[512];
	size_t i;

	path_of(fx, "session.key", path, sizeof(path));
	slurp(path, saved, sizeof(saved));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(path, bad[i], 0600);
		expect_load_fails(fx, TG_ERR_INVALID, "session.key");
	}
	/* without the final newline is accepted */
	write_file(path, "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f", 0600);
	tg_keys_free(load_ok(fx));
	write_file(path, saved, 0600);

	path_of(fx, "audit-ed25519.pem", path, sizeof(path));
	slurp(path, saved, sizeof(saved));
	write_file(path, "-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n", 0600);
	expect_load_fails(fx, TG_ERR_INVALID, "audit-ed25519.pem");
	assert_int_equal(unlink(path), 0);
	expect_load_fails(fx, TG_ERR_IO, "audit-ed25519.pem");
	write_file(path, saved, 0600);

	path_of(fx, "admin.token", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	expect_load_fails(fx, TG_ERR_IO, "admin.token");
	path_of(fx, "pepper-1.key", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	{
		char err[512];

		/* regenerate admin.token; pepper-1 comes back too (none left) */
		assert_int_equal(tg_keys_generate(fx->dir, err, sizeof(err)), 0);
		assert_int_equal(access(path, F_OK), 0);
	}
	tg_keys_free(load_ok(fx));
}

static void
key_from_file(const struct fixture *fx, const char *name, uint8_t key[32])
{
	char path[600], hex[256];

	path_of(fx, name, path, sizeof(path));
	assert_int_equal(slurp(path, hex, sizeof(hex)), 65);
	assert_int_equal(tg_hex_decode(hex, 64, key, 32), 0);
}

static void
test_hmac_known_answer(void **state)
{
	struct fixture *fx = *state;
	static const char *ids[] = { "pepper-1", "session", "webhook" };
	static const char *files[] = { "pepper-1.key", "session.key",
	    "webhook.key" };
	const char *msgs[] = { "", "correct horse battery staple",
	    "\x00\x01\x02\xff" };
	const size_t lens[] = { 0, 28, 4 };
	uint8_t key[32], ours[32], theirs[EVP_MAX_MD_SIZE];
	unsigned int tlen;
	tg_keys *k = load_ok(fx);
	size_t i, j;

	for (i = 0; i < 3; i++) {
		key_from_file(fx, files[i], key);
		for (j = 0; j < 3; j++) {
			assert_int_equal(tg_keys_hmac(k, ids[i], msgs[j], lens[j],
			    ours), 0);
			assert_non_null(HMAC(EVP_sha256(), key, 32,
			    (const unsigned char *)msgs[j], lens[j], theirs,
			    &tlen));
			assert_int_equal(tlen, 32);
			assert_memory_equal(ours, theirs, 32);
		}
	}
	assert_int_equal(tg_keys_hmac(k, "pepper-9", "x", 1, ours),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_keys_hmac(k, "audit", "x", 1, ours),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_keys_hmac(k, "admin", "x", 1, ours),
	    TG_ERR_NOT_FOUND);
	/* data keys encrypt only */
	assert_int_equal(tg_keys_hmac(k, "data-1", "x", 1, ours),
	    TG_ERR_NOT_FOUND);
	tg_keys_free(k);
}

static void
test_sign_verify(void **state)
{
	struct fixture *fx = *state;
	uint8_t msg[48], sig[64], pub[32], pub2[32];
	size_t i, publen = sizeof(pub2);
	char path[600];
	tg_keys *k = load_ok(fx);
	EVP_PKEY *pk;
	FILE *f;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	assert_int_equal(tg_keys_sign(k, "audit", msg, sizeof(msg), sig), 0);
	assert_int_equal(tg_keys_public(k, "audit", pub), 0);
	assert_int_equal(tg_ed25519_verify(pub, msg, sizeof(msg), sig), 0);

	/* the public key matches what an independent PEM reader derives */
	path_of(fx, "audit-ed25519.pem", path, sizeof(path));
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(pk = PEM_read_PrivateKey(f, NULL, NULL, NULL));
	fclose(f);
	assert_int_equal(EVP_PKEY_get_raw_public_key(pk, pub2, &publen), 1);
	assert_memory_equal(pub, pub2, 32);
	EVP_PKEY_free(pk);

	/* one flipped bit anywhere in the message or signature is rejected */
	for (i = 0; i < sizeof(msg) * 8; i++) {
		msg[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(tg_ed25519_verify(pub, msg, sizeof(msg), sig),
		    TG_ERR_TAMPERED);
		msg[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	for (i = 0; i < sizeof(sig) * 8; i++) {
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_not_equal(tg_ed25519_verify(pub, msg, sizeof(msg),
		    sig), 0);
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	/* truncated message, other key */
	assert_int_not_equal(tg_ed25519_verify(pub, msg, sizeof(msg) - 1, sig), 0);
	pub[0] ^= 1;
	assert_int_not_equal(tg_ed25519_verify(pub, msg, sizeof(msg), sig), 0);
	pub[0] ^= 1;
	assert_int_equal(tg_ed25519_verify(pub, msg, sizeof(msg), sig), 0);

	/* empty message */
	assert_int_equal(tg_keys_sign(k, "audit", NULL, 0, sig), 0);
	assert_int_equal(tg_ed25519_verify(pub, "", 0, sig), 0);

	/* only "audit" signs */
	assert_int_equal(tg_keys_sign(k, "session", msg, 1, sig),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_keys_public(k, "pepper-1", pub), TG_ERR_NOT_FOUND);
	tg_keys_free(k);
}

static void
test_admin_token(void **state)
{
	struct fixture *fx = *state;
	char path[600], tok[256];
	tg_keys *k = load_ok(fx);

	path_of(fx, "admin.token", path, sizeof(path));
	assert_int_equal(slurp(path, tok, sizeof(tok)), 65);
	assert_int_equal(tg_keys_check_admin_token(k, tok, 64), 0);
	/* with the newline, truncated, empty */
	assert_int_equal(tg_keys_check_admin_token(k, tok, 65), TG_ERR_AUTH);
	assert_int_equal(tg_keys_check_admin_token(k, tok, 63), TG_ERR_AUTH);
	assert_int_equal(tg_keys_check_admin_token(k, tok, 32), TG_ERR_AUTH);
	assert_int_equal(tg_keys_check_admin_token(k, "", 0), TG_ERR_AUTH);
	assert_int_equal(tg_keys_check_admin_token(k, NULL, 64), TG_ERR_AUTH);
	/* one wrong character at either end or in the middle */
	tok[0] = tok[0] == 'a' ? 'b' : 'a';
	assert_int_equal(tg_keys_check_admin_token(k, tok, 64), TG_ERR_AUTH);
	slurp(path, tok, sizeof(tok));
	tok[63] = tok[63] == 'a' ? 'b' : 'a';
	assert_int_equal(tg_keys_check_admin_token(k, tok, 64), TG_ERR_AUTH);
	slurp(path, tok, sizeof(tok));
	tok[31] ^= 0x01;
	assert_int_equal(tg_keys_check_admin_token(k, tok, 64), TG_ERR_AUTH);
	tg_keys_free(k);
}

#define AAD	"customer_factor.secret:42"
#define AADLEN	(sizeof(AAD) - 1)

/* Open blob (len bytes) with AAD; the result code, pt wiped on error. */
static int
open_blob(tg_keys *k, const uint8_t *blob, size_t len, const void *aad,
    size_t aadlen)
{
	uint8_t pt[256];
	size_t ptlen = 99, i;
	int r;

	memset(pt, 0xa5, sizeof(pt));
	r = tg_keys_open(k, aad, aadlen, blob, len, pt, sizeof(pt), &ptlen);
	if (r != 0) {
		assert_int_equal(ptlen, 0);
		/* nothing unauthenticated is left behind */
		for (i = 0; i < sizeof(pt); i++)
			if (pt[i] != 0 && pt[i] != 0xa5)
				fail_msg("plaintext byte %zu released", i);
	}
	return r;
}

static void
test_seal_open(void **state)
{
	struct fixture *fx = *state;
	static const char secret[] = "12345678901234567890";
	uint8_t blob[256], blob2[256], pt[64], aad[AADLEN];
	size_t len = 0, len2 = 0, ptlen = 0, i, hdr;
	tg_keys *k = load_ok(fx);
	int r;

	assert_int_equal(tg_keys_seal(k, tg_keys_data_current(k), AAD, AADLEN,
	    secret, 20, blob, sizeof(blob), &len), 0);
	hdr = 1 + strlen("data-1");
	assert_int_equal(len, 20 + TG_KEYS_SEAL_OVERHEAD(6));
	assert_int_equal(blob[0], 6);
	assert_memory_equal(blob + 1, "data-1", 6);
	assert_null(memmem(blob, len, secret, 4));	/* no plaintext */
	assert_int_equal(tg_keys_open(k, AAD, AADLEN, blob, len, pt,
	    sizeof(pt), &ptlen), 0);
	assert_int_equal(ptlen, 20);
	assert_memory_equal(pt, secret, 20);

	/* a fresh nonce each time */
	assert_int_equal(tg_keys_seal(k, "data-1", AAD, AADLEN, secret, 20,
	    blob2, sizeof(blob2), &len2), 0);
	assert_int_equal(len2, len);
	assert_memory_not_equal(blob + hdr, blob2 + hdr, TG_KEYS_NONCE_LEN);
	assert_memory_not_equal(blob + hdr, blob2 + hdr, len - hdr);

	/* one flipped bit anywhere: length byte, key ID, nonce, ciphertext, tag */
	for (i = 0; i < len * 8; i++) {
		blob[i / 8] ^= (uint8_t)(1u << (i % 8));
		r = open_blob(k, blob, len, AAD, AADLEN);
		if (i / 8 >= hdr)	/* nonce, ciphertext, tag */
			assert_int_equal(r, TG_ERR_TAMPERED);
		else if (r != TG_ERR_TAMPERED && r != TG_ERR_NOT_FOUND)
			fail_msg("bit %zu of the key ID: %d", i, r);
		blob[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	/* one flipped bit in the additional data, or none given */
	memcpy(aad, AAD, AADLEN);
	for (i = 0; i < AADLEN * 8; i++) {
		aad[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(open_blob(k, blob, len, aad, AADLEN),
		    TG_ERR_TAMPERED);
		aad[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	assert_int_equal(open_blob(k, blob, len, NULL, 0), TG_ERR_TAMPERED);
	assert_int_equal(open_blob(k, blob, len, AAD, AADLEN - 1),
	    TG_ERR_TAMPERED);
	/* truncated at every length, or extended */
	for (i = 0; i < len; i++)
		assert_int_equal(open_blob(k, blob, i, AAD, AADLEN),
		    TG_ERR_TAMPERED);
	memcpy(blob2, blob, len);
	blob2[len] = 0;
	assert_int_equal(open_blob(k, blob2, len + 1, AAD, AADLEN),
	    TG_ERR_TAMPERED);
	/* relabelled with another key's ID */
	memcpy(blob2, blob, len);
	memcpy(blob2 + 1, "sessio", 6);
	assert_int_equal(open_blob(k, blob2, len, AAD, AADLEN),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(open_blob(k, blob, len, AAD, AADLEN), 0);

	/* buffers too small */
	assert_int_equal(tg_keys_seal(k, "data-1", AAD, AADLEN, secret, 20,
	    blob2, len - 1, &len2), TG_ERR_LIMIT);
	assert_int_equal(len2, 0);
	assert_int_equal(tg_keys_open(k, AAD, AADLEN, blob, len, pt, 19,
	    &ptlen), TG_ERR_LIMIT);
	assert_int_equal(ptlen, 0);

	/* only data keys seal */
	assert_int_equal(tg_keys_seal(k, "session", NULL, 0, secret, 20,
	    blob2, sizeof(blob2), &len2), TG_ERR_NOT_FOUND);
	assert_int_equal(tg_keys_seal(k, "pepper-1", NULL, 0, secret, 20,
	    blob2, sizeof(blob2), &len2), TG_ERR_NOT_FOUND);
	assert_int_equal(tg_keys_seal(k, "webhook", NULL, 0, secret, 20,
	    blob2, sizeof(blob2), &len2), TG_ERR_NOT_FOUND);
	assert_int_equal(tg_keys_seal(k, "data-2", NULL, 0, secret, 20,
	    blob2, sizeof(blob2), &len2), TG_ERR_NOT_FOUND);
	assert_int_equal(tg_keys_seal(k, NULL, NULL, 0, secret, 20,
	    blob2, sizeof(blob2), &len2), TG_ERR_NOT_FOUND);

	/* empty plaintext and no additional data */
	assert_int_equal(tg_keys_seal(k, "data-1", NULL, 0, NULL, 0, blob2,
	    sizeof(blob2), &len2), 0);
	assert_int_equal(len2, TG_KEYS_SEAL_OVERHEAD(6));
	assert_int_equal(tg_keys_open(k, NULL, 0, blob2, len2, NULL, 0,
	    &ptlen), 0);
	assert_int_equal(ptlen, 0);
	blob2[len2 - 1] ^= 0x80;
	assert_int_equal(tg_keys_open(k, NULL, 0, blob2, len2, NULL, 0,
	    &ptlen), TG_ERR_TAMPERED);
	tg_keys_free(k);
}

/* The blob format, decrypted with OpenSSL directly from the key file. */
static void
independent_open(const uint8_t key[32], const uint8_t *blob, size_t len,
    const void *aad, size_t aadlen, uint8_t *pt)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	size_t hdr = 1 + (size_t)blob[0];
	const uint8_t *nonce = blob + hdr, *ct = nonce + 12;
	size_t ctlen = len - hdr - 12 - 16;
	uint8_t tag[16], fin[16];
	int n;

	memcpy(tag, ct + ctlen, 16);
	assert_non_null(ctx);
	assert_int_equal(EVP_DecryptInit_ex2(ctx, EVP_aes_256_gcm(), key,
	    nonce, NULL), 1);
	assert_int_equal(EVP_DecryptUpdate(ctx, NULL, &n, blob, (int)hdr), 1);
	assert_int_equal(EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aadlen), 1);
	assert_int_equal(EVP_DecryptUpdate(ctx, pt, &n, ct, (int)ctlen), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16,
	    tag), 1);
	assert_int_equal(EVP_DecryptFinal_ex(ctx, fin, &n), 1);
	EVP_CIPHER_CTX_free(ctx);
}

static void
test_data_rotation(void **state)
{
	struct fixture *fx = *state;
	static const char secret[] = "rotate me, keep me readable";
	uint8_t old[128], cur[128], pt[64], key[32];
	size_t oldlen = 0, curlen = 0, ptlen = 0, n = sizeof(secret) - 1;
	char path[600], err[512];
	tg_keys *k = load_ok(fx);

	assert_int_equal(tg_keys_seal(k, tg_keys_data_current(k), AAD, AADLEN,
	    secret, n, old, sizeof(old), &oldlen), 0);
	key_from_file(fx, "data-1.key", key);
	independent_open(key, old, oldlen, AAD, AADLEN, pt);
	assert_memory_equal(pt, secret, n);
	tg_keys_free(k);

	/* data-2 becomes current; data-1 blobs still open */
	path_of(fx, "data-2.key", path, sizeof(path));
	write_file(path, "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\n", 0600);
	k = load_ok(fx);
	assert_string_equal(tg_keys_data_current(k), "data-2");
	assert_true(tg_keys_has(k, "data-1"));
	assert_int_equal(tg_keys_open(k, AAD, AADLEN, old, oldlen, pt,
	    sizeof(pt), &ptlen), 0);
	assert_int_equal(ptlen, n);
	assert_memory_equal(pt, secret, n);
	assert_int_equal(tg_keys_seal(k, tg_keys_data_current(k), AAD, AADLEN,
	    secret, n, cur, sizeof(cur), &curlen), 0);
	assert_memory_equal(cur + 1, "data-2", 6);
	key_from_file(fx, "data-2.key", key);
	independent_open(key, cur, curlen, AAD, AADLEN, pt);
	assert_memory_equal(pt, secret, n);
	/* the new blob under the old key's label fails */
	cur[6] = '1';
	assert_int_equal(open_blob(k, cur, curlen, AAD, AADLEN),
	    TG_ERR_TAMPERED);
	cur[6] = '2';
	tg_keys_free(k);

	/* numeric, not lexical, order: data-10 beats data-9 */
	path_of(fx, "data-9.key", path, sizeof(path));
	write_file(path, "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a0908"
	    "0706050403020100\n", 0600);
	path_of(fx, "data-10.key", path, sizeof(path));
	write_file(path, "2f1e1d1c1b1a191817161514131211100f0e0d0c0b0a0908"
	    "0706050403020100\n", 0600);
	/* not data-<N>.key: ignored */
	path_of(fx, "data-011.key", path, sizeof(path));
	write_file(path, "junk", 0600);
	path_of(fx, "data-12.key.old", path, sizeof(path));
	write_file(path, "junk", 0600);
	k = load_ok(fx);
	assert_string_equal(tg_keys_data_current(k), "data-10");
	assert_false(tg_keys_has(k, "data-011"));
	assert_false(tg_keys_has(k, "data-12"));
	assert_int_equal(open_blob(k, old, oldlen, AAD, AADLEN), 0);
	assert_int_equal(open_blob(k, cur, curlen, AAD, AADLEN), 0);
	tg_keys_free(k);

	/* a retired key: its blobs name a key that is not loaded */
	path_of(fx, "data-1.key", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	k = load_ok(fx);
	assert_int_equal(open_blob(k, old, oldlen, AAD, AADLEN),
	    TG_ERR_NOT_FOUND);
	tg_keys_free(k);
	/* generate does not bring data-1 back while other data keys exist */
	assert_int_equal(tg_keys_generate(fx->dir, err, sizeof(err)), 0);
	assert_int_not_equal(access(path, F_OK), 0);
}

static void
test_data_and_webhook_missing(void **state)
{
	struct fixture *fx = *state;
	char path[600], err[512];

	path_of(fx, "data-1.key", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	expect_load_fails(fx, TG_ERR_IO, "data-<N>.key");
	/* an older key directory gets what it lacks */
	assert_int_equal(tg_keys_generate(fx->dir, err, sizeof(err)), 0);
	assert_int_equal(access(path, F_OK), 0);
	tg_keys_free(load_ok(fx));

	path_of(fx, "webhook.key", path, sizeof(path));
	write_file(path, "0011\n", 0600);
	expect_load_fails(fx, TG_ERR_INVALID, "webhook.key");
	assert_int_equal(unlink(path), 0);
	expect_load_fails(fx, TG_ERR_IO, "webhook.key");
	assert_int_equal(tg_keys_generate(fx->dir, err, sizeof(err)), 0);
	tg_keys_free(load_ok(fx));

	path_of(fx, "data-1.key", path, sizeof(path));
	write_file(path, "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1g\n", 0600);
	expect_load_fails(fx, TG_ERR_INVALID, "data-1.key");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_generate_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_has, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_pepper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perm_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perm_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perm_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generate_refuses_open_dir,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_and_missing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hmac_known_answer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sign_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admin_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_rotation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_data_and_webhook_missing,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
