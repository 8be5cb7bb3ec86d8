/*
 * What the SMTP and webhook transports share: libcurl options that make a
 * transfer safe (TLS 1.2+, verified peers, bounded time, no redirects,
 * abort on shutdown) and the sanitising of results before they are logged
 * or stored.
 */
#include "notify/notify_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include <tradeguard/error.h>

#include "core/mask.h"

#if defined(LIBCURL_VERSION_NUM) && LIBCURL_VERSION_NUM < 0x075500
#error "libcurl 7.85.0 or later is needed (CURLOPT_PROTOCOLS_STR)"
#endif

/* Abort the transfer when the worker is asked to stop. */
static int
transfer_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	const atomic_int *stop = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return stop != NULL && atomic_load(stop) ? 1 : 0;
}

int
tg_notify_curl_setup(CURL *c, const char *url, const char *protocols,
    const char *cafile, const atomic_int *stop, char *errbuf)
{
	errbuf[0] = '\0';
	if (curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protocols) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	    (long)TG_NOTIFY_CONNECT_TIMEOUT_S) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)TG_NOTIFY_TIMEOUT_S) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSLVERSION,
	    (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1") !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "TradeGuard/" TG_VERSION) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, transfer_progress) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)stop) != CURLE_OK)
		return TG_ERR_INTERNAL;
	if (cafile != NULL && cafile[0] != '\0' &&
	    curl_easy_setopt(c, CURLOPT_CAINFO, cafile) != CURLE_OK)
		return TG_ERR_INTERNAL;
	return 0;
}

void
tg_notify_printable(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

void
tg_notify_detail(char *detail, size_t len, const char *what, CURLcode rc,
    const char *errbuf, long code)
{
	char raw[TG_NOTIFY_DETAIL_MAX];

	if (len == 0)
		return;
	if (rc == CURLE_OK)
		snprintf(raw, sizeof(raw), "%s %ld", what, code);
	else
		snprintf(raw, sizeof(raw), "%s: %s", what,
		    errbuf != NULL && errbuf[0] != '\0' ? errbuf :
		    curl_easy_strerror(rc));
	tg_notify_printable(raw);
	/* A server may quote an address back in its error text. */
	if (tg_mask_text(raw, detail, len) != 0 && detail[0] == '\0')
		snprintf(detail, len, "%s", what);
}

int
tg_notify_host_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (host == NULL)
		return 0;
	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

void
tg_notify_buf_free(char *p, size_t len)
{
	if (p == NULL)
		return;
	sodium_memzero(p, len);
	free(p);
}
