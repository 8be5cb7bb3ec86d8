/* Configuration: defaults, every error class, generated sample and docs. */
#include "helpers.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tradeguard/error.h>

#include "config/config.h"
#include "core/log.h"

#define NAME "tradeguard.ini"

static char cwd[PATH_MAX];

static int
parse(const char *text, struct tg_config *cfg, char *err, size_t errlen)
{
	return tg_config_parse(NAME, text, strlen(text), cfg, err, errlen);
}

static void
parse_ok(const char *text, struct tg_config *cfg)
{
	char err[512];

	if (parse(text, cfg, err, sizeof(err)) != 0)
		fail_msg("unexpected error for \"%s\": %s", text, err);
}

static void
test_defaults(void **state)
{
	struct tg_config c;

	(void)state;
	tg_config_defaults(&c);
	assert_string_equal(c.listen, "127.0.0.1:8443");
	assert_int_equal(c.threads, 2);
	assert_int_equal(c.workers, 2);
	assert_int_equal(c.queue, 64);
	assert_int_equal(c.max_connections, 1024);
	assert_int_equal(c.max_header_bytes, 8192);
	assert_int_equal(c.max_body_bytes, 65536);
	assert_int_equal(c.timeout_seconds, 30);
	assert_string_equal(c.tls_certificate, "tls/cert.pem");
	assert_string_equal(c.tls_private_key, "tls/key.pem");
	assert_string_equal(c.store_path, "tradeguard.db");
	assert_int_equal(c.store_busy_timeout_ms, 5000);
	assert_string_equal(c.keys_dir, "keys");
	assert_string_equal(c.pepper_id, "pepper-1");
	assert_string_equal(c.log_file, "");
	assert_int_equal(c.log_level, TG_LOG_INFO);
	assert_int_equal(c.pw_min_length, 8);
	assert_int_equal(c.pw_require_letter, 1);
	assert_int_equal(c.pw_require_digit, 1);
	assert_int_equal(c.pw_require_symbol, 1);
	assert_int_equal(c.pw_reject_login, 1);
	assert_int_equal(c.pw_reject_common, 1);
	assert_int_equal(c.pw_history, 5);
	assert_int_equal(c.pw_max_age_days, 90);
	assert_int_equal(c.argon2_memory_kib, 19456);
	assert_int_equal(c.argon2_iterations, 2);
	assert_int_equal(c.argon2_parallelism, 1);
	assert_int_equal(c.lockout_threshold, 3);
	assert_int_equal(c.min_factor_kinds, 2);
	assert_int_equal(c.flow_ttl_seconds, 300);
	assert_int_equal(c.session_idle_seconds, 900);
	assert_int_equal(c.session_absolute_seconds, 28800);
	assert_int_equal(c.session_max_per_account, 3);
	assert_int_equal(c.session_on_limit, TG_SESSION_LIMIT_REFUSE);
	assert_int_equal(c.session_bind_address, 0);
	assert_int_equal(c.audit_checkpoint_every, 1000);
	assert_int_equal(c.audit_checkpoint_seconds, 60);
	assert_string_equal(c.config_dir, "");
}

static void
test_empty_file_resolves_paths(void **state)
{
	struct tg_config c;
	char err[256];

	(void)state;
	assert_int_equal(tg_config_parse("/nonexistent-tg/etc/tg.ini", "", 0, &c,
	    err, sizeof(err)), 0);
	assert_string_equal(c.config_dir, "/nonexistent-tg/etc");
	assert_string_equal(c.tls_certificate, "/nonexistent-tg/etc/tls/cert.pem");
	assert_string_equal(c.tls_private_key, "/nonexistent-tg/etc/tls/key.pem");
	assert_string_equal(c.store_path, "/nonexistent-tg/etc/tradeguard.db");
	assert_string_equal(c.keys_dir, "/nonexistent-tg/etc/keys");
	assert_string_equal(c.log_file, "");
	assert_int_equal(c.threads, 2);

	/* a bare file name is relative to the working directory */
	parse_ok("", &c);
	assert_string_equal(c.config_dir, cwd);
}

