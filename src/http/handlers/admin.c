/*
 * Admin API over customers (ACC-02), authorised by the admin token from the
 * key directory until staff accounts with roles exist.
 */
#include "http/handlers/handlers.h"

#include <stdio.h>
#include <string.h>

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sodium.h>

#include <tradeguard/error.h>

#include "service/customer.h"

#define ADMIN_ACTOR "admin-token"

void
tg_h_admin_customer_add(struct tg_req *req, struct tg_resp *resp)
{
	const char *login, *email, *phone, *locale, *pw;
	struct tg_customer c;
	struct tg_actor who;
	char why[64];
	json_t *body;
	int r;

	if (tg_h_admin(req, resp) != 0 || (body = tg_req_json(req, resp)) == NULL)
		return;
	if ((login = tg_h_str(req, resp, body, "login", 1)) == NULL ||
	    (email = tg_h_str(req, resp, body, "email", 1)) == NULL ||
	    (phone = tg_h_str(req, resp, body, "phone", 1)) == NULL ||
	    (pw = tg_h_str(req, resp, body, "password", 1)) == NULL)
		goto out;
	locale = tg_h_str(req, resp, body, "locale", 0);
	if (resp->status != 0)
		goto out;
	tg_h_actor(req, ADMIN_ACTOR, &who);
	r = tg_customer_add(req->ctx, &who, login, email, phone, locale, pw,
	    strlen(pw), &c, why, sizeof(why));
	if (r == 0)
		tg_resp_json(resp, 201, tg_customer_json(req->ctx, &c));
	else if (r == TG_ERR_POLICY)
		tg_resp_problem(resp, req, TG_P_PASSWORD_POLICY, why);
	else if (r == TG_ERR_INVALID)
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST, why);
	else
		tg_h_error(req, resp, r);
	sodium_memzero(&c, sizeof(c));
out:
	json_decref(body);
}

void
tg_h_admin_customer_get(struct tg_req *req, struct tg_resp *resp)
{
	struct evkeyvalq q = { 0 };
	struct tg_customer c;
	struct tg_actor who;
	const char *purpose = NULL;
	int r;

	if (tg_h_admin(req, resp) != 0)
		return;
	TAILQ_INIT(&q);
	if (req->query != NULL && evhttp_parse_query_str(req->query, &q) == 0)
		purpose = evhttp_find_header(&q, "purpose");
	if (purpose == NULL || purpose[0] == '\0' || strlen(purpose) > 200) {
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST,
		    "query parameter \"purpose\" is required (AUD-01)");
		goto out;
	}
	tg_h_actor(req, ADMIN_ACTOR, &who);
	if ((r = tg_customer_show(req->ctx, &who, req->params[0], purpose,
	    &c)) != 0)
		tg_h_error(req, resp, r);
	else
		tg_resp_json(resp, 200, tg_customer_json(req->ctx, &c));
out:
	evhttp_clear_headers(&q);
}

enum admin_op { OP_DISABLE, OP_ENABLE, OP_UNLOCK, OP_DELETE };

static void
admin_change(struct tg_req *req, struct tg_resp *resp, enum admin_op op)
{
	struct tg_actor who;
	const char *reason = NULL;
	json_t *body = NULL;
	int r;

	if (tg_h_admin(req, resp) != 0)
		return;
	if (req->body_len > 0 || op == OP_UNLOCK || op == OP_DELETE) {
		if ((body = tg_req_json(req, resp)) == NULL)
			return;
		reason = tg_h_str(req, resp, body, "reason",
		    op == OP_UNLOCK || op == OP_DELETE);
		if (resp->status != 0)
			goto out;
	}
	tg_h_actor(req, ADMIN_ACTOR, &who);
	switch (op) {
	case OP_DISABLE:
		r = tg_customer_set_disabled(req->ctx, &who, req->params[0], 1, reason);
		break;
	case OP_ENABLE:
		r = tg_customer_set_disabled(req->ctx, &who, req->params[0], 0, reason);
		break;
	case OP_UNLOCK:
		r = tg_customer_unlock(req->ctx, &who, req->params[0], reason);
		break;
	default:
		r = tg_customer_delete(req->ctx, &who, req->params[0], reason);
		break;
	}
	if (r == TG_ERR_INVALID)
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST, "\"reason\" must not be empty");
	else if (r != 0)
		tg_h_error(req, resp, r);
	else if (op == OP_DELETE)
		resp->status = 204;
	else
		tg_resp_json(resp, 200, json_pack("{s:s,s:s}", "login",
		    req->params[0], "status", op == OP_DISABLE ? "disabled" :
		    op == OP_ENABLE ? "enabled" : "unlocked"));
out:
	json_decref(body);
}

void
tg_h_admin_customer_disable(struct tg_req *req, struct tg_resp *resp)
{
	admin_change(req, resp, OP_DISABLE);
}

void
tg_h_admin_customer_enable(struct tg_req *req, struct tg_resp *resp)
{
	admin_change(req, resp, OP_ENABLE);
}

void
tg_h_admin_customer_unlock(struct tg_req *req, struct tg_resp *resp)
{
	admin_change(req, resp, OP_UNLOCK);
}

void
tg_h_admin_customer_delete(struct tg_req *req, struct tg_resp *resp)
{
	admin_change(req, resp, OP_DELETE);
}

/* POST /v1/admin/customers/{login}/class {"class", "reason"} (AUTH-01 per class). */
void
tg_h_admin_customer_class(struct tg_req *req, struct tg_resp *resp)
{
	struct tg_actor who;
	const char *cls, *reason;
	json_t *body;
	int r;

	if (tg_h_admin(req, resp) != 0 || (body = tg_req_json(req, resp)) == NULL)
		return;
	if ((cls = tg_h_str(req, resp, body, "class", 1)) == NULL ||
	    (reason = tg_h_str(req, resp, body, "reason", 1)) == NULL)
		goto out;
	tg_h_actor(req, ADMIN_ACTOR, &who);
	r = tg_customer_set_class(req->ctx, &who, req->params[0], cls, reason);
	if (r == TG_ERR_INVALID)
		tg_resp_problem(resp, req, TG_P_BAD_REQUEST,
		    "class must be [a-z0-9_-]{1,31} and reason not empty");
	else if (r != 0)
		tg_h_error(req, resp, r);
	else
		tg_resp_json(resp, 200, json_pack("{s:s,s:s}", "login",
		    req->params[0], "class", cls));
out:
	json_decref(body);
}
