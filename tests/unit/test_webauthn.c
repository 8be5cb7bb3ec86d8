/*
 * WebAuthn verification (AUTH-03, AUTH-16, ZT-01) against vectors made by an
 * independent implementation (tests/vectors/make_webauthn_vectors.py:
 * python-fido2 and python-cryptography acting as authenticator and
 * browser).  Every accepted registration and assertion is also shown
 * rejected after bit flips, truncations, appended bytes and policy changes.
 */
#include "helpers.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include <tradeguard/error.h>

#include "crypto/encode.h"
#include "crypto/webauthn.h"
#include "crypto/webauthn_int.h"

#define VEC_MAX		160
#define RP_ID		"login.tradeguard.example"
#define ORIGIN		"https://login.tradeguard.example"

struct blob {
	uint8_t *p;	/* always NUL-terminated one past len */
	size_t len;
};

struct vec {
	char name[128];
	int is_reg;
	int expect;		/* 0 or TG_ERR_* */
	json_t *root;
	json_t *result;		/* borrowed from root; NULL unless expect 0 */
	struct tg_webauthn_policy pol;
	struct blob ch, cd, ao, ad, att_sig, cose, sig;
	int alg;
};

/* One ceremony's inputs, owned, to be altered by a test. */
struct call {
	int is_reg;
	struct tg_webauthn_policy pol;
	struct blob ch, cd, ao, ad, sig, cose;
	int alg;
};

static struct vec vecs[VEC_MAX];
static size_t nvecs;

static const struct {
	const char *name;
	int code;
} err_names[] = {
	{ "ok", 0 },
	{ "TG_ERR_INVALID", TG_ERR_INVALID },
	{ "TG_ERR_AUTH", TG_ERR_AUTH },
	{ "TG_ERR_POLICY", TG_ERR_POLICY },
};

static struct blob
blob_new(const uint8_t *p, size_t len)
{
	struct blob b;

	b.len = len;
	b.p = malloc(len + 1);
	assert_non_null(b.p);
	if (p != NULL && len > 0)
		memcpy(b.p, p, len);
	else
		memset(b.p, 0, len);
	b.p[len] = 0;
	return b;
}

static void
blob_free(struct blob *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
}

static struct blob
blob_hex(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	struct blob b = { NULL, 0 };
	size_t n;

	if (s == NULL)
		return blob_new(NULL, 0);
	n = strlen(s);
	assert_int_equal(n % 2, 0);
	b = blob_new(NULL, n / 2);
	assert_int_equal(tg_hex_decode(s, n, b.p, b.len), 0);
	return b;
}

/* b with one extra byte */
static void
blob_append(struct blob *b, uint8_t c)
{
	uint8_t *p = realloc(b->p, b->len + 2);

	assert_non_null(p);
	b->p = p;
	b->p[b->len++] = c;
	b->p[b->len] = 0;
}

static size_t
blob_find(const struct blob *hay, const struct blob *needle)
{
	const uint8_t *p;

	assert_true(needle->len > 0);
	p = memmem(hay->p, hay->len, needle->p, needle->len);
	assert_non_null(p);
	return (size_t)(p - hay->p);
}

static int
err_code(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(err_names) / sizeof(err_names[0]); i++)
		if (strcmp(err_names[i].name, name) == 0)
			return err_names[i].code;
	fail_msg("unknown expected result %s", name);
	return 1;
}

static void
vec_load(const char *path, const char *file, struct vec *v)
{
	json_error_t jerr;
	json_t *r;

	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", file);
	if ((r = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		fail_msg("%s: %s", path, jerr.text);
	v->root = r;
	v->is_reg = strcmp(json_string_value(json_object_get(r, "kind")),
	    "register") == 0;
	v->expect = err_code(json_string_value(json_object_get(r, "expect")));
	v->result = json_object_get(r, "result");
	assert_int_equal(tg_webauthn_policy_init(&v->pol,
	    json_string_value(json_object_get(r, "rp_id")),
	    json_string_value(json_object_get(r, "origins")),
	    json_is_true(json_object_get(r, "require_uv"))), 0);
	v->ch = blob_hex(r, "challenge");
	v->cd = blob_hex(r, "client_data");
	v->ao = blob_hex(r, "attestation_object");
	v->ad = blob_hex(r, "auth_data");
	v->att_sig = blob_hex(r, "att_sig");
	v->cose = blob_hex(r, "cose_key");
	v->sig = blob_hex(r, "sig");
	v->alg = (int)json_integer_value(json_object_get(r, "alg"));
}

static int
group_setup(void **state)
{
	const char *src = getenv("TG_SOURCE_DIR");
	char dir[1024], path[2048];
	struct dirent *de;
	DIR *d;
	size_t n;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/vectors/webauthn",
	    src != NULL ? src : ".");
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "%s: cannot open (set TG_SOURCE_DIR)\n", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		if (nvecs == VEC_MAX)
			return -1;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		vec_load(path, de->d_name, &vecs[nvecs++]);
	}
	closedir(d);
	return nvecs > 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < nvecs; i++) {
		blob_free(&vecs[i].ch);
		blob_free(&vecs[i].cd);
		blob_free(&vecs[i].ao);
		blob_free(&vecs[i].ad);
		blob_free(&vecs[i].att_sig);
		blob_free(&vecs[i].cose);
		blob_free(&vecs[i].sig);
		json_decref(vecs[i].root);
	}
	return 0;
}

static void
call_init(struct call *c, const struct vec *v)
{
	memset(c, 0, sizeof(*c));
	c->is_reg = v->is_reg;
	c->pol = v->pol;
	c->ch = blob_new(v->ch.p, v->ch.len);
	c->cd = blob_new(v->cd.p, v->cd.len);
	c->ao = blob_new(v->ao.p, v->ao.len);
	c->ad = blob_new(v->ad.p, v->ad.len);
	c->sig = blob_new(v->sig.p, v->sig.len);
	c->cose = blob_new(v->cose.p, v->cose.len);
	c->alg = v->alg;
}

static void
call_free(struct call *c)
{
	blob_free(&c->ch);
	blob_free(&c->cd);
	blob_free(&c->ao);
	blob_free(&c->ad);
	blob_free(&c->sig);
	blob_free(&c->cose);
}

static int
all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* Run the ceremony; outputs are checked to be zero on failure. */
static int
call_run_out(const struct call *c, struct tg_webauthn_credential *cred,
    struct tg_webauthn_assertion *as)
{
	int r;

