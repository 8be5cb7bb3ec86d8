#include "service/enrol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <tradeguard/error.h>

#include "core/totp.h"
#include "crypto/qr.h"
#include "service/customer.h"
#include "service/factor.h"
#include "service/stepup.h"

#define TOTP_SECRET_BYTES 20	/* 160 bits, RFC 4226's recommendation */

/* Additional data binding a sealed TOTP secret to its owner. */
static void
totp_aad(int64_t customer_id, char *buf, size_t len)
{
	snprintf(buf, len, "totp:%lld", (long long)customer_id);
}

int
tg_enrol_totp_secret(tg_ctx *ctx, const struct tg_factor *f, uint8_t *key,
    size_t cap, size_t *keylen)
{
	char aad[32];

	totp_aad(f->customer_id, aad, sizeof(aad));
	return tg_keys_open(ctx->keys, aad, strlen(aad), f->secret, f->secret_len,
	    key, cap, keylen);
}

struct pending {
	tg_db *db;
	int64_t customer_id;
};

static int
drop_pending(const struct tg_factor *f, void *arg)
{
	struct pending *p = arg;

	if (!f->active)
		(void)tg_db_factor_delete(p->db, p->customer_id, f->id);
	return 0;
}

int
tg_enrol_totp_begin(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, const char *name,
    struct tg_totp_enrolment *out)
{
	tg_db *db = tg_store_db(ctx->store);
	const struct tg_customer *c = &si->customer;
	uint8_t secret[TOTP_SECRET_BYTES];
	struct tg_factor f;
	struct pending pend;
	char aad[32];
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL)
		return TG_ERR_STORE;
	if ((r = tg_stepup_require(ctx, si, "totp.enrol")) != 0)
		return r;
	memset(&f, 0, sizeof(f));
	randombytes_buf(secret, sizeof(secret));
	totp_aad(c->id, aad, sizeof(aad));
	f.customer_id = c->id;
	f.type = TG_FACTOR_TOTP;
	snprintf(f.name, sizeof(f.name), "%s",
	    name != NULL && name[0] != '\0' ? name : "authenticator app");
	f.created_at = tg_clock_now_ms(&ctx->clock);
	if ((r = tg_keys_seal(ctx->keys, tg_keys_data_current(ctx->keys), aad,
	    strlen(aad), secret, sizeof(secret), f.secret, sizeof(f.secret),
	    &f.secret_len)) != 0 ||
	    (r = tg_base32_encode(secret, sizeof(secret), out->secret_b32,
	    sizeof(out->secret_b32))) != 0 ||
	    (r = tg_totp_uri(ctx->cfg.totp_issuer, c->login, secret,
	    sizeof(secret), out->uri, sizeof(out->uri))) != 0 ||
	    (r = tg_qr_svg(out->uri, &out->qr_svg)) != 0)
		goto out;
	pend.db = db;
	pend.customer_id = c->id;
	if ((r = tg_db_begin(db)) != 0)
		goto out;
	/* One enrolment at a time: earlier unconfirmed ones are dropped. */
	if ((r = tg_db_factor_foreach(db, c->id, TG_FACTOR_TOTP, 0, drop_pending,
	    &pend)) != 0 ||
	    (r = tg_db_factor_insert(db, &f)) != 0 ||
	    (r = tg_audit_customer(ctx, db, who, c->login, "factor.enrolment_started", "ok",
	    json_pack("{s:s,s:I}", "type", "totp", "factor_id",
	    (json_int_t)f.id))) != 0 ||
	    (r = tg_db_commit(db)) != 0) {
		tg_db_rollback(db);
		goto out;
	}
	out->factor_id = f.id;
out:
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(&f, sizeof(f));
	if (r != 0)
		tg_enrol_totp_clear(out);
	return r;
}

void
tg_enrol_totp_clear(struct tg_totp_enrolment *e)
{
	/* Both the picture and the URI carry the secret. */
	if (e->qr_svg != NULL)
		sodium_memzero(e->qr_svg, strlen(e->qr_svg));
	free(e->qr_svg);
	sodium_memzero(e, sizeof(*e));
}

