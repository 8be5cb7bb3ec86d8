/* The router: matching, params, 404 vs 405, trailing slashes, limits; the route table itself. */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tradeguard/error.h>

#include "http/http.h"

static const struct tg_route *
match(const char *method, const char *path, struct tg_req *req, int *status)
{
	memset(req, 0, sizeof(*req));
	return tg_route_match(method, path, req, status);
}

/* Concrete path for pattern with every {param} replaced by fill. */
static void
concrete(const char *pattern, const char *fill, char *out, size_t len)
{
	size_t pos = 0, fl = strlen(fill);
	const char *p = pattern;

	while (*p != '\0') {
		if (*p == '{') {
			const char *e = strchr(p, '}');

			assert_non_null(e);
			assert_true(pos + fl < len);
			memcpy(out + pos, fill, fl);
			pos += fl;
			p = e + 1;
		} else {
			assert_true(pos + 1 < len);
			out[pos++] = *p++;
		}
	}
	out[pos] = '\0';
}

static int
count_params(const char *pattern)
{
	int n = 0;

	for (; *pattern != '\0'; pattern++)
		n += *pattern == '{';
	return n;
}

static void
test_table_sane(void **state)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "DELETE", "PATCH" };
	const struct tg_route *a, *b;
	size_t i;
	int ok;

	(void)state;
	for (a = tg_routes; a->method != NULL; a++) {
		ok = 0;
		for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
			ok |= strcmp(a->method, methods[i]) == 0;
		assert_true(ok);
		assert_non_null(a->pattern);
		assert_int_equal(a->pattern[0], '/');
		assert_non_null(a->handler);
		assert_true(count_params(a->pattern) <= TG_MAX_PARAMS);
		assert_null(strstr(a->pattern, "//"));
		for (b = tg_routes; b < a; b++)
			assert_false(strcmp(a->method, b->method) == 0 &&
			    strcmp(a->pattern, b->pattern) == 0);
	}
}

/* Every route is reachable by a concrete path and fills its params. */
static void
test_every_route_matches(void **state)
{
	const struct tg_route *rt, *got;
	struct tg_req req;
	char path[TG_ROUTE_PATH_MAX + 1];
	int status, i, n;

	(void)state;
	for (rt = tg_routes; rt->method != NULL; rt++) {
		concrete(rt->pattern, "x-1.y_z", path, sizeof(path));
		got = match(rt->method, path, &req, &status);
		assert_non_null(got);
		assert_int_equal(status, 200);
		assert_string_equal(got->method, rt->method);
		n = count_params(got->pattern);
		assert_int_equal(req.nparams, n);
		for (i = 0; i < n; i++)
			assert_string_equal(req.params[i], "x-1.y_z");
	}
}

static void
test_health_routes(void **state)
{
	const struct tg_route *rt;
	struct tg_req req;
	int status;

	(void)state;
	rt = match("GET", "/healthz", &req, &status);
	assert_non_null(rt);
	assert_int_equal(status, 200);
	assert_string_equal(rt->pattern, "/healthz");
	assert_int_equal(req.nparams, 0);
	assert_non_null(match("GET", "/readyz", &req, &status));
	assert_non_null(match("GET", "/metrics", &req, &status));
	/* req may be NULL. */
	assert_non_null(tg_route_match("GET", "/healthz", NULL, &status));
}

static void
test_404_vs_405(void **state)
{
	struct tg_req req;
	char allow[64];
	int status;

	(void)state;
	assert_null(match("POST", "/healthz", &req, &status));
	assert_int_equal(status, 405);
	assert_null(match("DELETE", "/metrics", &req, &status));
	assert_int_equal(status, 405);
	assert_null(match("GET", "/nope", &req, &status));
	assert_int_equal(status, 404);
	/* "/" leads to the sign-in page (GET only); "/static/" names no file. */
	assert_non_null(match("GET", "/", &req, &status));
	assert_null(match("POST", "/", &req, &status));
	assert_int_equal(status, 405);
	assert_null(match("GET", "/static/", &req, &status));
	assert_int_equal(status, 404);
	assert_null(match("GET", "/static", &req, &status));
	assert_int_equal(status, 404);
	assert_null(match("GET", "", &req, &status));
	assert_int_equal(status, 404);
	assert_null(match("GET", "healthz", &req, &status));
	assert_int_equal(status, 404);
	/* Methods are case-sensitive (RFC 9110). */
	assert_null(match("get", "/healthz", &req, &status));
	assert_int_equal(status, 405);
	assert_int_equal(tg_route_allowed("/healthz", allow, sizeof(allow)), 0);
	assert_string_equal(allow, "GET");
	assert_int_equal(tg_route_allowed("/nope", allow, sizeof(allow)),
	    TG_ERR_NOT_FOUND);
	assert_int_equal(tg_route_allowed("/healthz", allow, 2), TG_ERR_LIMIT);
}

