#include "service/customer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tradeguard/error.h>

#include "core/pwpolicy.h"
#include "service/account.h"
#include "service/login.h"
#include "core/mask.h"
#include "core/policy.h"
#include "service/session.h"
#include "service/stepup.h"

static int
valid_login(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 3 || n > TG_LOGIN_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') ||
		    (i > 0 && (ch == '.' || ch == '_' || ch == '-' || ch == '@'))))
			return 0;
	}
	return 1;
}

int
tg_customer_login_norm(const char *in, char *out)
{
	size_t i, n = strlen(in);

	if (n > TG_LOGIN_MAX)
		return TG_ERR_INVALID;
	for (i = 0; i <= n; i++)
		out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] + 32) : in[i];
	return 0;
}

static int
valid_email(const char *s)
{
	const char *at = strchr(s, '@');
	size_t i, n = strlen(s);

	if (n < 3 || n > TG_EMAIL_MAX || at == NULL || at == s ||
	    strchr(at + 1, '@') != NULL || strchr(at, '.') == NULL ||
	    at[1] == '\0' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '"' ||
		    s[i] == '<' || s[i] == '>' || s[i] == '\\')
			return 0;
	return 1;
}

static int
valid_phone(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 6 || n > 20)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (i == 0 && s[i] == '+')))
			return 0;
	return 1;
}

static int
valid_locale(const char *s)
{
	return strcmp(s, "zh-TW") == 0 || strcmp(s, "en") == 0;
}

int
tg_customer_notify(tg_db *db, const struct tg_customer *c, const char *event,
    int64_t now, json_t *extra)
{
	json_t *p = extra != NULL ? extra : json_object();
	char *text;
	int r;

	json_object_set_new(p, "locale", json_string(c->locale));
	text = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
	r = text != NULL ? tg_db_outbox_insert(db, c->id, event, text, now) :
	    TG_ERR_NOMEM;
	free(text);
	json_decref(p);
	return r;
}

json_t *
tg_customer_json(const tg_ctx *ctx, const struct tg_customer *c)
{
	char created[32], changed[32], locked[32];

	tg_time_format(c->created_at, created, sizeof(created));
	tg_time_format(c->pw_changed_at, changed, sizeof(changed));
	tg_time_format(c->locked_at, locked, sizeof(locked));
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:i,s:s*,s:s,s:s,s:b}",
	    "login", c->login, "email", c->email, "phone", c->phone,
	    "locale", c->locale, "class", c->account_class,
	    "status", c->disabled ? "disabled" : "active",
	    "locked", c->locked, "consecutive_failures", c->fail_count,
	    "locked_at", c->locked ? locked : NULL, "created_at", created,
	    "password_changed_at", changed, "password_change_recommended",
	    tg_login_password_old(ctx, c));
}

int
tg_customer_add(tg_ctx *ctx, const struct tg_actor *who, const char *login,
    const char *email, const char *phone, const char *locale,
    const char *password, size_t pwlen, struct tg_customer *out, char *why,
    size_t whylen)
{
	tg_db *db = tg_store_db(ctx->store);
	struct tg_pwhash_params p;
	struct tg_pwpolicy pol;
	const char *reason = NULL;
	struct tg_customer c;
	char norm[TG_LOGIN_MAX + 1];
	int64_t now;
	int r;

	memset(out, 0, sizeof(*out));
	why[0] = '\0';
	if (locale == NULL || locale[0] == '\0')
		locale = "zh-TW";
	if (!valid_login(login) || tg_customer_login_norm(login, norm) != 0)
		reason = "invalid_login";
	else if (!valid_email(email))
		reason = "invalid_email";
	else if (!valid_phone(phone))
		reason = "invalid_phone";
	else if (!valid_locale(locale))
		reason = "invalid_locale";
	if (reason != NULL) {
		snprintf(why, whylen, "%s", reason);
		return TG_ERR_INVALID;
	}
	tg_account_pwpolicy(ctx, &pol);
	if ((r = tg_pwpolicy_check(&pol, login, password, pwlen, &reason)) != 0) {
		snprintf(why, whylen, "%s", reason);
		return r;
	}
	if (db == NULL)
		return TG_ERR_STORE;
	memset(&c, 0, sizeof(c));
	snprintf(c.login, sizeof(c.login), "%s", norm);
	login = c.login;
	snprintf(c.email, sizeof(c.email), "%s", email);
	snprintf(c.phone, sizeof(c.phone), "%s", phone);
	snprintf(c.locale, sizeof(c.locale), "%s", locale);
	tg_ctx_pwhash_params(ctx, &p);
	if ((r = tg_pwhash_hash(ctx->keys, ctx->cfg.pepper_id, &p, password,
	    pwlen, c.pw_hash)) != 0)
		return r;
	now = tg_clock_now_ms(&ctx->clock);
	c.pw_changed_at = c.created_at = c.updated_at = now;
	if ((r = tg_db_begin(db)) != 0)
		return r;
	if ((r = tg_db_customer_insert(db, &c)) != 0 ||
	    (r = tg_audit_customer(ctx, db, who, login, "customer.created", "ok",
	    json_pack("{s:s}", "locale", locale))) != 0 ||
	    (r = tg_db_commit(db)) != 0) {
		tg_db_rollback(db);
		if (r == TG_ERR_EXISTS)
			snprintf(why, whylen, "login_taken");
		return r;
	}
	*out = c;
	return 0;
}