int
tg_enrol_totp_confirm(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, int64_t factor_id, const char *code)
{
	tg_db *db = tg_store_db(ctx->store);
	const struct tg_customer *c = &si->customer;
	uint8_t key[TG_OTP_KEY_MAX];
	size_t keylen = 0;
	struct tg_factor f;
	int64_t step = -1, now = tg_clock_now_ms(&ctx->clock);
	int r;

	if (db == NULL)
		return TG_ERR_STORE;
	if ((r = tg_db_factor_get(db, c->id, factor_id, &f)) != 0)
		return r;
	if (f.type != TG_FACTOR_TOTP || f.active)
		return TG_ERR_NOT_FOUND;
	if ((r = tg_enrol_totp_secret(ctx, &f, key, sizeof(key), &keylen)) != 0)
		goto out;
	r = tg_totp_verify(key, keylen, now, ctx->cfg.totp_window, code, 0, &step);
	if (r != 0)
		goto out;
	if ((r = tg_db_begin(db)) != 0)
		goto out;
	if ((r = tg_db_factor_activate(db, c->id, f.id, now)) != 0 ||
	    (r = tg_db_factor_use_step(db, f.id, step, now)) != 0 ||
	    (r = tg_audit_customer(ctx, db, who, c->login, "factor.enrolled", "ok",
	    json_pack("{s:s,s:I,s:s}", "type", "totp", "factor_id",
	    (json_int_t)f.id, "name", f.name))) != 0 ||
	    (r = tg_customer_notify(db, c, "device.bound", now,
	    json_pack("{s:s}", "factor", "totp"))) != 0 ||
	    (r = tg_db_commit(db)) != 0)
		tg_db_rollback(db);
out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&f, sizeof(f));
	return r;
}

/* Generate, store (hashed) and audit a new set of recovery codes for c. */
static int
recovery_generate(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, const char *type,
    char codes[TG_RECOVERY_CODES][TG_RECOVERY_CODE_LEN + 1])
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
	uint8_t hashes[TG_RECOVERY_CODES][32], id[8];
	char plain[TG_RECOVERY_CODE_LEN];
	int64_t now = tg_clock_now_ms(&ctx->clock);
	int i, k, n, r = 0;

	for (k = 0; k < 8; k++)
		id[k] = (uint8_t)((uint64_t)c->id >> (8 * k));
	for (i = 0; i < TG_RECOVERY_CODES; i++) {
		for (k = 0, n = 0; k < TG_RECOVERY_CODE_LEN; k++) {
			if (k == 5) {
				codes[i][k] = '-';
				continue;
			}
			codes[i][k] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
			plain[n++] = codes[i][k];
		}
		codes[i][TG_RECOVERY_CODE_LEN] = '\0';
		plain[n] = '\0';
		if ((r = tg_factor_code_hash(ctx, "recovery:v1", id, sizeof(id),
		    plain, hashes[i])) != 0)
			goto out;
	}
	if ((r = tg_db_begin(db)) != 0)
		goto out;
	if ((r = tg_db_recovery_replace(db, c->id,
	    (const uint8_t (*)[32])hashes, TG_RECOVERY_CODES, now)) != 0 ||
	    (r = tg_audit_customer(ctx, db, who, c->login, type, "ok",
	    json_pack("{s:i}", "count", TG_RECOVERY_CODES))) != 0 ||
	    (r = tg_db_commit(db)) != 0)
		tg_db_rollback(db);
out:
	sodium_memzero(plain, sizeof(plain));
	sodium_memzero(hashes, sizeof(hashes));
	if (r != 0)
		sodium_memzero(codes, TG_RECOVERY_CODES * (TG_RECOVERY_CODE_LEN + 1));
	return r;
}

int
tg_enrol_recovery(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si,
    char codes[TG_RECOVERY_CODES][TG_RECOVERY_CODE_LEN + 1])
{
	tg_db *db = tg_store_db(ctx->store);
	int r;

	memset(codes, 0, TG_RECOVERY_CODES * (TG_RECOVERY_CODE_LEN + 1));
	if (db == NULL)
		return TG_ERR_STORE;
	if ((r = tg_stepup_require(ctx, si, "recovery.regenerate")) != 0)
		return r;
	return recovery_generate(ctx, db, who, &si->customer,
	    "recovery.generated", codes);
}