struct bad_case {
	const char *text;
	const char *msg;	/* expected substring of the message */
};

static const struct bad_case bad_cases[] = {
	/* range */
	{ "[password]\nmin_length = 4\n",
	  NAME ":2: [password] min_length = 4: below the minimum 6" },
	{ "[password]\nmin_length = 129\n",
	  NAME ":2: [password] min_length = 129: above the maximum 128" },
	{ "[server]\nthreads = -1\n",
	  NAME ":2: [server] threads = -1: below the minimum 1" },
	{ "[server]\nthreads = 0\n", NAME ":2: [server] threads = 0: below" },
	{ "[server]\nthreads = 65\n", NAME ":2: [server] threads = 65: above" },
	{ "[lockout]\nthreshold = 4\n",
	  NAME ":2: [lockout] threshold = 4: above the maximum 3" },
	{ "[password]\nargon2_parallelism = 2\n",
	  NAME ":2: [password] argon2_parallelism = 2: above the maximum 1" },
	{ "[auth]\nmin_factor_kinds = 0\n",
	  NAME ":2: [auth] min_factor_kinds = 0: below the minimum 1" },
	{ "[password]\nargon2_memory_kib = 8191\n",
	  NAME ":2: [password] argon2_memory_kib = 8191: below the minimum 8192" },
	/* malformed integers */
	{ "[server]\nthreads = 4x\n",
	  NAME ":2: [server] threads = 4x: not an integer" },
	{ "[server]\nthreads = x4\n", NAME ":2: [server] threads = x4: not an" },
	{ "[server]\nthreads =\n", NAME ":2: [server] threads = : not an integer" },
	{ "[server]\nthreads = +4\n", NAME ":2: [server] threads = +4: not an" },
	{ "[server]\nthreads = 0x10\n", NAME ":2: [server] threads = 0x10: not" },
	{ "[server]\nthreads = 4.0\n", NAME ":2: [server] threads = 4.0: not" },
	{ "[server]\nthreads = 1 2\n", NAME ":2: [server] threads = 1 2: not" },
	{ "[server]\nthreads = -\n", NAME ":2: [server] threads = -: not an" },
	{ "[server]\nthreads = 99999999999999999999\n",
	  NAME ":2: [server] threads = 99999999999999999999: integer overflow" },
	{ "[server]\nthreads = 2147483648\n",
	  NAME ":2: [server] threads = 2147483648: above the maximum 64" },
	/* booleans and enums */
	{ "[password]\nrequire_digit = maybe\n",
	  NAME ":2: [password] require_digit = maybe: not a boolean" },
	{ "[password]\nrequire_digit = \n",
	  NAME ":2: [password] require_digit = : not a boolean" },
	{ "[password]\nrequire_digit = 2\n", NAME ":2: [password] require_digit = 2" },
	{ "[session]\non_limit = drop\n",
	  NAME ":2: [session] on_limit = drop: must be one of: refuse, evict_oldest" },
	{ "[session]\non_limit = Refuse\n", NAME ":2: [session] on_limit = Refuse" },
	{ "[log]\nlevel = verbose\n",
	  NAME ":2: [log] level = verbose: must be one of: debug, info, warn, error" },
	/* unknown names */
	{ "[server]\nthread = 2\n", NAME ":2: [server] thread: unknown key" },
	{ "[server]\nThreads = 2\n", NAME ":2: [server] Threads: unknown key" },
	{ "\n[bogus]\nx = 1\n", NAME ":2: unknown section [bogus]" },
	{ "[server]\n[Server]\n", NAME ":2: unknown section [Server]" },
	{ "threads = 2\n", NAME ":1: threads: key outside of any [section]" },
	/* structure */
	{ "[server]\nthreads = 2\nthreads = 3\n",
	  NAME ":3: [server] threads: set twice (first on line 2)" },
	{ "[server]\nthreads\n", NAME ":2: syntax error" },
	{ "[server]\n=2\n", NAME ":2: [server] : unknown key" },
	{ "[server\nthreads = 2\n", NAME ":1: section header without ']'" },
	{ "[server] junk\n", NAME ":1: text after the section header" },
	{ "# comment\n[server]\nthreads = 2\nworkers 3\nqueue = x\n",
	  NAME ":4: syntax error" },
	/* cross-field */
	{ "[session]\nidle_timeout_seconds = 3600\nabsolute_lifetime_seconds = 1800\n",
	  NAME ":3: [session] absolute_lifetime_seconds = 1800: below "
	  "idle_timeout_seconds (3600)" },
	{ "[session]\nidle_timeout_seconds = 86400\n",
	  NAME ":2: [session] absolute_lifetime_seconds = 28800: below "
	  "idle_timeout_seconds (86400)" },
	/* listen */
	{ "[server]\nlisten = 127.0.0.1\n",
	  NAME ":2: [server] listen = 127.0.0.1: expected HOST:PORT" },
	{ "[server]\nlisten = 127.0.0.1:0\n", "listen = 127.0.0.1:0: port must be 1..65535" },
	{ "[server]\nlisten = 127.0.0.1:65536\n", ":2: [server] listen = 127.0.0.1:65536: port" },
	{ "[server]\nlisten = 127.0.0.1:-1\n", "port must be 1..65535" },
	{ "[server]\nlisten = 127.0.0.1:80x\n", "port must be 1..65535" },
	{ "[server]\nlisten = 127.0.0.1:\n", "port must be 1..65535" },
	{ "[server]\nlisten = :8443\n", "listen = :8443: missing host" },
	{ "[server]\nlisten = ::1:8443\n", "an IPv6 address goes in brackets" },
	{ "[server]\nlisten = [::1]8443\n", "expected [IPv6]:PORT" },
	{ "[server]\nlisten = [::1:8443\n", "expected [IPv6]:PORT" },
	{ "[server]\nlisten = [zz::1]:8443\n", "not an IPv6 address" },
	{ "[server]\nlisten = []:8443\n", "not an IPv6 address" },
	{ "[server]\nlisten = exa mple:8443\n", "not a host name or IPv4" },
	/* strings */
	{ "[keys]\npepper_id = pepper-0\n", ":2: [keys] pepper_id = pepper-0: must be" },
	{ "[keys]\npepper_id = pepper-\n", "[keys] pepper_id = pepper-: must be" },
	{ "[keys]\npepper_id = pepper-1x\n", "[keys] pepper_id = pepper-1x: must be" },
	{ "[keys]\npepper_id = pepper-1234567890\n", "pepper_id = pepper-1234567890:" },
	{ "[keys]\npepper_id = x2345678901234567890123456789012345678901234567890"
	  "12345678901234567890\n", "pepper_id = x234" },
	{ "[store]\npath =\n", NAME ":2: [store] path = : must not be empty" },
	{ "[keys]\ndir =\n", NAME ":2: [keys] dir: must not be empty" },
	{ "[tls]\nprivate_key = ; empty\n",
	  NAME ":2: [tls] private_key: must not be empty" },
	{ "[log]\nfile = ; stderr\n[log]\nfile = x\n",
	  NAME ":4: [log] file: set twice (first on line 2)" },
};

