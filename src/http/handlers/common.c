#include "http/handlers/handlers.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <tradeguard/error.h>

#include "core/log.h"
#include "crypto/encode.h"

void
tg_h_actor(const struct tg_req *req, const char *actor, struct tg_actor *who)
{
	who->actor = actor;
	who->src = req->peer;
	who->ua = req->user_agent != NULL ? req->user_agent : "";
	who->request_id = req->request_id;
}

int
tg_h_cookie(const struct tg_req *req, const char *name, char *buf, size_t len)
{
	const char *p = req->cookie;
	size_t nlen = strlen(name), vlen;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			p += nlen + 1;
			vlen = strcspn(p, ";");
			if (vlen >= len)
				return TG_ERR_INVALID;
			memcpy(buf, p, vlen);
			buf[vlen] = '\0';
			return 0;
		}
		p = strchr(p, ';');
	}
	return TG_ERR_NOT_FOUND;
}

static int
method_is_safe(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

int
tg_h_session(struct tg_req *req, struct tg_resp *resp,
    struct tg_session_info *si, struct tg_actor *who, char *actor,
    size_t actorlen)
{
	char cookie[128], csrf[128];
	const char *token = tg_req_bearer(req);
	const char *hdr;
	int r;

	if (token == NULL) {
		if (tg_h_cookie(req, TG_SESSION_COOKIE, cookie, sizeof(cookie)) != 0)
			goto unauthorized;
		/* Cookie sessions need the double-submit CSRF token to change anything. */
		if (!method_is_safe(req->method)) {
			hdr = NULL;
			if (tg_h_cookie(req, TG_CSRF_COOKIE, csrf, sizeof(csrf)) != 0)
				goto unauthorized;
			hdr = req->csrf;
			if (hdr == NULL || strlen(hdr) != strlen(csrf) ||
			    sodium_memcmp(hdr, csrf, strlen(csrf)) != 0)
				goto unauthorized;
		}
		token = cookie;
	}
	tg_h_actor(req, "anonymous", who);
	r = tg_session_check(req->ctx, who, token, si);
	sodium_memzero(cookie, sizeof(cookie));
	if (r == TG_ERR_AUTH || r == TG_ERR_EXPIRED)
		goto unauthorized;
	if (r != 0) {
		tg_h_error(req, resp, r);
		return r;
	}
	snprintf(actor, actorlen, "customer:%s", si->customer.login);
	who->actor = actor;
	return 0;
unauthorized:
	tg_resp_problem(resp, req, TG_P_UNAUTHORIZED, NULL);
	tg_resp_header(resp, "WWW-Authenticate", "Bearer realm=\"tradeguard\"");
	return TG_ERR_AUTH;
}

int
tg_h_admin(struct tg_req *req, struct tg_resp *resp)
{
	const char *token = tg_req_bearer(req);

	if (token != NULL &&
	    tg_keys_check_admin_token(req->ctx->keys, token, strlen(token)) == 0)
		return 0;
	tg_log(TG_LOG_WARN, "admin.unauthorized", req->request_id,
	    "admin API call without a valid admin token from %s", req->peer);
	tg_resp_problem(resp, req, TG_P_UNAUTHORIZED, NULL);
	tg_resp_header(resp, "WWW-Authenticate", "Bearer realm=\"tradeguard-admin\"");
	return TG_ERR_AUTH;
}

void
tg_h_error(struct tg_req *req, struct tg_resp *resp, int err)
{
	enum tg_problem p;

	switch (err) {
	case TG_ERR_INVALID:
		p = TG_P_BAD_REQUEST;
		break;
	case TG_ERR_NOT_FOUND:
		p = TG_P_NOT_FOUND;
		break;
	case TG_ERR_EXISTS:
		p = TG_P_CONFLICT;
		break;
	case TG_ERR_AUTH:
		p = TG_P_UNAUTHORIZED;
		break;
	case TG_ERR_LIMIT:
		p = TG_P_SESSION_LIMIT;
		break;
	case TG_ERR_BUSY:
		p = TG_P_BUSY;
		break;
	case TG_ERR_AUDIT:
	case TG_ERR_STORE:
		p = TG_P_UNAVAILABLE;
		break;
	default:
		p = TG_P_INTERNAL;
		break;
	}
	if (p == TG_P_UNAVAILABLE || p == TG_P_INTERNAL)
		tg_log(TG_LOG_ERROR, "request.failed", req->request_id,
		    "%s %s: %s", req->method, req->path, tg_strerror(err));
	tg_resp_problem(resp, req, p, NULL);
	if (p == TG_P_BUSY || p == TG_P_UNAVAILABLE)
		tg_resp_header(resp, "Retry-After", "1");
}

const char *
tg_h_str(const struct tg_req *req, struct tg_resp *resp, json_t *obj,
    const char *key, int required)
{
	json_t *v = json_object_get(obj, key);
	char detail[128];

	if (v != NULL && json_is_string(v) &&
	    strlen(json_string_value(v)) == json_string_length(v))
		return json_string_value(v);
	if (v != NULL || required) {
		snprintf(detail, sizeof(detail), "\"%s\" must be a string%s", key,
		    v == NULL ? " and is required" : " without NUL bytes");
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST, detail);
	}
	return NULL;
}

