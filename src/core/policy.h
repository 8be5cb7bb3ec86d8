/*
 * Factor policy (AUTH-01, AUTH-06), pure.  What each factor proves (its
 * kinds), when a flow is complete, and the declarative step-up rule table:
 * which sensitive action needs which fresh verification.
 */
#ifndef TG_CORE_POLICY_H
#define TG_CORE_POLICY_H

#include <stdint.h>

#include "store/store.h"

enum tg_factor_kind_set {
	TG_KINDS_ANY = TG_KIND_KNOWLEDGE | TG_KIND_POSSESSION | TG_KIND_INHERENCE,
};

/* The purposes a flow can have; each has its own completion rule. */
enum tg_flow_purpose {
	TG_FLOW_LOGIN,		/* ends in a session */
	TG_FLOW_UNLOCK,		/* self-service unlock */
	TG_FLOW_RESET,		/* self-service password reset */
};

/* "login", "unlock", "reset"; NULL for an unknown value. */
const char *tg_flow_purpose_name(enum tg_flow_purpose p);
int tg_flow_purpose_parse(const char *s, enum tg_flow_purpose *out);

/*
 * 1 when the kinds verified so far complete a flow of this purpose:
 * login needs min_kinds distinct kinds; unlock and reset need two distinct
 * kinds other than knowledge (the password cannot help to recover itself).
 */
int tg_policy_complete(enum tg_flow_purpose p, unsigned kinds, int min_kinds);

/*
 * The kinds required of a customer of account_class: the N of
 * "account_class=N" in spec ("institutional=3,api=2"), else deflt.
 */
int tg_policy_min_kinds(const char *spec, const char *account_class, int deflt);
/* 1 if spec is empty or well formed (CLASS of [a-z0-9_-]{1,31}, N 1..3). */
int tg_policy_class_kinds_valid(const char *spec);
/* 1 if s is a valid account class name. */
int tg_policy_class_name_valid(const char *s);

/* Distinct kinds in a set. */
int tg_kinds_count_of(unsigned kinds);

/* One row of the step-up table. */
struct tg_stepup_rule {
	const char *action;		/* "device.bind", ... */
	unsigned kinds;			/* kinds a step-up factor must prove (any of) */
	int different_factor;		/* must differ from every factor used at login */
	const char *requirement;	/* requirement IDs, for docs and audit */
};

/* The rule for action, or NULL (then no step-up is needed). */
const struct tg_stepup_rule *tg_stepup_rule(const char *action);
/* The whole table, terminated by a NULL action (docs, tests). */
const struct tg_stepup_rule *tg_stepup_rules(void);

/*
 * 0 if a step-up made at stepup_at with factor label stepup_factor (and
 * kinds) satisfies rule at now with freshness fresh_ms, given the factor
 * labels used at login (comma-separated); TG_ERR_POLICY otherwise.
 */
int tg_stepup_satisfied(const struct tg_stepup_rule *rule, int64_t now,
    int64_t fresh_ms, int64_t stepup_at, unsigned stepup_kinds,
    const char *stepup_factors, const char *login_factors);

/*
 * 1 if label ("totp:3") names a factor in the comma-separated list.  The
 * comparison is on the factor's family for one-time codes ("sms", "email")
 * and on the exact label otherwise.
 */
int tg_factor_in_list(const char *list, const char *label);

/* Append label to a comma-separated list (bounded; 0 or TG_ERR_LIMIT). */
int tg_factor_list_add(char *list, size_t cap, const char *label);

#endif
