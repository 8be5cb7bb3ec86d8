/* Responses: the problem table and body, headers, tg_req_json, tg_req_bearer. */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

static const struct {
	enum tg_problem p;
	int status;
	const char *code;
} expected[] = {
	{ TG_P_BAD_REQUEST, 400, "TG-REQ-001" },
	{ TG_P_NOT_FOUND, 404, "TG-REQ-002" },
	{ TG_P_METHOD, 405, "TG-REQ-003" },
	{ TG_P_TOO_LARGE, 413, "TG-REQ-004" },
	{ TG_P_UNSUPPORTED_MEDIA, 415, "TG-REQ-005" },
	{ TG_P_UNAUTHORIZED, 401, "TG-AUTH-002" },
	{ TG_P_LOGIN_FAILED, 401, "TG-AUTH-001" },
	{ TG_P_FLOW_INVALID, 401, "TG-AUTH-003" },
	{ TG_P_PASSWORD_POLICY, 422, "TG-PWD-001" },
	{ TG_P_PASSWORD_REUSED, 422, "TG-PWD-002" },
	{ TG_P_CURRENT_PASSWORD, 403, "TG-PWD-003" },
	{ TG_P_SESSION_LIMIT, 429, "TG-SES-001" },
	{ TG_P_CONFLICT, 409, "TG-REQ-006" },
	{ TG_P_BUSY, 503, "TG-SRV-001" },
	{ TG_P_UNAVAILABLE, 503, "TG-SRV-002" },
	{ TG_P_INTERNAL, 500, "TG-SRV-003" },
	{ TG_P_STEPUP_REQUIRED, 403, "TG-AUTH-004" },
	{ TG_P_FACTOR_UNAVAILABLE, 422, "TG-FAC-001" },
	{ TG_P_CODE_LIMIT, 429, "TG-FAC-002" },
	{ TG_P_VERIFY_FAILED, 403, "TG-FAC-003" },
};

static void
req_init(struct tg_req *req, const char *ctype, const char *body, size_t len)
{
	memset(req, 0, sizeof(*req));
	req->method = "POST";
	req->path = "/v1/x";
	req->content_type = ctype;
	req->body = body;
	req->body_len = len;
	req->user_agent = "";
	memcpy(req->request_id, "0123456789abcdef0123456789abcdef",
	    TG_REQUEST_ID_LEN + 1);
}

static json_t *
body_json(const struct tg_resp *resp)
{
	json_error_t e;
	json_t *j;

	assert_non_null(resp->body);
	j = json_loadb(resp->body, resp->body_len, JSON_REJECT_DUPLICATES, &e);
	if (j == NULL)
		fail_msg("response body is not JSON: %s", e.text);
	return j;
}

