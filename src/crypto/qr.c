/*
 * QR code to SVG.  libqrencode builds the module matrix; this file draws
 * it: one white background and one path whose subpaths are the horizontal
 * runs of dark modules, which keeps a 200-character otpauth URI near 6 KiB.
 */
#include "crypto/qr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <qrencode.h>

#include <tradeguard/error.h>

/* Longest subpath: "M185 185h177v1h-177z" for version 40 (177 modules). */
#define RUN_MAX_CHARS	24
#define SVG_HEAD_MAX	320

static int
qr_dark(const QRcode *qr, int x, int y)
{
	return qr->data[(size_t)y * (size_t)qr->width + (size_t)x] & 1;
}

/* Number of horizontal runs of dark modules. */
static size_t
qr_count_runs(const QRcode *qr)
{
	size_t n = 0;
	int x, y;

	for (y = 0; y < qr->width; y++)
		for (x = 0; x < qr->width; x++)
			if (qr_dark(qr, x, y) && (x == 0 || !qr_dark(qr, x - 1, y)))
				n++;
	return n;
}

/* Append with snprintf; 0 or TG_ERR_INTERNAL if the size estimate was wrong. */
static int
qr_append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
qr_append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *len)
		return TG_ERR_INTERNAL;
	*len += (size_t)n;
	return 0;
}

int
tg_qr_svg(const char *text, char **svg_out)
{
	QRcode *qr = NULL;
	char *svg = NULL;
	size_t cap = 0, len = 0;
	int x, y, run, side, r;

	*svg_out = NULL;
	if (text == NULL || text[0] == '\0')
		return TG_ERR_INVALID;
	errno = 0;
	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8,
	    1)) == NULL) {
		r = errno == ERANGE ? TG_ERR_LIMIT :
		    errno == ENOMEM ? TG_ERR_NOMEM :
		    errno == EINVAL ? TG_ERR_INVALID : TG_ERR_INTERNAL;
		goto out;
	}
	if (qr->width < 21 || qr->width > 177) {
		r = TG_ERR_INTERNAL;
		goto out;
	}
	side = qr->width + 2 * TG_QR_QUIET;
	cap = SVG_HEAD_MAX + qr_count_runs(qr) * RUN_MAX_CHARS;
	if ((svg = malloc(cap)) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	if ((r = qr_append(svg, cap, &len, "<svg xmlns=\"http://www.w3.org/"
	    "2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	    "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
	    "fill=\"#fff\"/><path fill=\"#000\" d=\"", side, side,
	    side * TG_QR_MODULE_PX, side * TG_QR_MODULE_PX, side, side)) != 0)
		goto out;
	for (y = 0; y < qr->width; y++) {
		for (x = 0; x < qr->width; x += run) {
			for (run = 0; x + run < qr->width &&
			    qr_dark(qr, x + run, y); run++)
				;
			if (run == 0) {
				run = 1;
				continue;
			}
			if ((r = qr_append(svg, cap, &len, "M%d %dh%dv1h-%dz",
			    x + TG_QR_QUIET, y + TG_QR_QUIET, run, run)) != 0)
				goto out;
		}
	}
	if ((r = qr_append(svg, cap, &len, "\"/></svg>\n")) != 0)
		goto out;
	*svg_out = svg;
	svg = NULL;
	r = 0;
out:
	if (svg != NULL) {
		OPENSSL_cleanse(svg, cap);
		free(svg);
	}
	if (qr != NULL) {
		/* the matrix encodes text, which may be a secret */
		OPENSSL_cleanse(qr->data, (size_t)qr->width * (size_t)qr->width);
		QRcode_free(qr);
	}
	return r;
}
