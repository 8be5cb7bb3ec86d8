/*
 * tradeguard audit verify|export|checkpoint (AUD-05).
 * The byte format and the export format are in docs/audit-format.md;
 * scripts/audit-verify-export.py checks an export independently.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <tradeguard/error.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "crypto/encode.h"
#include "service/audit.h"

static int audit_verify(struct cli_env *env, int argc, char **argv);
static int audit_export(struct cli_env *env, int argc, char **argv);
static int audit_checkpoint(struct cli_env *env, int argc, char **argv);

static const struct cli_cmd audit_cmds[] = {
	{ "verify", "",
	    "check every record's hash and link and every checkpoint's "
	    "signature", audit_verify },
	{ "export", "[--since TIME] [--until TIME] [--format jsonl]",
	    "print records and checkpoints as JSON lines (TIME: RFC 3339 or "
	    "ms since the epoch)", audit_export },
	{ "checkpoint", "",
	    "sign a checkpoint of the chain head now", audit_checkpoint },
};

int
cli_audit(struct cli_env *env, int argc, char **argv)
{
	return cli_dispatch(env, "audit", audit_cmds, CLI_NELEM(audit_cmds),
	    argc, argv);
}

static void
audit_usage(FILE *f, const char *name)
{
	size_t i;

	for (i = 0; i < CLI_NELEM(audit_cmds); i++)
		if (strcmp(audit_cmds[i].name, name) == 0)
			fprintf(f, "usage: tradeguard [--config FILE] audit %s%s%s\n"
			    "  %s\n", name, audit_cmds[i].synopsis[0] != '\0' ?
			    " " : "", audit_cmds[i].synopsis, audit_cmds[i].help);
}

/*
 * Options for the commands that take only --config (and --help).
 * Returns 0 to go on, -1 after --help, CLI_USAGE on a bad option.
 */
static int
audit_parse_plain(struct cli_env *env, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			env->config = optarg;
			break;
		case 'h':
			audit_usage(stdout, argv[0]);
			return -1;
		default:
			audit_usage(stderr, argv[0]);
			return CLI_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage_error("audit %s: unexpected argument \"%s\"",
		    argv[0], argv[optind]);
	return 0;
}

/* --- verify --- */

struct verify_progress {
	int shown;
};

static void
audit_progress(int64_t done, int64_t total, void *arg)
{
	struct verify_progress *p = arg;

	if (total > 0)
		fprintf(stderr, "\rverifying audit chain: %" PRId64 " / %" PRId64
		    " records (%d%%)", done, total,
		    (int)(done * 100 / (total > 0 ? total : 1)));
	else
		fprintf(stderr, "\rverifying audit chain: %" PRId64 " records",
		    done);
	p->shown = 1;
}

static int
audit_verify(struct cli_env *env, int argc, char **argv)
{
	struct tg_audit_verify_result res;
	struct verify_progress prog = { 0 };
	uint8_t pub[32];
	tg_ctx *ctx = NULL;
	tg_db *db;
	int r, rc;

	if ((rc = audit_parse_plain(env, argc, argv)) != 0)
		return rc < 0 ? CLI_OK : rc;
	rc = CLI_ERR;
	if (cli_open_ctx(env, &ctx) != 0)
		goto out;
	if ((r = tg_keys_public(ctx->keys, "audit", pub)) != 0) {
		cli_error("audit verify: no audit public key: %s",
		    tg_strerror(r));
		goto out;
	}
	if ((db = tg_store_db(ctx->store)) == NULL) {
		cli_error("audit verify: cannot open %s", ctx->cfg.store_path);
		goto out;
	}
	r = tg_audit_verify(db, pub, isatty(STDERR_FILENO) ? audit_progress :
	    NULL, &prog, &res);
	if (prog.shown)
		fprintf(stderr, "\r%72s\r", "");
	if (r == TG_ERR_TAMPERED) {
		printf("TAMPERED at record %" PRId64 ": %s\n", res.first_bad_seq,
		    res.reason);
		printf("(%" PRId64 " records and %" PRId64 " checkpoints before "
		    "it were intact)\n", res.records, res.checkpoints);
		goto out;
	}
	if (r != 0) {
		cli_error("audit verify: %s", tg_strerror(r));
		goto out;
	}
	printf("audit chain intact: %" PRId64 " records, %" PRId64
	    " checkpoints", res.records, res.checkpoints);
	if (res.last_checkpoint_seq < res.records)
		printf(" (records after seq %" PRId64 " not yet checkpointed)\n",
		    res.last_checkpoint_seq);
	else
		printf(" (all records checkpointed)\n");
	rc = CLI_OK;
out:
	tg_ctx_free(ctx);
	return rc;
}

