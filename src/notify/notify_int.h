/*
 * Private to src/notify/: what the two transports share (transport.c).
 */
#ifndef TG_NOTIFY_NOTIFY_INT_H
#define TG_NOTIFY_NOTIFY_INT_H

#include <stdatomic.h>
#include <stddef.h>

#include <curl/curl.h>

#include "notify/notify.h"

#define TG_NOTIFY_CONNECT_TIMEOUT_S 10
#define TG_NOTIFY_TIMEOUT_S 30		/* a whole transfer */

/*
 * Options every transfer gets: url, allowed protocols ("smtp,smtps" or
 * "https"), TLS 1.2 or later with peer and host verification, cafile (""
 * for the system's store), timeouts, no signals, no redirects, no proxy
 * for loopback, the error buffer (CURL_ERROR_SIZE bytes) and an abort as
 * soon as *stop becomes non-zero (stop may be NULL).  0 or TG_ERR_INTERNAL.
 */
int tg_notify_curl_setup(CURL *c, const char *url, const char *protocols,
    const char *cafile, const atomic_int *stop, char *errbuf);

/*
 * detail = "<what>: <curl's message>" (or "<what> <code>" when rc is
 * CURLE_OK), printable ASCII only, personal data masked.
 */
void tg_notify_detail(char *detail, size_t len, const char *what, CURLcode rc,
    const char *errbuf, long code);

/* Replace every byte that is not printable ASCII by '?' (in place). */
void tg_notify_printable(char *s);

/* 1 if host (as in a URL, IPv6 without brackets) is a loopback name or address. */
int tg_notify_host_loopback(const char *host);

#endif
