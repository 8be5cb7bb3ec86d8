/*
 * The customer's pages: sign-in (web/login.html) and account
 * (web/account.html) with their scripts and style sheet.  The files are
 * compiled into the binary (cmake/embed.cmake), so the daemon needs no web
 * directory and serves exactly what was built.
 *
 * Every page goes out with a strict Content-Security-Policy (no inline
 * script or style, nothing from other origins, data: images only for the
 * TOTP QR code), X-Frame-Options DENY and no Referer.  The server adds
 * Cache-Control: no-store, nosniff and HSTS to every answer (request.c).
 */
#include "http/handlers/handlers.h"

#include <stdlib.h>
#include <string.h>

#define WEB_CSP "default-src 'self'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; " \
	"form-action 'self'"
#define WEB_HOME "/login.html"

const struct tg_web_asset *
tg_web_asset_find(const char *path)
{
	const struct tg_web_asset *a;

	if (path == NULL)
		return NULL;
	for (a = tg_web_assets; a->path != NULL; a++)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}

static void
web_headers(struct tg_resp *resp)
{
	tg_resp_header(resp, "Content-Security-Policy", WEB_CSP);
	tg_resp_header(resp, "X-Frame-Options", "DENY");
	tg_resp_header(resp, "Referrer-Policy", "no-referrer");
	tg_resp_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
}

/* GET /: the sign-in page. */
void
tg_h_web_root(struct tg_req *req, struct tg_resp *resp)
{
	(void)req;
	tg_resp_clear(resp);
	resp->status = 302;
	resp->content_type = NULL;
	tg_resp_header(resp, "Location", WEB_HOME);
	web_headers(resp);
}

/* GET /login.html, /account.html, /static/{file}. */
void
tg_h_web_asset(struct tg_req *req, struct tg_resp *resp)
{
	const struct tg_web_asset *a = tg_web_asset_find(req->path);
	char *body;

	if (a == NULL) {
		tg_resp_problem(resp, req, TG_P_NOT_FOUND, NULL);
		return;
	}
	/* The response owns (and wipes, then frees) its body. */
	if ((body = malloc(a->len > 0 ? a->len : 1)) == NULL) {
		tg_resp_problem(resp, req, TG_P_UNAVAILABLE, NULL);
		tg_resp_header(resp, "Retry-After", "1");
		return;
	}
	memcpy(body, a->data, a->len);
	tg_resp_clear(resp);
	resp->status = 200;
	resp->content_type = a->content_type;
	resp->body = body;
	resp->body_len = a->len;
	web_headers(resp);
}