/* --- export --- */

struct export_state {
	int64_t first_seq, last_seq, n;
	int err;
};

static json_t *
export_record_json(const struct tg_audit_rec *rec)
{
	char prev[65], hash[65], when[32];

	tg_hex_encode(rec->prev_hash, 32, prev);
	tg_hex_encode(rec->hash, 32, hash);
	tg_time_format(rec->ts, when, sizeof(when));
	return json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,"
	    "s:s}",
	    "seq", (json_int_t)rec->seq, "ts", (json_int_t)rec->ts,
	    "time", when, "type", rec->type, "actor", rec->actor,
	    "subject", rec->subject, "src", rec->src, "ua", rec->ua,
	    "request_id", rec->request_id, "result", rec->result,
	    "details", rec->details != NULL ? rec->details : "",
	    "prev_hash", prev, "hash", hash);
}

static int
export_line(json_t *j)
{
	char *s;
	int r = 0;

	if ((s = json_dumps(j, JSON_COMPACT)) == NULL)
		return TG_ERR_NOMEM;
	if (fputs(s, stdout) == EOF || putchar('\n') == EOF)
		r = TG_ERR_IO;
	free(s);
	return r;
}

static int
export_record(const struct tg_audit_rec *rec, void *arg)
{
	struct export_state *st = arg;
	json_t *j;

	if ((j = export_record_json(rec)) == NULL) {
		cli_error("audit export: record %" PRId64 " cannot be written as "
		    "JSON (a field is not valid UTF-8: the record was altered)",
		    rec->seq);
		st->err = TG_ERR_TAMPERED;
		return 1;
	}
	st->err = export_line(j);
	json_decref(j);
	if (st->err != 0)
		return 1;
	if (st->n++ == 0)
		st->first_seq = rec->seq;
	st->last_seq = rec->seq;
	return 0;
}

struct export_ckpt_state {
	struct export_state *recs;
	int filtered;
	int err;
};

static int
export_checkpoint(const struct tg_checkpoint_rec *c, void *arg)
{
	struct export_ckpt_state *cs = arg;
	char head[65], pub[65], sig[129];
	json_t *j;

	/* A filtered export carries the checkpoints of its own records. */
	if (cs->filtered && (cs->recs->n == 0 || c->seq < cs->recs->first_seq ||
	    c->seq > cs->recs->last_seq))
		return 0;
	tg_hex_encode(c->head_hash, 32, head);
	tg_hex_encode(c->pub, 32, pub);
	tg_hex_encode(c->sig, 64, sig);
	if ((j = json_pack("{s:b,s:I,s:I,s:s,s:s,s:s,s:s}", "checkpoint", 1,
	    "seq", (json_int_t)c->seq, "ts", (json_int_t)c->ts,
	    "head_hash", head, "key_id", c->key_id, "pub", pub, "sig", sig)) ==
	    NULL) {
		cs->err = TG_ERR_INVALID;
		return 1;
	}
	cs->err = export_line(j);
	json_decref(j);
	return cs->err != 0;
}