static void
test_error_classes(void **state)
{
	struct tg_config c;
	char err[512];
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		memset(err, 'Z', sizeof(err));
		r = parse(bad_cases[i].text, &c, err, sizeof(err));
		if (r != TG_ERR_CONFIG)
			fail_msg("case %zu accepted (%d): %s", i, r,
			    bad_cases[i].text);
		if (strstr(err, bad_cases[i].msg) == NULL)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
			    bad_cases[i].msg);
		/* a failed parse leaves only defaults behind */
		assert_int_equal(c.threads, 2);
		assert_string_equal(c.listen, "127.0.0.1:8443");
		assert_int_equal(c.session_idle_seconds, 900);
	}
}

static void
test_error_line_twelve(void **state)
{
	const char *text =
	    "; TradeGuard\n"
	    "[server]\n"
	    "listen = 127.0.0.1:9443\n"
	    "\n"
	    "# comment\n"
	    "threads = 4\n"
	    "[tls]\n"
	    "certificate = /etc/tg/cert.pem\n"
	    "\n"
	    "[password]\n"
	    "require_symbol = no\n"
	    "min_length = 4\n"
	    "history = 3\n";
	struct tg_config c;
	char err[512];

	(void)state;
	assert_int_equal(parse(text, &c, err, sizeof(err)), TG_ERR_CONFIG);
	assert_string_equal(err,
	    "tradeguard.ini:12: [password] min_length = 4: below the minimum 6");
}