	memset(cred, 0xa5, sizeof(*cred));
	memset(as, 0xa5, sizeof(*as));
	if (c->is_reg) {
		r = tg_webauthn_register(&c->pol, c->ch.p, c->ch.len, c->cd.p,
		    c->cd.len, c->ao.p, c->ao.len, cred);
		if (r != 0)
			assert_true(all_zero(cred, sizeof(*cred)));
	} else {
		r = tg_webauthn_assert(&c->pol, c->ch.p, c->ch.len, c->cose.p,
		    c->cose.len, c->alg, c->cd.p, c->cd.len, c->ad.p, c->ad.len,
		    c->sig.p, c->sig.len, as);
		if (r != 0)
			assert_true(all_zero(as, sizeof(*as)));
	}
	return r;
}

static int
call_run(const struct call *c)
{
	struct tg_webauthn_credential *cred = malloc(sizeof(*cred));
	struct tg_webauthn_assertion as;
	int r;

	assert_non_null(cred);
	r = call_run_out(c, cred, &as);
	free(cred);
	return r;
}

#define EXPECT(v, what, got, want) do {					\
	int got_ = (got);						\
	if (got_ != (want))						\
		fail_msg("%s: %s: got %d, want %d", (v)->name, (what),	\
		    got_, (want));					\
} while (0)

#define EXPECT_FAIL(v, what, got) do {					\
	int got_ = (got);						\
	if (got_ == 0)							\
		fail_msg("%s: %s: accepted", (v)->name, (what));	\
} while (0)

/* Flip every bit of b[off..off+len) in turn; each must give want (or any
 * failure when want is 1). */
static void
flip_each(const struct vec *v, const char *what, struct call *c,
    struct blob *b, size_t off, size_t len, int want)
{
	char msg[128];
	size_t i;
	int bit, r;

	assert_true(off + len <= b->len);
	for (i = off; i < off + len; i++) {
		for (bit = 0; bit < 8; bit++) {
			b->p[i] ^= (uint8_t)(1u << bit);
			r = call_run(c);
			b->p[i] ^= (uint8_t)(1u << bit);
			snprintf(msg, sizeof(msg), "%s: byte %zu bit %d", what,
			    i - off, bit);
			if (want == 1)
				EXPECT_FAIL(v, msg, r);
			else
				EXPECT(v, msg, r, want);
		}
	}
}

/* Every proper prefix of b must be refused. */
static void
truncate_each(const struct vec *v, const char *what, struct call *c,
    struct blob *b)
{
	char msg[128];
	size_t full = b->len, n;

	for (n = 0; n < full; n++) {
		b->len = n;
		snprintf(msg, sizeof(msg), "%s truncated to %zu", what, n);
		EXPECT_FAIL(v, msg, call_run(c));
	}
	b->len = full;
}

/* The value of "name":"..." in clientDataJSON: offset and length. */
static void
cd_value(const struct blob *cd, const char *name, size_t *off, size_t *len)
{
	char key[64];
	const char *s, *e;

	snprintf(key, sizeof(key), "\"%s\":\"", name);
	s = strstr((const char *)cd->p, key);
	assert_non_null(s);
	s += strlen(key);
	e = strchr(s, '"');
	assert_non_null(e);
	*off = (size_t)(s - (const char *)cd->p);
	*len = (size_t)(e - s);
}

static size_t
cbor_hdr(uint8_t major, size_t n, uint8_t out[5])
{
	if (n < 24) {
		out[0] = (uint8_t)(major << 5 | n);
		return 1;
	}
	if (n < 256) {
		out[0] = (uint8_t)(major << 5 | 24);
		out[1] = (uint8_t)n;
		return 2;
	}
	assert_true(n < 65536);
	out[0] = (uint8_t)(major << 5 | 25);
	out[1] = (uint8_t)(n >> 8);
	out[2] = (uint8_t)n;
	return 3;
}

/*
 * Replace, in the canonical CBOR ao, the byte string whose content is
 * ao[off..off+len) by repl (rlen bytes), re-framing its length.
 */
static void
reframe(struct blob *ao, size_t off, size_t len, const uint8_t *repl,
    size_t rlen)
{
	uint8_t hdr[5], old[5];
	size_t hlen = cbor_hdr(2, len, old), nlen, total;
	struct blob out;

	assert_true(off >= hlen);
	assert_memory_equal(ao->p + off - hlen, old, hlen);
	nlen = cbor_hdr(2, rlen, hdr);
	total = ao->len - hlen - len + nlen + rlen;
	out = blob_new(NULL, total);
	memcpy(out.p, ao->p, off - hlen);
	memcpy(out.p + off - hlen, hdr, nlen);
	memcpy(out.p + off - hlen + nlen, repl, rlen);
	memcpy(out.p + off - hlen + nlen + rlen, ao->p + off + len,
	    ao->len - off - len);
	blob_free(ao);
	*ao = out;
}

/* --- every vector gives its expected result ------------------------------ */

static void
check_hex(const struct vec *v, const char *key, const uint8_t *p, size_t len)
{
	struct blob want = blob_hex(v->result, key);

	if (want.len != len || memcmp(want.p, p, len) != 0)
		fail_msg("%s: %s differs", v->name, key);
	blob_free(&want);
}

static void
check_result(const struct vec *v, const struct tg_webauthn_credential *cred,
    const struct tg_webauthn_assertion *as)
{
	json_t *res = v->result;
	const char *att;
	int att_type;

	assert_non_null(res);
	if (!v->is_reg) {
		EXPECT(v, "sign_count", (int)as->sign_count,
		    (int)json_integer_value(json_object_get(res, "sign_count")));
		EXPECT(v, "uv", as->uv, json_is_true(json_object_get(res, "uv")));
		EXPECT(v, "flags", as->flags,
		    (int)json_integer_value(json_object_get(res, "flags")));
		return;
	}
	check_hex(v, "cred_id", cred->id, cred->id_len);
	check_hex(v, "cose_key", cred->cose_key, cred->cose_key_len);
	check_hex(v, "aaguid", cred->aaguid, sizeof(cred->aaguid));
	EXPECT(v, "alg", cred->alg,
	    (int)json_integer_value(json_object_get(res, "alg")));
	EXPECT(v, "sign_count", (int)cred->sign_count,
	    (int)json_integer_value(json_object_get(res, "sign_count")));
	EXPECT(v, "uv", cred->uv, json_is_true(json_object_get(res, "uv")));
	EXPECT(v, "flags", cred->flags,
	    (int)json_integer_value(json_object_get(res, "flags")));
	assert_string_equal(cred->fmt,
	    json_string_value(json_object_get(res, "fmt")));
	att = json_string_value(json_object_get(res, "att_type"));
	att_type = strcmp(att, "none") == 0 ? TG_WEBAUTHN_ATT_NONE :
	    strcmp(att, "self") == 0 ? TG_WEBAUTHN_ATT_SELF :
	    TG_WEBAUTHN_ATT_BASIC_UNTRUSTED;
	EXPECT(v, "att_type", (int)cred->att_type, att_type);
}

