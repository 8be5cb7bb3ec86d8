/*
 * libFuzzer target: attestation objects through tg_webauthn_register (with
 * a fixed, valid clientDataJSON and challenge, so every input reaches the
 * CBOR, authenticatorData, COSE and attestation-statement parsers), and the
 * same bytes as authenticatorData and as a COSE key.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/webauthn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RP_ID	"login.tradeguard.example"
#define ORIGIN	"https://login.tradeguard.example"
/* base64url of the bytes 0x00..0x1f */
#define CHALLENGE_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"

static const char client_data[] = "{\"type\":\"webauthn.create\","
    "\"challenge\":\"" CHALLENGE_B64 "\",\"origin\":\"" ORIGIN "\","
    "\"crossOrigin\":false}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tg_webauthn_credential cred;
	struct tg_webauthn_policy pol;
	struct tg_webauthn_authdata ad;
	uint8_t challenge[32], *copy;
	EVP_PKEY *pk = NULL;
	size_t i;
	int alg;

	for (i = 0; i < sizeof(challenge); i++)
		challenge[i] = (uint8_t)i;
	if (tg_webauthn_policy_init(&pol, RP_ID, ORIGIN, 0) != 0)
		abort();
	/* A copy of exactly size bytes, so ASan sees reads past the end. */
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	if (tg_webauthn_register(&pol, challenge, sizeof(challenge),
	    (const uint8_t *)client_data, sizeof(client_data) - 1, copy, size,
	    &cred) == 0) {
		if (cred.id_len == 0 || cred.id_len > TG_WEBAUTHN_CRED_ID_MAX ||
		    cred.cose_key_len == 0 ||
		    cred.cose_key_len > TG_WEBAUTHN_COSE_KEY_MAX ||
		    (cred.flags & TG_WEBAUTHN_FLAG_UP) == 0)
			abort();
		/* the stored key loads again with the same alg */
		if (tg_webauthn_cose_key_load(cred.cose_key, cred.cose_key_len,
		    &alg, &pk) != 0 || alg != cred.alg)
			abort();
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	if (tg_webauthn_authdata_parse(copy, size, &ad) == 0) {
		if (ad.cred_id_off + ad.cred_id_len > size ||
		    ad.cose_key_off + ad.cose_key_len > size ||
		    ad.ext_off + ad.ext_len > size)
			abort();
	}
	if (tg_webauthn_cose_key_load(copy, size, &alg, &pk) == 0 &&
	    pk == NULL)
		abort();
	EVP_PKEY_free(pk);
	free(copy);
	return 0;
}
