/*
 * QR codes for TOTP enrolment (AUTH-01): the otpauth:// URI as an SVG image
 * that a page can inline or serve, so that no image library is needed.
 * Encoding is libqrencode's.
 */
#ifndef TG_CRYPTO_QR_H
#define TG_CRYPTO_QR_H

/* Quiet zone around the symbol, in modules (ISO/IEC 18004 asks for 4). */
#define TG_QR_QUIET		4
/* Default rendered size of one module, in CSS pixels (width/height). */
#define TG_QR_MODULE_PX		4

/*
 * Encode text (NUL-terminated, non-empty; borrowed) as a QR code (smallest
 * version that fits, error correction level M, libqrencode's mode split
 * with 8-bit mode for everything that is not numeric or alphanumeric, case
 * preserved) and render it as a standalone SVG document:
 *
 *   <svg xmlns=... viewBox="0 0 N N" width=... height=...
 *        shape-rendering="crispEdges"><rect .../><path d="..."/></svg>
 *
 * where N is the symbol width plus twice the TG_QR_QUIET quiet zone; the
 * background is one white rect, and the dark modules are one black path
 * with one rectangle ("M x y h n v1 h-n z") per horizontal run of dark
 * modules.  No XML declaration, so it can be inlined in HTML as is.
 *
 * *svg_out receives a NUL-terminated string owned by the caller (free());
 * it is NULL on error.  The SVG encodes text, so when text holds a secret
 * (an otpauth URI does) the caller wipes it before free().
 * Returns 0, TG_ERR_INVALID (NULL or empty text), TG_ERR_LIMIT (text too
 * long for any QR version), TG_ERR_NOMEM or TG_ERR_INTERNAL.
 * Not constant time: the drawing follows the modules, which depend on text.
 */
int tg_qr_svg(const char *text, char **svg_out)
    __attribute__((warn_unused_result));

#endif