static void
test_vectors(void **state)
{
	struct tg_webauthn_credential *cred = malloc(sizeof(*cred));
	struct tg_webauthn_assertion as;
	size_t i, reg_ok = 0, as_ok = 0, neg = 0;
	struct call c;
	int r;

	(void)state;
	assert_non_null(cred);
	for (i = 0; i < nvecs; i++) {
		call_init(&c, &vecs[i]);
		r = call_run_out(&c, cred, &as);
		EXPECT(&vecs[i], "expected result", r, vecs[i].expect);
		if (r == 0) {
			check_result(&vecs[i], cred, &as);
			if (vecs[i].is_reg)
				reg_ok++;
			else
				as_ok++;
		} else
			neg++;
		call_free(&c);
	}
	free(cred);
	/* the generator's coverage: 3 algs x (none, self, x5c) + extras */
	assert_true(reg_ok >= 13);
	assert_true(as_ok >= 8);
	assert_true(neg >= 40);
}

/* --- policy mutations shared by both ceremonies -------------------------- */

static void
policy_mutations(const struct vec *v, struct call *c, int uv)
{
	struct tg_webauthn_policy keep = c->pol;
	size_t i;
	int bit;

	/* a different expected challenge: every bit, shorter, longer */
	for (i = 0; i < c->ch.len; i++)
		for (bit = 0; bit < 8; bit++) {
			c->ch.p[i] ^= (uint8_t)(1u << bit);
			EXPECT(v, "wrong challenge", call_run(c), TG_ERR_AUTH);
			c->ch.p[i] ^= (uint8_t)(1u << bit);
		}
	c->ch.len--;
	EXPECT(v, "shorter challenge", call_run(c), TG_ERR_AUTH);
	c->ch.len++;
	blob_append(&c->ch, 0);
	EXPECT(v, "longer challenge", call_run(c), TG_ERR_AUTH);
	c->ch.len--;
	/* the origin is not allowed */
	assert_int_equal(tg_webauthn_policy_init(&c->pol, RP_ID,
	    "https://app.tradeguard.example:8443, https://login.tradeguard.example:8443",
	    0), 0);
	EXPECT(v, "wrong origin", call_run(c), TG_ERR_AUTH);
	/* the RP ID is another one (the origin still allowed) */
	assert_int_equal(tg_webauthn_policy_init(&c->pol, "tradeguard.example",
	    ORIGIN, 0), 0);
	EXPECT(v, "wrong rp_id", call_run(c), TG_ERR_AUTH);
	/* user verification required */
	assert_int_equal(tg_webauthn_policy_init(&c->pol, RP_ID, ORIGIN, 1), 0);
	EXPECT(v, "require_uv", call_run(c), uv ? 0 : TG_ERR_POLICY);
	c->pol = keep;
	EXPECT(v, "restored", call_run(c), 0);
}

/* clientDataJSON changes every verifier must notice, signed or not. */
static void
client_data_mutations(const struct vec *v, struct call *c, int signed_cd)
{
	static const char *const fields[] = { "type", "challenge", "origin" };
	size_t i, off, len;

	if (signed_cd) {
		/* the signature covers SHA-256(clientDataJSON): any bit */
		flip_each(v, "clientDataJSON", c, &c->cd, 0, c->cd.len, 1);
	} else {
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			cd_value(&c->cd, fields[i], &off, &len);
			flip_each(v, fields[i], c, &c->cd, off, len, 1);
		}
	}
	truncate_each(v, "clientDataJSON", c, &c->cd);
	blob_append(&c->cd, 'x');
	EXPECT(v, "clientDataJSON trailing byte", call_run(c), TG_ERR_INVALID);
	c->cd.len--;
	EXPECT(v, "restored", call_run(c), 0);
}

/* --- registration -------------------------------------------------------- */

static void
register_mutations(const struct vec *v)
{
	int packed = v->att_sig.len > 0;
	size_t adoff, sigoff, flags;
	struct blob keep;
	struct call c;
	uint8_t f;
	int bit;

	call_init(&c, v);
	EXPECT(v, "baseline", call_run(&c), 0);
	policy_mutations(v, &c,
	    json_is_true(json_object_get(v->result, "uv")));
	client_data_mutations(v, &c, packed);

	adoff = blob_find(&c.ao, &v->ad);
	flags = adoff + 32;
	/* rpIdHash: any bit */
	flip_each(v, "rpIdHash", &c, &c.ao, adoff, 32, TG_ERR_AUTH);
	/* UP cleared; AT cleared; ED set without extensions */
	f = c.ao.p[flags];
	c.ao.p[flags] = (uint8_t)(f & ~TG_WEBAUTHN_FLAG_UP);
	EXPECT(v, "UP cleared", call_run(&c), TG_ERR_AUTH);
	c.ao.p[flags] = (uint8_t)(f & ~TG_WEBAUTHN_FLAG_AT);
	EXPECT(v, "AT cleared", call_run(&c), TG_ERR_INVALID);
	c.ao.p[flags] = (uint8_t)(f ^ TG_WEBAUTHN_FLAG_ED);
	EXPECT(v, "ED flipped", call_run(&c), TG_ERR_INVALID);
	c.ao.p[flags] = f;
	if (packed) {
		/* signed: every flag bit and every byte of authData count */
		for (bit = 0; bit < 8; bit++) {
			c.ao.p[flags] ^= (uint8_t)(1u << bit);
			EXPECT_FAIL(v, "flag bit", call_run(&c));
			c.ao.p[flags] ^= (uint8_t)(1u << bit);
		}
		flip_each(v, "authData", &c, &c.ao, adoff, v->ad.len, 1);
		sigoff = blob_find(&c.ao, &v->att_sig);
		flip_each(v, "attStmt.sig", &c, &c.ao, sigoff, v->att_sig.len,
		    TG_ERR_AUTH);
		/* signature one byte short, one byte long (CBOR re-framed) */
		keep = blob_new(c.ao.p, c.ao.len);
		reframe(&c.ao, sigoff, v->att_sig.len, v->att_sig.p,
		    v->att_sig.len - 1);
		EXPECT(v, "sig truncated", call_run(&c), TG_ERR_AUTH);
		blob_free(&c.ao);
		c.ao = blob_new(keep.p, keep.len);
		reframe(&c.ao, sigoff, v->att_sig.len, v->att_sig.p,
		    v->att_sig.len);
		EXPECT(v, "sig re-framed unchanged", call_run(&c), 0);
		blob_free(&c.ao);
		c.ao = keep;
	}
	/* authData with a trailing byte / one byte short (CBOR re-framed) */
	keep = blob_new(c.ao.p, c.ao.len);
	{
		struct blob ad = blob_new(v->ad.p, v->ad.len);

		blob_append(&ad, 0);
		reframe(&c.ao, adoff, v->ad.len, ad.p, ad.len);
		EXPECT(v, "authData trailing byte", call_run(&c),
		    TG_ERR_INVALID);
		blob_free(&c.ao);
		c.ao = blob_new(keep.p, keep.len);
		reframe(&c.ao, adoff, v->ad.len, ad.p, v->ad.len - 1);
		EXPECT(v, "authData truncated", call_run(&c), TG_ERR_INVALID);
		blob_free(&ad);
	}
	blob_free(&c.ao);
	c.ao = keep;
	/* the attestation object itself: trailing byte, every truncation */
	blob_append(&c.ao, 0);
	EXPECT(v, "attestationObject trailing byte", call_run(&c),
	    TG_ERR_INVALID);
	c.ao.len--;
	truncate_each(v, "attestationObject", &c, &c.ao);
	EXPECT(v, "restored", call_run(&c), 0);
	call_free(&c);
}

