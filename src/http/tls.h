/* The server's TLS context (AUTH-08, MSG-01). */
#ifndef TG_HTTP_TLS_H
#define TG_HTTP_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/*
 * A server SSL_CTX: TLS 1.2 and 1.3 only; TLS 1.2 limited to ECDHE with
 * AEAD ciphers; groups X25519, P-256, P-384; no compression, no
 * renegotiation, no session tickets or cache; ALPN http/1.1.  cert is a PEM
 * chain (leaf first), key its PEM private key.  Returns 0 or TG_ERR_CONFIG
 * (missing/unreadable/mismatched files) / TG_ERR_CRYPTO, with err saying
 * which file and why.  *out is owned by the caller (SSL_CTX_free).
 */
int tg_tls_server_ctx(const char *cert, const char *key, SSL_CTX **out,
    char *err, size_t errlen) __attribute__((warn_unused_result));

#define TG_TLS12_CIPHERS \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define TG_TLS13_SUITES \
	"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define TG_TLS_GROUPS "X25519:P-256:P-384"

#endif
