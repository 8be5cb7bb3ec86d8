/*
 * The owner's factors (AUTH-02, AUTH-06, AUTH-16): /v1/account/factors,
 * TOTP enrolment, recovery codes, bound devices, passkeys.  Binding needs a
 * fresh step-up (403 TG-AUTH-004 otherwise).
 */
#include "http/handlers/handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <tradeguard/error.h>

#include "crypto/encode.h"
#include "service/enrol.h"

void
tg_h_factor_error(struct tg_req *req, struct tg_resp *resp, int r)
{
	switch (r) {
	case TG_ERR_POLICY:
		tg_resp_problem(resp, req, TG_P_STEPUP_REQUIRED,
		    "verify a factor other than those used at login first "
		    "(POST /v1/session/step-up)");
		break;
	case TG_ERR_NOT_FOUND:
		tg_resp_problem(resp, req, TG_P_NOT_FOUND, NULL);
		break;
	case TG_ERR_AUTH:
	case TG_ERR_REUSED:
	case TG_ERR_TAMPERED:
		tg_resp_problem(resp, req, TG_P_VERIFY_FAILED, NULL);
		break;
	case TG_ERR_INVALID:
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST, NULL);
		break;
	case TG_ERR_EXISTS:
		tg_resp_problem(resp, req, TG_P_CONFLICT, NULL);
		break;
	default:
		tg_h_error(req, resp, r);
		break;
	}
}

/* The {id} path parameter as a positive integer, or a 404. */
static int
factor_id(struct tg_req *req, struct tg_resp *resp, int64_t *id)
{
	const char *s = req->params[0];
	int64_t v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 18)
		goto bad;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			goto bad;
		v = v * 10 + (*s - '0');
	}
	if (v <= 0)
		goto bad;
	*id = v;
	return 0;
bad:
	tg_resp_problem(resp, req, TG_P_NOT_FOUND, NULL);
	return -1;
}

#define SESSION_OR_RETURN(req, resp, si, who, actor) \
	if (tg_h_session((req), (resp), &(si), &(who), (actor), sizeof(actor)) != 0) \
		return

void
tg_h_factors_list(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_session_info si;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16];
	json_t *j;

	SESSION_OR_RETURN(req, resp, si, who, actor);
	if ((j = tg_enrol_list(req->ctx, &si)) == NULL)
		tg_h_error(req, resp, TG_ERR_STORE);
	else
		tg_resp_json(resp, 200, j);
}

void
tg_h_factor_delete(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_session_info si;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16];
	int64_t id;
	int r;

	SESSION_OR_RETURN(req, resp, si, who, actor);
	if (factor_id(req, resp, &id) != 0)
		return;
	if ((r = tg_enrol_revoke(req->ctx, &who, &si, id)) != 0)
		tg_h_factor_error(req, resp, r);
	else
		resp->status = 204;
}

void
tg_h_factor_rename(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_session_info si;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16];
	const char *name;
	json_t *body;
	int64_t id;
	int r;

	SESSION_OR_RETURN(req, resp, si, who, actor);
	if (factor_id(req, resp, &id) != 0 ||
	    (body = tg_req_json(req, resp)) == NULL)
		return;
	if ((name = tg_h_str(req, resp, body, "name", 1)) != NULL) {
		if ((r = tg_enrol_rename(req->ctx, &who, &si, id, name)) != 0)
			tg_h_factor_error(req, resp, r);
		else
			tg_resp_json(resp, 200, json_pack("{s:I,s:s}", "id",
			    (json_int_t)id, "name", name));
	}
	json_decref(body);
}

void
tg_h_totp_begin(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_session_info si;
	struct tg_totp_enrolment e;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16];
	const char *name = NULL;
	json_t *body = NULL;
	int r;

	SESSION_OR_RETURN(req, resp, si, who, actor);
	if (req->body_len > 0) {
		if ((body = tg_req_json(req, resp)) == NULL)
			return;
		name = tg_h_str(req, resp, body, "name", 0);
		if (resp->status != 0)
			goto out;
	}
	if ((r = tg_enrol_totp_begin(req->ctx, &who, &si, name, &e)) != 0) {
		tg_h_factor_error(req, resp, r);
		goto out;
	}
	tg_resp_json(resp, 201, json_pack("{s:I,s:s,s:s,s:s}", "factor_id",
	    (json_int_t)e.factor_id, "secret", e.secret_b32, "otpauth_uri", e.uri,
	    "qr_svg", e.qr_svg));
	tg_enrol_totp_clear(&e);
out:
	json_decref(body);
}

void
tg_h_totp_confirm(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_session_info si;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16];
	const char *code;
	json_t *body;
	int64_t id;
	int r;

	SESSION_OR_RETURN(req, resp, si, who, actor);
	if (factor_id(req, resp, &id) != 0 ||
	    (body = tg_req_json(req, resp)) == NULL)
		return;
	if ((code = tg_h_str(req, resp, body, "code", 1)) != NULL) {
		if ((r = tg_enrol_totp_confirm(req->ctx, &who, &si, id, code)) != 0)
			tg_h_factor_error(req, resp, r);
		else
			tg_resp_json(resp, 200, json_pack("{s:I,s:s}", "factor_id",
			    (json_int_t)id, "status", "active"));
	}
	json_decref(body);
}

