/*
 * Configuration: one INI file, every option described once in the
 * declarative table in config.c (section, name, type, default, bounds,
 * sensitive flag, help text).  The sample file written by `tradeguard init`
 * and docs/configuration.md are generated from that same table.
 */
#ifndef TG_CONFIG_CONFIG_H
#define TG_CONFIG_CONFIG_H

#include <stdio.h>

#define TG_PATH_MAX 1024

enum tg_session_limit_mode { TG_SESSION_LIMIT_REFUSE, TG_SESSION_LIMIT_EVICT_OLDEST };

struct tg_config {
	/* [server] */
	char listen[128];		/* HOST:PORT */
	int threads;			/* event-loop threads */
	int workers;			/* worker-pool threads (Argon2id, signatures) */
	int queue;			/* worker-pool queue bound */
	int max_connections;
	int max_header_bytes;
	int max_body_bytes;
	int timeout_seconds;		/* read/write timeout per connection */
	/* [tls] */
	char tls_certificate[TG_PATH_MAX];	/* absolute after load */
	char tls_private_key[TG_PATH_MAX];	/* absolute after load */
	/* [store] */
	char store_path[TG_PATH_MAX];		/* absolute after load */
	int store_busy_timeout_ms;
	/* [keys] */
	char keys_dir[TG_PATH_MAX];		/* absolute after load */
	char pepper_id[64];
	/* [log] */
	char log_file[TG_PATH_MAX];		/* "" = stderr */
	int log_level;				/* enum tg_log_level */
	int log_requests;			/* one line per request (else errors only) */
	/* [password] */
	int pw_min_length;
	int pw_require_letter;
	int pw_require_digit;
	int pw_require_symbol;
	int pw_reject_login;
	int pw_reject_common;
	int pw_history;
	int pw_max_age_days;
	int argon2_memory_kib;
	int argon2_iterations;
	int argon2_parallelism;
	/* [lockout] */
	int lockout_threshold;
	/* [auth] */
	int min_factor_kinds;		/* 2 = AUTH-01; 1 is non-compliant (development) */
	char class_min_kinds[256];	/* "institutional=3,api=2" */
	int flow_ttl_seconds;
	/* [session] */
	int session_idle_seconds;
	int session_absolute_seconds;
	int session_max_per_account;
	int session_on_limit;		/* enum tg_session_limit_mode */
	int session_bind_address;
	/* [audit] */
	int audit_checkpoint_every;
	int audit_checkpoint_seconds;
	/* [stepup] */
	int stepup_freshness_seconds;
	/* [totp] */
	char totp_issuer[64];
	int totp_window;
	/* [otp] (one-time codes by SMS or email) */
	int otp_ttl_seconds;
	int otp_max_attempts;
	int otp_max_per_hour;
	/* [webauthn] */
	char webauthn_rp_id[256];
	char webauthn_rp_name[64];
	char webauthn_origins[512];	/* comma-separated */
	int webauthn_timeout_seconds;
	/* [notify] */
	char notify_smtp_url[256];	/* "" = no email */
	char notify_smtp_from[256];
	char notify_smtp_username[128];
	char notify_smtp_password_file[TG_PATH_MAX];	/* absolute after load */
	char notify_smtp_ca_file[TG_PATH_MAX];		/* absolute after load */
	int notify_smtp_starttls;	/* require STARTTLS */
	char notify_webhook_url[512];	/* "" = no webhook */
	char notify_webhook_ca_file[TG_PATH_MAX];	/* absolute after load */
	int notify_retry_max;
	int notify_retry_base_seconds;
	int notify_poll_seconds;

	char config_dir[TG_PATH_MAX];	/* directory of the loaded file */
};

/* Fill cfg with every option's default (paths relative, not resolved). */
void tg_config_defaults(struct tg_config *cfg);

/*
 * Load path into cfg (defaults first).  Unknown sections/keys, malformed
 * values, out-of-range values, a key set twice and lines longer than 198
 * characters are errors; err receives a message naming the file, line and
 * key, e.g. "tg.ini:12: [password] min_length = 4: below the minimum 6"
 * (values of sensitive options are never shown).  Relative paths are
 * resolved against the file's directory (cfg->config_dir, absolute).  On
 * failure cfg holds the defaults.  Returns 0 or TG_ERR_CONFIG / TG_ERR_IO.
 */
int tg_config_load(const char *path, struct tg_config *cfg, char *err,
    size_t errlen) __attribute__((warn_unused_result));

/*
 * Parse from memory (same rules; name is used in messages, and relative
 * paths resolve against name's directory, which need not exist).  text need
 * not be NUL-terminated; a NUL byte within len is an error.  For fuzzing
 * and tests.
 */
int tg_config_parse(const char *name, const char *text, size_t len,
    struct tg_config *cfg, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * Write a fully commented sample INI: every option with its help text,
 * bounds and default.  Values in `over` (may be NULL) that differ from the
 * defaults are written uncommented, exactly as stored (relative paths stay
 * relative).  Returns 0, TG_ERR_INVALID if a value of over cannot be
 * written as one line, or TG_ERR_IO.
 */
int tg_config_write_sample(FILE *f, const struct tg_config *over);

/* Write the option table as a Markdown table (docs/configuration.md). */
int tg_config_write_markdown(FILE *f);

#endif