static void
test_raw_bytes(void **state)
{
	static const char nul[] = "[server]\nthreads = 2\0\nworkers = 3\n";
	char text[512], err[512];
	struct tg_config c;

	(void)state;
	assert_int_equal(tg_config_parse(NAME, nul, sizeof(nul) - 1, &c, err,
	    sizeof(err)), TG_ERR_CONFIG);
	assert_non_null(strstr(err, NAME ":2: NUL byte"));

	/* an over-long line is an error, never silently split */
	memset(text, 0, sizeof(text));
	memcpy(text, "[store]\npath = ", 15);
	memset(text + 15, 'a', 200);
	memcpy(text + 215, "\n", 1);
	assert_int_equal(parse(text, &c, err, sizeof(err)), TG_ERR_CONFIG);
	assert_non_null(strstr(err, NAME ":2: line longer than 198"));
	memset(text, 0, sizeof(text));
	memcpy(text, "# ", 2);
	memset(text + 2, 'x', 196);
	memcpy(text + 198, "\n[server]\nthreads = 5\n", 22);
	parse_ok(text, &c);		/* exactly 198 characters is fine */
	assert_int_equal(c.threads, 5);

	/* control bytes in a value are escaped in the message */
	assert_int_equal(parse("[server]\nthreads = \x1b[31m\n", &c, err,
	    sizeof(err)), TG_ERR_CONFIG);
	assert_null(strchr(err, '\x1b'));
	assert_non_null(strstr(err, "\\x1b[31m"));

	/* no text with a length, NULL error buffer */
	assert_int_equal(tg_config_parse(NAME, NULL, 5, &c, NULL, 0),
	    TG_ERR_INVALID);
	assert_int_equal(tg_config_parse(NAME, "[x]", 3, &c, NULL, 0),
	    TG_ERR_CONFIG);
}

static void
test_sensitive_never_shown(void **state)
{
	char name[1100], text[512], err[2048];
	struct tg_config c;
	size_t i;

	(void)state;
	/* a directory so long that the resolved key path cannot fit */
	memcpy(name, "/nonexistent-tg/", 16);
	for (i = 16; i < 1000; i++)
		name[i] = (i % 50 == 49) ? '/' : 'd';
	memcpy(name + 1000, "/tg.ini", 8);
	snprintf(text, sizeof(text), "[keys]\ndir = SECRETVALUE%0150d\n", 7);
	assert_int_equal(tg_config_parse(name, text, strlen(text), &c, err,
	    sizeof(err)), TG_ERR_CONFIG);
	assert_non_null(strstr(err, ":2: [keys] dir: longer than"));
	assert_null(strstr(err, "SECRETVALUE"));
	snprintf(text, sizeof(text), "[tls]\nprivate_key = SECRETVALUE%0150d\n", 7);
	assert_int_equal(tg_config_parse(name, text, strlen(text), &c, err,
	    sizeof(err)), TG_ERR_CONFIG);
	assert_non_null(strstr(err, ":2: [tls] private_key: longer than"));
	assert_null(strstr(err, "SECRETVALUE"));
}