void
tg_h_recovery_codes(struct tg_req *req, struct tg_resp *resp)
{
	char codes[TG_RECOVERY_CODES][TG_RECOVERY_CODE_LEN + 1];
	struct tg_session_info si;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16];
	json_t *a;
	int i, r;

	SESSION_OR_RETURN(req, resp, si, who, actor);
	if ((r = tg_enrol_recovery(req->ctx, &who, &si, codes)) != 0) {
		tg_h_factor_error(req, resp, r);
		return;
	}
	a = json_array();
	for (i = 0; i < TG_RECOVERY_CODES; i++)
		json_array_append_new(a, json_string(codes[i]));
	sodium_memzero(codes, sizeof(codes));
	tg_resp_json(resp, 201, json_pack("{s:o}", "codes", a));
}

void
tg_h_device_challenge(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_session_info si;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16];
	json_t *out = NULL;
	int r;

	SESSION_OR_RETURN(req, resp, si, who, actor);
	if ((r = tg_enrol_device_challenge(req->ctx, &who, &si, &out)) != 0)
		tg_h_factor_error(req, resp, r);
	else
		tg_resp_json(resp, 200, out);
}

void
tg_h_device_register(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_session_info si;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16];
	uint8_t key[4096], sig[1024];
	size_t keylen = 0, siglen = 0;
	const char *name, *pk, *sg;
	json_t *body;
	int64_t id = 0;
	int r;

	SESSION_OR_RETURN(req, resp, si, who, actor);
	if ((body = tg_req_json(req, resp)) == NULL)
		return;
	if ((name = tg_h_str(req, resp, body, "name", 1)) == NULL ||
	    (pk = tg_h_str(req, resp, body, "public_key", 1)) == NULL ||
	    (sg = tg_h_str(req, resp, body, "signature", 1)) == NULL)
		goto out;
	/* The key as PEM text, or base64url DER. */
	if (strncmp(pk, "-----BEGIN", 10) == 0) {
		keylen = strlen(pk);
		if (keylen > sizeof(key)) {
			tg_resp_problem(resp, req, TG_P_BAD_REQUEST, "public_key too long");
			goto out;
		}
		memcpy(key, pk, keylen);
	} else if (tg_b64url_decode(pk, strlen(pk), key, sizeof(key), &keylen) != 0) {
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST,
		    "public_key must be PEM or base64url DER");
		goto out;
	}
	if (tg_b64url_decode(sg, strlen(sg), sig, sizeof(sig), &siglen) != 0) {
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST,
		    "signature must be base64url");
		goto out;
	}
	r = tg_enrol_device(req->ctx, &who, &si, name, key, keylen, sig, siglen,
	    &id);
	if (r != 0)
		tg_h_factor_error(req, resp, r);
	else
		tg_resp_json(resp, 201, json_pack("{s:I,s:s,s:s}", "id",
		    (json_int_t)id, "type", "device", "name", name));
out:
	json_decref(body);
}

void
tg_h_webauthn_options(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_session_info si;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16];
	json_t *out = NULL;
	int r;

	SESSION_OR_RETURN(req, resp, si, who, actor);
	if ((r = tg_enrol_webauthn_options(req->ctx, &who, &si, &out)) != 0)
		tg_h_factor_error(req, resp, r);
	else
		tg_resp_json(resp, 200, out);
}

void
tg_h_webauthn_register(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_session_info si;
	struct tg_actor who;
	char actor[TG_LOGIN_MAX + 16];
	static __thread uint8_t cd[4096], ao[16384];
	size_t cdlen = 0, aolen = 0;
	const char *name, *cds, *aos;
	json_t *body, *cred, *rsp;
	int64_t id = 0;
	int r;

	SESSION_OR_RETURN(req, resp, si, who, actor);
	if ((body = tg_req_json(req, resp)) == NULL)
		return;
	name = tg_h_str(req, resp, body, "name", 0);
	if (resp->status != 0)
		goto out;
	cred = json_object_get(body, "credential");
	rsp = json_object_get(cred, "response");
	cds = json_string_value(json_object_get(rsp, "clientDataJSON"));
	aos = json_string_value(json_object_get(rsp, "attestationObject"));
	if (cds == NULL || aos == NULL ||
	    tg_b64url_decode(cds, strlen(cds), cd, sizeof(cd), &cdlen) != 0 ||
	    tg_b64url_decode(aos, strlen(aos), ao, sizeof(ao), &aolen) != 0) {
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST, "credential.response "
		    "needs base64url clientDataJSON and attestationObject");
		goto out;
	}
	r = tg_enrol_webauthn(req->ctx, &who, &si, name != NULL ? name : "passkey",
	    cd, cdlen, ao, aolen, &id);
	if (r != 0)
		tg_h_factor_error(req, resp, r);
	else
		tg_resp_json(resp, 201, json_pack("{s:I,s:s,s:s}", "id",
		    (json_int_t)id, "type", "webauthn", "name",
		    name != NULL ? name : "passkey"));
out:
	json_decref(body);
}