static void
test_register_mutations(void **state)
{
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < nvecs; i++) {
		if (!vecs[i].is_reg || vecs[i].expect != 0)
			continue;
		register_mutations(&vecs[i]);
		n++;
	}
	assert_true(n >= 13);
}

/* --- assertion ----------------------------------------------------------- */

/* Another accepted assertion vector's key of the same alg, or NULL. */
static const struct vec *
other_key(const struct vec *v)
{
	size_t i;

	for (i = 0; i < nvecs; i++)
		if (!vecs[i].is_reg && vecs[i].expect == 0 &&
		    vecs[i].alg == v->alg && (vecs[i].cose.len != v->cose.len ||
		    memcmp(vecs[i].cose.p, v->cose.p, v->cose.len) != 0))
			return &vecs[i];
	return NULL;
}

static void
assert_mutations(const struct vec *v)
{
	const struct vec *o;
	struct blob keep;
	struct call c;
	uint8_t f;

	call_init(&c, v);
	EXPECT(v, "baseline", call_run(&c), 0);
	policy_mutations(v, &c,
	    json_is_true(json_object_get(v->result, "uv")));
	client_data_mutations(v, &c, 1);
	/* signature: any bit, any truncation, a trailing byte */
	flip_each(v, "sig", &c, &c.sig, 0, c.sig.len, TG_ERR_AUTH);
	truncate_each(v, "sig", &c, &c.sig);
	blob_append(&c.sig, 0);
	EXPECT(v, "sig trailing byte", call_run(&c), TG_ERR_AUTH);
	c.sig.len--;
	/* authenticatorData: any bit, any truncation, a trailing byte */
	flip_each(v, "rpIdHash", &c, &c.ad, 0, 32, TG_ERR_AUTH);
	flip_each(v, "authData", &c, &c.ad, 0, c.ad.len, 1);
	f = c.ad.p[32];
	c.ad.p[32] = (uint8_t)(f & ~TG_WEBAUTHN_FLAG_UP);
	EXPECT(v, "UP cleared", call_run(&c), TG_ERR_AUTH);
	c.ad.p[32] = f;
	truncate_each(v, "authData", &c, &c.ad);
	blob_append(&c.ad, 0);
	EXPECT(v, "authData trailing byte", call_run(&c), TG_ERR_INVALID);
	c.ad.len--;
	/* the stored alg does not match, another credential's key */
	c.alg = v->alg == TG_WEBAUTHN_ES256 ? TG_WEBAUTHN_EDDSA :
	    TG_WEBAUTHN_ES256;
	EXPECT(v, "alg mismatch", call_run(&c), TG_ERR_INVALID);
	c.alg = v->alg;
	if ((o = other_key(v)) != NULL) {
		keep = c.cose;
		c.cose = o->cose;
		EXPECT(v, "other key", call_run(&c), TG_ERR_AUTH);
		c.cose = keep;
	}
	/* the stored key with a trailing byte */
	blob_append(&c.cose, 0);
	EXPECT(v, "COSE key trailing byte", call_run(&c), TG_ERR_INVALID);
	c.cose.len--;
	EXPECT(v, "restored", call_run(&c), 0);
	call_free(&c);
}

static void
test_assert_mutations(void **state)
{
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < nvecs; i++) {
		if (vecs[i].is_reg || vecs[i].expect != 0)
			continue;
		assert_mutations(&vecs[i]);
		n++;
	}
	assert_true(n >= 8);
}

/* The COSE key a registration returns is what a later assertion takes. */
static void
test_register_then_assert(void **state)
{
	struct tg_webauthn_credential *cred = malloc(sizeof(*cred));
	struct tg_webauthn_assertion as;
	static const char *const algs[] = { "es256", "rs256", "eddsa" };
	const struct vec *reg, *asr;
	char rn[64], an[64];
	struct call c;
	size_t i, j;

	(void)state;
	assert_non_null(cred);
	for (i = 0; i < 3; i++) {
		snprintf(rn, sizeof(rn), "reg_%s_packed_self.json", algs[i]);
		snprintf(an, sizeof(an), "assert_%s_uv.json", algs[i]);
		reg = asr = NULL;
		for (j = 0; j < nvecs; j++) {
			if (strcmp(vecs[j].name, rn) == 0)
				reg = &vecs[j];
			if (strcmp(vecs[j].name, an) == 0)
				asr = &vecs[j];
		}
		assert_non_null(reg);
		assert_non_null(asr);
		call_init(&c, reg);
		assert_int_equal(call_run_out(&c, cred, &as), 0);
		call_free(&c);
		call_init(&c, asr);
		blob_free(&c.cose);
		c.cose = blob_new(cred->cose_key, cred->cose_key_len);
		c.alg = cred->alg;
		assert_int_equal(call_run_out(&c, cred, &as), 0);
		assert_int_equal(as.uv, 1);
		call_free(&c);
	}
	free(cred);
}

/* --- policy -------------------------------------------------------------- */