static void
test_accepted_forms(void **state)
{
	static const char *yes[] = { "true", "TRUE", "yes", "Yes", "on", "ON", "1" };
	static const char *no[] = { "false", "False", "no", "NO", "off", "Off", "0" };
	static const char *listen_ok[] = { "[::1]:8443", "[::]:443",
	    "[fe80::1%eth0]:1", "localhost:1", "0.0.0.0:65535", "tg.example.com:8443",
	    "10.0.0.1:8443" };
	struct tg_config c;
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(text, sizeof(text), "[session]\nbind_client_address = %s\n"
		    "[password]\nrequire_digit = %s\n", yes[i], no[i]);
		parse_ok(text, &c);
		assert_int_equal(c.session_bind_address, 1);
		assert_int_equal(c.pw_require_digit, 0);
	}
	for (i = 0; i < sizeof(listen_ok) / sizeof(listen_ok[0]); i++) {
		char err[256];

		snprintf(text, sizeof(text), "[server]\nlisten = %s\n", listen_ok[i]);
		if (strchr(listen_ok[i], '%') != NULL) {
			/* zone IDs are not addresses inet_pton accepts */
			assert_int_equal(parse(text, &c, err, sizeof(err)),
			    TG_ERR_CONFIG);
			continue;
		}
		parse_ok(text, &c);
		assert_string_equal(c.listen, listen_ok[i]);
	}
	parse_ok("[session]\non_limit = evict_oldest\n[log]\nlevel = debug\n", &c);
	assert_int_equal(c.session_on_limit, TG_SESSION_LIMIT_EVICT_OLDEST);
	assert_int_equal(c.log_level, TG_LOG_DEBUG);
	parse_ok("[log]\nlevel = error\n", &c);
	assert_int_equal(c.log_level, TG_LOG_ERROR);

	/* bounds themselves are inside */
	parse_ok("[server]\nthreads = 1\nworkers = 256\n[password]\nmin_length = 6\n"
	    "history = 0\nmax_age_days = 0\n[auth]\nmin_factor_kinds = 1\n"
	    "[store]\nbusy_timeout_ms = 0\n", &c);
	assert_int_equal(c.threads, 1);
	assert_int_equal(c.workers, 256);
	assert_int_equal(c.pw_min_length, 6);
	assert_int_equal(c.pw_max_age_days, 0);
	assert_int_equal(c.min_factor_kinds, 1);
	assert_int_equal(c.store_busy_timeout_ms, 0);
	parse_ok("[session]\nidle_timeout_seconds = 600\n"
	    "absolute_lifetime_seconds = 600\n", &c);
	assert_int_equal(c.session_absolute_seconds, 600);

	/* layout: indentation, comments, CRLF, BOM, repeated section, "key: value" */
	parse_ok("\xEF\xBB\xBF; comment\r\n[server]\r\n  threads = 7 ; seven\r\n"
	    "\t# note\r\n[password]\r\nhistory = 2\r\n[server]\r\n"
	    "   workers: 9\r\n", &c);
	assert_int_equal(c.threads, 7);
	assert_int_equal(c.workers, 9);
	assert_int_equal(c.pw_history, 2);
	/* an indented line is a key of its own, not a continuation */
	parse_ok("[server]\nthreads = 3\n    workers = 4\n", &c);
	assert_int_equal(c.threads, 3);
	assert_int_equal(c.workers, 4);
	/* the last line may lack its newline */
	parse_ok("[server]\nqueue = 100000", &c);
	assert_int_equal(c.queue, 100000);
	parse_ok("[keys]\npepper_id = pepper-123456789\n", &c);
	assert_string_equal(c.pepper_id, "pepper-123456789");
}

