/*
 * Prometheus text exposition of struct tg_metrics: one declarative table,
 * every series with # HELP and # TYPE.
 */
#include "service/ctx.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

enum metric_type { M_COUNTER, M_GAUGE };

struct metric_def {
	const char *name;
	enum metric_type type;
	size_t off;
	const char *help;
};

#define M(field) offsetof(struct tg_metrics, field)

static const struct metric_def metric_defs[] = {
	{ "tradeguard_http_busy_total", M_COUNTER, M(http_busy),
	    "Requests refused with 503 because the worker pool queue was full." },
	{ "tradeguard_http_connections", M_GAUGE, M(http_connections),
	    "Open client connections." },
	{ "tradeguard_pool_queued", M_GAUGE, M(pool_queued),
	    "Jobs waiting for a worker thread." },
	{ "tradeguard_login_success_total", M_COUNTER, M(login_success),
	    "Successful logins." },
	{ "tradeguard_login_failure_total", M_COUNTER, M(login_failure),
	    "Failed logins (unknown login, wrong password, locked or disabled)." },
	{ "tradeguard_accounts_locked_total", M_COUNTER, M(accounts_locked),
	    "Accounts locked after too many failed logins." },
	{ "tradeguard_password_verify_total", M_COUNTER, M(password_verify),
	    "Password verifications against a stored hash." },
	{ "tradeguard_password_dummy_verify_total", M_COUNTER,
	    M(password_dummy_verify),
	    "Equal-cost dummy verifications for unknown or locked accounts." },
	{ "tradeguard_sessions_created_total", M_COUNTER, M(sessions_created),
	    "Sessions created." },
	{ "tradeguard_sessions_revoked_total", M_COUNTER, M(sessions_revoked),
	    "Sessions ended by logout, revocation or eviction." },
	{ "tradeguard_audit_appends_total", M_COUNTER, M(audit_appends),
	    "Audit records appended." },
	{ "tradeguard_audit_failures_total", M_COUNTER, M(audit_failures),
	    "Audit appends that failed (the audited operation failed too)." },
	{ "tradeguard_notify_sent_total", M_COUNTER, M(notify_sent),
	    "Notifications accepted by the mail server or webhook." },
	{ "tradeguard_notify_attempt_failures_total", M_COUNTER,
	    M(notify_attempt_failures),
	    "Notification delivery attempts that failed (retried or given up)." },
	{ "tradeguard_notify_failed_total", M_COUNTER, M(notify_failed),
	    "Notifications given up after the last retry." },
};

static uint64_t
metric_load(const struct tg_metrics *m, size_t off)
{
	const _Atomic uint64_t *p =
	    (const _Atomic uint64_t *)(const void *)((const char *)m + off);

	return atomic_load(p);
}

char *
tg_metrics_render(const struct tg_metrics *m)
{
	static const char *const classes[] = { NULL, "1xx", "2xx", "3xx", "4xx", "5xx" };
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fprintf(f, "# HELP tradeguard_build_info Version of the running server.\n"
	    "# TYPE tradeguard_build_info gauge\n"
	    "tradeguard_build_info{version=\"%s\"} 1\n", TG_VERSION);
	fprintf(f, "# HELP tradeguard_http_requests_total HTTP responses by status class.\n"
	    "# TYPE tradeguard_http_requests_total counter\n");
	for (i = 1; i <= 5; i++)
		fprintf(f, "tradeguard_http_requests_total{class=\"%s\"} %llu\n",
		    classes[i], (unsigned long long)atomic_load(&m->http_requests[i]));
	for (i = 0; i < sizeof(metric_defs) / sizeof(metric_defs[0]); i++) {
		const struct metric_def *d = &metric_defs[i];

		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", d->name,
		    d->help, d->name, d->type == M_COUNTER ? "counter" : "gauge",
		    d->name, (unsigned long long)metric_load(m, d->off));
	}
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
