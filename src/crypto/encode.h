/* Hex and base64url (no padding) encoding of binary data. */
#ifndef TG_CRYPTO_ENCODE_H
#define TG_CRYPTO_ENCODE_H

#include <stddef.h>
#include <stdint.h>

/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void tg_hex_encode(const uint8_t *in, size_t len, char *out);
/* Decode exactly outlen bytes of hex; 0 or TG_ERR_INVALID (wrong length, bad digit). */
int tg_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t outlen)
    __attribute__((warn_unused_result));
/* base64url without padding into out (needs tg_b64url_len(len) bytes, incl. NUL). */
size_t tg_b64url_len(size_t len);
void tg_b64url_encode(const uint8_t *in, size_t len, char *out);
/* Decode; *outlen receives the byte count.  0 or TG_ERR_INVALID. */
int tg_b64url_decode(const char *in, size_t inlen, uint8_t *out, size_t cap,
    size_t *outlen) __attribute__((warn_unused_result));

/* base64url of (p, n) as a new JSON string (NULL if too long, > 1536 bytes). */
typedef struct json_t json_t;
json_t *tg_b64url_json(const uint8_t *p, size_t n);

#endif
