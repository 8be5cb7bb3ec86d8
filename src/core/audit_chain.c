/*
 * Audit hash chain: the byte format of core/audit_chain.h, nothing else.
 * docs/audit-format.md documents the same bytes for outside verifiers.
 */
#include "core/audit_chain.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include <tradeguard/error.h>

#define CHAIN_MAGIC "TGAUDIT1"
#define CKPT_MAGIC "TGCKPT1"

/* F(x): uint32 big-endian length, then the bytes. */
static int
chain_field(EVP_MD_CTX *md, const char *s, size_t len)
{
	uint8_t be[4];

	if (len > UINT32_MAX)
		return TG_ERR_INVALID;
	be[0] = (uint8_t)(len >> 24);
	be[1] = (uint8_t)(len >> 16);
	be[2] = (uint8_t)(len >> 8);
	be[3] = (uint8_t)len;
	if (EVP_DigestUpdate(md, be, sizeof(be)) != 1 ||
	    (len > 0 && EVP_DigestUpdate(md, s, len) != 1))
		return TG_ERR_CRYPTO;
	return 0;
}

static int
chain_str(EVP_MD_CTX *md, const char *s)
{
	if (s == NULL)
		s = "";
	return chain_field(md, s, strlen(s));
}

static int
chain_int(EVP_MD_CTX *md, int64_t v)
{
	char num[24];
	int n;

	n = snprintf(num, sizeof(num), "%" PRId64, v);
	if (n < 0 || (size_t)n >= sizeof(num))
		return TG_ERR_INTERNAL;
	return chain_field(md, num, (size_t)n);
}

int
tg_audit_chain_hash(const struct tg_audit_rec *rec, uint8_t out[32])
{
	EVP_MD_CTX *md = NULL;
	unsigned int outlen = 0;
	int r;

	memset(out, 0, 32);
	if ((md = EVP_MD_CTX_new()) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, CHAIN_MAGIC, sizeof(CHAIN_MAGIC) - 1) != 1 ||
	    EVP_DigestUpdate(md, rec->prev_hash, 32) != 1) {
		r = TG_ERR_CRYPTO;
		goto out;
	}
	if ((r = chain_int(md, rec->seq)) != 0 ||
	    (r = chain_int(md, rec->ts)) != 0 ||
	    (r = chain_str(md, rec->type)) != 0 ||
	    (r = chain_str(md, rec->actor)) != 0 ||
	    (r = chain_str(md, rec->subject)) != 0 ||
	    (r = chain_str(md, rec->src)) != 0 ||
	    (r = chain_str(md, rec->ua)) != 0 ||
	    (r = chain_str(md, rec->request_id)) != 0 ||
	    (r = chain_str(md, rec->result)) != 0 ||
	    (r = chain_str(md, rec->details)) != 0)
		goto out;
	if (EVP_DigestFinal_ex(md, out, &outlen) != 1 || outlen != 32) {
		memset(out, 0, 32);
		r = TG_ERR_CRYPTO;
		goto out;
	}
	r = 0;
out:
	EVP_MD_CTX_free(md);
	return r;
}

static void
put_u64be(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

void
tg_audit_checkpoint_msg(int64_t seq, int64_t ts, const uint8_t head[32],
    uint8_t out[TG_CHECKPOINT_MSG_LEN])
{
	size_t off = sizeof(CKPT_MAGIC) - 1;

	memcpy(out, CKPT_MAGIC, off);
	put_u64be(out + off, (uint64_t)seq);
	put_u64be(out + off + 8, (uint64_t)ts);
	memcpy(out + off + 16, head, 32);
}
