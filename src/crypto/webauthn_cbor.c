/*
 * The bounded CBOR front end of the WebAuthn verifier.  libcbor 0.8
 * allocates arrays and maps for the element count the header claims, and
 * frees nested items recursively, so untrusted bytes are first walked by
 * tg_webauthn_cbor_len: it proves the item well-formed, definite, shallow
 * and no larger than the input before libcbor sees it.
 */
#include "crypto/webauthn_int.h"

#include <string.h>

#include <tradeguard/error.h>

/* A read position inside p[0..len); off never exceeds len. */
struct cbor_cur {
	const uint8_t *p;
	size_t len;
	size_t off;
};

/* Read one item head: major type, additional info and argument. */
static int
cbor_head(struct cbor_cur *c, unsigned *major, unsigned *ai, uint64_t *arg)
{
	size_t n, i;
	uint8_t b;

	if (c->off >= c->len)
		return TG_ERR_INVALID;
	b = c->p[c->off];
	c->off++;
	*major = b >> 5;
	*ai = b & 0x1f;
	*arg = 0;
	if (*ai < 24) {
		*arg = *ai;
		return 0;
	}
	switch (*ai) {
	case 24:
		n = 1;
		break;
	case 25:
		n = 2;
		break;
	case 26:
		n = 4;
		break;
	case 27:
		n = 8;
		break;
	default:		/* 28..30 reserved, 31 indefinite/break */
		return TG_ERR_INVALID;
	}
	if (c->len - c->off < n)
		return TG_ERR_INVALID;
	for (i = 0; i < n; i++)
		*arg = (*arg << 8) | c->p[c->off + i];
	c->off += n;
	return 0;
}

int
tg_webauthn_cbor_len(const uint8_t *p, size_t len, size_t *itemlen)
{
	struct cbor_cur c = { p, len, 0 };
	uint64_t need[TG_WEBAUTHN_CBOR_DEPTH + 1];
	uint64_t arg, n;
	unsigned major, ai;
	size_t d = 0, left;
	int r;

	*itemlen = 0;
	if (p == NULL)
		return TG_ERR_INVALID;
	need[0] = 1;
	for (;;) {
		if (need[d] == 0) {
			if (d == 0)
				break;
			d--;
			continue;
		}
		need[d]--;
		if ((r = cbor_head(&c, &major, &ai, &arg)) != 0)
			return r;
		left = c.len - c.off;
		switch (major) {
		case 0:		/* unsigned integer */
		case 1:		/* negative integer */
			break;
		case 2:		/* byte string */
		case 3:		/* text string */
			if (arg > left)
				return TG_ERR_INVALID;
			c.off += (size_t)arg;
			break;
		case 4:		/* array: each element needs a byte at least */
		case 5:		/* map: two items per pair */
			if (major == 4) {
				if (arg > left)
					return TG_ERR_INVALID;
				n = arg;
			} else {
				if (arg > left / 2)
					return TG_ERR_INVALID;
				n = 2 * arg;
			}
			if (n == 0)
				break;
			if (d == TG_WEBAUTHN_CBOR_DEPTH)
				return TG_ERR_INVALID;
			d++;
			need[d] = n;
			break;
		case 7:		/* false, true, null, undefined, floats */
			if (ai < 20 || ai == 24)
				return TG_ERR_INVALID;
			break;
		default:	/* 6: tags are not used by WebAuthn */
			return TG_ERR_INVALID;
		}
	}
	*itemlen = c.off;
	return 0;
}

int
tg_webauthn_cbor_load(const uint8_t *p, size_t len, cbor_item_t **item)
{
	struct cbor_load_result res;
	cbor_item_t *it;
	size_t n;
	int r;

	*item = NULL;
	if ((r = tg_webauthn_cbor_len(p, len, &n)) != 0)
		return r;
	if (n != len)
		return TG_ERR_INVALID;	/* trailing bytes */
	memset(&res, 0, sizeof(res));
	it = cbor_load(p, len, &res);
	if (it == NULL)
		return res.error.code == CBOR_ERR_MEMERROR ?
		    TG_ERR_NOMEM : TG_ERR_INVALID;
	if (res.error.code != CBOR_ERR_NONE || res.read != len) {
		cbor_decref(&it);
		return TG_ERR_INVALID;
	}
	*item = it;
	return 0;
}