int
tg_customer_show(tg_ctx *ctx, const struct tg_actor *who, const char *login,
    const char *purpose, struct tg_customer *out)
{
	tg_db *db = tg_store_db(ctx->store);
	char norm[TG_LOGIN_MAX + 1];
	int r, found;

	memset(out, 0, sizeof(*out));
	if (db == NULL)
		return TG_ERR_STORE;
	if (tg_customer_login_norm(login, norm) != 0)
		return TG_ERR_NOT_FOUND;
	login = norm;
	r = tg_db_customer_by_login(db, login, out);
	if (r != 0 && r != TG_ERR_NOT_FOUND)
		return r;
	found = (r == 0);
	/* AUD-01: who read whose personal data, through which function, why. */
	if ((r = tg_audit_customer(ctx, db, who, login, "personal_data.read",
	    found ? "ok" : "not_found", json_pack("{s:s,s:s,s:s,s:s,s:s}",
	    "system", "tradeguard", "function", "customer.show", "query", login,
	    "purpose", purpose != NULL ? purpose : "",
	    "fields", "login,email,phone,locale,status"))) != 0)
		return r;
	return found ? 0 : TG_ERR_NOT_FOUND;
}

static int
customer_lookup(tg_db *db, const char *login, struct tg_customer *c)
{
	char norm[TG_LOGIN_MAX + 1];

	if (tg_customer_login_norm(login, norm) != 0)
		return TG_ERR_NOT_FOUND;
	return tg_db_customer_by_login(db, norm, c);
}

/* Look up, then run one audited change in a transaction. */
static int
customer_change(tg_ctx *ctx, const struct tg_actor *who, const char *login,
    const char *type, const char *reason, int require_reason,
    int (*apply)(tg_ctx *, tg_db *, const struct tg_actor *,
    const struct tg_customer *, int64_t, void *), void *arg)
{
	tg_db *db = tg_store_db(ctx->store);
	struct tg_customer c;
	int64_t now = tg_clock_now_ms(&ctx->clock);
	int r;

	if (require_reason && (reason == NULL || reason[0] == '\0'))
		return TG_ERR_INVALID;
	if (db == NULL)
		return TG_ERR_STORE;
	if ((r = customer_lookup(db, login, &c)) != 0)
		return r;
	login = c.login;
	if ((r = tg_db_begin(db)) != 0)
		return r;
	if ((r = apply(ctx, db, who, &c, now, arg)) != 0 ||
	    (r = tg_audit_customer(ctx, db, who, login, type, "ok",
	    json_pack("{s:s}", "reason", reason != NULL ? reason : ""))) != 0 ||
	    (r = tg_db_commit(db)) != 0) {
		tg_db_rollback(db);
		return r;
	}
	return 0;
}

static int
apply_disabled(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, int64_t now, void *arg)
{
	int disabled = *(int *)arg, r;

	if ((r = tg_db_customer_set_disabled(db, c->id, disabled, now)) != 0)
		return r;
	return disabled ? tg_session_revoke_customer(ctx, db, who, c, NULL,
	    "account_disabled") : 0;
}

static int
apply_unlock(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, int64_t now, void *arg)
{
	(void)ctx;
	(void)who;
	(void)arg;
	return tg_db_customer_unlock(db, c->id, now);
}

static int
apply_delete(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, int64_t now, void *arg)
{
	int r;

	(void)now;
	(void)arg;
	if ((r = tg_session_revoke_customer(ctx, db, who, c, NULL,
	    "account_deleted")) != 0)
		return r;
	return tg_db_customer_delete(db, c->id);
}

