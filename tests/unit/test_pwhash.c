/* Password hashing: Argon2id over a peppered HMAC; cheap parameters for speed. */
#include "helpers.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <tradeguard/error.h>

#include "crypto/keys.h"
#include "crypto/pwhash.h"

static const struct tg_pwhash_params cheap = { 8192, 1, 1 };

struct fixture {
	char *tmp;
	char dir[512];
	tg_keys *k;
};

static void
add_pepper(const char *dir, const char *name)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5"
	    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a\n", 65), 65);
	close(fd);
}

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
	add_pepper(fx->dir, "pepper-2.key");
	if (tg_keys_load(fx->dir, &fx->k, err, sizeof(err)) != 0)
		fail_msg("tg_keys_load: %s", err);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	tg_keys_free(fx->k);
	tgt_rmtree(fx->tmp);
	free(fx->tmp);
	free(fx);
	return 0;
}

static void
test_format(void **state)
{
	struct fixture *fx = *state;
	char h[TG_PWHASH_MAX], h2[TG_PWHASH_MAX];

	assert_int_equal(tg_pwhash_hash(fx->k, "pepper-1", &cheap, "S3cret!pw",
	    9, h), 0);
	assert_true(strncmp(h, "tg1$pepper-1$argon2id$v=19$m=8192,t=1,p=1$",
	    42) == 0);
	/* a fresh salt each time */
	assert_int_equal(tg_pwhash_hash(fx->k, "pepper-1", &cheap, "S3cret!pw",
	    9, h2), 0);
	assert_string_not_equal(h, h2);
}

static void
test_right_and_wrong(void **state)
{
	struct fixture *fx = *state;
	char h[TG_PWHASH_MAX];

	assert_int_equal(tg_pwhash_hash(fx->k, "pepper-1", &cheap, "S3cret!pw",
	    9, h), 0);
	assert_int_equal(tg_pwhash_verify(fx->k, h, "S3cret!pw", 9), 0);
	assert_int_equal(tg_pwhash_verify(fx->k, h, "S3cret!pW", 9), TG_ERR_AUTH);
	assert_int_equal(tg_pwhash_verify(fx->k, h, "S3cret!p", 8), TG_ERR_AUTH);
	assert_int_equal(tg_pwhash_verify(fx->k, h, "S3cret!pw!", 10),
	    TG_ERR_AUTH);
	assert_int_equal(tg_pwhash_verify(fx->k, h, "", 0), TG_ERR_AUTH);
	/* binary passwords, embedded NUL counts */
	assert_int_equal(tg_pwhash_hash(fx->k, "pepper-2", &cheap, "a\0b", 3, h),
	    0);
	assert_int_equal(tg_pwhash_verify(fx->k, h, "a\0b", 3), 0);
	assert_int_equal(tg_pwhash_verify(fx->k, h, "a\0c", 3), TG_ERR_AUTH);
	assert_int_equal(tg_pwhash_verify(fx->k, h, "a", 1), TG_ERR_AUTH);
}

static void
test_pepper_matters(void **state)
{
	struct fixture *fx = *state;
	char h[TG_PWHASH_MAX];

	/* same password and salt under another pepper does not verify */
	assert_int_equal(tg_pwhash_hash(fx->k, "pepper-1", &cheap, "pw-12345!",
	    9, h), 0);
	memcpy(h + 11, "2", 1);		/* tg1$pepper-1$ -> tg1$pepper-2$ */
	assert_int_equal(tg_pwhash_verify(fx->k, h, "pw-12345!", 9), TG_ERR_AUTH);
}

static void
test_unknown_pepper(void **state)
{
	struct fixture *fx = *state;
	char h[TG_PWHASH_MAX], moved[TG_PWHASH_MAX + 8];

	assert_int_equal(tg_pwhash_hash(fx->k, "pepper-9", &cheap, "pw", 2, h),
	    TG_ERR_NOT_FOUND);
	assert_string_equal(h, "");
	assert_int_equal(tg_pwhash_hash(fx->k, "pepper-1", &cheap, "pw", 2, h),
	    0);
	snprintf(moved, sizeof(moved), "tg1$pepper-9%s", h + 12);
	assert_int_equal(tg_pwhash_verify(fx->k, moved, "pw", 2),
	    TG_ERR_NOT_FOUND);
}

