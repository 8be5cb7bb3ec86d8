/*
 * Route matching over the declarative table in routes.c.  Patterns are
 * split at '/'; a segment "{name}" matches any non-empty segment of the
 * path, every other segment must match exactly.  No trailing-slash or
 * case folding: "/healthz/" and "/HEALTHZ" are other paths (404).
 */
#include "http/http.h"

#include <stdio.h>
#include <string.h>

#include <tradeguard/error.h>

/*
 * Param storage: one per thread, so that a request's params stay valid
 * while its handler runs on the same thread; the server copies them before
 * offloading (see http.h).
 */
static _Thread_local char route_params[TG_MAX_PARAMS][TG_ROUTE_PARAM_MAX + 1];

struct route_cand {
	char params[TG_MAX_PARAMS][TG_ROUTE_PARAM_MAX + 1];
	int nparams;
	int literals;
};

static size_t
route_seglen(const char *s)
{
	const char *e = strchr(s, '/');

	return e != NULL ? (size_t)(e - s) : strlen(s);
}

static int
route_is_param(const char *seg, size_t len)
{
	return len >= 3 && seg[0] == '{' && seg[len - 1] == '}';
}

/* 1 if path matches pattern; fills c. */
static int
route_path_match(const char *pattern, const char *path, struct route_cand *c)
{
	const char *p = pattern, *s = path;
	size_t pl, sl;

	c->nparams = 0;
	c->literals = 0;
	if (*p != '/' || *s != '/')
		return 0;
	for (;;) {
		if (*p != '/' || *s != '/')
			return 0;
		p++;
		s++;
		pl = route_seglen(p);
		sl = route_seglen(s);
		if (route_is_param(p, pl)) {
			if (sl == 0 || sl > TG_ROUTE_PARAM_MAX ||
			    c->nparams >= TG_MAX_PARAMS)
				return 0;
			memcpy(c->params[c->nparams], s, sl);
			c->params[c->nparams][sl] = '\0';
			c->nparams++;
		} else {
			if (pl != sl || memcmp(p, s, pl) != 0)
				return 0;
			c->literals++;
		}
		p += pl;
		s += sl;
		if (*p == '\0' || *s == '\0')
			return *p == '\0' && *s == '\0';
	}
}

const struct tg_route *
tg_route_match(const char *method, const char *path, struct tg_req *req,
    int *status)
{
	const struct tg_route *rt, *best = NULL;
	struct route_cand cand, win;
	int path_found = 0, i;

	*status = 404;
	if (req != NULL)
		req->nparams = 0;
	if (method == NULL || path == NULL ||
	    strnlen(path, TG_ROUTE_PATH_MAX + 1) > TG_ROUTE_PATH_MAX)
		return NULL;
	win.literals = -1;
	win.nparams = 0;
	for (rt = tg_routes; rt->method != NULL; rt++) {
		if (!route_path_match(rt->pattern, path, &cand))
			continue;
		path_found = 1;
		if (strcmp(rt->method, method) != 0)
			continue;
		if (cand.literals > win.literals) {
			best = rt;
			win = cand;
		}
	}
	if (best == NULL) {
		*status = path_found ? 405 : 404;
		return NULL;
	}
	*status = 200;
	if (req != NULL) {
		for (i = 0; i < TG_MAX_PARAMS; i++)
			req->params[i] = NULL;
		for (i = 0; i < win.nparams; i++) {
			memcpy(route_params[i], win.params[i],
			    sizeof(route_params[i]));
			req->params[i] = route_params[i];
		}
		req->nparams = win.nparams;
	}
	return best;
}

int
tg_route_allowed(const char *path, char *buf, size_t len)
{
	const struct tg_route *rt, *prev;
	struct route_cand cand;
	size_t pos = 0;
	int n, dup;

	if (len > 0)
		buf[0] = '\0';
	if (path == NULL ||
	    strnlen(path, TG_ROUTE_PATH_MAX + 1) > TG_ROUTE_PATH_MAX)
		return TG_ERR_NOT_FOUND;
	for (rt = tg_routes; rt->method != NULL; rt++) {
		if (!route_path_match(rt->pattern, path, &cand))
			continue;
		dup = 0;
		for (prev = tg_routes; prev < rt; prev++)
			if (strcmp(prev->method, rt->method) == 0 &&
			    route_path_match(prev->pattern, path, &cand))
				dup = 1;
		if (dup)
			continue;
		n = snprintf(buf + pos, len - pos, "%s%s", pos > 0 ? ", " : "",
		    rt->method);
		if (n < 0 || (size_t)n >= len - pos)
			return TG_ERR_LIMIT;
		pos += (size_t)n;
	}
	return pos > 0 ? 0 : TG_ERR_NOT_FOUND;
}
