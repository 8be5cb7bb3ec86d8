/* Self-signed TLS certificate for `tradeguard init` (ECDSA P-256). */
#ifndef TG_CRYPTO_TLSCERT_H
#define TG_CRYPTO_TLSCERT_H

#include <stddef.h>

/*
 * Generate an ECDSA P-256 key and a self-signed X.509 certificate for the
 * host names/addresses in san ("DNS:localhost,IP:127.0.0.1"), valid `days`.
 * The key file is written mode 0600.  0 or TG_ERR_CRYPTO / TG_ERR_IO.
 */
int tg_tls_selfsigned(const char *cert_path, const char *key_path,
    const char *common_name, const char *san, int days, char *err,
    size_t errlen) __attribute__((warn_unused_result));

#endif
