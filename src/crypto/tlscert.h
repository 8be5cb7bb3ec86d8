/* Self-signed TLS certificate for `tradeguard init` (ECDSA P-256). */
#ifndef TG_CRYPTO_TLSCERT_H
#define TG_CRYPTO_TLSCERT_H

#include <stddef.h>

/*
 * Generate an ECDSA P-256 key and a self-signed X.509 certificate for the
 * host names/addresses in san ("DNS:localhost,IP:127.0.0.1"), valid `days`.
 * san NULL or "" means "DNS:<common_name>".  The key (PKCS#8 PEM) is
 * written mode 0600, the certificate 0644, each through a temporary file
 * renamed over any existing one.  0 or TG_ERR_INVALID / TG_ERR_CRYPTO /
 * TG_ERR_IO, with the reason in err.
 */
int tg_tls_selfsigned(const char *cert_path, const char *key_path,
    const char *common_name, const char *san, int days, char *err,
    size_t errlen) __attribute__((warn_unused_result));

#endif