static char *
sample_text(const struct tg_config *over)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(tg_config_write_sample(f, over), 0);
	fclose(f);
	return buf;
}

static void
check_lines_fit(const char *text)
{
	const char *p = text, *nl;

	for (; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		if (nl - p > 78)
			fail_msg("line longer than 78: %.*s", (int)(nl - p), p);
	}
}

static void
test_sample_defaults_roundtrip(void **state)
{
	static const char *keys[] = { "# listen = 127.0.0.1:8443\n",
	    "# threads = 2\n", "# private_key = tls/key.pem\n", "# file =\n",
	    "# level = info\n", "# require_symbol = true\n",
	    "# on_limit = refuse\n", "# bind_client_address = false\n",
	    "# checkpoint_seconds = 60\n", "# argon2_parallelism = 1\n",
	    "\n[audit]\n", "Integer: 1..64.", "NON-COMPLIANT with AUTH-01",
	    "Sensitive: never shown in messages." };
	struct tg_config a, b;
	char err[512], *text;
	size_t i;

	(void)state;
	text = sample_text(NULL);
	check_lines_fit(text);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strstr(text, keys[i]) == NULL)
			fail_msg("sample lacks \"%s\"", keys[i]);
	/* nothing uncommented but section headers */
	{
		const char *p = text;

		for (; *p != '\0'; p = strchr(p, '\n') + 1)
			assert_true(*p == '#' || *p == '[' || *p == '\n');
	}
	assert_int_equal(parse(text, &b, err, sizeof(err)), 0);
	parse_ok("", &a);
	assert_memory_equal(&a, &b, sizeof(a));
	free(text);
}

static void
test_sample_overrides_roundtrip(void **state)
{
	const char *same =
	    "[server]\nlisten = [::1]:9443\nthreads = 8\n"
	    "[store]\npath = data/tg.db\n"
	    "[keys]\npepper_id = pepper-2\n"
	    "[log]\nfile = /var/log/tg.log\nlevel = debug\n"
	    "[password]\nrequire_symbol = false\nargon2_memory_kib = 65536\n"
	    "[session]\non_limit = evict_oldest\nbind_client_address = true\n";
	struct tg_config over, a, b;
	char err[512], *text, *p;
	int uncommented = 0;

	(void)state;
	tg_config_defaults(&over);
	snprintf(over.listen, sizeof(over.listen), "[::1]:9443");
	over.threads = 8;
	snprintf(over.store_path, sizeof(over.store_path), "data/tg.db");
	snprintf(over.pepper_id, sizeof(over.pepper_id), "pepper-2");
	snprintf(over.log_file, sizeof(over.log_file), "/var/log/tg.log");
	over.log_level = TG_LOG_DEBUG;
	over.pw_require_symbol = 0;
	over.argon2_memory_kib = 65536;
	over.session_on_limit = TG_SESSION_LIMIT_EVICT_OLDEST;
	over.session_bind_address = 1;
	text = sample_text(&over);
	assert_non_null(strstr(text, "\n# threads = 2\nthreads = 8\n"));
	assert_non_null(strstr(text, "\npath = data/tg.db\n"));	/* as given */
	for (p = text; *p != '\0'; p = strchr(p, '\n') + 1)
		if (*p != '#' && *p != '[' && *p != '\n')
			uncommented++;
	assert_int_equal(uncommented, 10);
	assert_int_equal(parse(text, &b, err, sizeof(err)), 0);
	parse_ok(same, &a);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_string_equal(b.store_path + strlen(cwd), "/data/tg.db");
	assert_string_equal(b.log_file, "/var/log/tg.log");
	free(text);

	/* a value that does not fit on a line is refused, not written broken */
	memset(over.store_path, 'p', 300);
	over.store_path[300] = '\0';
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		assert_int_equal(tg_config_write_sample(f, &over), TG_ERR_INVALID);
		fclose(f);
		free(buf);
	}
}

