/*
 * The declarative option table: every configuration option once, with its
 * section, name, type, field, default, bounds, flags and help text.  The
 * parser (config.c) and the generated documents (config_doc.c) read it.
 */
#include "config/config.h"
#include "config/config_table.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include <tradeguard/error.h>

#include "core/util.h"

#include "core/log.h"
#include "core/policy.h"
#include "crypto/pwhash.h"

/* ---- value checks used by the table ---- */

/* Decimal with optional '-', nothing else; 0 or -1 (why says which). */
static int
cfg_parse_ll(const char *s, long long *out, char *why, size_t whylen)
{
	long long v = 0;
	int neg = 0;
	size_t i = 0;

	if (s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (s[i] == '\0') {
		tg_errf(why, whylen, "not an integer");
		return -1;
	}
	for (; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9') {
			tg_errf(why, whylen, "not an integer");
			return -1;
		}
		if (v > (LLONG_MAX - (s[i] - '0')) / 10) {
			tg_errf(why, whylen, "integer overflow");
			return -1;
		}
		v = v * 10 + (s[i] - '0');
	}
	*out = neg ? -v : v;
	return 0;
}

static int
cfg_check_listen(const char *v, char *why, size_t whylen)
{
	char host[128];
	const char *port, *sep;
	long long p;
	size_t hlen, i;

	if (v[0] == '[') {
		if ((sep = strchr(v, ']')) == NULL || sep[1] != ':') {
			tg_errf(why, whylen, "expected [IPv6]:PORT");
			return -1;
		}
		hlen = (size_t)(sep - v - 1);
		port = sep + 2;
		if (hlen == 0 || hlen >= sizeof(host)) {
			tg_errf(why, whylen, "not an IPv6 address");
			return -1;
		}
		memcpy(host, v + 1, hlen);
		host[hlen] = '\0';
		{
			struct in6_addr a6;

			if (inet_pton(AF_INET6, host, &a6) != 1) {
				tg_errf(why, whylen, "not an IPv6 address");
				return -1;
			}
		}
	} else {
		if ((sep = strrchr(v, ':')) == NULL) {
			tg_errf(why, whylen, "expected HOST:PORT");
			return -1;
		}
		hlen = (size_t)(sep - v);
		port = sep + 1;
		if (hlen == 0) {
			tg_errf(why, whylen, "missing host before ':'");
			return -1;
		}
		for (i = 0; i < hlen; i++) {
			char c = v[i];

			if (c == ':') {
				tg_errf(why, whylen, "an IPv6 address goes in "
				    "brackets, e.g. [::1]:8443");
				return -1;
			}
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '.' || c == '-')) {
				tg_errf(why, whylen, "host is not a host name "
				    "or IPv4 address");
				return -1;
			}
		}
	}
	if (port[0] == '-' || cfg_parse_ll(port, &p, why, whylen) != 0 ||
	    p < 1 || p > 65535) {
		tg_errf(why, whylen, "port must be 1..65535");
		return -1;
	}
	return 0;
}

static int
cfg_check_pepper_id(const char *v, char *why, size_t whylen)
{
	size_t i = sizeof("pepper-") - 1, n = 0;

	if (strncmp(v, "pepper-", i) == 0 && v[i] >= '1' && v[i] <= '9') {
		while (v[i + n] >= '0' && v[i + n] <= '9')
			n++;
		if (n <= 9 && v[i + n] == '\0')
			return 0;
	}
	tg_errf(why, whylen, "must be pepper-<N> (the file pepper-<N>.key in "
	    "keys.dir), N from 1");
	return -1;
}

static int
cfg_check_class_kinds(const char *v, char *why, size_t whylen)
{
	if (tg_policy_class_kinds_valid(v))
		return 0;
	tg_errf(why, whylen, "must be CLASS=N[,CLASS=N...] with CLASS of "
	    "[a-z0-9_-] (1..31 characters) and N from 1 to 3");
	return -1;
}

/* ---- the table ---- */