static void
test_bit_flips_and_truncation(void **state)
{
	struct fixture *fx = *state;
	char h[TG_PWHASH_MAX], m[TG_PWHASH_MAX + 2];
	size_t len, i;
	int r;

	assert_int_equal(tg_pwhash_hash(fx->k, "pepper-1", &cheap, "pw-12345!",
	    9, h), 0);
	len = strlen(h);
	/* one bit changed in every character (bit position varies) */
	for (i = 0; i < len; i++) {
		memcpy(m, h, len + 1);
		m[i] ^= (char)(1u << (i % 7));
		r = tg_pwhash_verify(fx->k, m, "pw-12345!", 9);
		if (r == 0)
			fail_msg("bit flip at %zu accepted: %s", i, m);
	}
	/* the low bit of every character of the salt and hash */
	for (i = len - 66; i < len; i++) {
		memcpy(m, h, len + 1);
		m[i] ^= 1;
		assert_int_not_equal(tg_pwhash_verify(fx->k, m, "pw-12345!", 9), 0);
	}
	/* every truncation */
	for (i = 0; i < len; i++) {
		memcpy(m, h, i);
		m[i] = '\0';
		r = tg_pwhash_verify(fx->k, m, "pw-12345!", 9);
		assert_int_not_equal(r, 0);
	}
	/* trailing data */
	memcpy(m, h, len);
	memcpy(m + len, "A", 2);
	assert_int_not_equal(tg_pwhash_verify(fx->k, m, "pw-12345!", 9), 0);
	/* malformed shapes */
	assert_int_equal(tg_pwhash_verify(fx->k, "", "pw", 2), TG_ERR_INVALID);
	assert_int_equal(tg_pwhash_verify(fx->k, NULL, "pw", 2), TG_ERR_INVALID);
	assert_int_equal(tg_pwhash_verify(fx->k, "tg1$pepper-1", "pw", 2),
	    TG_ERR_INVALID);
	assert_int_equal(tg_pwhash_verify(fx->k, h + 12, "pw-12345!", 9),
	    TG_ERR_INVALID);	/* bare libsodium string, no pepper */
	memcpy(m, h, len + 1);
	memcpy(m + 13, "argon2i$", 8);	/* other algorithm */
	assert_int_equal(tg_pwhash_verify(fx->k, m, "pw-12345!", 9),
	    TG_ERR_INVALID);
	/* no terminating NUL within TG_PWHASH_MAX */
	memset(m, 'A', sizeof(m));
	assert_int_equal(tg_pwhash_verify(fx->k, m, "pw", 2), TG_ERR_INVALID);
}

static void
test_params_bounds(void **state)
{
	struct fixture *fx = *state;
	struct tg_pwhash_params p;
	char h[TG_PWHASH_MAX], m[TG_PWHASH_MAX];

	p = cheap;
	p.parallelism = 2;
	assert_int_equal(tg_pwhash_hash(fx->k, "pepper-1", &p, "pw", 2, h),
	    TG_ERR_INVALID);
	p = cheap;
	p.memory_kib = TG_PWHASH_MEMORY_MIN_KIB - 1;
	assert_int_equal(tg_pwhash_hash(fx->k, "pepper-1", &p, "pw", 2, h),
	    TG_ERR_INVALID);
	p = cheap;
	p.iterations = 0;
	assert_int_equal(tg_pwhash_hash(fx->k, "pepper-1", &p, "pw", 2, h),
	    TG_ERR_INVALID);
	p.iterations = TG_PWHASH_ITERATIONS_MAX + 1;
	assert_int_equal(tg_pwhash_hash(fx->k, "pepper-1", &p, "pw", 2, h),
	    TG_ERR_INVALID);
	assert_int_equal(tg_pwhash_hash(fx->k, "pep$per", &cheap, "pw", 2, h),
	    TG_ERR_INVALID);
	/* a stored string asking for absurd memory is refused before hashing */
	assert_int_equal(tg_pwhash_hash(fx->k, "pepper-1", &cheap, "pw", 2, h),
	    0);
	snprintf(m, sizeof(m), "tg1$pepper-1$argon2id$v=19$m=999999999,t=1,p=1%s",
	    strchr(h + 40, '$'));
	assert_int_equal(tg_pwhash_verify(fx->k, m, "pw", 2), TG_ERR_INVALID);
	snprintf(m, sizeof(m), "tg1$pepper-1$argon2id$v=19$m=08192,t=1,p=1%s",
	    strchr(h + 40, '$'));
	assert_int_equal(tg_pwhash_verify(fx->k, m, "pw", 2), TG_ERR_INVALID);
}

static void
test_needs_rehash(void **state)
{
	struct fixture *fx = *state;
	struct tg_pwhash_params p;
	char h[TG_PWHASH_MAX];

	assert_int_equal(tg_pwhash_hash(fx->k, "pepper-1", &cheap, "pw", 2, h),
	    0);
	assert_int_equal(tg_pwhash_needs_rehash(h, "pepper-1", &cheap), 0);
	p = cheap;
	p.memory_kib = 16384;
	assert_int_equal(tg_pwhash_needs_rehash(h, "pepper-1", &p), 1);
	p = cheap;
	p.iterations = 2;
	assert_int_equal(tg_pwhash_needs_rehash(h, "pepper-1", &p), 1);
	assert_int_equal(tg_pwhash_needs_rehash(h, "pepper-2", &cheap), 1);
	assert_int_equal(tg_pwhash_needs_rehash("garbage", "pepper-1", &cheap), 1);
	assert_int_equal(tg_pwhash_needs_rehash(NULL, "pepper-1", &cheap), 1);
	/* after re-hashing with the new settings nothing more is needed */
	p.iterations = 2;
	assert_int_equal(tg_pwhash_hash(fx->k, "pepper-2", &p, "pw", 2, h), 0);
	assert_int_equal(tg_pwhash_needs_rehash(h, "pepper-2", &p), 0);
	assert_int_equal(tg_pwhash_verify(fx->k, h, "pw", 2), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_right_and_wrong, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pepper_matters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_pepper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bit_flips_and_truncation,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_needs_rehash, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
