/* Fuzz the Cookie header parser used for browser sessions. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/handlers/handlers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tg_req req;
	char *hdr, buf[128];

	if ((hdr = malloc(size + 1)) == NULL)
		return 0;
	memcpy(hdr, data, size);
	hdr[size] = '\0';
	memset(&req, 0, sizeof(req));
	req.cookie = hdr;
	if (tg_h_cookie(&req, TG_SESSION_COOKIE, buf, sizeof(buf)) == 0 &&
	    strlen(buf) >= sizeof(buf))
		__builtin_trap();
	(void)tg_h_cookie(&req, TG_CSRF_COOKIE, buf, sizeof(buf));
	free(hdr);
	return 0;
}