int
tg_webauthn_cbor_int(const cbor_item_t *item, int64_t *v)
{
	uint64_t u;

	*v = 0;
	if (item == NULL || !(cbor_isa_uint(item) || cbor_isa_negint(item)))
		return TG_ERR_INVALID;
	u = cbor_get_int(item);
	if (u > (uint64_t)INT64_MAX)
		return TG_ERR_INVALID;
	*v = cbor_isa_uint(item) ? (int64_t)u : -1 - (int64_t)u;
	return 0;
}

int
tg_webauthn_cbor_bytes(const cbor_item_t *item, const uint8_t **p,
    size_t *len)
{
	*p = NULL;
	*len = 0;
	if (item == NULL || !cbor_isa_bytestring(item) ||
	    !cbor_bytestring_is_definite(item))
		return TG_ERR_INVALID;
	*len = cbor_bytestring_length(item);
	*p = *len == 0 ? (const uint8_t *)"" : cbor_bytestring_handle(item);
	return *p == NULL ? TG_ERR_INVALID : 0;
}

/* 1 if the key is an integer or a definite text string. */
static int
map_key_ok(const cbor_item_t *k)
{
	int64_t v;

	if (cbor_isa_string(k))
		return cbor_string_is_definite(k);
	return tg_webauthn_cbor_int(k, &v) == 0;
}

static int
map_key_equal(const cbor_item_t *a, const cbor_item_t *b)
{
	size_t n;

	if (cbor_isa_string(a) && cbor_isa_string(b)) {
		n = cbor_string_length(a);
		return n == cbor_string_length(b) &&
		    (n == 0 || memcmp(cbor_string_handle(a),
		    cbor_string_handle(b), n) == 0);
	}
	if (cbor_isa_uint(a) && cbor_isa_uint(b))
		return cbor_get_int(a) == cbor_get_int(b);
	if (cbor_isa_negint(a) && cbor_isa_negint(b))
		return cbor_get_int(a) == cbor_get_int(b);
	return 0;
}

int
tg_webauthn_map_check(const cbor_item_t *map)
{
	struct cbor_pair *pairs;
	size_t n, i, j;

	if (map == NULL || !cbor_isa_map(map) || !cbor_map_is_definite(map))
		return TG_ERR_INVALID;
	n = cbor_map_size(map);
	if (n > TG_WEBAUTHN_MAP_MAX)
		return TG_ERR_INVALID;
	if (n == 0)
		return 0;
	if ((pairs = cbor_map_handle(map)) == NULL)
		return TG_ERR_INVALID;
	for (i = 0; i < n; i++) {
		if (pairs[i].key == NULL || pairs[i].value == NULL ||
		    !map_key_ok(pairs[i].key))
			return TG_ERR_INVALID;
		for (j = 0; j < i; j++)
			if (map_key_equal(pairs[i].key, pairs[j].key))
				return TG_ERR_INVALID;
	}
	return 0;
}

cbor_item_t *
tg_webauthn_map_int(const cbor_item_t *map, int64_t key)
{
	struct cbor_pair *pairs = cbor_map_handle(map);
	size_t n = cbor_map_size(map), i;
	int64_t v;

	for (i = 0; i < n; i++)
		if (tg_webauthn_cbor_int(pairs[i].key, &v) == 0 && v == key)
			return pairs[i].value;
	return NULL;
}

cbor_item_t *
tg_webauthn_map_text(const cbor_item_t *map, const char *key)
{
	struct cbor_pair *pairs = cbor_map_handle(map);
	size_t n = cbor_map_size(map), klen = strlen(key), i;

	for (i = 0; i < n; i++) {
		if (!cbor_isa_string(pairs[i].key) ||
		    !cbor_string_is_definite(pairs[i].key) ||
		    cbor_string_length(pairs[i].key) != klen)
			continue;
		if (klen == 0 ||
		    memcmp(cbor_string_handle(pairs[i].key), key, klen) == 0)
			return pairs[i].value;
	}
	return NULL;
}
