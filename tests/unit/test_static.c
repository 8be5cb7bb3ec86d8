/* The compiled-in pages (cmake/embed.cmake) and their handler (static.c). */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/handlers/handlers.h"

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
get(const char *path, struct tg_req *req, struct tg_resp *resp)
{
	memset(req, 0, sizeof(*req));
	memset(resp, 0, sizeof(*resp));
	req->method = "GET";
	req->path = path;
	snprintf(req->request_id, sizeof(req->request_id), "%s", "00ff");
	tg_h_web_asset(req, resp);
}

/* Every file of web/ is in the table, byte for byte, with a known type. */
static void
test_table_matches_web_dir(void **state)
{
	const struct tg_web_asset *a;
	const char *src = getenv("TG_SOURCE_DIR");
	char path[512];
	unsigned char *buf;
	FILE *f;
	size_t n = 0;

	(void)state;
	assert_non_null(src);
	for (a = tg_web_assets; a->path != NULL; a++, n++) {
		assert_int_equal(a->path[0], '/');
		assert_null(strstr(a->path, ".."));
		assert_non_null(a->content_type);
		assert_ptr_equal(tg_web_asset_find(a->path), a);
		snprintf(path, sizeof(path), "%s/web%s", src, a->path);
		assert_non_null(f = fopen(path, "rb"));
		assert_non_null(buf = malloc(a->len + 1));
		assert_int_equal(fread(buf, 1, a->len + 1, f), a->len);
		assert_memory_equal(buf, a->data, a->len);
		free(buf);
		fclose(f);
	}
	assert_true(n >= 6);
	assert_non_null(tg_web_asset_find("/login.html"));
	assert_non_null(tg_web_asset_find("/account.html"));
	assert_null(tg_web_asset_find("/"));
	assert_null(tg_web_asset_find("login.html"));
	assert_null(tg_web_asset_find("/LOGIN.HTML"));
	assert_null(tg_web_asset_find(NULL));
}

static void
test_page_headers(void **state)
{
	struct tg_req req;
	struct tg_resp resp;
	const char *csp;

	(void)state;
	get("/login.html", &req, &resp);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.content_type, "text/html; charset=utf-8");
	assert_true(resp.body_len > 100);
	assert_memory_equal(resp.body, "<!doctype html>", 15);
	assert_non_null(csp = header(&resp, "Content-Security-Policy"));
	assert_non_null(strstr(csp, "default-src 'self'"));
	assert_non_null(strstr(csp, "script-src 'self';"));
	assert_non_null(strstr(csp, "frame-ancestors 'none'"));
	assert_null(strstr(csp, "unsafe"));
	assert_string_equal(header(&resp, "X-Frame-Options"), "DENY");
	assert_string_equal(header(&resp, "Referrer-Policy"), "no-referrer");
	tg_resp_clear(&resp);

	get("/static/login.js", &req, &resp);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.content_type, "text/javascript; charset=utf-8");
	tg_resp_clear(&resp);
	get("/static/style.css", &req, &resp);
	assert_string_equal(resp.content_type, "text/css; charset=utf-8");
	tg_resp_clear(&resp);
}

static void
test_unknown_is_404_problem(void **state)
{
	struct tg_req req;
	struct tg_resp resp;

	(void)state;
	get("/static/nope.js", &req, &resp);
	assert_int_equal(resp.status, 404);
	assert_string_equal(resp.content_type, "application/problem+json");
	assert_non_null(strstr(resp.body, "TG-REQ-002"));
	tg_resp_clear(&resp);
}

static void
test_root_redirects(void **state)
{
	struct tg_req req;
	struct tg_resp resp;

	(void)state;
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.method = "GET";
	req.path = "/";
	tg_h_web_root(&req, &resp);
	assert_int_equal(resp.status, 302);
	assert_string_equal(header(&resp, "Location"), "/login.html");
	assert_int_equal(resp.body_len, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_matches_web_dir),
		cmocka_unit_test(test_page_headers),
		cmocka_unit_test(test_unknown_is_404_problem),
		cmocka_unit_test(test_root_redirects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
