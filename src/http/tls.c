/* Server TLS context. */
#include "http/tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include <tradeguard/error.h>

#include "core/log.h"

static void
tls_errtext(char *err, size_t errlen, const char *what, const char *path)
{
	char ossl[256] = "unknown error";
	unsigned long e = ERR_peek_error();	/* the first: the most specific */

	if (e != 0)
		ERR_error_string_n(e, ossl, sizeof(ossl));
	ERR_clear_error();
	snprintf(err, errlen, "%s %s: %s", what, path, ossl);
}

/* A clear message for a missing or unreadable file, before OpenSSL's. */
static int
tls_check_file(const char *path, const char *what, const char *option,
    char *err, size_t errlen)
{
	struct stat st;

	if (path == NULL || path[0] == '\0') {
		snprintf(err, errlen, "no %s configured (set %s)", what, option);
		return TG_ERR_CONFIG;
	}
	if (stat(path, &st) != 0 || access(path, R_OK) != 0) {
		snprintf(err, errlen, "cannot read %s %s: %s (%s)", what, path,
		    strerror(errno), option);
		return TG_ERR_CONFIG;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s is not a regular file", what, path);
		return TG_ERR_CONFIG;
	}
	return 0;
}

static int
tls_alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char h11[] = "\x08http/1.1";
	unsigned char *sel = NULL;
	unsigned char sellen = 0;

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto(&sel, &sellen, h11, sizeof(h11) - 1, in,
	    inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	*outlen = sellen;
	return SSL_TLSEXT_ERR_OK;
}

int
tg_tls_server_ctx(const char *cert, const char *key, SSL_CTX **out,
    char *err, size_t errlen)
{
	SSL_CTX *ctx = NULL;
	struct stat st;
	int r;

	*out = NULL;
	if ((r = tls_check_file(cert, "TLS certificate", "[tls] certificate",
	    err, errlen)) != 0 ||
	    (r = tls_check_file(key, "TLS private key", "[tls] private_key",
	    err, errlen)) != 0)
		goto out;
	r = TG_ERR_CRYPTO;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tls_errtext(err, errlen, "TLS context", "");
		goto out;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TG_TLS12_CIPHERS) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, TG_TLS13_SUITES) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, TG_TLS_GROUPS) != 1) {
		tls_errtext(err, errlen, "TLS", "settings");
		goto out;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_alpn_select_cb(ctx, tls_alpn_cb, NULL);
	r = TG_ERR_CONFIG;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_errtext(err, errlen, "TLS certificate (PEM chain, leaf first)",
		    cert);
		goto out;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 &&
	    ERR_GET_REASON(ERR_peek_error()) != X509_R_KEY_VALUES_MISMATCH) {
		tls_errtext(err, errlen, "TLS private key (PEM)", key);
		goto out;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "TLS private key %s does not match the "
		    "certificate %s", key, cert);
		goto out;
	}
	if (stat(key, &st) == 0 && (st.st_mode & 077) != 0)
		tg_log(TG_LOG_WARN, "tls.key_permissions", NULL,
		    "TLS private key %s is accessible by group or others "
		    "(chmod 600 it)", key);
	*out = ctx;
	ctx = NULL;
	r = 0;
out:
	SSL_CTX_free(ctx);
	return r;
}
