#include "core/policy.h"

#include <stdio.h>
#include <string.h>

#include <tradeguard/error.h>

#define P TG_KIND_POSSESSION
#define I TG_KIND_INHERENCE
#define K TG_KIND_KNOWLEDGE

/*
 * Sensitive actions (AUTH-06): a fresh verification within the session with
 * a factor different from those used at login.  Possession or inherence:
 * the password, already used at every login, never steps up.
 */
static const struct tg_stepup_rule stepup_rules[] = {
	{ "totp.enrol", P | I, 1, "AUTH-02, AUTH-06" },
	{ "device.bind", P | I, 1, "AUTH-02, AUTH-06" },
	{ "passkey.register", P | I, 1, "AUTH-06, AUTH-16" },
	{ "certificate.register", P | I, 1, "AUTH-06" },
	{ "contact.change", P | I, 1, "AUTH-06, AUTH-15" },
	{ "factor.revoke", P | I, 1, "AUTH-02, AUTH-06" },
	{ "recovery.regenerate", P | I, 1, "AUTH-06" },
	{ NULL, 0, 0, NULL },
};

static const char *const purpose_names[] = { "login", "unlock", "reset" };

const char *
tg_flow_purpose_name(enum tg_flow_purpose p)
{
	return (unsigned)p < 3 ? purpose_names[p] : NULL;
}

int
tg_flow_purpose_parse(const char *s, enum tg_flow_purpose *out)
{
	unsigned i;

	for (i = 0; i < 3; i++) {
		if (strcmp(s, purpose_names[i]) == 0) {
			*out = (enum tg_flow_purpose)i;
			return 0;
		}
	}
	return TG_ERR_INVALID;
}

int
tg_kinds_count_of(unsigned kinds)
{
	return __builtin_popcount(kinds & (K | P | I));
}

int
tg_policy_complete(enum tg_flow_purpose p, unsigned kinds, int min_kinds)
{
	if (p == TG_FLOW_LOGIN)
		return tg_kinds_count_of(kinds) >= min_kinds;
	return tg_kinds_count_of(kinds & ~(unsigned)K) >= 2;
}

const struct tg_stepup_rule *
tg_stepup_rules(void)
{
	return stepup_rules;
}

const struct tg_stepup_rule *
tg_stepup_rule(const char *action)
{
	const struct tg_stepup_rule *r;

	for (r = stepup_rules; r->action != NULL; r++)
		if (strcmp(r->action, action) == 0)
			return r;
	return NULL;
}

/* The family of a label: "totp:3" stays "totp:3", "sms" is "sms". */
static size_t
label_len(const char *s)
{
	return strcspn(s, ",");
}

int
tg_factor_in_list(const char *list, const char *label)
{
	size_t n = strlen(label), m;
	const char *p = list;

	while (p != NULL && *p != '\0') {
		m = label_len(p);
		if (m == n && strncmp(p, label, n) == 0)
			return 1;
		p = p[m] == ',' ? p + m + 1 : NULL;
	}
	return 0;
}

int
tg_factor_list_add(char *list, size_t cap, const char *label)
{
	size_t have = strlen(list), n = strlen(label);

	if (tg_factor_in_list(list, label))
		return 0;
	if (have + n + 2 > cap)
		return TG_ERR_LIMIT;
	if (have > 0)
		list[have++] = ',';
	memcpy(list + have, label, n + 1);
	return 0;
}

int
tg_stepup_satisfied(const struct tg_stepup_rule *rule, int64_t now,
    int64_t fresh_ms, int64_t stepup_at, unsigned stepup_kinds,
    const char *stepup_factors, const char *login_factors)
{
	const char *p = stepup_factors;
	size_t m;
	char one[64];
	int different = 0;

	if (stepup_at == 0 || now - stepup_at > fresh_ms || now < stepup_at)
		return TG_ERR_POLICY;
	if ((stepup_kinds & rule->kinds) == 0)
		return TG_ERR_POLICY;
	if (!rule->different_factor)
		return 0;
	/* At least one step-up factor must not have been used at login. */
	while (p != NULL && *p != '\0') {
		m = label_len(p);
		if (m < sizeof(one)) {
			memcpy(one, p, m);
			one[m] = '\0';
			if (!tg_factor_in_list(login_factors, one))
				different = 1;
		}
		p = p[m] == ',' ? p + m + 1 : NULL;
	}
	return different ? 0 : TG_ERR_POLICY;
}

static size_t
class_len(const char *s)
{
	size_t n = 0;

	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') ||
	    s[n] == '_' || s[n] == '-')
		n++;
	return n;
}

int
tg_policy_class_name_valid(const char *s)
{
	size_t n = class_len(s);

	return n >= 1 && n <= 31 && s[n] == '\0';
}

int
tg_policy_class_kinds_valid(const char *spec)
{
	const char *p = spec;
	size_t n;

	if (*p == '\0')
		return 1;
	for (;;) {
		n = class_len(p);
		if (n < 1 || n > 31 || p[n] != '=' || p[n + 1] < '1' ||
		    p[n + 1] > '3')
			return 0;
		p += n + 2;
		if (*p == '\0')
			return 1;
		if (*p++ != ',')
			return 0;
	}
}

int
tg_policy_min_kinds(const char *spec, const char *account_class, int deflt)
{
	size_t n, len = strlen(account_class);
	const char *p = spec;

	if (!tg_policy_class_kinds_valid(spec))
		return deflt;
	while (*p != '\0') {
		n = class_len(p);
		if (n == len && strncmp(p, account_class, n) == 0)
			return p[n + 1] - '0';
		p += n + 2;
		if (*p == ',')
			p++;
	}
	return deflt;
}
