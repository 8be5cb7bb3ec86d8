/*
 * AUTH-15, AUD-07: delivery storage (routing, leases, attempts), the email
 * message format, webhook signatures and the worker's retry policy.  The
 * real SMTP and HTTPS exchanges are in tests/integration/test_notify.py.
 */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <sqlite3.h>

#include <tradeguard/error.h>

#include "crypto/encode.h"
#include "notify/notify.h"
#include "store/store_notify.h"

#define SEC INT64_C(1000)

/* Nothing listens on port 1 of the loopback: connections fail at once. */
#define DEAD_SMTP "smtp://127.0.0.1:1"
#define DEAD_HOOK "https://127.0.0.1:1/hook"

static int64_t
customer_add(tg_ctx *ctx, const char *login, const char *email,
    const char *phone, const char *locale)
{
	struct tg_customer c;

	memset(&c, 0, sizeof(c));
	snprintf(c.login, sizeof(c.login), "%s", login);
	snprintf(c.email, sizeof(c.email), "%s", email);
	snprintf(c.phone, sizeof(c.phone), "%s", phone);
	snprintf(c.locale, sizeof(c.locale), "%s", locale);
	c.created_at = c.updated_at = TGT_T0;
	assert_int_equal(tg_db_customer_insert(tg_store_db(ctx->store), &c), 0);
	return c.id;
}

static void
outbox_add(tg_ctx *ctx, int64_t cid, const char *event, const char *payload)
{
	assert_int_equal(tg_db_outbox_insert(tg_store_db(ctx->store), cid, event,
	    payload, tg_clock_now_ms(&ctx->clock)), 0);
}

static int64_t
count(tg_ctx *ctx, const char *status, const char *channel)
{
	int64_t n = -1;

	assert_int_equal(tg_db_delivery_count(tg_store_db(ctx->store), status,
	    channel, &n), 0);
	return n;
}

static int64_t
attempts(tg_ctx *ctx, int64_t id, int ok)
{
	int64_t n = -1;

	assert_int_equal(tg_db_delivery_attempt_count(tg_store_db(ctx->store),
	    id, ok, &n), 0);
	return n;
}