int
tg_customer_set_disabled(tg_ctx *ctx, const struct tg_actor *who,
    const char *login, int disabled, const char *reason)
{
	return customer_change(ctx, who, login, disabled ? "customer.disabled" :
	    "customer.enabled", reason, 0, apply_disabled, &disabled);
}

static int
apply_class(tg_ctx *ctx, tg_db *db, const struct tg_actor *who,
    const struct tg_customer *c, int64_t now, void *arg)
{
	(void)ctx;
	(void)who;
	return tg_db_customer_set_class(db, c->id, (const char *)arg, now);
}

int
tg_customer_set_class(tg_ctx *ctx, const struct tg_actor *who,
    const char *login, const char *account_class, const char *reason)
{
	char cls[32];

	if (account_class == NULL || !tg_policy_class_name_valid(account_class))
		return TG_ERR_INVALID;
	snprintf(cls, sizeof(cls), "%s", account_class);
	return customer_change(ctx, who, login, "customer.class_changed", reason,
	    1, apply_class, cls);
}

int
tg_customer_unlock(tg_ctx *ctx, const struct tg_actor *who, const char *login,
    const char *reason)
{
	return customer_change(ctx, who, login, "customer.unlocked", reason, 1,
	    apply_unlock, NULL);
}

int
tg_customer_delete(tg_ctx *ctx, const struct tg_actor *who, const char *login,
    const char *reason)
{
	return customer_change(ctx, who, login, "customer.deleted", reason, 1,
	    apply_delete, NULL);
}

int
tg_customer_change_contact(tg_ctx *ctx, const struct tg_actor *who,
    const struct tg_session_info *si, const char *email, const char *phone,
    char *why, size_t whylen)
{
	tg_db *db = tg_store_db(ctx->store);
	const struct tg_customer *c = &si->customer;
	char old_e[TG_EMAIL_MAX + 1], new_e[TG_EMAIL_MAX + 1];
	char old_p[TG_PHONE_MAX + 1], new_p[TG_PHONE_MAX + 1];
	char *payload = NULL;
	int64_t now = tg_clock_now_ms(&ctx->clock);
	json_t *pj;
	int r;

	why[0] = '\0';
	if (db == NULL)
		return TG_ERR_STORE;
	if (email == NULL && phone == NULL) {
		snprintf(why, whylen, "nothing_to_change");
		return TG_ERR_INVALID;
	}
	if (email != NULL && !valid_email(email)) {
		snprintf(why, whylen, "invalid_email");
		return TG_ERR_INVALID;
	}
	if (phone != NULL && !valid_phone(phone)) {
		snprintf(why, whylen, "invalid_phone");
		return TG_ERR_INVALID;
	}
	if ((r = tg_stepup_require(ctx, si, "contact.change")) != 0)
		return r;
	if (email == NULL)
		email = c->email;
	if (phone == NULL)
		phone = c->phone;
	tg_mask_email(c->email, old_e, sizeof(old_e));
	tg_mask_email(email, new_e, sizeof(new_e));
	tg_mask_phone(c->phone, old_p, sizeof(old_p));
	tg_mask_phone(phone, new_p, sizeof(new_p));
	/*
	 * The notice goes to the contacts in force when it is delivered (the
	 * new ones); the previous ones are named in it, masked, and the
	 * change is in the audit trail.
	 */
	pj = json_pack("{s:s,s:s,s:s,s:s,s:s}", "locale", c->locale,
	    "old_email", old_e, "new_email", new_e, "old_phone", old_p,
	    "new_phone", new_p);
	if (pj == NULL || (payload = json_dumps(pj, JSON_COMPACT |
	    JSON_SORT_KEYS)) == NULL) {
		json_decref(pj);
		return TG_ERR_NOMEM;
	}
	if ((r = tg_db_begin(db)) != 0)
		goto out;
	if ((r = tg_db_customer_set_contact(db, c->id, email, phone, now)) != 0 ||
	    (r = tg_audit_customer(ctx, db, who, c->login, "contact.changed", "ok",
	    json_incref(pj))) != 0 ||
	    (r = tg_db_outbox_insert(db, c->id, "contact.changed", payload,
	    now)) != 0 ||
	    (r = tg_db_commit(db)) != 0)
		tg_db_rollback(db);
out:
	free(payload);
	json_decref(pj);
	return r;
}