static void
test_trailing_slash_and_case(void **state)
{
	struct tg_req req;
	int status;

	(void)state;
	assert_null(match("GET", "/healthz/", &req, &status));
	assert_int_equal(status, 404);
	assert_null(match("GET", "//healthz", &req, &status));
	assert_int_equal(status, 404);
	assert_null(match("GET", "/HEALTHZ", &req, &status));
	assert_int_equal(status, 404);
	assert_null(match("GET", "/healthzz", &req, &status));
	assert_int_equal(status, 404);
	assert_null(match("GET", "/health", &req, &status));
	assert_int_equal(status, 404);
}

/* A route with a parameter from the table, or NULL. */
static const struct tg_route *
param_route(void)
{
	const struct tg_route *rt;

	for (rt = tg_routes; rt->method != NULL; rt++)
		if (count_params(rt->pattern) > 0)
			return rt;
	return NULL;
}

static void
test_params(void **state)
{
	const struct tg_route *rt = param_route(), *got;
	struct tg_req req;
	char path[TG_ROUTE_PATH_MAX * 2], fill[TG_ROUTE_PARAM_MAX + 2];
	int status;

	(void)state;
	if (rt == NULL)
		skip();
	/* Empty segment: no match. */
	concrete(rt->pattern, "", path, sizeof(path));
	assert_null(match(rt->method, path, &req, &status));
	assert_int_equal(status, 404);
	/* Trailing slash after a param. */
	concrete(rt->pattern, "abc", path, sizeof(path) - 1);
	path[strlen(path) + 1] = '\0';
	path[strlen(path)] = '/';
	assert_null(match(rt->method, path, &req, &status));
	/* Longest allowed param. */
	memset(fill, 'a', TG_ROUTE_PARAM_MAX);
	fill[TG_ROUTE_PARAM_MAX] = '\0';
	concrete(rt->pattern, fill, path, sizeof(path));
	got = match(rt->method, path, &req, &status);
	assert_non_null(got);
	assert_int_equal(strlen(req.params[0]), TG_ROUTE_PARAM_MAX);
	/* One more: no match. */
	fill[TG_ROUTE_PARAM_MAX] = 'a';
	fill[TG_ROUTE_PARAM_MAX + 1] = '\0';
	concrete(rt->pattern, fill, path, sizeof(path));
	assert_null(match(rt->method, path, &req, &status));
	assert_int_equal(status, 404);
	/* UTF-8 and odd but legal characters pass through unchanged. */
	concrete(rt->pattern, "\xe7\x8e\x8b@x", path, sizeof(path));
	assert_non_null(match(rt->method, path, &req, &status));
	assert_string_equal(req.params[0], "\xe7\x8e\x8b@x");
}

static void
test_overlong_path(void **state)
{
	char *path = malloc(TG_ROUTE_PATH_MAX + 2);
	struct tg_req req;
	int status;

	(void)state;
	assert_non_null(path);
	memset(path, 'a', TG_ROUTE_PATH_MAX + 1);
	path[0] = '/';
	path[TG_ROUTE_PATH_MAX + 1] = '\0';
	assert_null(match("GET", path, &req, &status));
	assert_int_equal(status, 404);
	/* "/healthz" followed by many slashes is long, not a match either. */
	memset(path, '/', TG_ROUTE_PATH_MAX + 1);
	memcpy(path, "/healthz", 8);
	assert_null(match("GET", path, &req, &status));
	assert_int_equal(status, 404);
	free(path);
	assert_null(tg_route_match("GET", NULL, NULL, &status));
	assert_int_equal(status, 404);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sane),
		cmocka_unit_test(test_every_route_matches),
		cmocka_unit_test(test_health_routes),
		cmocka_unit_test(test_404_vs_405),
		cmocka_unit_test(test_trailing_slash_and_case),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_overlong_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
