/*
 * libFuzzer target: device public keys (DER or PEM) through
 * tg_devkey_parse; an accepted key must come out canonical and verify
 * nothing it did not sign.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/devkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t sig[64];
	uint8_t spki[TG_DEVKEY_SPKI_MAX], again[TG_DEVKEY_SPKI_MAX], *copy;
	size_t len = 0, len2 = 0;
	int alg = 0, alg2 = 0;

	/* A copy of exactly size bytes, so ASan sees reads past the end. */
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	if (tg_devkey_parse(copy, size, spki, sizeof(spki), &len, &alg) == 0) {
		if (!((alg == TG_DEVKEY_ES256 && len == 91) ||
		    (alg == TG_DEVKEY_EDDSA && len == 44)))
			abort();
		/* canonical: parsing the output gives the output */
		if (tg_devkey_parse(spki, len, again, sizeof(again), &len2,
		    &alg2) != 0 || len2 != len || alg2 != alg ||
		    memcmp(again, spki, len) != 0)
			abort();
		if (tg_devkey_verify(spki, len, "x", 1, sig, sizeof(sig)) == 0)
			abort();
	}
	free(copy);
	return 0;
}