/* Decode a base64url member of obj into buf; 0, or a 400 problem and -1. */
static int
proof_b64(const struct tg_req *req, struct tg_resp *resp, json_t *obj,
    const char *key, uint8_t *buf, size_t cap, size_t *len)
{
	json_t *v = json_object_get(obj, key);
	char detail[96];

	*len = 0;
	if (json_is_string(v) && tg_b64url_decode(json_string_value(v),
	    json_string_length(v), buf, cap, len) == 0)
		return 0;
	snprintf(detail, sizeof(detail), "\"%s\" must be base64url", key);
	tg_resp_problem(resp, req, TG_P_BAD_REQUEST, detail);
	return -1;
}

int
tg_h_proof(const struct tg_req *req, struct tg_resp *resp, json_t *body,
    struct tg_proof_buf *pb)
{
	const char *factor;
	json_t *cred, *r;
	json_int_t id;

	memset(pb, 0, sizeof(*pb));
	if ((factor = tg_h_str(req, resp, body, "factor", 1)) == NULL)
		return -1;
	if (tg_proof_parse(factor, &pb->p.type) != 0) {
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST,
		    "factor must be password, totp, sms, email, recovery, device or webauthn");
		return -1;
	}
	switch (pb->p.type) {
	case TG_PROOF_PASSWORD:
		pb->p.code = tg_h_str(req, resp, body, "password", 1);
		return pb->p.code != NULL ? 0 : -1;
	case TG_PROOF_TOTP:
	case TG_PROOF_SMS:
	case TG_PROOF_EMAIL:
	case TG_PROOF_RECOVERY:
		pb->p.code = tg_h_str(req, resp, body, "code", 1);
		return pb->p.code != NULL ? 0 : -1;
	case TG_PROOF_DEVICE:
		if (!json_is_integer(json_object_get(body, "device_id"))) {
			tg_resp_problem(resp, req, TG_P_BAD_REQUEST,
			    "\"device_id\" (integer) is required");
			return -1;
		}
		id = json_integer_value(json_object_get(body, "device_id"));
		pb->p.factor_id = (int64_t)id;
		if (proof_b64(req, resp, body, "signature", pb->sig,
		    sizeof(pb->sig), &pb->p.sig_len) != 0)
			return -1;
		pb->p.sig = pb->sig;
		return 0;
	case TG_PROOF_WEBAUTHN:
		cred = json_object_get(body, "credential");
		r = json_object_get(cred, "response");
		if (!json_is_object(cred) || !json_is_object(r)) {
			tg_resp_problem(resp, req, TG_P_BAD_REQUEST,
			    "\"credential\" with a \"response\" is required");
			return -1;
		}
		if (proof_b64(req, resp, cred, "rawId", pb->cred_id,
		    sizeof(pb->cred_id), &pb->p.cred_id_len) != 0 ||
		    proof_b64(req, resp, r, "clientDataJSON", pb->client_data,
		    sizeof(pb->client_data), &pb->p.client_data_len) != 0 ||
		    proof_b64(req, resp, r, "authenticatorData", pb->auth_data,
		    sizeof(pb->auth_data), &pb->p.auth_data_len) != 0 ||
		    proof_b64(req, resp, r, "signature", pb->sig, sizeof(pb->sig),
		    &pb->p.sig_len) != 0)
			return -1;
		pb->p.cred_id = pb->cred_id;
		pb->p.client_data = pb->client_data;
		pb->p.auth_data = pb->auth_data;
		pb->p.sig = pb->sig;
		return 0;
	}
	return -1;
}

void
tg_h_proof_clear(struct tg_proof_buf *pb)
{
	sodium_memzero(pb, sizeof(*pb));
}

void
tg_h_code_sent(struct tg_req *req, struct tg_resp *resp, int r,
    const char *masked, int64_t expires, enum tg_problem on_auth)
{
	char exp[32];

	switch (r) {
	case 0:
		tg_time_format(expires, exp, sizeof(exp));
		tg_resp_json(resp, 202, json_pack("{s:s,s:s}", "sent_to", masked,
		    "expires_at", exp));
		break;
	case TG_ERR_AUTH:
		tg_resp_problem(resp, req, on_auth, NULL);
		break;
	case TG_ERR_NOT_FOUND:
	case TG_ERR_INVALID:
		tg_resp_problem(resp, req, TG_P_FACTOR_UNAVAILABLE, NULL);
		break;
	case TG_ERR_LIMIT:
		tg_resp_problem(resp, req, TG_P_CODE_LIMIT, NULL);
		break;
	default:
		tg_h_error(req, resp, r);
		break;
	}
}