static const char *
header(const struct tg_resp *resp, const char *name)
{
	int i;

	for (i = 0; i < resp->nheaders; i++)
		if (strcmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	return NULL;
}

static void
test_problem_table(void **state)
{
	size_t i, k;

	(void)state;
	assert_int_equal(sizeof(expected) / sizeof(expected[0]), TG_P__COUNT);
	for (i = 0; i < TG_P__COUNT; i++) {
		assert_int_equal(tg_problem_status(expected[i].p), expected[i].status);
		assert_string_equal(tg_problem_code(expected[i].p), expected[i].code);
		assert_non_null(tg_problem_title(expected[i].p));
		assert_true(strlen(tg_problem_title(expected[i].p)) > 0);
		for (k = 0; k < i; k++)
			assert_string_not_equal(tg_problem_code(expected[i].p),
			    tg_problem_code(expected[k].p));
	}
	/* Out of range: internal error, never NULL. */
	assert_int_equal(tg_problem_status(TG_P__COUNT), 500);
	assert_string_equal(tg_problem_code((enum tg_problem)-1), "TG-SRV-003");
}

static void
test_problem_body(void **state)
{
	struct tg_req req;
	struct tg_resp resp;
	json_t *j;
	size_t i;

	(void)state;
	req_init(&req, NULL, NULL, 0);
	for (i = 0; i < TG_P__COUNT; i++) {
		memset(&resp, 0, sizeof(resp));
		tg_resp_problem(&resp, &req, expected[i].p, i % 2 ? "some detail" : NULL);
		assert_int_equal(resp.status, expected[i].status);
		assert_string_equal(resp.content_type, "application/problem+json");
		j = body_json(&resp);
		assert_string_equal(json_string_value(json_object_get(j, "type")),
		    "about:blank");
		assert_string_equal(json_string_value(json_object_get(j, "title")),
		    tg_problem_title(expected[i].p));
		assert_int_equal(json_integer_value(json_object_get(j, "status")),
		    expected[i].status);
		assert_string_equal(json_string_value(json_object_get(j, "code")),
		    expected[i].code);
		assert_string_equal(json_string_value(json_object_get(j, "request_id")),
		    req.request_id);
		if (i % 2)
			assert_string_equal(json_string_value(json_object_get(j,
			    "detail")), "some detail");
		else
			assert_null(json_object_get(j, "detail"));
		assert_int_equal(json_object_size(j), i % 2 ? 6 : 5);
		if (expected[i].p == TG_P_BUSY)
			assert_string_equal(header(&resp, "Retry-After"), "1");
		else
			assert_null(header(&resp, "Retry-After"));
		json_decref(j);
		tg_resp_clear(&resp);
		assert_null(resp.body);
	}
}

static void
test_problem_detail_limits(void **state)
{
	struct tg_req req;
	struct tg_resp resp = { 0 };
	char big[1000];
	json_t *j;
	const char *d;

	(void)state;
	req_init(&req, NULL, NULL, 0);
	/* Long detail is cut at a UTF-8 boundary. */
	memset(big, 0, sizeof(big));
	for (size_t i = 0; i + 3 < sizeof(big); i += 3)
		memcpy(big + i, "\xe7\x8e\x8b", 3);
	tg_resp_problem(&resp, &req, TG_P_BAD_REQUEST, big);
	j = body_json(&resp);
	d = json_string_value(json_object_get(j, "detail"));
	assert_non_null(d);
	assert_true(strlen(d) <= 256);
	assert_int_equal(strlen(d) % 3, 0);
	json_decref(j);
	/* Invalid UTF-8 detail is left out; the problem is still sent. */
	tg_resp_problem(&resp, &req, TG_P_BAD_REQUEST, "bad \xff byte");
	j = body_json(&resp);
	assert_null(json_object_get(j, "detail"));
	assert_int_equal(resp.status, 400);
	json_decref(j);
	/* Control characters are escaped by the JSON encoder. */
	tg_resp_problem(&resp, &req, TG_P_BAD_REQUEST, "a\"b\nc");
	assert_non_null(strstr(resp.body, "a\\\"b\\nc"));
	/* A NULL request leaves out request_id. */
	tg_resp_problem(&resp, NULL, TG_P_INTERNAL, NULL);
	j = body_json(&resp);
	assert_null(json_object_get(j, "request_id"));
	json_decref(j);
	tg_resp_clear(&resp);
}

static void
test_resp_json_and_headers(void **state)
{
	struct tg_resp resp = { 0 };
	char name[64], longv[600];
	int i;

	(void)state;
	tg_resp_json(&resp, 201, json_pack("{s:i}", "a", 1));
	assert_int_equal(resp.status, 201);
	assert_string_equal(resp.content_type, "application/json");
	assert_int_equal(resp.body_len, strlen("{\"a\":1}"));
	assert_memory_equal(resp.body, "{\"a\":1}", resp.body_len);
	/* NULL (a failed json_pack): 500, never a crash. */
	tg_resp_json(&resp, 200, NULL);
	assert_int_equal(resp.status, 500);

	tg_resp_header(&resp, "X-Ok", "v");
	tg_resp_header(&resp, "Bad Name", "v");
	tg_resp_header(&resp, "X-Split", "a\r\nInjected: 1");
	memset(longv, 'v', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	tg_resp_header(&resp, "X-Long", longv);
	assert_int_equal(resp.nheaders, 1);
	assert_string_equal(header(&resp, "X-Ok"), "v");
	for (i = 0; i < TG_MAX_RESP_HEADERS + 2; i++) {
		snprintf(name, sizeof(name), "X-H%d", i);
		tg_resp_header(&resp, name, "1");
	}
	assert_int_equal(resp.nheaders, TG_MAX_RESP_HEADERS);
	tg_resp_clear(&resp);
	tg_resp_clear(&resp);
	assert_null(resp.body);
	assert_int_equal(resp.body_len, 0);
}

/* tg_req_json on (ctype, body): the status it sets, 0 when it succeeds. */
static int
req_json(const char *ctype, const char *body, size_t len, json_t **out,
    char *detail, size_t dlen)
{
	struct tg_req req;
	struct tg_resp resp = { 0 };
	json_t *j, *pj;
	int status;

	req_init(&req, ctype, body, len);
	j = tg_req_json(&req, &resp);
	if (out != NULL)
		*out = j;
	else
		json_decref(j);
	if (j != NULL) {
		assert_int_equal(resp.status, 0);
		assert_null(resp.body);
		return 0;
	}
	status = resp.status;
	assert_string_equal(resp.content_type, "application/problem+json");
	pj = body_json(&resp);
	if (detail != NULL)
		snprintf(detail, dlen, "%s",
		    json_string_value(json_object_get(pj, "detail")) != NULL ?
		    json_string_value(json_object_get(pj, "detail")) : "");
	json_decref(pj);
	tg_resp_clear(&resp);
	return status;
}

#define RJ(ct, s) req_json((ct), (s), sizeof(s) - 1, NULL, NULL, 0)

static void
test_req_json_content_type(void **state)
{
	(void)state;
	assert_int_equal(RJ("application/json", "{}"), 0);
	assert_int_equal(RJ("application/json; charset=utf-8", "{}"), 0);
	assert_int_equal(RJ("Application/JSON;charset=UTF-8", "{}"), 0);
	assert_int_equal(RJ(" application/json ", "{}"), 0);
	assert_int_equal(RJ(NULL, "{}"), 415);
	assert_int_equal(RJ("", "{}"), 415);
	assert_int_equal(RJ("text/plain", "{}"), 415);
	assert_int_equal(RJ("application/jsonx", "{}"), 415);
	assert_int_equal(RJ("application/json-patch+json", "{}"), 415);
	assert_int_equal(RJ("application/x-www-form-urlencoded", "a=b"), 415);
	assert_int_equal(RJ("multipart/form-data; boundary=x", "{}"), 415);
}

static void
test_req_json_bodies(void **state)
{
	static const char valid[] =
	    "{\"login\":\"alice\",\"n\":2,\"o\":{\"k\":[1]},\"u\":\"\xe7\x8e\x8b\"}";
	char detail[128];
	json_t *j = NULL;

	(void)state;
	assert_int_equal(RJ("application/json", ""), 400);
	assert_int_equal(req_json("application/json", NULL, 0, NULL, NULL, 0), 400);
	/* Malformed, with the position in the detail. */
	assert_int_equal(req_json("application/json", "{\"a\":}", 6, NULL, detail,
	    sizeof(detail)), 400);
	assert_non_null(strstr(detail, "malformed JSON at position"));
	assert_int_equal(RJ("application/json", "{"), 400);
	assert_int_equal(RJ("application/json", "{'a':1}"), 400);
	/* Duplicate keys. */
	assert_int_equal(req_json("application/json", "{\"a\":1,\"a\":2}", 13, NULL,
	    detail, sizeof(detail)), 400);
	assert_non_null(strstr(detail, "duplicate key"));
	assert_int_equal(RJ("application/json", "{\"o\":{\"b\":1,\"b\":1}}"), 400);
	/* Not an object. */
	assert_int_equal(req_json("application/json", "[1,2]", 5, NULL, detail,
	    sizeof(detail)), 400);
	assert_string_equal(detail, "body must be a JSON object");
	assert_int_equal(RJ("application/json", "\"s\""), 400);
	assert_int_equal(RJ("application/json", "1"), 400);
	assert_int_equal(RJ("application/json", "null"), 400);
	/* Trailing data. */
	assert_int_equal(RJ("application/json", "{} {}"), 400);
	assert_int_equal(RJ("application/json", "{}x"), 400);
	/* Trailing whitespace is fine. */
	assert_int_equal(RJ("application/json", "{}\n "), 0);
	/* NUL inside: after the object, inside a string, escaped. */
	assert_int_equal(RJ("application/json", "{}\0"), 400);
	assert_int_equal(RJ("application/json", "{\"a\":\"x\0y\"}"), 400);
	assert_int_equal(RJ("application/json", "{\"a\":\"x\\u0000y\"}"), 400);
	/* Invalid UTF-8. */
	assert_int_equal(RJ("application/json", "{\"a\":\"\xff\"}"), 400);
	assert_int_equal(RJ("application/json", "{\"a\":\"\xc0\xaf\"}"), 400);
	/* Valid. */
	assert_int_equal(req_json("application/json", valid, strlen(valid), &j,
	    NULL, 0), 0);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "login")), "alice");
	assert_int_equal(json_integer_value(json_object_get(j, "n")), 2);
	assert_string_equal(json_string_value(json_object_get(j, "u")),
	    "\xe7\x8e\x8b");
	json_decref(j);
}

