/*
 * libFuzzer target: request bodies through tg_req_json (and the same bytes
 * as an Authorization header through tg_req_bearer).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tg_req req;
	struct tg_resp resp;
	json_t *j;
	char *hdr;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = "POST";
	req.path = "/fuzz";
	req.user_agent = "";
	req.content_type = "application/json";
	/* A copy of exactly size bytes, so ASan sees reads past the end. */
	req.body = size > 0 ? malloc(size) : NULL;
	if (size > 0 && req.body == NULL)
		return 0;
	if (size > 0)
		memcpy((char *)req.body, data, size);
	req.body_len = size;
	j = tg_req_json(&req, &resp);
	if (j != NULL) {
		if (!json_is_object(j) || resp.body != NULL)
			abort();
		json_decref(j);
	} else if (resp.status != 400 || resp.body == NULL)
		abort();
	tg_resp_clear(&resp);
	free((char *)req.body);

	if ((hdr = malloc(size + 1)) != NULL) {
		memcpy(hdr, data, size);
		hdr[size] = '\0';
		req.authorization = hdr;
		(void)tg_req_bearer(&req);
		free(hdr);
	}
	return 0;
}
