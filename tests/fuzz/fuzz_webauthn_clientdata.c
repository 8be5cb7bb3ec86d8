/*
 * libFuzzer target: clientDataJSON through tg_webauthn_client_data_verify
 * for both ceremony types, with a fixed challenge and two allowed origins.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tradeguard/error.h>

#include "crypto/webauthn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tg_webauthn_policy pol;
	uint8_t challenge[32], *copy;
	size_t i;
	int r1, r2;

	for (i = 0; i < sizeof(challenge); i++)
		challenge[i] = (uint8_t)i;
	if (tg_webauthn_policy_init(&pol, "login.tradeguard.example",
	    "https://login.tradeguard.example,https://app.tradeguard.example:8443",
	    0) != 0)
		abort();
	/* A copy of exactly size bytes, so ASan sees reads past the end. */
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	r1 = tg_webauthn_client_data_verify(&pol, "webauthn.create", challenge,
	    sizeof(challenge), copy, size);
	r2 = tg_webauthn_client_data_verify(&pol, "webauthn.get", challenge,
	    sizeof(challenge), copy, size);
	/* one type at most; only the documented codes */
	if ((r1 == 0 && r2 == 0) ||
	    (r1 != 0 && r1 != TG_ERR_INVALID && r1 != TG_ERR_AUTH &&
	    r1 != TG_ERR_POLICY && r1 != TG_ERR_NOMEM))
		abort();
	free(copy);
	return 0;
}