static const struct tg_opt_enum log_levels[] = {
	{ "debug", TG_LOG_DEBUG }, { "info", TG_LOG_INFO },
	{ "warn", TG_LOG_WARN }, { "error", TG_LOG_ERROR }, { NULL, 0 },
};

static const struct tg_opt_enum session_limit_modes[] = {
	{ "refuse", TG_SESSION_LIMIT_REFUSE },
	{ "evict_oldest", TG_SESSION_LIMIT_EVICT_OLDEST }, { NULL, 0 },
};

#define FIELD(f)	offsetof(struct tg_config, f), \
			sizeof(((struct tg_config *)0)->f)
#define OPT_INT(sec, key, f, def, lo, hi, help) \
	{ sec, key, TG_OPT_INT, FIELD(f), #def, lo, hi, NULL, 0, NULL, NULL, help }
#define OPT_BOOL(sec, key, f, def, help) \
	{ sec, key, TG_OPT_BOOL, FIELD(f), def, 0, 1, NULL, 0, NULL, NULL, help }
#define OPT_STR(sec, key, f, def, check, syntax, help) \
	{ sec, key, TG_OPT_STRING, FIELD(f), def, 0, 0, NULL, 0, check, syntax, help }
#define OPT_PATH(sec, key, f, def, flags, help) \
	{ sec, key, TG_OPT_PATH, FIELD(f), def, 0, 0, NULL, flags, NULL, NULL, help }
#define OPT_ENUM(sec, key, type, f, def, values, help) \
	{ sec, key, type, FIELD(f), def, 0, 0, values, 0, NULL, NULL, help }

static const struct tg_section sections[] = {
	{ "server", "HTTPS listener, threads and request limits." },
	{ "tls", "Server certificate and key (PEM).  TLS 1.2+ with ECDHE only." },
	{ "store", "The embedded SQLite store." },
	{ "keys", "Key directory: peppers, session MAC key, audit signing key, "
	    "admin token.  Must be mode 0700, its files 0600, owned by the "
	    "server's user." },
	{ "log", "Server log (JSON lines).  Audit events go to the audit store, "
	    "not here." },
	{ "password", "Password rules (AUTH-04, AUTH-10, AUTH-11) and Argon2id "
	    "cost." },
	{ "lockout", "Account lockout after failed logins (AUTH-10)." },
	{ "auth", "Multi-factor login (AUTH-01)." },
	{ "session", "Session limits (ACC-01)." },
	{ "audit", "Tamper-evident audit log: signed checkpoints of the hash "
	    "chain (AUD-05)." },
	{ "stepup", "Step-up verification for sensitive actions (AUTH-06)." },
	{ "totp", "Time-based one-time passwords, RFC 6238 (possession)." },
	{ "otp", "One-time codes sent by SMS or email (possession of the "
	    "registered phone or mailbox)." },
	{ "webauthn", "Passkeys / FIDO2 (AUTH-03, AUTH-16, ZT-01)." },
	{ "notify", "Notifications to account owners: email over SMTP with "
	    "STARTTLS and an HTTPS webhook for SMS gateways or app push "
	    "(AUTH-15, AUD-07)." },
};

static const struct tg_option options[] = {
	OPT_STR("server", "listen", listen, "127.0.0.1:8443", cfg_check_listen,
	    "HOST:PORT, port 1..65535; IPv6 as [::1]:8443",
	    "Address and port to serve HTTPS on.  Use 0.0.0.0:PORT or [::]:PORT "
	    "for all interfaces."),
	OPT_INT("server", "threads", threads, 2, 1, 64,
	    "Event-loop threads serving connections."),
	OPT_INT("server", "workers", workers, 2, 1, 256,
	    "Worker-pool threads for expensive work (Argon2id, signatures).  "
	    "About one per CPU core."),
	OPT_INT("server", "queue", queue, 64, 1, 100000,
	    "Requests that may wait for a worker; when the queue is full, further "
	    "requests are refused (503)."),
	OPT_INT("server", "max_connections", max_connections, 1024, 1, 1000000,
	    "Most connections open at once; further ones are refused."),
	OPT_INT("server", "max_header_bytes", max_header_bytes, 8192, 1024, 65536,
	    "Largest request header block, in bytes."),
	OPT_INT("server", "max_body_bytes", max_body_bytes, 65536, 1024, 10485760,
	    "Largest request body, in bytes."),
	OPT_INT("server", "timeout_seconds", timeout_seconds, 30, 1, 3600,
	    "Read/write timeout of a connection, in seconds."),

	OPT_PATH("tls", "certificate", tls_certificate, "tls/cert.pem", 0,
	    "Server certificate chain (PEM), leaf first."),
	OPT_PATH("tls", "private_key", tls_private_key, "tls/key.pem",
	    TG_OPT_SENSITIVE,
	    "Private key of the certificate (PEM); keep it mode 0600."),

	OPT_PATH("store", "path", store_path, "tradeguard.db", 0,
	    "SQLite database file (WAL mode: the -wal and -shm files sit next "
	    "to it)."),
	OPT_INT("store", "busy_timeout_ms", store_busy_timeout_ms, 5000, 0, 60000,
	    "How long a writer waits for a lock held by another, in "
	    "milliseconds."),

	OPT_PATH("keys", "dir", keys_dir, "keys", TG_OPT_SENSITIVE,
	    "Key directory (created by `tradeguard init`)."),
	OPT_STR("keys", "pepper_id", pepper_id, "pepper-1", cfg_check_pepper_id,
	    "pepper-<N>",
	    "Pepper used for new password hashes; older hashes name their own "
	    "pepper and are re-hashed at the next login."),

	OPT_PATH("log", "file", log_file, "", TG_OPT_EMPTY_OK,
	    "Log file (appended; reopened on SIGHUP).  Empty: standard error."),
	OPT_ENUM("log", "level", TG_OPT_LOGLEVEL, log_level, "info", log_levels,
	    "Lowest level written."),
	OPT_BOOL("log", "requests", log_requests, "true",
	    "Log every request (method, path, status, time, request ID); false "
	    "logs only answers of 400 and above."),

	OPT_INT("password", "min_length", pw_min_length, 8, 6, 128,
	    "Minimum password length in characters (the exchange's rule is at "
	    "least 6)."),
	OPT_BOOL("password", "require_letter", pw_require_letter, "true",
	    "Require at least one letter."),
	OPT_BOOL("password", "require_digit", pw_require_digit, "true",
	    "Require at least one digit."),
	OPT_BOOL("password", "require_symbol", pw_require_symbol, "true",
	    "Require at least one symbol (not a letter or digit)."),
	OPT_BOOL("password", "reject_login", pw_reject_login, "true",
	    "Reject passwords that contain the login name."),
	OPT_BOOL("password", "reject_common", pw_reject_common, "true",
	    "Reject passwords on the bundled list of common passwords."),
	OPT_INT("password", "history", pw_history, 5, 0, 24,
	    "Previous passwords that may not be reused; 0 turns the check off."),
	OPT_INT("password", "max_age_days", pw_max_age_days, 90, 0, 3650,
	    "Days after which a password change is recommended at login "
	    "(AUTH-11: 3 months); 0 = never recommend."),
	OPT_INT("password", "argon2_memory_kib", argon2_memory_kib, 19456,
	    TG_PWHASH_MEMORY_MIN_KIB, TG_PWHASH_MEMORY_MAX_KIB,
	    "Argon2id memory per hash, in KiB.  Changing it re-hashes each "
	    "password at its next successful login."),
	OPT_INT("password", "argon2_iterations", argon2_iterations, 2,
	    TG_PWHASH_ITERATIONS_MIN, TG_PWHASH_ITERATIONS_MAX,
	    "Argon2id passes over memory (time cost)."),
	OPT_INT("password", "argon2_parallelism", argon2_parallelism, 1, 1, 1,
	    "Argon2id lanes; libsodium's Argon2id is single-lane, so only 1."),

	OPT_INT("lockout", "threshold", lockout_threshold, 3, 1, 3,
	    "Consecutive wrong passwords that lock an account (AUTH-10 allows "
	    "at most 3)."),

	OPT_INT("auth", "min_factor_kinds", min_factor_kinds, 2, 1, 3,
	    "Distinct factor kinds (knowledge, possession, biometric) a login "
	    "needs.  2 meets AUTH-01; 1 is NON-COMPLIANT with AUTH-01 and for "
	    "development only."),
	{ "auth", "class_min_kinds", TG_OPT_STRING, FIELD(class_min_kinds), "",
	    0, 0, NULL, TG_OPT_EMPTY_OK, cfg_check_class_kinds,
	    "CLASS=N[,CLASS=N...]",
	    "Factor kinds required per account class, overriding "
	    "min_factor_kinds for customers of that class (e.g. "
	    "institutional=3).  Values below 2 are NON-COMPLIANT." },
	OPT_INT("auth", "flow_ttl_seconds", flow_ttl_seconds, 300, 30, 3600,
	    "Time allowed to complete a multi-step login, in seconds."),

	OPT_INT("session", "idle_timeout_seconds", session_idle_seconds, 900,
	    60, 86400, "A session unused this long ends, in seconds."),
	OPT_INT("session", "absolute_lifetime_seconds", session_absolute_seconds,
	    28800, 300, 604800,
	    "A session ends this long after login whatever its use, in seconds; "
	    "at least idle_timeout_seconds."),
	OPT_INT("session", "max_per_account", session_max_per_account, 3, 1, 100,
	    "Concurrent sessions per account."),
	OPT_ENUM("session", "on_limit", TG_OPT_ENUM, session_on_limit, "refuse",
	    session_limit_modes,
	    "At the session limit: refuse the new login, or end the oldest "
	    "session."),
	OPT_BOOL("session", "bind_client_address", session_bind_address, "false",
	    "End a session used from another client address than at login "
	    "(breaks mobile clients that change networks)."),

	OPT_INT("audit", "checkpoint_every", audit_checkpoint_every, 1000, 1,
	    1000000, "Sign a checkpoint after this many audit records."),
	OPT_INT("audit", "checkpoint_seconds", audit_checkpoint_seconds, 60, 1,
	    86400, "Sign a checkpoint at least this often while records arrive, "
	    "in seconds."),

	OPT_INT("stepup", "freshness_seconds", stepup_freshness_seconds, 300, 30,
	    3600, "A step-up verification allows sensitive actions for this "
	    "long, in seconds."),

	OPT_STR("totp", "issuer", totp_issuer, "TradeGuard", NULL, NULL,
	    "Issuer shown by authenticator apps (otpauth:// URI)."),
	OPT_INT("totp", "window", totp_window, 1, 0, 2,
	    "Time steps of 30 s accepted before and after the current one."),

	OPT_INT("otp", "ttl_seconds", otp_ttl_seconds, 300, 60, 900,
	    "A code sent by SMS or email is valid this long, in seconds."),
	OPT_INT("otp", "max_attempts", otp_max_attempts, 5, 1, 10,
	    "Wrong entries allowed per code before it is void."),
	OPT_INT("otp", "max_per_hour", otp_max_per_hour, 5, 1, 100,
	    "Codes sent per account per hour."),

	OPT_STR("webauthn", "rp_id", webauthn_rp_id, "localhost", NULL, NULL,
	    "Relying-party ID: the registrable domain the passkeys belong to."),
	OPT_STR("webauthn", "rp_name", webauthn_rp_name, "TradeGuard", NULL, NULL,
	    "Relying-party name shown by authenticators."),
	OPT_STR("webauthn", "origins", webauthn_origins, "https://localhost:8443",
	    NULL, "comma-separated origins",
	    "Origins allowed in WebAuthn client data (scheme://host[:port])."),
	OPT_INT("webauthn", "timeout_seconds", webauthn_timeout_seconds, 120, 30,
	    600, "How long a WebAuthn challenge is valid, in seconds."),

	{ "notify", "smtp_url", TG_OPT_STRING, FIELD(notify_smtp_url), "", 0, 0,
	    NULL, TG_OPT_EMPTY_OK, NULL, "smtp://HOST:PORT or empty",
	    "SMTP server for email notifications and codes; empty disables "
	    "email." },
	OPT_STR("notify", "smtp_from", notify_smtp_from,
	    "TradeGuard <noreply@localhost>", NULL, NULL,
	    "Sender address of notification emails."),
	{ "notify", "smtp_username", TG_OPT_STRING, FIELD(notify_smtp_username),
	    "", 0, 0, NULL, TG_OPT_EMPTY_OK, NULL, NULL,
	    "SMTP user name; empty for no authentication." },
	OPT_PATH("notify", "smtp_password_file", notify_smtp_password_file, "",
	    TG_OPT_EMPTY_OK | TG_OPT_SENSITIVE,
	    "File holding the SMTP password (mode 0600)."),
	OPT_PATH("notify", "smtp_ca_file", notify_smtp_ca_file, "",
	    TG_OPT_EMPTY_OK, "CA certificates to verify the SMTP server; empty "
	    "uses the system's."),
	OPT_BOOL("notify", "smtp_starttls", notify_smtp_starttls, "true",
	    "Require STARTTLS on the SMTP connection.  false is for a local "
	    "relay on the same host only."),
	{ "notify", "webhook_url", TG_OPT_STRING, FIELD(notify_webhook_url), "",
	    0, 0, NULL, TG_OPT_EMPTY_OK, NULL, "https://HOST[:PORT]/PATH or empty",
	    "HTTPS endpoint (SMS gateway, app push service) that receives every "
	    "notification as JSON, signed with HMAC-SHA-256 in a header; empty "
	    "disables it." },
	OPT_PATH("notify", "webhook_ca_file", notify_webhook_ca_file, "",
	    TG_OPT_EMPTY_OK, "CA certificates to verify the webhook server; "
	    "empty uses the system's."),
	OPT_INT("notify", "retry_max", notify_retry_max, 8, 0, 50,
	    "Delivery attempts after the first before a message is marked "
	    "failed."),
	OPT_INT("notify", "retry_base_seconds", notify_retry_base_seconds, 30, 1,
	    3600, "First retry delay; each further retry doubles it."),
	OPT_INT("notify", "poll_seconds", notify_poll_seconds, 2, 1, 60,
	    "How often the delivery worker looks for due messages."),
};

#define NOPTIONS	(sizeof(options) / sizeof(options[0]))
#define NSECTIONS	(sizeof(sections) / sizeof(sections[0]))

const struct tg_option *
tg_config_options(size_t *n)
{
	*n = NOPTIONS;
	return options;
}

const struct tg_section *
tg_config_sections(size_t *n)
{
	*n = NSECTIONS;
	return sections;
}

const char *
tg_config_type_name(const struct tg_option *o)
{
	switch (o->type) {
	case TG_OPT_INT:
		return "integer";
	case TG_OPT_BOOL:
		return "boolean";
	case TG_OPT_STRING:
		return "string";
	case TG_OPT_PATH:
		return "path";
	case TG_OPT_ENUM:
		return "enum";
	case TG_OPT_LOGLEVEL:
		return "log level";
	}
	return "?";
}

static int *
cfg_int(const struct tg_option *o, struct tg_config *cfg)
{
	return (int *)(void *)((char *)cfg + o->offset);
}

static const int *
cfg_cint(const struct tg_option *o, const struct tg_config *cfg)
{
	return (const int *)(const void *)((const char *)cfg + o->offset);
}

int
tg_config_format(const struct tg_option *o, const struct tg_config *cfg,
    char *buf, size_t len)
{
	const struct tg_opt_enum *e;
	const char *s;
	int n = -1;

	switch (o->type) {
	case TG_OPT_INT:
		n = snprintf(buf, len, "%d", *cfg_cint(o, cfg));
		break;
	case TG_OPT_BOOL:
		n = snprintf(buf, len, "%s", *cfg_cint(o, cfg) ? "true" : "false");
		break;
	case TG_OPT_STRING:
	case TG_OPT_PATH:
		s = (const char *)cfg + o->offset;
		n = snprintf(buf, len, "%.*s", (int)strnlen(s, o->size), s);
		break;
	case TG_OPT_ENUM:
	case TG_OPT_LOGLEVEL:
		for (e = o->values; e->name != NULL; e++)
			if (e->value == *cfg_cint(o, cfg))
				break;
		if (e->name == NULL)
			return TG_ERR_INVALID;
		n = snprintf(buf, len, "%s", e->name);
		break;
	}
	if (n < 0 || (size_t)n >= len)
		return TG_ERR_INVALID;
	return 0;
}

int
tg_config_set(const struct tg_option *o, struct tg_config *cfg, const char *value,
    char *why, size_t whylen)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	const struct tg_opt_enum *e;
	long long v;
	size_t i, len;

	switch (o->type) {
	case TG_OPT_INT:
		if (cfg_parse_ll(value, &v, why, whylen) != 0)
			return -1;
		if (v < o->min) {
			tg_errf(why, whylen, "below the minimum %lld", o->min);
			return -1;
		}
		if (v > o->max) {
			tg_errf(why, whylen, "above the maximum %lld", o->max);
			return -1;
		}
		*cfg_int(o, cfg) = (int)v;
		return 0;
	case TG_OPT_BOOL:
		for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (strcasecmp(value, yes[i]) == 0) {
				*cfg_int(o, cfg) = 1;
				return 0;
			}
			if (strcasecmp(value, no[i]) == 0) {
				*cfg_int(o, cfg) = 0;
				return 0;
			}
		}
		tg_errf(why, whylen, "not a boolean (true/false, yes/no, "
		    "on/off, 1/0)");
		return -1;
	case TG_OPT_STRING:
	case TG_OPT_PATH:
		len = strlen(value);
		if (len >= o->size) {
			tg_errf(why, whylen, "longer than %zu characters",
			    o->size - 1);
			return -1;
		}
		if (len == 0 && !(o->flags & TG_OPT_EMPTY_OK)) {
			tg_errf(why, whylen, "must not be empty");
			return -1;
		}
		if (o->check != NULL && o->check(value, why, whylen) != 0)
			return -1;
		memset((char *)cfg + o->offset, 0, o->size);
		memcpy((char *)cfg + o->offset, value, len);
		return 0;
	case TG_OPT_ENUM:
	case TG_OPT_LOGLEVEL:
		for (e = o->values; e->name != NULL; e++) {
			if (strcmp(value, e->name) == 0) {
				*cfg_int(o, cfg) = e->value;
				return 0;
			}
		}
		{
			char list[128] = "";
			size_t off = 0;

			for (e = o->values; e->name != NULL; e++) {
				int n = snprintf(list + off, sizeof(list) - off,
				    "%s%s", off ? ", " : "", e->name);

				if (n < 0 || (size_t)n >= sizeof(list) - off)
					break;
				off += (size_t)n;
			}
			tg_errf(why, whylen, "must be one of: %s", list);
		}
		return -1;
	}
	tg_errf(why, whylen, "unknown option type");
	return -1;
}

void
tg_config_defaults(struct tg_config *cfg)
{
	char why[128];
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < NOPTIONS; i++)
		if (tg_config_set(&options[i], cfg, options[i].def, why,
		    sizeof(why)) != 0)
			abort();	/* the table itself is wrong */
}

const struct tg_option *
tg_config_find(const char *section, const char *name, size_t *index)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++) {
		if (strcmp(options[i].section, section) == 0 &&
		    strcmp(options[i].name, name) == 0) {
			if (index != NULL)
				*index = i;
			return &options[i];
		}
	}
	return NULL;
}

int
tg_config_section_known(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NSECTIONS; i++)
		if (strlen(sections[i].name) == len &&
		    memcmp(sections[i].name, name, len) == 0)
			return 1;
	return 0;
}