static void
test_req_json_deep(void **state)
{
	size_t depth = 100000, i;
	char *s = malloc(depth * 2 + 16);

	(void)state;
	assert_non_null(s);
	/* Deep nesting is refused by jansson's depth limit, not by the stack. */
	s[0] = '{';
	memcpy(s + 1, "\"a\":", 4);
	for (i = 0; i < depth; i++)
		s[5 + i] = '[';
	for (i = 0; i < depth; i++)
		s[5 + depth + i] = ']';
	s[5 + 2 * depth] = '}';
	assert_int_equal(req_json("application/json", s, 6 + 2 * depth, NULL,
	    NULL, 0), 400);
	free(s);
}

static const char *
bearer(const char *authz)
{
	struct tg_req req;

	req_init(&req, NULL, NULL, 0);
	req.authorization = authz;
	return tg_req_bearer(&req);
}

static void
test_bearer(void **state)
{
	(void)state;
	assert_string_equal(bearer("Bearer abc-DEF_123.~+/"), "abc-DEF_123.~+/");
	assert_string_equal(bearer("bearer tok"), "tok");
	assert_string_equal(bearer("BEARER   tok=="), "tok==");
	assert_null(bearer(NULL));
	assert_null(bearer(""));
	assert_null(bearer("Bearer"));
	assert_null(bearer("Bearer "));
	assert_null(bearer("Bearertok"));
	assert_null(bearer("Basic dXNlcjpwYXNz"));
	assert_null(bearer("Bearer a b"));
	assert_null(bearer("Bearer tok "));
	assert_null(bearer("Bearer to\"k"));
	assert_null(bearer("Bearer =abc"));
	assert_null(bearer("Bearer ab=c"));
	assert_null(bearer("Bearer\ttok"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_problem_table),
		cmocka_unit_test(test_problem_body),
		cmocka_unit_test(test_problem_detail_limits),
		cmocka_unit_test(test_resp_json_and_headers),
		cmocka_unit_test(test_req_json_content_type),
		cmocka_unit_test(test_req_json_bodies),
		cmocka_unit_test(test_req_json_deep),
		cmocka_unit_test(test_bearer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