static void
test_load_relative_paths(void **state)
{
	char *tmp = tgt_mkdtemp(), real[PATH_MAX], path[PATH_MAX + 64];
	char want[2 * PATH_MAX];
	struct tg_config c;
	char err[512];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/etc", tmp);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_non_null(realpath(path, real));
	snprintf(path, sizeof(path), "%s/etc/tradeguard.ini", tmp);
	assert_non_null(f = fopen(path, "w"));
	fputs("[store]\npath = db/tg.db\n[keys]\ndir = /srv/tg/keys\n"
	    "[log]\nfile = log/tg.log\n[tls]\ncertificate = ../pki/cert.pem\n", f);
	fclose(f);

	/* loaded through a relative name from another working directory */
	assert_int_equal(chdir(tmp), 0);
	assert_int_equal(tg_config_load("etc/tradeguard.ini", &c, err,
	    sizeof(err)), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(c.config_dir, real);
	snprintf(want, sizeof(want), "%s/db/tg.db", real);
	assert_string_equal(c.store_path, want);
	snprintf(want, sizeof(want), "%s/log/tg.log", real);
	assert_string_equal(c.log_file, want);
	snprintf(want, sizeof(want), "%s/../pki/cert.pem", real);
	assert_string_equal(c.tls_certificate, want);
	snprintf(want, sizeof(want), "%s/tls/key.pem", real);
	assert_string_equal(c.tls_private_key, want);
	assert_string_equal(c.keys_dir, "/srv/tg/keys");

	/* errors name the file as given */
	assert_non_null(f = fopen(path, "a"));
	fputs("[server]\nworkers = 0\n", f);
	fclose(f);
	assert_int_equal(tg_config_load(path, &c, err, sizeof(err)), TG_ERR_CONFIG);
	snprintf(want, sizeof(want), "%s:10: [server] workers = 0: below the "
	    "minimum 1", path);
	assert_string_equal(err, want);

	snprintf(path, sizeof(path), "%s/missing.ini", tmp);
	assert_int_equal(tg_config_load(path, &c, err, sizeof(err)), TG_ERR_IO);
	assert_non_null(strstr(err, path));
	assert_int_equal(tg_config_load(tmp, &c, err, sizeof(err)), TG_ERR_CONFIG);
	assert_non_null(strstr(err, tmp));
	tgt_rmtree(tmp);
	free(tmp);
}

static void
test_markdown(void **state)
{
	static const char *want[] = {
	    "## [server]\n", "## [audit]\n",
	    "| Key | Type | Default | Bounds | Sensitive | Description |\n",
	    "| `threads` | integer | `2` | 1..64 | no | ",
	    "| `private_key` | path | `tls/key.pem` |  | yes | ",
	    "| `dir` | path | `keys` |  | yes | ",
	    "| `file` | path | (empty) | may be empty | no | ",
	    "| `on_limit` | enum | `refuse` | refuse, evict_oldest | no | ",
	    "| `level` | log level | `info` | debug, info, warn, error | no | ",
	    "| `listen` | string | `127.0.0.1:8443` | HOST:PORT, port 1..65535; "
	    "IPv6 as [::1]:8443 | no | ",
	    "NON-COMPLIANT with AUTH-01",
	};
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(tg_config_write_markdown(f), 0);
	fclose(f);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(buf, want[i]) == NULL)
			fail_msg("markdown lacks \"%s\"", want[i]);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_file_resolves_paths),
		cmocka_unit_test(test_error_classes),
		cmocka_unit_test(test_error_line_twelve),
		cmocka_unit_test(test_raw_bytes),
		cmocka_unit_test(test_sensitive_never_shown),
		cmocka_unit_test(test_accepted_forms),
		cmocka_unit_test(test_sample_defaults_roundtrip),
		cmocka_unit_test(test_sample_overrides_roundtrip),
		cmocka_unit_test(test_load_relative_paths),
		cmocka_unit_test(test_markdown),
	};

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
