/*
 * Self-signed ECDSA P-256 server certificate for `tradeguard init`.
 * Both files are written to a temporary name, fsync'd and renamed over the
 * target, so a crash never leaves a half-written key.
 */
#include "crypto/tlscert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <tradeguard/error.h>

#include "core/util.h"

#define TLS_DAYS_MAX	36500
#define TLS_SERIAL_BITS	159	/* positive, under RFC 5280's 20 octets */

/* Append the OpenSSL reason, if any, to a message. */
static void
tls_err_ssl(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char reason[256];

	if (e != 0) {
		ERR_error_string_n(e, reason, sizeof(reason));
		tg_errf(err, errlen, "%s: %s", what, reason);
	} else
		tg_errf(err, errlen, "%s", what);
	ERR_clear_error();
}

static int
tls_add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext;
	int ok;

	if ((ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1;
}

static X509 *
tls_make_cert(EVP_PKEY *pk, const char *cn, const char *san, int days)
{
	X509 *x = NULL;
	X509_NAME *name;
	BIGNUM *bn = NULL;
	X509V3_CTX ctx;
	int ok = 0;

	if ((x = X509_new()) == NULL || X509_set_version(x, X509_VERSION_3) != 1 ||
	    (bn = BN_new()) == NULL ||
	    BN_rand(bn, TLS_SERIAL_BITS, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1 ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -300) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) == NULL ||
	    X509_set_pubkey(x, pk) != 1 ||
	    (name = X509_get_subject_name(x)) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1)
		goto out;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (!tls_add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
	    !tls_add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature") ||
	    !tls_add_ext(x, &ctx, NID_ext_key_usage, "serverAuth") ||
	    !tls_add_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
	    !tls_add_ext(x, &ctx, NID_subject_alt_name, san) ||
	    X509_sign(x, pk, EVP_sha256()) <= 0)
		goto out;
	ok = 1;
out:
	BN_free(bn);
	if (!ok) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* Write data to path atomically (temporary file, fsync, rename) with mode. */
static int
tls_write_file(const char *path, mode_t mode, const char *data, size_t len,
    char *err, size_t errlen)
{
	char tmp[4096];
	ssize_t n;
	int fd = -1, r;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		tg_errf(err, errlen, "%s: path too long", path);
		return TG_ERR_IO;
	}
	if (unlink(tmp) == -1 && errno != ENOENT) {
		tg_errf(err, errlen, "%s: %s", tmp, strerror(errno));
		return TG_ERR_IO;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd == -1 || fchmod(fd, mode) == -1) {
		tg_errf(err, errlen, "%s: %s", tmp, strerror(errno));
		r = TG_ERR_IO;
		goto out;
	}
	while (len > 0) {
		n = write(fd, data, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			tg_errf(err, errlen, "%s: %s", tmp, strerror(errno));
			r = TG_ERR_IO;
			goto out;
		}
		data += n;
		len -= (size_t)n;
	}
	if (fsync(fd) == -1) {
		tg_errf(err, errlen, "%s: %s", tmp, strerror(errno));
		r = TG_ERR_IO;
		goto out;
	}
	n = close(fd);
	fd = -1;
	if (n == -1 || rename(tmp, path) == -1) {
		tg_errf(err, errlen, "%s: %s", path, strerror(errno));
		r = TG_ERR_IO;
		goto out;
	}
	r = 0;
out:
	if (fd != -1)
		close(fd);
	if (r != 0)
		unlink(tmp);
	return r;
}

static int
tls_write_bio(const char *path, mode_t mode, BIO *bio, char *err, size_t errlen)
{
	char *data = NULL;
	long len;

	if ((len = BIO_get_mem_data(bio, &data)) <= 0) {
		tg_errf(err, errlen, "%s: nothing to write", path);
		return TG_ERR_CRYPTO;
	}
	return tls_write_file(path, mode, data, (size_t)len, err, errlen);
}

int
tg_tls_selfsigned(const char *cert_path, const char *key_path,
    const char *common_name, const char *san, int days, char *err,
    size_t errlen)
{
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	BIO *kb = NULL, *cb = NULL;
	char dflt_san[300];
	int r;

	tg_errf(err, errlen, "%s", "");
	if (cert_path == NULL || key_path == NULL || common_name == NULL ||
	    common_name[0] == '\0' || days < 1 || days > TLS_DAYS_MAX) {
		tg_errf(err, errlen, "self-signed certificate: invalid argument");
		return TG_ERR_INVALID;
	}
	if (san == NULL || san[0] == '\0') {
		if ((size_t)snprintf(dflt_san, sizeof(dflt_san), "DNS:%s",
		    common_name) >= sizeof(dflt_san)) {
			tg_errf(err, errlen, "common name too long");
			return TG_ERR_INVALID;
		}
		san = dflt_san;
	}
	if ((pk = EVP_EC_gen("P-256")) == NULL) {
		tls_err_ssl(err, errlen, "P-256 key generation failed");
		r = TG_ERR_CRYPTO;
		goto out;
	}
	if ((x = tls_make_cert(pk, common_name, san, days)) == NULL) {
		tls_err_ssl(err, errlen, "certificate creation failed "
		    "(check the subjectAltName list)");
		r = TG_ERR_CRYPTO;
		goto out;
	}
	if ((kb = BIO_new(BIO_s_secmem())) == NULL ||
	    (cb = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(kb, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_X509(cb, x) != 1) {
		tls_err_ssl(err, errlen, "PEM encoding failed");
		r = TG_ERR_CRYPTO;
		goto out;
	}
	if ((r = tls_write_bio(key_path, 0600, kb, err, errlen)) != 0 ||
	    (r = tls_write_bio(cert_path, 0644, cb, err, errlen)) != 0)
		goto out;
	r = 0;
out:
	ERR_clear_error();
	BIO_free(kb);		/* secure heap: cleared */
	BIO_free(cb);
	X509_free(x);
	EVP_PKEY_free(pk);
	return r;
}
