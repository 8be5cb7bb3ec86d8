/* Self-signed server certificate: checked with OpenSSL's own parsers. */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <tradeguard/error.h>

#include "crypto/tlscert.h"

static X509 *
read_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

static EVP_PKEY *
read_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	assert_non_null(f);
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(k);
	return k;
}

static void
test_selfsigned(void **state)
{
	char *tmp = tgt_mkdtemp(), cert[512], key[512], err[512], name[64];
	const ASN1_INTEGER *serial;
	GENERAL_NAMES *sans;
	BASIC_CONSTRAINTS *bc;
	EXTENDED_KEY_USAGE *eku;
	ASN1_BIT_STRING *ku;
	struct stat st;
	EVP_PKEY *pk;
	X509 *x, *x2;
	int crit, i, dns = 0, ip = 0;

	(void)state;
	snprintf(cert, sizeof(cert), "%s/cert.pem", tmp);
	snprintf(key, sizeof(key), "%s/key.pem", tmp);
	assert_int_equal(tg_tls_selfsigned(cert, key, "localhost",
	    "DNS:localhost,IP:127.0.0.1", 30, err, sizeof(err)), 0);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	x = read_cert(cert);
	pk = read_key(key);
	assert_int_equal(EVP_PKEY_get_base_id(pk), EVP_PKEY_EC);
	assert_int_equal(EVP_PKEY_get_bits(pk), 256);
	assert_int_equal(X509_check_private_key(x, pk), 1);
	assert_int_equal(X509_verify(x, pk), 1);	/* self-signed */
	assert_int_equal(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
	assert_int_equal(X509_get_version(x), X509_VERSION_3);
	assert_int_equal(X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	    NID_commonName, name, sizeof(name)), 9);
	assert_string_equal(name, "localhost");
	assert_int_equal(X509_cmp_time(X509_get0_notBefore(x), NULL), -1);
	assert_int_equal(X509_cmp_time(X509_get0_notAfter(x), NULL), 1);
	serial = X509_get0_serialNumber(x);
	assert_true(ASN1_STRING_length(serial) >= 16);

	bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	assert_non_null(bc);
	assert_false(bc->ca);
	assert_int_equal(crit, 1);
	BASIC_CONSTRAINTS_free(bc);
	ku = X509_get_ext_d2i(x, NID_key_usage, &crit, NULL);
	assert_non_null(ku);
	assert_true(ASN1_BIT_STRING_get_bit(ku, 0));	/* digitalSignature */
	assert_false(ASN1_BIT_STRING_get_bit(ku, 5));	/* not keyCertSign */
	ASN1_BIT_STRING_free(ku);
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
	assert_non_null(eku);
	assert_int_equal(sk_ASN1_OBJECT_num(eku), 1);
	assert_int_equal(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)),
	    NID_server_auth);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	sans = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
	assert_non_null(sans);
	for (i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
		int type = sk_GENERAL_NAME_value(sans, i)->type;

		dns += type == GEN_DNS;
		ip += type == GEN_IPADD;
	}
	assert_int_equal(dns, 1);
	assert_int_equal(ip, 1);
	GENERAL_NAMES_free(sans);
	assert_int_equal(X509_check_host(x, "localhost", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
	assert_int_not_equal(X509_check_host(x, "example.com", 0, 0, NULL), 1);

	/* a second run replaces both with a new key and serial */
	assert_int_equal(tg_tls_selfsigned(cert, key, "localhost", NULL, 1, err,
	    sizeof(err)), 0);
	x2 = read_cert(cert);
	assert_int_not_equal(ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(x2)),
	    0);
	assert_int_not_equal(X509_check_private_key(x2, pk), 1);
	X509_free(x2);
	X509_free(x);
	EVP_PKEY_free(pk);

	/* bad arguments and a bad SAN list */
	assert_int_equal(tg_tls_selfsigned(cert, key, "localhost", NULL, 0, err,
	    sizeof(err)), TG_ERR_INVALID);
	assert_int_equal(tg_tls_selfsigned(cert, key, "", NULL, 1, err,
	    sizeof(err)), TG_ERR_INVALID);
	assert_int_equal(tg_tls_selfsigned(cert, key, "x", "IP:not-an-ip", 1,
	    err, sizeof(err)), TG_ERR_CRYPTO);
	assert_non_null(strstr(err, "subjectAltName"));
	snprintf(cert, sizeof(cert), "%s/no/such/dir/cert.pem", tmp);
	assert_int_equal(tg_tls_selfsigned(cert, key, "x", NULL, 1, err,
	    sizeof(err)), TG_ERR_IO);
	assert_non_null(strstr(err, "no/such/dir"));
	tgt_rmtree(tmp);
	free(tmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selfsigned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