int
tg_enrol_recovery_issue(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_customer *c,
    char codes[TG_RECOVERY_CODES][TG_RECOVERY_CODE_LEN + 1])
{
	tg_db *db = tg_store_db(ctx->store);

	memset(codes, 0, TG_RECOVERY_CODES * (TG_RECOVERY_CODE_LEN + 1));
	if (db == NULL)
		return TG_ERR_STORE;
	return recovery_generate(ctx, db, who, c, "recovery.issued", codes);
}

static int
list_one(const struct tg_factor *f, void *arg)
{
	json_t *a = arg;
	char created[32], used[32];

	tg_time_format(f->created_at, created, sizeof(created));
	tg_time_format(f->last_used_at, used, sizeof(used));
	json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:b,s:s,s:s*,s:b}",
	    "id", (json_int_t)f->id, "type", tg_factor_type_name(f->type),
	    "name", f->name, "active", f->active, "created_at", created,
	    "last_used_at", f->last_used_at != 0 ? used : NULL,
	    "user_verification", f->uv));
	return 0;
}

json_t *
tg_enrol_list(tg_ctx *ctx, const struct tg_session_info *si)
{
	tg_db *db = tg_store_db(ctx->store);
	json_t *a = json_array();
	int n = 0;

	if (db == NULL || tg_db_factor_foreach(db, si->customer.id, -1, 0,
	    list_one, a) != 0) {
		json_decref(a);
		return NULL;
	}
	if (tg_db_recovery_count(db, si->customer.id, 1, &n) != 0)
		n = 0;
	return json_pack("{s:o,s:i}", "factors", a, "recovery_codes_left", n);
}

int
tg_enrol_revoke(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, int64_t factor_id)
{
	tg_db *db = tg_store_db(ctx->store);
	const struct tg_customer *c = &si->customer;
	struct tg_factor f;
	int r;

	if (db == NULL)
		return TG_ERR_STORE;
	if ((r = tg_db_factor_get(db, c->id, factor_id, &f)) != 0)
		return r;
	if ((r = tg_stepup_require(ctx, si, "factor.revoke")) != 0)
		return r;
	if ((r = tg_db_begin(db)) != 0)
		return r;
	if ((r = tg_db_factor_delete(db, c->id, factor_id)) != 0 ||
	    (r = tg_audit_customer(ctx, db, who, c->login, "factor.revoked", "ok",
	    json_pack("{s:s,s:I,s:s}", "type", tg_factor_type_name(f.type),
	    "factor_id", (json_int_t)f.id, "name", f.name))) != 0 ||
	    (r = tg_customer_notify(db, c, "factor.revoked",
	    tg_clock_now_ms(&ctx->clock), json_pack("{s:s}", "factor",
	    tg_factor_type_name(f.type)))) != 0 ||
	    (r = tg_db_commit(db)) != 0)
		tg_db_rollback(db);
	return r;
}

int
tg_enrol_rename(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, int64_t factor_id, const char *name)
{
	tg_db *db = tg_store_db(ctx->store);
	const struct tg_customer *c = &si->customer;
	size_t i, n = strlen(name);
	int r;

	if (db == NULL)
		return TG_ERR_STORE;
	if (n == 0 || n > TG_FACTOR_NAME_MAX)
		return TG_ERR_INVALID;
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return TG_ERR_INVALID;
	if ((r = tg_db_begin(db)) != 0)
		return r;
	if ((r = tg_db_factor_rename(db, c->id, factor_id, name)) != 0 ||
	    (r = tg_audit_customer(ctx, db, who, c->login, "factor.renamed", "ok",
	    json_pack("{s:I,s:s}", "factor_id", (json_int_t)factor_id, "name",
	    name))) != 0 ||
	    (r = tg_db_commit(db)) != 0)
		tg_db_rollback(db);
	return r;
}