static void
test_policy_init(void **state)
{
	static const char *const bad_rp[] = {
		"", "Login.example", ".example", "example.", "a..b",
		"-a.example", "a-.example", "exa mple", "example.com:443",
		"https://example.com", "ex_ample.com", "example.com/",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
	};
	static const char *const bad_origins[] = {
		"", ",", " ", "https://a.example,", ",https://a.example",
		"https://a.example,,https://b.example", "https://a.example/",
		"https://a.example/path", "https://a.example:443",
		"http://a.example", "http://localhost:80", "ftp://a.example",
		"https://A.example", "https://a.example:0",
		"https://a.example:65536", "https://a.example:08443",
		"https://", "https://a.example:", "https://user@a.example",
		"https://a.example?x", "https://a.example:8443:1",
		"https://a.example;https://b.example", "a.example",
		"https://[::1]:8443",
	};
	struct tg_webauthn_policy pol;
	char big[1024];
	size_t i;

	(void)state;
	assert_int_equal(tg_webauthn_policy_init(&pol, RP_ID, ORIGIN, 1), 0);
	assert_string_equal(pol.rp_id, RP_ID);
	assert_int_equal(pol.norigins, 1);
	assert_string_equal(pol.origins[0], ORIGIN);
	assert_int_equal(pol.require_uv, 1);
	assert_int_equal(tg_webauthn_policy_init(&pol, "localhost",
	    " https://localhost:8443 ,\thttp://localhost:8080,https://a-b.c.example ",
	    7), 0);
	assert_int_equal(pol.norigins, 3);
	assert_string_equal(pol.origins[0], "https://localhost:8443");
	assert_string_equal(pol.origins[1], "http://localhost:8080");
	assert_string_equal(pol.origins[2], "https://a-b.c.example");
	assert_int_equal(pol.require_uv, 1);
	for (i = 0; i < sizeof(bad_rp) / sizeof(bad_rp[0]); i++) {
		if (tg_webauthn_policy_init(&pol, bad_rp[i], ORIGIN, 0) !=
		    TG_ERR_INVALID)
			fail_msg("rp_id \"%s\" accepted", bad_rp[i]);
		assert_true(all_zero(&pol, sizeof(pol)));
	}
	for (i = 0; i < sizeof(bad_origins) / sizeof(bad_origins[0]); i++)
		if (tg_webauthn_policy_init(&pol, RP_ID, bad_origins[i], 0) !=
		    TG_ERR_INVALID)
			fail_msg("origins \"%s\" accepted", bad_origins[i]);
	/* at most TG_WEBAUTHN_ORIGINS_MAX origins */
	big[0] = '\0';
	for (i = 0; i < TG_WEBAUTHN_ORIGINS_MAX; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big),
		    "%shttps://o%zu.example", i ? "," : "", i);
	assert_int_equal(tg_webauthn_policy_init(&pol, RP_ID, big, 0), 0);
	assert_int_equal(pol.norigins, TG_WEBAUTHN_ORIGINS_MAX);
	strcat(big, ",https://one.more.example");
	assert_int_equal(tg_webauthn_policy_init(&pol, RP_ID, big, 0),
	    TG_ERR_INVALID);
	/* an origin longer than TG_WEBAUTHN_ORIGIN_MAX */
	memset(big, 'a', sizeof(big));
	memcpy(big, "https://", 8);
	for (i = 8 + 60; i < 300; i += 61)
		big[i] = '.';
	big[300] = '\0';
	assert_int_equal(tg_webauthn_policy_init(&pol, RP_ID, big, 0),
	    TG_ERR_INVALID);
	/* NULL arguments */
	assert_int_equal(tg_webauthn_policy_init(NULL, RP_ID, ORIGIN, 0),
	    TG_ERR_INVALID);
	assert_int_equal(tg_webauthn_policy_init(&pol, NULL, ORIGIN, 0),
	    TG_ERR_INVALID);
	assert_int_equal(tg_webauthn_policy_init(&pol, RP_ID, NULL, 0),
	    TG_ERR_INVALID);
}

/* --- clientDataJSON ------------------------------------------------------ */

static int
cd_check(const char *type, const uint8_t *ch, size_t chlen, const char *json)
{
	struct tg_webauthn_policy pol;

	assert_int_equal(tg_webauthn_policy_init(&pol, RP_ID,
	    ORIGIN ",https://app.tradeguard.example:8443", 0), 0);
	return tg_webauthn_client_data_verify(&pol, type, ch, chlen,
	    (const uint8_t *)json, strlen(json));
}

/* tmpl with its one "%s" replaced by ch (no printf: the template is data) */
static void
subst(const char *tmpl, const char *ch, char *out, size_t cap)
{
	const char *p = strstr(tmpl, "%s");
	size_t a;

	assert_non_null(p);
	a = (size_t)(p - tmpl);
	assert_true(strlen(tmpl) - 2 + strlen(ch) < cap);
	memcpy(out, tmpl, a);
	memcpy(out + a, ch, strlen(ch));
	memcpy(out + a + strlen(ch), p + 2, strlen(p + 2) + 1);
}

