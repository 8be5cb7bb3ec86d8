/* Small helpers shared by every layer. */
#ifndef TG_CORE_UTIL_H
#define TG_CORE_UTIL_H

#include <stddef.h>

/* printf into an error buffer; does nothing if buf is NULL or len is 0. */
void tg_errf(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Length (1..4) of the well-formed UTF-8 sequence at s, of which at most
 * left bytes may be read; 0 if it is malformed, overlong, a surrogate or
 * beyond U+10FFFF.
 */
size_t tg_utf8_seq(const unsigned char *s, size_t left);

#endif
