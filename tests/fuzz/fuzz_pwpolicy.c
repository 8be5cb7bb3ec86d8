/* Fuzz the password rules (UTF-8 decoding of untrusted passwords, login matching). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/pwpolicy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tg_pwpolicy p = { 8, 1, 1, 1, 1, 1 };
	const char *reason;
	char login[17];
	size_t llen = size > 0 ? data[0] % 17 : 0;

	if (size < 1 + llen)
		return 0;
	memcpy(login, data + 1, llen);
	login[llen] = '\0';
	if (tg_pwpolicy_check(&p, login, (const char *)data + 1 + llen,
	    size - 1 - llen, &reason) != 0 && reason == NULL)
		__builtin_trap();
	return 0;
}