static void
test_client_data(void **state)
{
	static const struct {
		const char *json;	/* %s: the challenge */
		int want;
	} cases[] = {
		{ "{\"type\":\"webauthn.get\",\"challenge\":\"%s\",\"origin\":\""
		    ORIGIN "\"}", 0 },
		{ "{\"origin\":\"https://app.tradeguard.example:8443\","
		    "\"challenge\":\"%s\",\"type\":\"webauthn.get\","
		    "\"crossOrigin\":false,\"tokenBinding\":{\"status\":"
		    "\"present\",\"id\":\"AAAA\"},\"x\":[1,{}]}", 0 },
		{ " {\"type\":\"webauthn.get\",\"challenge\":\"%s\",\"origin\":"
		    "\"https:\\/\\/login.tradeguard.example\"}\n", 0 },
		{ "{\"type\":\"webauthn.get\",\"challenge\":\"%s\",\"origin\":\""
		    ORIGIN "\",\"crossOrigin\":true}", TG_ERR_POLICY },
		{ "{\"type\":\"webauthn.get\",\"challenge\":\"%s\",\"origin\":\""
		    ORIGIN "\",\"crossOrigin\":\"true\"}", TG_ERR_INVALID },
		{ "{\"type\":\"webauthn.get\",\"challenge\":\"%s\",\"origin\":\""
		    ORIGIN "\",\"crossOrigin\":null}", TG_ERR_INVALID },
		{ "{\"type\":\"webauthn.create\",\"challenge\":\"%s\","
		    "\"origin\":\"" ORIGIN "\"}", TG_ERR_AUTH },
		{ "{\"type\":\"webauthn.get \",\"challenge\":\"%s\","
		    "\"origin\":\"" ORIGIN "\"}", TG_ERR_AUTH },
		{ "{\"challenge\":\"%s\",\"origin\":\"" ORIGIN "\"}",
		    TG_ERR_INVALID },
		{ "{\"type\":1,\"challenge\":\"%s\",\"origin\":\"" ORIGIN "\"}",
		    TG_ERR_INVALID },
		{ "{\"type\":\"webauthn.get\",\"origin\":\"" ORIGIN "\"}%s",
		    TG_ERR_INVALID },
		{ "{\"type\":\"webauthn.get\",\"challenge\":\"%s=\","
		    "\"origin\":\"" ORIGIN "\"}", TG_ERR_INVALID },
		{ "{\"type\":\"webauthn.get\",\"challenge\":\"%sAAAA\","
		    "\"origin\":\"" ORIGIN "\"}", TG_ERR_AUTH },
		{ "{\"type\":\"webauthn.get\",\"challenge\":\"%s\"}",
		    TG_ERR_INVALID },
		{ "{\"type\":\"webauthn.get\",\"challenge\":\"%s\","
		    "\"origin\":\"" ORIGIN "/\"}", TG_ERR_AUTH },
		{ "{\"type\":\"webauthn.get\",\"challenge\":\"%s\","
		    "\"origin\":\"https://LOGIN.tradeguard.example\"}", TG_ERR_AUTH },
		{ "{\"type\":\"webauthn.get\",\"challenge\":\"%s\","
		    "\"origin\":\"" ORIGIN "\\u0000\"}", TG_ERR_INVALID },
		{ "{\"type\":\"webauthn.get\",\"challenge\":\"%s\","
		    "\"origin\":[\"" ORIGIN "\"]}", TG_ERR_INVALID },
		{ "{\"type\":\"webauthn.get\",\"challenge\":\"%s\","
		    "\"origin\":\"" ORIGIN "\",\"origin\":\"" ORIGIN "\"}",
		    TG_ERR_INVALID },
		{ "{\"type\":\"webauthn.get\",\"challenge\":\"%s\","
		    "\"origin\":\"" ORIGIN "\"}x", TG_ERR_INVALID },
		{ "[\"webauthn.get\",\"%s\"]", TG_ERR_INVALID },
		{ "{\"type\":\"webauthn.get\",\"challenge\":\"%s\","
		    "\"origin\":\"" ORIGIN "\xff\"}", TG_ERR_INVALID },
	};
	uint8_t ch[32];
	char enc[64], json[1024], bad[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ch); i++)
		ch[i] = (uint8_t)(0xf0 + i * 3);
	tg_b64url_encode(ch, sizeof(ch), enc);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		subst(cases[i].json, enc, json, sizeof(json));
		if (cd_check("webauthn.get", ch, sizeof(ch), json) !=
		    cases[i].want)
			fail_msg("case %zu (%s): want %d", i, json, cases[i].want);
	}
	/* standard base64 alphabet instead of URL-safe */
	snprintf(bad, sizeof(bad), "%s", enc);
	assert_non_null(strpbrk(bad, "-_"));
	for (i = 0; bad[i] != '\0'; i++)
		bad[i] = bad[i] == '-' ? '+' : bad[i] == '_' ? '/' : bad[i];
	snprintf(json, sizeof(json), "{\"type\":\"webauthn.get\",\"challenge\":"
	    "\"%s\",\"origin\":\"" ORIGIN "\"}", bad);
	assert_int_equal(cd_check("webauthn.get", ch, sizeof(ch), json),
	    TG_ERR_INVALID);
	/* challenge length bounds, sizes, NULLs */
	snprintf(json, sizeof(json), "{\"type\":\"webauthn.get\",\"challenge\":"
	    "\"%s\",\"origin\":\"" ORIGIN "\"}", enc);
	assert_int_equal(cd_check("webauthn.get", ch, 15, json), TG_ERR_INVALID);
	assert_int_equal(cd_check("webauthn.get", ch, 31, json), TG_ERR_AUTH);
	assert_int_equal(cd_check("webauthn.get", NULL, 32, json),
	    TG_ERR_INVALID);
	{
		struct tg_webauthn_policy pol;
		uint8_t big[TG_WEBAUTHN_CHALLENGE_MAX + 1] = { 0 };
		char *huge = malloc(TG_WEBAUTHN_CLIENT_DATA_MAX + 2);

		assert_non_null(huge);
		assert_int_equal(tg_webauthn_policy_init(&pol, RP_ID, ORIGIN,
		    0), 0);
		assert_int_equal(tg_webauthn_client_data_verify(&pol,
		    "webauthn.get", big, sizeof(big), (const uint8_t *)json,
		    strlen(json)), TG_ERR_INVALID);
		assert_int_equal(tg_webauthn_client_data_verify(&pol,
		    "webauthn.get", ch, sizeof(ch), (const uint8_t *)json, 0),
		    TG_ERR_INVALID);
		assert_int_equal(tg_webauthn_client_data_verify(NULL,
		    "webauthn.get", ch, sizeof(ch), (const uint8_t *)json,
		    strlen(json)), TG_ERR_INVALID);
		/* an embedded NUL inside the given length */
		assert_int_equal(tg_webauthn_client_data_verify(&pol,
		    "webauthn.get", ch, sizeof(ch), (const uint8_t *)json,
		    strlen(json) + 1), TG_ERR_INVALID);
		/* larger than TG_WEBAUTHN_CLIENT_DATA_MAX, padded with spaces */
		memset(huge, ' ', TG_WEBAUTHN_CLIENT_DATA_MAX + 1);
		memcpy(huge, json, strlen(json));
		assert_int_equal(tg_webauthn_client_data_verify(&pol,
		    "webauthn.get", ch, sizeof(ch), (const uint8_t *)huge,
		    TG_WEBAUTHN_CLIENT_DATA_MAX), 0);
		assert_int_equal(tg_webauthn_client_data_verify(&pol,
		    "webauthn.get", ch, sizeof(ch), (const uint8_t *)huge,
		    TG_WEBAUTHN_CLIENT_DATA_MAX + 1), TG_ERR_INVALID);
		free(huge);
	}
}

/* --- authenticatorData --------------------------------------------------- */