static int
audit_export(struct cli_env *env, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "format", required_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct export_state st;
	struct export_ckpt_state cs;
	int64_t since = 0, until = 0;
	tg_ctx *ctx = NULL;
	tg_db *db;
	int ch, r, rc = CLI_ERR;

	memset(&st, 0, sizeof(st));
	memset(&cs, 0, sizeof(cs));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (cli_parse_time(optarg, &since) != 0)
				return cli_usage_error("audit export: --since: "
				    "\"%s\" is neither RFC 3339 (2026-01-31T08:"
				    "00:00Z) nor milliseconds", optarg);
			break;
		case 'u':
			if (cli_parse_time(optarg, &until) != 0)
				return cli_usage_error("audit export: --until: "
				    "\"%s\" is neither RFC 3339 (2026-01-31T08:"
				    "00:00Z) nor milliseconds", optarg);
			break;
		case 'f':
			if (strcmp(optarg, "jsonl") != 0)
				return cli_usage_error("audit export: format "
				    "\"%s\" is not supported (only jsonl)",
				    optarg);
			break;
		case 'C':
			env->config = optarg;
			break;
		case 'h':
			audit_usage(stdout, "export");
			return CLI_OK;
		default:
			audit_usage(stderr, "export");
			return CLI_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage_error("audit export: unexpected argument \"%s\"",
		    argv[optind]);
	if (since != 0 && until != 0 && until < since)
		return cli_usage_error("audit export: --until is before --since");
	if (cli_open_ctx(env, &ctx) != 0)
		goto out;
	if ((db = tg_store_db(ctx->store)) == NULL) {
		cli_error("audit export: cannot open %s", ctx->cfg.store_path);
		goto out;
	}
	r = tg_db_audit_foreach(db, INT64_MIN, since, until, export_record, &st);
	if (st.err != 0)
		goto out;	/* already reported, or an I/O error below */
	if (r != 0) {
		cli_error("audit export: %s", tg_strerror(r));
		goto out;
	}
	cs.recs = &st;
	cs.filtered = since != 0 || until != 0;
	r = tg_db_checkpoint_foreach(db, export_checkpoint, &cs);
	if (cs.err != 0 || r != 0) {
		cli_error("audit export: checkpoints: %s",
		    tg_strerror(cs.err != 0 ? cs.err : r));
		goto out;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("audit export: write error on stdout");
		goto out;
	}
	rc = CLI_OK;
out:
	if (st.err == TG_ERR_IO)
		cli_error("audit export: write error on stdout");
	tg_ctx_free(ctx);
	return rc;
}

/* --- checkpoint --- */

/* The last checkpoint's seq, 0 if none. */
static int
audit_last_ckpt(tg_db *db, int64_t *seq)
{
	struct tg_checkpoint_rec c;
	int r;

	*seq = 0;
	memset(&c, 0, sizeof(c));
	if ((r = tg_db_checkpoint_last(db, &c)) == TG_ERR_NOT_FOUND)
		return 0;
	if (r == 0)
		*seq = c.seq;
	return r;
}

static int
audit_checkpoint(struct cli_env *env, int argc, char **argv)
{
	int64_t before = 0, after = 0;
	tg_ctx *ctx = NULL;
	tg_db *db;
	int r, rc;

	if ((rc = audit_parse_plain(env, argc, argv)) != 0)
		return rc < 0 ? CLI_OK : rc;
	rc = CLI_ERR;
	if (cli_open_ctx(env, &ctx) != 0)
		goto out;
	if ((db = tg_store_db(ctx->store)) == NULL) {
		cli_error("audit checkpoint: cannot open %s",
		    ctx->cfg.store_path);
		goto out;
	}
	if ((r = audit_last_ckpt(db, &before)) != 0 ||
	    (r = tg_audit_checkpoint(ctx, db)) != 0 ||
	    (r = audit_last_ckpt(db, &after)) != 0) {
		cli_error("audit checkpoint: %s", tg_strerror(r));
		goto out;
	}
	if (after > before)
		printf("checkpoint signed at seq %" PRId64 "\n", after);
	else if (after == 0)
		printf("the audit trail is empty: nothing to checkpoint\n");
	else
		printf("no new records since the last checkpoint (seq %" PRId64
		    ")\n", after);
	rc = CLI_OK;
out:
	tg_ctx_free(ctx);
	return rc;
}
