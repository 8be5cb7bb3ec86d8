/*
 * Building responses (JSON, RFC 9457 problems, headers) and reading
 * request bodies as JSON.  No libevent here: handlers and tests use these
 * on plain structs.
 */
#include "http/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "core/log.h"

#define PROBLEM_DETAIL_MAX 256
#define JSON_DUMP_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY)

/* Used when even the problem body cannot be built (out of memory). */
static const char fallback_body[] =
    "{\"type\":\"about:blank\",\"title\":\"Internal error\",\"status\":500,"
    "\"code\":\"TG-SRV-003\"}";

void
tg_resp_clear(struct tg_resp *resp)
{
	if (resp->body != NULL) {
		/* Responses may carry session tokens. */
		sodium_memzero(resp->body, resp->body_len);
		free(resp->body);
	}
	resp->body = NULL;
	resp->body_len = 0;
}

static void
resp_fallback(struct tg_resp *resp)
{
	tg_resp_clear(resp);
	resp->status = 500;
	resp->content_type = "application/problem+json";
	if ((resp->body = strdup(fallback_body)) != NULL)
		resp->body_len = sizeof(fallback_body) - 1;
}

/* Serialise j into resp->body with malloc (not jansson's allocator). */
static int
resp_dump(struct tg_resp *resp, const json_t *j)
{
	size_t n;
	char *buf;

	if (j == NULL || (n = json_dumpb(j, NULL, 0, JSON_DUMP_FLAGS)) == 0)
		return -1;
	if ((buf = malloc(n)) == NULL)
		return -1;
	if (json_dumpb(j, buf, n, JSON_DUMP_FLAGS) != n) {
		free(buf);
		return -1;
	}
	tg_resp_clear(resp);
	resp->body = buf;
	resp->body_len = n;
	return 0;
}

void
tg_resp_json(struct tg_resp *resp, int status, json_t *j)
{
	if (resp_dump(resp, j) != 0)
		resp_fallback(resp);
	else {
		resp->status = status;
		resp->content_type = "application/json";
	}
	json_decref(j);
}

static int
header_name_ok(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++) {
		/* RFC 9110 token characters. */
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("!#$%&'*+-.^_`|~", *s) != NULL))
			return 0;
	}
	return n > 0;
}

static int
header_value_ok(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

void
tg_resp_header(struct tg_resp *resp, const char *name, const char *value)
{
	struct tg_resp_header *h;
	size_t nl = strlen(name), vl = strlen(value);

	if (resp->nheaders >= TG_MAX_RESP_HEADERS ||
	    nl >= sizeof(h->name) || vl >= sizeof(h->value) ||
	    !header_name_ok(name) || !header_value_ok(value)) {
		/* A programming error, never peer data: say which header. */
		tg_log(TG_LOG_WARN, "http.header_dropped", NULL,
		    "response header %.39s dropped (too many, too long or invalid)",
		    header_name_ok(name) ? name : "(invalid name)");
		return;
	}
	h = &resp->headers[resp->nheaders++];
	memcpy(h->name, name, nl + 1);
	memcpy(h->value, value, vl + 1);
}

static int
resp_has_header(const struct tg_resp *resp, const char *name)
{
	int i;

	for (i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return 1;
	return 0;
}

/* Length of at most max bytes of s, not cutting a UTF-8 sequence. */
static size_t
utf8_cut(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

void
tg_resp_problem(struct tg_resp *resp, const struct tg_req *req,
    enum tg_problem p, const char *detail)
{
	json_t *j = json_object(), *d;
	int status = tg_problem_status(p);

	if (j == NULL ||
	    json_object_set_new(j, "type", json_string("about:blank")) != 0 ||
	    json_object_set_new(j, "title", json_string(tg_problem_title(p))) != 0 ||
	    json_object_set_new(j, "status", json_integer(status)) != 0 ||
	    json_object_set_new(j, "code", json_string(tg_problem_code(p))) != 0 ||
	    (req != NULL && json_object_set_new(j, "request_id",
	    json_string(req->request_id)) != 0))
		goto fail;
	if (detail != NULL && detail[0] != '\0') {
		/* Invalid UTF-8 (never expected) is left out rather than failing. */
		d = json_stringn(detail, utf8_cut(detail, PROBLEM_DETAIL_MAX));
		if (d != NULL && json_object_set_new(j, "detail", d) != 0)
			goto fail;
	}
	if (resp_dump(resp, j) != 0)
		goto fail;
	json_decref(j);
	resp->status = status;
	resp->content_type = "application/problem+json";
	if (p == TG_P_BUSY && !resp_has_header(resp, "Retry-After"))
		tg_resp_header(resp, "Retry-After", "1");
	if (p == TG_P_UNAUTHORIZED && !resp_has_header(resp, "WWW-Authenticate"))
		tg_resp_header(resp, "WWW-Authenticate", "Bearer");
	return;
fail:
	json_decref(j);
	resp_fallback(resp);
}

/* "application/json" with optional parameters ("; charset=utf-8"). */
static int
content_type_is_json(const char *ct)
{
	static const char want[] = "application/json";
	const size_t wl = sizeof(want) - 1;

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, wl) != 0)
		return 0;
	ct += wl;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

json_t *
tg_req_json(const struct tg_req *req, struct tg_resp *resp)
{
	json_error_t e;
	json_t *j;
	char detail[96];

	if (!content_type_is_json(req->content_type)) {
		tg_resp_problem(resp, req, TG_P_UNSUPPORTED_MEDIA,
		    "Content-Type must be application/json");
		return NULL;
	}
	if (req->body == NULL || req->body_len == 0) {
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST, "empty body");
		return NULL;
	}
	/* Without JSON_DISABLE_EOF_CHECK, trailing data is an error; NULs are never accepted. */
	j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &e);
	if (j == NULL) {
		snprintf(detail, sizeof(detail), "%s at position %d",
		    json_error_code(&e) == json_error_duplicate_key ?
		    "duplicate key" : "malformed JSON", e.position);
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST, detail);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST,
		    "body must be a JSON object");
		return NULL;
	}
	return j;
}

/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static int
token68_ok(const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && *s != '='; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-._~+/", *s) != NULL))
			return 0;
	while (*s == '=')
		s++;
	return n > 0 && *s == '\0';
}

const char *
tg_req_bearer(const struct tg_req *req)
{
	const char *p = req->authorization;

	if (p == NULL || strncasecmp(p, "Bearer", 6) != 0 || p[6] != ' ')
		return NULL;
	p += 6;
	while (*p == ' ')
		p++;
	return token68_ok(p) ? p : NULL;
}