static void
test_authdata_parse(void **state)
{
	struct tg_webauthn_authdata ad;
	uint8_t buf[64];
	size_t i, n;

	(void)state;
	memset(buf, 0x11, 32);
	buf[32] = TG_WEBAUTHN_FLAG_UP;
	buf[33] = 0x01;
	buf[34] = 0x02;
	buf[35] = 0x03;
	buf[36] = 0x04;
	assert_int_equal(tg_webauthn_authdata_parse(buf, 37, &ad), 0);
	assert_int_equal(ad.sign_count, 0x01020304);
	assert_int_equal(ad.flags, TG_WEBAUTHN_FLAG_UP);
	assert_int_equal(ad.cred_id_len + ad.cose_key_len + ad.ext_len, 0);
	assert_int_equal(tg_webauthn_authdata_parse(buf, 36, &ad),
	    TG_ERR_INVALID);
	assert_int_equal(tg_webauthn_authdata_parse(buf, 38, &ad),
	    TG_ERR_INVALID);		/* trailing byte */
	assert_int_equal(tg_webauthn_authdata_parse(NULL, 37, &ad),
	    TG_ERR_INVALID);
	/* BS needs BE */
	buf[32] = TG_WEBAUTHN_FLAG_UP | TG_WEBAUTHN_FLAG_BS;
	assert_int_equal(tg_webauthn_authdata_parse(buf, 37, &ad),
	    TG_ERR_INVALID);
	buf[32] |= TG_WEBAUTHN_FLAG_BE;
	assert_int_equal(tg_webauthn_authdata_parse(buf, 37, &ad), 0);
	/* AT without the data */
	buf[32] = TG_WEBAUTHN_FLAG_UP | TG_WEBAUTHN_FLAG_AT;
	assert_int_equal(tg_webauthn_authdata_parse(buf, 37, &ad),
	    TG_ERR_INVALID);
	/* AT with credIdLen 0 and a key */
	memset(buf + 37, 0, 16);
	buf[53] = 0;
	buf[54] = 0;
	buf[55] = 0xa0;
	assert_int_equal(tg_webauthn_authdata_parse(buf, 56, &ad),
	    TG_ERR_INVALID);
	/* AT with a 1-byte ID and an (empty) map as key */
	buf[54] = 1;
	buf[55] = 0x77;
	buf[56] = 0xa0;
	assert_int_equal(tg_webauthn_authdata_parse(buf, 57, &ad), 0);
	assert_int_equal(ad.cred_id_off, 55);
	assert_int_equal(ad.cred_id_len, 1);
	assert_int_equal(ad.cose_key_off, 56);
	assert_int_equal(ad.cose_key_len, 1);
	/* the key is not a map */
	buf[56] = 0x80;
	assert_int_equal(tg_webauthn_authdata_parse(buf, 57, &ad),
	    TG_ERR_INVALID);
	/* ED: a map follows, exactly */
	buf[32] = TG_WEBAUTHN_FLAG_UP | TG_WEBAUTHN_FLAG_ED;
	buf[37] = 0xa1;
	buf[38] = 0x61;
	buf[39] = 'x';
	buf[40] = 0xf5;
	assert_int_equal(tg_webauthn_authdata_parse(buf, 41, &ad), 0);
	assert_int_equal(ad.ext_off, 37);
	assert_int_equal(ad.ext_len, 4);
	for (n = 37; n < 41; n++)
		assert_int_equal(tg_webauthn_authdata_parse(buf, n, &ad),
		    TG_ERR_INVALID);
	buf[41] = 0;
	assert_int_equal(tg_webauthn_authdata_parse(buf, 42, &ad),
	    TG_ERR_INVALID);
	buf[37] = 0x81;		/* an array instead of a map */
	assert_int_equal(tg_webauthn_authdata_parse(buf, 41, &ad),
	    TG_ERR_INVALID);
	/* the registration vectors: offsets point at the ID and the key */
	for (i = 0; i < nvecs; i++) {
		struct blob id, key;

		if (!vecs[i].is_reg || vecs[i].expect != 0)
			continue;
		assert_int_equal(tg_webauthn_authdata_parse(vecs[i].ad.p,
		    vecs[i].ad.len, &ad), 0);
		id = blob_hex(vecs[i].result, "cred_id");
		key = blob_hex(vecs[i].result, "cose_key");
		assert_int_equal(ad.cred_id_len, id.len);
		assert_memory_equal(vecs[i].ad.p + ad.cred_id_off, id.p, id.len);
		assert_int_equal(ad.cose_key_len, key.len);
		assert_memory_equal(vecs[i].ad.p + ad.cose_key_off, key.p,
		    key.len);
		blob_free(&id);
		blob_free(&key);
	}
}

/* --- COSE keys ----------------------------------------------------------- */

static const struct vec *
find_vec(const char *name)
{
	size_t i;

	for (i = 0; i < nvecs; i++)
		if (strcmp(vecs[i].name, name) == 0)
			return &vecs[i];
	fail_msg("vector %s missing", name);
	return NULL;
}

static int
cose_try(const uint8_t *p, size_t len)
{
	EVP_PKEY *pk = (EVP_PKEY *)&pk;	/* must be reset */
	int alg = 99, r;

	r = tg_webauthn_cose_key_load(p, len, &alg, &pk);
	if (r != 0) {
		assert_null(pk);
		assert_int_equal(alg, 0);
	}
	EVP_PKEY_free(pk);
	return r == 0 ? alg : r;
}