/* The first column of the first row of sql, as text, on a separate connection. */
static const char *
sql_text(tg_ctx *ctx, const char *sql)
{
	static char buf[1024];
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	sqlite3 *h = NULL;

	buf[0] = '\0';
	assert_int_equal(sqlite3_open_v2(ctx->cfg.store_path, &h,
	    SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	if ((t = sqlite3_column_text(s, 0)) != NULL)
		snprintf(buf, sizeof(buf), "%s", (const char *)t);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return buf;
}

/* --- storage --- */

static void
test_store_route_claim_record(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(NULL);
	tg_db *db = tg_store_db(ctx->store);
	struct tg_outbox_rec rows[4];
	struct tg_delivery_new d[2];
	struct tg_delivery_rec got[4], one;
	struct tg_delivery_result res;
	int64_t cid, now = TGT_T0;
	int n;

	(void)state;
	cid = customer_add(ctx, "alice", "alice@example.com", "0912345678", "en");
	outbox_add(ctx, cid, "account.locked", "{\"locale\":\"en\"}");
	outbox_add(ctx, cid, "password.changed", "{\"locale\":\"en\"}");
	assert_int_equal(tg_db_outbox_unrouted(db, rows, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].event, "account.locked");
	assert_string_equal(rows[0].payload, "{\"locale\":\"en\"}");
	assert_int_equal(rows[0].customer_id, cid);

	memset(d, 0, sizeof(d));
	d[0].channel = "email";
	snprintf(d[0].recipient, sizeof(d[0].recipient), "a***@example.com");
	d[1].channel = "webhook";
	snprintf(d[1].recipient, sizeof(d[1].recipient), "0912***678");
	assert_int_equal(tg_db_delivery_route(db, rows[0].id, "routed", d, 2,
	    now), 0);
	/* Routed once only: a second worker finds it done. */
	assert_int_equal(tg_db_delivery_route(db, rows[0].id, "routed", d, 2,
	    now), TG_ERR_EXISTS);
	assert_int_equal(tg_db_delivery_route(db, rows[1].id, "skipped", NULL, 0,
	    now), 0);
	assert_int_equal(tg_db_outbox_unrouted(db, rows, 4, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(count(ctx, NULL, NULL), 2);
	assert_int_equal(count(ctx, "pending", "email"), 1);
	/* Bad arguments. */
	d[0].channel = "fax";
	assert_int_equal(tg_db_delivery_route(db, 999, "routed", d, 1, now),
	    TG_ERR_EXISTS);
	assert_int_equal(tg_db_delivery_route(db, rows[0].id, "pending", NULL,
	    0, now), TG_ERR_INVALID);

	/* Claim: both due; the lease hides them from the next claim. */
	assert_int_equal(tg_db_delivery_claim(db, now, 60 * SEC, 4, got, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(got[0].msg.event, "account.locked");
	assert_int_equal(got[0].msg.customer_id, cid);
	assert_int_equal(got[0].attempts, 0);
	assert_int_equal(tg_db_delivery_claim(db, now + 59 * SEC, 60 * SEC, 4,
	    got + 2, &n), 0);
	assert_int_equal(n, 0);
	/* A worker that died: after the lease another one takes them. */
	assert_int_equal(tg_db_delivery_claim(db, now + 60 * SEC, 60 * SEC, 1,
	    got + 2, &n), 0);
	assert_int_equal(n, 1);

	/* A failed attempt, then a successful one: both recorded. */
	memset(&res, 0, sizeof(res));
	res.status = "pending";
	res.next_attempt_at = now + 5 * SEC;
	res.detail = "smtp: Couldn't connect to server";
	assert_int_equal(tg_db_delivery_record(db, got[0].id, now, &res), 0);
	assert_int_equal(tg_db_delivery_get(db, got[0].id, &one), 0);
	assert_string_equal(one.status, "pending");
	assert_int_equal(one.attempts, 1);
	assert_int_equal(one.next_attempt_at, now + 5 * SEC);
	assert_string_equal(one.last_error, "smtp: Couldn't connect to server");
	res.ok = 1;
	res.status = "sent";
	res.detail = "smtp 250";
	assert_int_equal(tg_db_delivery_record(db, got[0].id, now + 6 * SEC,
	    &res), 0);
	assert_int_equal(tg_db_delivery_get(db, got[0].id, &one), 0);
	assert_string_equal(one.status, "sent");
	assert_int_equal(one.attempts, 2);
	assert_int_equal(one.delivered_at, now + 6 * SEC);
	assert_string_equal(one.last_error, "");
	assert_int_equal(attempts(ctx, got[0].id, -1), 2);
	assert_int_equal(attempts(ctx, got[0].id, 1), 1);
	assert_int_equal(attempts(ctx, 0, 0), 1);
	/* A late attempt of another worker is kept, the status stays. */
	res.ok = 0;
	res.status = "failed";
	res.detail = "late";
	assert_int_equal(tg_db_delivery_record(db, got[0].id, now + 7 * SEC,
	    &res), 0);
	assert_int_equal(tg_db_delivery_get(db, got[0].id, &one), 0);
	assert_string_equal(one.status, "sent");
	assert_int_equal(attempts(ctx, got[0].id, -1), 3);
	/* No such delivery; inconsistent results. */
	assert_int_equal(tg_db_delivery_record(db, 12345, now, &res),
	    TG_ERR_NOT_FOUND);
	res.ok = 1;
	assert_int_equal(tg_db_delivery_record(db, got[0].id, now, &res),
	    TG_ERR_INVALID);
	res.status = "done";
	assert_int_equal(tg_db_delivery_record(db, got[0].id, now, &res),
	    TG_ERR_INVALID);
	assert_int_equal(tg_db_delivery_get(db, 12345, &one), TG_ERR_NOT_FOUND);
	assert_int_equal(count(ctx, "sent", NULL), 1);
	tgt_ctx_free(ctx);
}

/* --- the message --- */

/* Decode every base64 line after the blank line. */
static char *
mail_body(const char *msg)
{
	const char *p = strstr(msg, "\r\n\r\n");
	char *out = calloc(1, strlen(msg) + 1);
	size_t len = 0, bin;

	assert_non_null(p);
	assert_non_null(out);
	assert_int_equal(sodium_base642bin((unsigned char *)out, strlen(msg),
	    p + 4, strlen(p + 4), "\r\n", &bin, NULL,
	    sodium_base64_VARIANT_ORIGINAL), 0);
	len = bin;
	out[len] = '\0';
	return out;
}

/* Decode the encoded words of a Subject header value (folded). */
static void
mail_subject(const char *msg, char *out, size_t cap)
{
	const char *p = strstr(msg, "\r\nSubject: ");
	size_t len = 0, bin;

	assert_non_null(p);
	p += strlen("\r\nSubject: ");
	out[0] = '\0';
	while (strncmp(p, "=?UTF-8?B?", 10) == 0) {
		const char *e = strstr(p + 10, "?=");

		assert_non_null(e);
		assert_int_equal(sodium_base642bin((unsigned char *)out + len,
		    cap - len - 1, p + 10, (size_t)(e - p - 10), NULL, &bin,
		    NULL, sodium_base64_VARIANT_ORIGINAL), 0);
		len += bin;
		assert_true((size_t)(e + 2 - p) <= 75);	/* RFC 2047 word limit */
		p = e + 2;
		if (strncmp(p, "\r\n ", 3) == 0)
			p += 3;
	}
	out[len] = '\0';
	assert_int_equal(strncmp(p, "\r\n", 2), 0);
}

static void
test_mail_format(void **state)
{
	const char *subject = "【TradeGuard】帳戶已鎖定，請儘速聯絡客服以完成身分驗證";
	struct tg_mail m;
	char *msg = NULL, *body, dec[512], *line, *save = NULL, *copy;
	size_t len = 0;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.to = "alice@example.com";
	m.subject = subject;
	m.body = "親愛的客戶您好：\n\n您的帳戶已鎖定。\n.\n";
	m.locale = "zh-TW";
	m.date_ms = TGT_T0;
	m.id = 42;
	assert_int_equal(tg_mail_format("TradeGuard <noreply@broker.example>",
	    &m, &msg, &len), 0);
	assert_int_equal(strlen(msg), len);
	assert_int_equal(strncmp(msg, "Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n",
	    39), 0);
	assert_non_null(strstr(msg, "\r\nFrom: \"TradeGuard\" <noreply@broker.example>\r\n"));
	assert_non_null(strstr(msg, "\r\nTo: <alice@example.com>\r\n"));
	assert_non_null(strstr(msg, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(msg, "\r\nContent-Type: text/plain; charset=UTF-8\r\n"));
	assert_non_null(strstr(msg, "\r\nContent-Transfer-Encoding: base64\r\n"));
	assert_non_null(strstr(msg, "\r\nContent-Language: zh-TW\r\n"));
	assert_non_null(strstr(msg, ".42@broker.example>\r\n"));
	assert_non_null(strstr(msg, "\r\nMessage-ID: <"));
	mail_subject(msg, dec, sizeof(dec));
	assert_string_equal(dec, subject);
	body = mail_body(msg);
	assert_string_equal(body,
	    "親愛的客戶您好：\r\n\r\n您的帳戶已鎖定。\r\n.\r\n");
	free(body);
	/* Every line ends with CRLF and fits 78 characters; no bare LF. */
	copy = strdup(msg);
	assert_non_null(copy);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		assert_true(strlen(line) >= 1);
		assert_int_equal(line[strlen(line) - 1], '\r');
		assert_true(strlen(line) <= 79);
	}
	free(copy);
	tg_notify_buf_free(msg, len);

	/* An ASCII subject stays readable; a plain address as From. */
	m.subject = "[TradeGuard] Your account has been locked";
	m.locale = "en";
	assert_int_equal(tg_mail_format("noreply@broker.example", &m, &msg,
	    &len), 0);
	assert_non_null(strstr(msg,
	    "\r\nSubject: [TradeGuard] Your account has been locked\r\n"));
	assert_non_null(strstr(msg, "\r\nFrom: <noreply@broker.example>\r\n"));
	tg_notify_buf_free(msg, len);
	/* A non-ASCII display name is encoded. */
	assert_int_equal(tg_mail_format("永豐證券 <noreply@broker.example>", &m,
	    &msg, &len), 0);
	assert_non_null(strstr(msg, "\r\nFrom: =?UTF-8?B?"));
	tg_notify_buf_free(msg, len);
}

static void
test_mail_rejects_injection(void **state)
{
	struct tg_mail m;
	char *msg = NULL, addr[64];
	size_t len = 0;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.to = "alice@example.com\r\nBcc: eve@example.com";
	m.subject = "x";
	m.body = "y";
	assert_int_equal(tg_mail_format("a@b.c", &m, &msg, &len), TG_ERR_INVALID);
	assert_null(msg);
	m.to = "alice@example.com>, <eve@example.com";
	assert_int_equal(tg_mail_format("a@b.c", &m, &msg, &len), TG_ERR_INVALID);
	m.to = "alice@example.com";
	m.subject = "x\r\nBcc: eve@example.com";
	assert_int_equal(tg_mail_format("a@b.c", &m, &msg, &len), TG_ERR_INVALID);
	m.subject = "x";
	m.body = "a\r\n.\r\nMAIL FROM";
	assert_int_equal(tg_mail_format("a@b.c", &m, &msg, &len), TG_ERR_INVALID);
	m.body = "y";
	assert_int_equal(tg_mail_format("x <a@b.c>\r\nBcc: e@f.g", &m, &msg,
	    &len), TG_ERR_INVALID);

	assert_int_equal(tg_mail_address("TradeGuard <noreply@x.tw>", addr,
	    sizeof(addr)), 0);
	assert_string_equal(addr, "noreply@x.tw");
	assert_int_equal(tg_mail_address("noreply@x.tw", addr, sizeof(addr)), 0);
	assert_int_equal(tg_mail_address("noreply", addr, sizeof(addr)),
	    TG_ERR_INVALID);
	assert_int_equal(tg_mail_address("a <b@c> d", addr, sizeof(addr)),
	    TG_ERR_INVALID);
	assert_int_equal(tg_mail_address("a@b@c", addr, sizeof(addr)),
	    TG_ERR_INVALID);
	assert_int_equal(tg_mail_address("a b@c", addr, sizeof(addr)),
	    TG_ERR_INVALID);
	assert_int_equal(tg_mail_address("<@c>", addr, sizeof(addr)),
	    TG_ERR_INVALID);
}

/* --- configuration --- */

static void
test_check_config(void **state)
{
	struct tg_config cfg;
	char err[256];

	(void)state;
	tg_config_defaults(&cfg);
	assert_int_equal(tg_notify_check_config(&cfg, err, sizeof(err)), 0);
	snprintf(cfg.notify_smtp_url, sizeof(cfg.notify_smtp_url),
	    "smtp://mail.example.com:587");
	assert_int_equal(tg_notify_check_config(&cfg, err, sizeof(err)), 0);
	/* Plain SMTP only to a local relay. */
	cfg.notify_smtp_starttls = 0;
	assert_int_equal(tg_notify_check_config(&cfg, err, sizeof(err)),
	    TG_ERR_CONFIG);
	assert_non_null(strstr(err, "smtp_starttls"));
	snprintf(cfg.notify_smtp_url, sizeof(cfg.notify_smtp_url),
	    "smtp://127.0.0.1:25");
	assert_int_equal(tg_notify_check_config(&cfg, err, sizeof(err)), 0);
	snprintf(cfg.notify_smtp_url, sizeof(cfg.notify_smtp_url),
	    "smtp://[::1]:25");
	assert_int_equal(tg_notify_check_config(&cfg, err, sizeof(err)), 0);
	snprintf(cfg.notify_smtp_url, sizeof(cfg.notify_smtp_url),
	    "smtps://mail.example.com");
	assert_int_equal(tg_notify_check_config(&cfg, err, sizeof(err)), 0);
	/* Other schemes, credentials in the URL. */
	snprintf(cfg.notify_smtp_url, sizeof(cfg.notify_smtp_url),
	    "http://mail.example.com");
	assert_int_equal(tg_notify_check_config(&cfg, err, sizeof(err)),
	    TG_ERR_CONFIG);
	snprintf(cfg.notify_smtp_url, sizeof(cfg.notify_smtp_url),
	    "smtps://user:secret@mail.example.com");
	assert_int_equal(tg_notify_check_config(&cfg, err, sizeof(err)),
	    TG_ERR_CONFIG);
	assert_null(strstr(err, "secret"));
	snprintf(cfg.notify_smtp_url, sizeof(cfg.notify_smtp_url),
	    "smtps://mail.example.com");
	snprintf(cfg.notify_smtp_username, sizeof(cfg.notify_smtp_username),
	    "tradeguard");
	assert_int_equal(tg_notify_check_config(&cfg, err, sizeof(err)),
	    TG_ERR_CONFIG);
	snprintf(cfg.notify_smtp_password_file,
	    sizeof(cfg.notify_smtp_password_file), "/etc/tg/smtp.pw");
	assert_int_equal(tg_notify_check_config(&cfg, err, sizeof(err)), 0);
	snprintf(cfg.notify_smtp_from, sizeof(cfg.notify_smtp_from), "nobody");
	assert_int_equal(tg_notify_check_config(&cfg, err, sizeof(err)),
	    TG_ERR_CONFIG);
	/* Webhooks: https only. */
	tg_config_defaults(&cfg);
	snprintf(cfg.notify_webhook_url, sizeof(cfg.notify_webhook_url),
	    "https://sms.example.com/hook");
	assert_int_equal(tg_notify_check_config(&cfg, err, sizeof(err)), 0);
	snprintf(cfg.notify_webhook_url, sizeof(cfg.notify_webhook_url),
	    "http://127.0.0.1:8080/hook");
	assert_int_equal(tg_notify_check_config(&cfg, err, sizeof(err)),
	    TG_ERR_CONFIG);
	snprintf(cfg.notify_webhook_url, sizeof(cfg.notify_webhook_url),
	    "https://u:p@sms.example.com/hook");
	assert_int_equal(tg_notify_check_config(&cfg, err, sizeof(err)),
	    TG_ERR_CONFIG);
	snprintf(cfg.notify_webhook_url, sizeof(cfg.notify_webhook_url),
	    "sms.example.com/hook");
	assert_int_equal(tg_notify_check_config(&cfg, err, sizeof(err)),
	    TG_ERR_CONFIG);
}

/* --- the webhook signature --- */

static void
test_webhook_signature(void **state)
{
	tg_ctx *ctx = tgt_ctx_new(NULL);
	const char *body = "{\"id\":1,\"text\":\"驗證碼 123456\"}";
	char sig[80], sig2[80], path[TG_PATH_MAX + 32], hex[128], expect[80];
	uint8_t key[32], mac[32];
	unsigned maclen = 0;
	char msg[256];
	FILE *f;
	int r;

	(void)state;
	r = tg_webhook_sign(ctx->keys, 1767225600, body, strlen(body), sig,
	    sizeof(sig));
	if (!tg_keys_has(ctx->keys, "webhook")) {
		/* Until the key exists, signing (and so sending) fails cleanly. */
		assert_int_equal(r, TG_ERR_NOT_FOUND);
		assert_string_equal(sig, "");
		tgt_ctx_free(ctx);
		return;
	}
	assert_int_equal(r, 0);
	assert_int_equal(strncmp(sig, "v1=", 3), 0);
	assert_int_equal(strlen(sig), 3 + 64);
	/* An independent HMAC with the key file's bytes. */
	snprintf(path, sizeof(path), "%s/webhook.key", ctx->cfg.keys_dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(hex, sizeof(hex), f));
	fclose(f);
	hex[strcspn(hex, "\r\n")] = '\0';
	assert_int_equal(tg_hex_decode(hex, strlen(hex), key, sizeof(key)), 0);
	snprintf(msg, sizeof(msg), "1767225600.%s", body);
	assert_non_null(HMAC(EVP_sha256(), key, sizeof(key),
	    (const unsigned char *)msg, strlen(msg), mac, &maclen));
	memcpy(expect, "v1=", 3);
	tg_hex_encode(mac, sizeof(mac), expect + 3);
	assert_string_equal(sig, expect);
	/* Another time stamp or one changed byte: another signature. */
	assert_int_equal(tg_webhook_sign(ctx->keys, 1767225601, body,
	    strlen(body), sig2, sizeof(sig2)), 0);
	assert_string_not_equal(sig, sig2);
	msg[strlen(msg) - 2] ^= 1;
	assert_int_equal(tg_webhook_sign(ctx->keys, 1767225600,
	    msg + strlen("1767225600."), strlen(body), sig2, sizeof(sig2)), 0);
	assert_string_not_equal(sig, sig2);
	assert_int_equal(tg_webhook_sign(ctx->keys, 1767225600, body,
	    strlen(body) - 1, sig2, sizeof(sig2)), 0);
	assert_string_not_equal(sig, sig2);
	assert_int_equal(tg_webhook_sign(ctx->keys, 1, body, strlen(body), sig2,
	    10), TG_ERR_INVALID);
	OPENSSL_cleanse(key, sizeof(key));
	tgt_ctx_free(ctx);
}

/* --- the worker --- */

static void
test_worker_routes_by_channel(void **state)
{
	tg_ctx *ctx = tgt_ctx_new("[notify]\nsmtp_url = " DEAD_SMTP "\n"
	    "webhook_url = " DEAD_HOOK "\nretry_max = 3\n");
	int64_t alice, bob;
	int done = -1;

	(void)state;
	alice = customer_add(ctx, "alice", "alice@example.com", "0912345678",
	    "zh-TW");
	bob = customer_add(ctx, "bob", "", "", "en");
	outbox_add(ctx, alice, "account.locked",
	    "{\"locale\":\"zh-TW\",\"reason\":\"consecutive_failures\"}");
	outbox_add(ctx, bob, "password.changed", "{\"locale\":\"en\"}");
	/* Codes go only to the channel they were issued for. */
	outbox_add(ctx, alice, "otp.code", "{\"locale\":\"en\",\"channel\":"
	    "\"sms\",\"code\":\"123456\",\"purpose\":\"login\"}");
	outbox_add(ctx, alice, "otp.code", "{\"locale\":\"en\",\"channel\":"
	    "\"email\",\"code\":\"654321\",\"purpose\":\"login\"}");
	outbox_add(ctx, bob, "otp.code", "{\"locale\":\"en\",\"channel\":"
	    "\"sms\",\"code\":\"111111\",\"purpose\":\"login\"}");
	/* An old code is not sent at all. */
	tg_clock_advance_ms(&ctx->clock, -(int64_t)(ctx->cfg.otp_ttl_seconds + 1) *
	    SEC);
	outbox_add(ctx, alice, "otp.code", "{\"locale\":\"en\",\"channel\":"
	    "\"sms\",\"code\":\"222222\",\"purpose\":\"login\"}");
	tg_clock_set_ms(&ctx->clock, TGT_T0);

	assert_int_equal(tg_notify_run_once(ctx, NULL, &done), 0);
	/* alice: email + webhook; bob: webhook (push) only; codes: one each. */
	assert_int_equal(count(ctx, NULL, "email"), 2);
	assert_int_equal(count(ctx, NULL, "webhook"), 3);
	assert_int_equal(done, 5);
	assert_string_equal(sql_text(ctx, "SELECT group_concat(status, ',')"
	    " FROM (SELECT status FROM outbox ORDER BY id)"),
	    "routed,routed,routed,routed,skipped,expired");
	assert_string_equal(sql_text(ctx, "SELECT group_concat(recipient, ',')"
	    " FROM (SELECT recipient FROM delivery ORDER BY id)"),
	    "a***@example.com,0912***678,***,0912***678,a***@example.com");
	/* Nothing of the codes or full numbers in the records. */
	assert_string_equal(sql_text(ctx, "SELECT count(*) FROM"
	    " delivery_attempt WHERE detail LIKE '%123456%' OR detail LIKE"
	    " '%654321%' OR detail LIKE '%0912345678%'"), "0");
	assert_string_equal(sql_text(ctx, "SELECT count(*) FROM delivery"
	    " WHERE last_error = '' OR attempts <> 1"), "0");
	tgt_ctx_free(ctx);
}

static void
test_worker_backoff_then_failed(void **state)
{
	tg_ctx *ctx = tgt_ctx_new("[notify]\nwebhook_url = " DEAD_HOOK "\n"
	    "retry_max = 2\nretry_base_seconds = 10\n");
	struct tg_delivery_rec d;
	int64_t cid;
	int done = -1;

	(void)state;
	cid = customer_add(ctx, "carol", "carol@example.com", "0912345678", "en");
	outbox_add(ctx, cid, "login.succeeded",
	    "{\"locale\":\"en\",\"src\":\"127.0.0.1\"}");
	assert_int_equal(tg_notify_run_once(ctx, NULL, &done), 0);
	assert_int_equal(done, 1);
	assert_int_equal(tg_db_delivery_get(tg_store_db(ctx->store), 1, &d), 0);
	assert_string_equal(d.status, "pending");
	assert_int_equal(d.attempts, 1);
	assert_int_equal(d.next_attempt_at, TGT_T0 + 10 * SEC);
	/* Not due yet. */
	tg_clock_advance_ms(&ctx->clock, 9 * SEC);
	assert_int_equal(tg_notify_run_once(ctx, NULL, &done), 0);
	assert_int_equal(done, 0);
	/* Second attempt after 10 s, third after 20 s more, then failed. */
	tg_clock_advance_ms(&ctx->clock, 1 * SEC);
	assert_int_equal(tg_notify_run_once(ctx, NULL, &done), 0);
	assert_int_equal(done, 1);
	assert_int_equal(tg_db_delivery_get(tg_store_db(ctx->store), 1, &d), 0);
	assert_int_equal(d.attempts, 2);
	assert_int_equal(d.next_attempt_at, TGT_T0 + 30 * SEC);
	tg_clock_advance_ms(&ctx->clock, 20 * SEC);
	assert_int_equal(tg_notify_run_once(ctx, NULL, &done), 0);
	assert_int_equal(done, 1);
	assert_int_equal(tg_db_delivery_get(tg_store_db(ctx->store), 1, &d), 0);
	assert_string_equal(d.status, "failed");
	assert_int_equal(d.attempts, 3);
	assert_int_equal(attempts(ctx, 1, 0), 3);
	assert_int_equal(atomic_load(&ctx->metrics.notify_failed), 1);
	assert_int_equal(atomic_load(&ctx->metrics.notify_attempt_failures), 3);
	/* Failed stays failed. */
	tg_clock_advance_ms(&ctx->clock, 86400 * SEC);
	assert_int_equal(tg_notify_run_once(ctx, NULL, &done), 0);
	assert_int_equal(done, 0);
	tgt_ctx_free(ctx);
}

static void
test_worker_bad_payloads(void **state)
{
	tg_ctx *ctx = tgt_ctx_new("[notify]\nwebhook_url = " DEAD_HOOK "\n"
	    "retry_max = 5\n");
	int64_t cid;
	int done = -1;

	(void)state;
	cid = customer_add(ctx, "erin", "erin@example.com", "0912345678", "en");
	/* A notice without a readable payload still goes out (customer's locale)... */
	outbox_add(ctx, cid, "password.changed", "not json");
	/* ...a code without one does not: it is failed at once, not retried. */
	outbox_add(ctx, cid, "otp.code", "{\"channel\":\"sms\",\"code\":12}");
	assert_int_equal(tg_notify_run_once(ctx, NULL, &done), 0);
	assert_int_equal(done, 2);
	assert_string_equal(sql_text(ctx, "SELECT status || ' ' || last_error"
	    " FROM delivery WHERE id = 2"), "failed cannot render: invalid input");
	assert_string_equal(sql_text(ctx, "SELECT status FROM delivery"
	    " WHERE id = 1"), "pending");
	assert_null(strstr(sql_text(ctx, "SELECT last_error FROM delivery"
	    " WHERE id = 1"), "payload"));
	tgt_ctx_free(ctx);
}

/* The factor service queues codes sealed under a data key. */
static void
test_worker_opens_sealed_codes(void **state)
{
	tg_ctx *ctx = tgt_ctx_new("[notify]\nsmtp_url = " DEAD_SMTP "\n"
	    "retry_max = 5\n");
	uint8_t sealed[256];
	char b64[400], payload[600];
	size_t slen = 0;
	int64_t cid;
	int done = -1;

	(void)state;
	cid = customer_add(ctx, "frank", "frank@example.com", "", "zh-TW");
	assert_int_equal(tg_keys_seal(ctx->keys, tg_keys_data_current(ctx->keys),
	    "otp.code", 8, "482910", 6, sealed, sizeof(sealed), &slen), 0);
	tg_b64url_encode(sealed, slen, b64);
	snprintf(payload, sizeof(payload), "{\"locale\":\"zh-TW\",\"channel\":"
	    "\"email\",\"purpose\":\"login\",\"code_sealed\":\"%s\","
	    "\"expires_at\":%lld}", b64, (long long)(TGT_T0 + 300 * SEC));
	outbox_add(ctx, cid, "otp.code", payload);
	/* One bit flipped: the code cannot be opened, the delivery fails for good. */
	sealed[slen - 1] ^= 1;
	tg_b64url_encode(sealed, slen, b64);
	snprintf(payload, sizeof(payload), "{\"locale\":\"zh-TW\",\"channel\":"
	    "\"email\",\"purpose\":\"login\",\"code_sealed\":\"%s\"}", b64);
	outbox_add(ctx, cid, "otp.code", payload);
	assert_int_equal(tg_notify_run_once(ctx, NULL, &done), 0);
	assert_int_equal(done, 2);
	/* The first was rendered and handed to SMTP (which is down). */
	assert_string_equal(sql_text(ctx, "SELECT status || ' ' ||"
	    " substr(last_error, 1, 5) FROM delivery WHERE id = 1"),
	    "pending smtp:");
	assert_string_equal(sql_text(ctx, "SELECT status || ' ' || last_error"
	    " FROM delivery WHERE id = 2"),
	    "failed code cannot be opened: integrity check failed");
	/* Past its expires_at the code is not sent again. */
	tg_clock_advance_ms(&ctx->clock, 300 * SEC);
	assert_int_equal(tg_notify_run_once(ctx, NULL, &done), 0);
	assert_int_equal(done, 1);
	assert_string_equal(sql_text(ctx, "SELECT status || ' ' || last_error"
	    " FROM delivery WHERE id = 1"), "failed code expired");
	assert_string_equal(sql_text(ctx, "SELECT count(*) FROM delivery_attempt"
	    " WHERE detail LIKE '%482910%'"), "0");
	tgt_ctx_free(ctx);
}

static void
test_worker_thread_starts_and_stops(void **state)
{
	tg_ctx *ctx = tgt_ctx_new("[notify]\nsmtp_url = " DEAD_SMTP "\n"
	    "poll_seconds = 60\n");
	tg_notify *nt = NULL;
	int64_t cid;
	int i;

	(void)state;
	cid = customer_add(ctx, "dave", "dave@example.com", "", "en");
	assert_int_equal(tg_notify_start(ctx, &nt), 0);
	outbox_add(ctx, cid, "password.changed", "{\"locale\":\"en\"}");
	/* The kick wakes it long before the 60 s poll. */
	for (i = 0; i < 200 && attempts(ctx, 0, -1) == 0; i++) {
		tg_notify_kick(nt);
		usleep(20000);
	}
	assert_int_equal(attempts(ctx, 0, 0), 1);
	tg_notify_stop(nt);
	tg_notify_stop(NULL);
	tg_notify_kick(NULL);
	tgt_ctx_free(ctx);
}

static void
test_worker_refuses_bad_config(void **state)
{
	tg_ctx *ctx = tgt_ctx_new("[notify]\nwebhook_url = http://127.0.0.1:1/\n");
	tg_notify *nt = (tg_notify *)1;

	(void)state;
	assert_int_equal(tg_notify_start(ctx, &nt), TG_ERR_CONFIG);
	assert_null(nt);
	tgt_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_route_claim_record),
		cmocka_unit_test(test_mail_format),
		cmocka_unit_test(test_mail_rejects_injection),
		cmocka_unit_test(test_check_config),
		cmocka_unit_test(test_webhook_signature),
		cmocka_unit_test(test_worker_routes_by_channel),
		cmocka_unit_test(test_worker_backoff_then_failed),
		cmocka_unit_test(test_worker_bad_payloads),
		cmocka_unit_test(test_worker_opens_sealed_codes),
		cmocka_unit_test(test_worker_thread_starts_and_stops),
		cmocka_unit_test(test_worker_refuses_bad_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
