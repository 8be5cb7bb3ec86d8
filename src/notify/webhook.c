/*
 * Webhook notifications (SMS gateway, app push service): the JSON message
 * is POSTed over HTTPS (nothing else is allowed), the server's certificate
 * verified, and the request signed so that the receiver can check origin
 * and freshness:
 *
 *   X-TradeGuard-Timestamp: <Unix seconds>
 *   X-TradeGuard-Signature: v1=<hex HMAC-SHA-256(key "webhook", "<ts>.<body>")>
 *
 * The body carries the customer's phone number and, for one-time codes,
 * the code: it exists only in memory that is wiped after the transfer and
 * inside the TLS connection.  Any 2xx answer is success; the answer's body
 * is read and dropped, never logged.
 */
#include "notify/notify_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include <tradeguard/error.h>

#include "crypto/encode.h"

#define TS_MAX 24
#define HEADER_MAX 128
#define WEBHOOK_KEY_ID "webhook"

int
tg_webhook_sign(const tg_keys *keys, int64_t ts, const char *body,
    size_t len, char *sig, size_t siglen)
{
	char tsbuf[TS_MAX], hex[2 * 32 + 1];
	uint8_t mac[32];
	char *msg = NULL;
	size_t tslen, msglen = 0;
	int r;

	if (siglen > 0)
		sig[0] = '\0';
	if (keys == NULL || body == NULL || siglen < sizeof("v1=") + 2 * 32)
		return TG_ERR_INVALID;
	tslen = (size_t)snprintf(tsbuf, sizeof(tsbuf), "%lld", (long long)ts);
	if (len > SIZE_MAX - tslen - 1)
		return TG_ERR_INVALID;
	msglen = tslen + 1 + len;
	if ((msg = malloc(msglen)) == NULL)
		return TG_ERR_NOMEM;
	memcpy(msg, tsbuf, tslen);
	msg[tslen] = '.';
	memcpy(msg + tslen + 1, body, len);
	if ((r = tg_keys_hmac(keys, WEBHOOK_KEY_ID, msg, msglen, mac)) != 0)
		goto out;
	tg_hex_encode(mac, sizeof(mac), hex);
	snprintf(sig, siglen, "v1=%s", hex);
out:
	sodium_memzero(mac, sizeof(mac));
	tg_notify_buf_free(msg, msglen);
	return r;
}

/* Drop the answer's body. */
static size_t
discard(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)p;
	(void)arg;
	return size * nmemb;
}

int
tg_webhook_post(tg_ctx *ctx, const char *body, size_t len, int64_t ts,
    const atomic_int *stop, char *detail, size_t detaillen)
{
	const struct tg_config *cfg = &ctx->cfg;
	char errbuf[CURL_ERROR_SIZE], sig[TG_NOTIFY_SIG_HEX + 8];
	char hts[HEADER_MAX], hsig[HEADER_MAX];
	const char *headers[] = { "Content-Type: application/json", hts, hsig,
	    "Expect:" };
	struct curl_slist *h = NULL, *t;
	size_t i;
	CURL *c = NULL;
	CURLcode rc;
	long code = 0;
	int r;

	snprintf(detail, detaillen, "webhook: not sent");
	if (strncasecmp(cfg->notify_webhook_url, "https://", 8) != 0) {
		snprintf(detail, detaillen, "webhook: only https:// is allowed");
		return TG_ERR_CONFIG;
	}
	if ((r = tg_webhook_sign(ctx->keys, ts, body, len, sig,
	    sizeof(sig))) != 0) {
		snprintf(detail, detaillen, "webhook: %s",
		    r == TG_ERR_NOT_FOUND ? "no signing key \"webhook\"" :
		    "cannot sign");
		return r;
	}
	snprintf(hts, sizeof(hts), "X-TradeGuard-Timestamp: %lld",
	    (long long)ts);
	snprintf(hsig, sizeof(hsig), "X-TradeGuard-Signature: %s", sig);
	if ((c = curl_easy_init()) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		if ((t = curl_slist_append(h, headers[i])) == NULL) {
			r = TG_ERR_NOMEM;
			goto out;
		}
		h = t;
	}
	if ((r = tg_notify_curl_setup(c, cfg->notify_webhook_url, "https",
	    cfg->notify_webhook_ca_file, stop, errbuf)) != 0)
		goto out;
	if (curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK) {
		r = TG_ERR_INTERNAL;
		goto out;
	}
	rc = curl_easy_perform(c);
	(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	tg_notify_detail(detail, detaillen, rc == CURLE_OK ? "http" :
	    "webhook", rc, errbuf, code);
	r = (rc == CURLE_OK && code >= 200 && code <= 299) ? 0 : TG_ERR_IO;
out:
	sodium_memzero(sig, sizeof(sig));
	sodium_memzero(hsig, sizeof(hsig));
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	return r;
}