static void
test_cose_key(void **state)
{
	static const char *const names[] = {
		"assert_es256_up.json", "assert_rs256_up.json",
		"assert_eddsa_up.json",
	};
	static const int algs[] = { -7, -257, -8 };
	const struct vec *v;
	struct blob k;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		v = find_vec(names[i]);
		assert_int_equal(cose_try(v->cose.p, v->cose.len), algs[i]);
		/* trailing byte, every truncation */
		k = blob_new(v->cose.p, v->cose.len);
		blob_append(&k, 0);
		assert_int_equal(cose_try(k.p, k.len), TG_ERR_INVALID);
		for (k.len = 0; k.len < v->cose.len; k.len++)
			assert_int_equal(cose_try(k.p, k.len), TG_ERR_INVALID);
		blob_free(&k);
	}
	v = find_vec("assert_es256_up.json");
	/* canonical ES256 key: a5 01 02 03 26 20 01 21 58 20 <x> 22 58 20 <y> */
	assert_int_equal(v->cose.p[0], 0xa5);
	k = blob_new(v->cose.p, v->cose.len);
	/* + kid (label 2, a byte string): allowed */
	k.p[0] = 0xa6;
	blob_append(&k, 0x02);
	blob_append(&k, 0x41);
	blob_append(&k, 0x07);
	assert_int_equal(cose_try(k.p, k.len), -7);
	/* kid that is not a byte string */
	k.p[k.len - 2] = 0x01;
	k.len--;
	assert_int_equal(cose_try(k.p, k.len), TG_ERR_INVALID);
	/* a repeated label (kty again) */
	k.p[k.len - 2] = 0x01;
	k.p[k.len - 1] = 0x02;
	assert_int_equal(cose_try(k.p, k.len), TG_ERR_INVALID);
	/* key_ops (label 4) and an unknown negative label */
	k.p[k.len - 2] = 0x04;
	assert_int_equal(cose_try(k.p, k.len), TG_ERR_INVALID);
	k.p[k.len - 2] = 0x23;	/* -4: d */
	assert_int_equal(cose_try(k.p, k.len), TG_ERR_INVALID);
	blob_free(&k);
	/* crv P-384 with ES256, a 31-byte x */
	k = blob_new(v->cose.p, v->cose.len);
	k.p[6] = 0x02;
	assert_int_equal(cose_try(k.p, k.len), TG_ERR_INVALID);
	blob_free(&k);
	k = blob_new(v->cose.p, v->cose.len);
	k.p[9] = 0x1f;
	assert_int_equal(cose_try(k.p, k.len), TG_ERR_INVALID);
	blob_free(&k);
	assert_int_equal(cose_try(NULL, 10), TG_ERR_INVALID);
	{
		uint8_t big[TG_WEBAUTHN_COSE_KEY_MAX + 1] = { 0xa0 };

		assert_int_equal(cose_try(big, sizeof(big)), TG_ERR_INVALID);
		assert_int_equal(cose_try(big, 1), TG_ERR_INVALID);
	}
}

/* --- the bounded CBOR front end ------------------------------------------ */

static int
cbor_len(const char *hex, size_t *n)
{
	uint8_t buf[128];
	size_t len = strlen(hex) / 2;

	assert_true(len <= sizeof(buf));
	assert_int_equal(tg_hex_decode(hex, 2 * len, buf, len), 0);
	return tg_webauthn_cbor_len(buf, len, n);
}

static int
map_ok(const char *hex)
{
	uint8_t buf[128];
	size_t len = strlen(hex) / 2;
	cbor_item_t *it = NULL;
	int r;

	assert_int_equal(tg_hex_decode(hex, 2 * len, buf, len), 0);
	if ((r = tg_webauthn_cbor_load(buf, len, &it)) != 0)
		return r;
	r = tg_webauthn_map_check(it);
	cbor_decref(&it);
	return r;
}

static void
test_cbor_bounds(void **state)
{
	static const struct {
		const char *hex;
		int want;
		size_t len;
	} cases[] = {
		{ "00", 0, 1 }, { "1bffffffffffffffff", 0, 9 },
		{ "3bffffffffffffffff", 0, 9 }, { "a1010203", 0, 3 },
		{ "f5", 0, 1 }, { "f6", 0, 1 }, { "f90000", 0, 3 },
		{ "fb0000000000000000", 0, 9 }, { "4100", 0, 2 },
		{ "80", 0, 1 }, { "a0", 0, 1 },
		{ "", TG_ERR_INVALID, 0 },
		{ "18", TG_ERR_INVALID, 0 },		/* missing argument */
		{ "1c", TG_ERR_INVALID, 0 },		/* reserved */
		{ "4201", TG_ERR_INVALID, 0 },		/* short string */
		{ "5b0000000100000000", TG_ERR_INVALID, 0 },
		{ "9bffffffffffffffff", TG_ERR_INVALID, 0 },
		{ "bbffffffffffffffff", TG_ERR_INVALID, 0 },
		{ "9a0001000000", TG_ERR_INVALID, 0 },
		{ "a201020304", 0, 5 }, { "a2010203", TG_ERR_INVALID, 0 },
		{ "5f4100ff", TG_ERR_INVALID, 0 },	/* indefinite */
		{ "9fff", TG_ERR_INVALID, 0 },
		{ "bfff", TG_ERR_INVALID, 0 },
		{ "c000", TG_ERR_INVALID, 0 },		/* tag */
		{ "f820", TG_ERR_INVALID, 0 },		/* simple(32) */
		{ "e0", TG_ERR_INVALID, 0 },		/* simple(0) */
		{ "ff", TG_ERR_INVALID, 0 },		/* break */
		{ "8181818181818100", 0, 8 },		/* depth 7 */
		{ "818181818181818100", 0, 9 },		/* depth 8 */
		{ "81818181818181818100", TG_ERR_INVALID, 0 },	/* depth 9 */
	};
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cbor_len(cases[i].hex, &n) != cases[i].want)
			fail_msg("case %s", cases[i].hex);
		assert_int_equal(n, cases[i].len);
	}
	/* an item followed by more bytes: the item's length */
	assert_int_equal(cbor_len("a10102ff00", &n), 0);
	assert_int_equal(n, 3);
	/* maps the verifier reads: distinct int or text keys, <= 16 pairs */
	assert_int_equal(map_ok("a201002000"), 0);
	assert_int_equal(map_ok("a2616101616102"), TG_ERR_INVALID);
	assert_int_equal(map_ok("a201000100"), TG_ERR_INVALID);
	assert_int_equal(map_ok("a2200020"), TG_ERR_INVALID);
	assert_int_equal(map_ok("a2200021"), TG_ERR_INVALID);
	assert_int_equal(map_ok("a1410000"), TG_ERR_INVALID);	/* bytes key */
	assert_int_equal(map_ok("a1f500"), TG_ERR_INVALID);	/* bool key */
	assert_int_equal(map_ok("80"), TG_ERR_INVALID);
	assert_int_equal(map_ok("a0"), 0);
	assert_int_equal(map_ok("b0" "0000010002000300040005000600070008000900"
	    "0a000b000c000d000e000f00"), 0);
	assert_int_equal(map_ok("b1" "0000010002000300040005000600070008000900"
	    "0a000b000c000d000e000f001000"), TG_ERR_INVALID);
	assert_int_equal(map_ok("a10102ff"), TG_ERR_INVALID);	/* trailing */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_register_mutations),
		cmocka_unit_test(test_assert_mutations),
		cmocka_unit_test(test_register_then_assert),
		cmocka_unit_test(test_policy_init),
		cmocka_unit_test(test_client_data),
		cmocka_unit_test(test_authdata_parse),
		cmocka_unit_test(test_cose_key),
		cmocka_unit_test(test_cbor_bounds),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
