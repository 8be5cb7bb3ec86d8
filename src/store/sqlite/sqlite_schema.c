/*
 * Schema migrations.  migrations[i] takes the schema from version i to
 * i + 1; a new version appends a step, never edits an old one.  Each step
 * and the schema_version row that records it commit together.
 *
 * A step that rebuilds a table must not rely on ON DELETE CASCADE firing:
 * foreign keys stay on during migrations.
 */
#include "store/sqlite/sqlite_int.h"

#include <tradeguard/error.h>

#include "core/log.h"

static const char *const migrations[] = {
	/* 1: initial schema */
	"CREATE TABLE customer ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"	/* ids are never reused */
	"  login TEXT NOT NULL UNIQUE CHECK (login <> ''),"
	"  email TEXT NOT NULL DEFAULT '',"
	"  phone TEXT NOT NULL DEFAULT '',"
	"  locale TEXT NOT NULL DEFAULT '',"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  locked INTEGER NOT NULL DEFAULT 0,"
	"  locked_at INTEGER NOT NULL DEFAULT 0,"
	"  fail_count INTEGER NOT NULL DEFAULT 0,"
	"  pw_hash TEXT NOT NULL DEFAULT '',"
	"  pw_changed_at INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL"
	");"
	"CREATE TABLE password_history ("
	"  id INTEGER PRIMARY KEY,"
	"  customer_id INTEGER NOT NULL"
	"    REFERENCES customer(id) ON DELETE CASCADE,"
	"  pw_hash TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE INDEX password_history_customer"
	"  ON password_history(customer_id, created_at);"
	"CREATE TABLE session ("
	"  id_hash BLOB PRIMARY KEY CHECK (length(id_hash) = 32),"
	"  customer_id INTEGER NOT NULL"
	"    REFERENCES customer(id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL,"
	"  last_seen_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  auth_time INTEGER NOT NULL,"
	"  kinds INTEGER NOT NULL DEFAULT 0,"
	"  pw_change_recommended INTEGER NOT NULL DEFAULT 0,"
	"  client_addr TEXT NOT NULL DEFAULT '',"
	"  user_agent TEXT NOT NULL DEFAULT ''"
	") WITHOUT ROWID;"
	"CREATE INDEX session_customer ON session(customer_id, created_at);"
	"CREATE INDEX session_expires ON session(expires_at);"
	"CREATE TABLE login_flow ("
	"  id_hash BLOB PRIMARY KEY CHECK (length(id_hash) = 32),"
	"  customer_id INTEGER NOT NULL"
	"    REFERENCES customer(id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  kinds INTEGER NOT NULL DEFAULT 0,"
	"  client_addr TEXT NOT NULL DEFAULT ''"
	") WITHOUT ROWID;"
	"CREATE INDEX login_flow_customer ON login_flow(customer_id);"
	"CREATE INDEX login_flow_expires ON login_flow(expires_at);"
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY CHECK (seq > 0),"
	"  ts INTEGER NOT NULL,"
	"  type TEXT NOT NULL,"
	"  actor TEXT NOT NULL DEFAULT '',"
	"  subject TEXT NOT NULL DEFAULT '',"
	"  src TEXT NOT NULL DEFAULT '',"
	"  ua TEXT NOT NULL DEFAULT '',"
	"  request_id TEXT NOT NULL DEFAULT '',"
	"  result TEXT NOT NULL DEFAULT '',"
	"  details TEXT NOT NULL DEFAULT '',"
	"  prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),"
	"  hash BLOB NOT NULL CHECK (length(hash) = 32)"
	");"
	"CREATE INDEX audit_ts ON audit(ts);"
	"CREATE TABLE audit_checkpoint ("
	"  seq INTEGER PRIMARY KEY,"
	"  ts INTEGER NOT NULL,"
	"  head_hash BLOB NOT NULL CHECK (length(head_hash) = 32),"
	"  key_id TEXT NOT NULL,"
	"  pub BLOB NOT NULL CHECK (length(pub) = 32),"
	"  sig BLOB NOT NULL CHECK (length(sig) = 64)"
	");"
	/* No foreign key: notifications are evidence and outlive the customer. */
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  customer_id INTEGER NOT NULL,"
	"  event TEXT NOT NULL,"
	"  channel TEXT NOT NULL DEFAULT 'owner',"
	"  payload TEXT NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'pending',"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  next_attempt_at INTEGER NOT NULL"
	");"
	"CREATE INDEX outbox_customer ON outbox(customer_id, event);"
	"CREATE INDEX outbox_due ON outbox(status, next_attempt_at);",

	/* 2: second factors, one-time codes, challenges, step-up, delivery records */
	"CREATE TABLE factor ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  customer_id INTEGER NOT NULL"
	"    REFERENCES customer(id) ON DELETE CASCADE,"
	"  type TEXT NOT NULL CHECK (type IN ('totp', 'device', 'webauthn')),"
	"  name TEXT NOT NULL DEFAULT '',"
	"  active INTEGER NOT NULL DEFAULT 0,"	/* 0 until enrolment is confirmed */
	"  secret BLOB,"			/* TOTP: sealed with a data key */
	"  public_key BLOB,"			/* device: SPKI DER; webauthn: COSE key */
	"  alg INTEGER NOT NULL DEFAULT 0,"	/* COSE algorithm identifier */
	"  credential_id BLOB UNIQUE,"		/* webauthn */
	"  sign_count INTEGER NOT NULL DEFAULT 0,"
	"  last_step INTEGER NOT NULL DEFAULT 0,"	/* TOTP: last accepted step */
	"  uv INTEGER NOT NULL DEFAULT 0,"	/* webauthn: user verification at registration */
	"  created_at INTEGER NOT NULL,"
	"  last_used_at INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX factor_customer ON factor(customer_id, type);"
	"CREATE TABLE otp_code ("
	"  id INTEGER PRIMARY KEY,"
	"  customer_id INTEGER NOT NULL"
	"    REFERENCES customer(id) ON DELETE CASCADE,"
	"  binding BLOB NOT NULL,"		/* the flow or session it was sent for */
	"  channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),"
	"  code_hash BLOB NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  used INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX otp_code_binding ON otp_code(binding, channel);"
	"CREATE TABLE recovery_code ("
	"  id INTEGER PRIMARY KEY,"
	"  customer_id INTEGER NOT NULL"
	"    REFERENCES customer(id) ON DELETE CASCADE,"
	"  code_hash BLOB NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  used_at INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX recovery_code_customer ON recovery_code(customer_id);"
	"CREATE TABLE challenge ("
	"  id INTEGER PRIMARY KEY,"
	"  customer_id INTEGER NOT NULL"
	"    REFERENCES customer(id) ON DELETE CASCADE,"
	"  binding BLOB NOT NULL,"		/* the flow or session it belongs to */
	"  purpose TEXT NOT NULL,"
	"  challenge BLOB NOT NULL,"
	"  factor_id INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL"
	");"
	"CREATE INDEX challenge_binding ON challenge(binding, purpose);"
	"ALTER TABLE login_flow ADD COLUMN purpose TEXT NOT NULL DEFAULT 'login';"
	"ALTER TABLE login_flow ADD COLUMN factors TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE login_flow ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE session ADD COLUMN factors TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE session ADD COLUMN stepup_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE session ADD COLUMN stepup_kinds INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE session ADD COLUMN stepup_factors TEXT NOT NULL DEFAULT '';"
	/* One row per (notification, channel); every attempt is kept (AUD-07). */
	"CREATE TABLE delivery ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  outbox_id INTEGER NOT NULL REFERENCES outbox(id),"
	"  channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),"
	"  recipient TEXT NOT NULL DEFAULT '',"	/* masked */
	"  status TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (status IN ('pending', 'sent', 'failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL,"
	"  delivered_at INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT NOT NULL DEFAULT '',"
	"  UNIQUE (outbox_id, channel)"
	");"
	"CREATE INDEX delivery_due ON delivery(status, next_attempt_at);"
	"CREATE TABLE delivery_attempt ("
	"  id INTEGER PRIMARY KEY,"
	"  delivery_id INTEGER NOT NULL REFERENCES delivery(id),"
	"  at INTEGER NOT NULL,"
	"  ok INTEGER NOT NULL,"
	"  detail TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE INDEX delivery_attempt_delivery ON delivery_attempt(delivery_id);",

	/* 3: a separate failure counter for self-service unlock and reset */
	"ALTER TABLE customer ADD COLUMN"
	"  selfservice_fail_count INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX otp_code_customer ON otp_code(customer_id, created_at);"
	"CREATE INDEX challenge_customer ON challenge(customer_id);",

	/* 4: account classes with their own factor minimum (AUTH-01) */
	"ALTER TABLE customer ADD COLUMN"
	"  account_class TEXT NOT NULL DEFAULT 'retail';",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

static const char SQL_VERSION_TABLE[] =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "  version INTEGER PRIMARY KEY,"
    "  applied_at INTEGER NOT NULL)";
static const char SQL_VERSION_GET[] =
    "SELECT coalesce(max(version), 0) FROM schema_version";
static const char SQL_VERSION_ADD[] =
    "INSERT INTO schema_version(version, applied_at)"
    " VALUES (?1, CAST(strftime('%s', 'now') AS INTEGER) * 1000)";

int
tg_sq_schema_latest(void)
{
	return N_MIGRATIONS;
}

static int
version_get(tg_db *db, int *version)
{
	sqlite3_stmt *s = NULL;
	int r;

	*version = 0;
	if ((r = tg_sq_prepare(db, SQL_VERSION_GET, &s)) != 0 ||
	    (r = tg_sq_step_row(db, s, "schema version")) != 0)
		goto out;
	*version = sqlite3_column_int(s, 0);
out:
	tg_sq_release(s);
	return r;
}

static int
version_add(tg_db *db, int version)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = tg_sq_prepare(db, SQL_VERSION_ADD, &s)) != 0 ||
	    (r = tg_sq_bind_i64(db, s, 1, version)) != 0 ||
	    (r = tg_sq_step_done(db, s, "schema version")) != 0)
		goto out;
out:
	tg_sq_release(s);
	return r;
}

int
tg_sq_migrate(tg_db *db)
{
	int r, rc, v, from;

	/* BEGIN IMMEDIATE: concurrent openers wait for each other. */
	if ((r = tg_db_begin(db)) != 0)
		return r;
	if ((r = tg_sq_exec(db, SQL_VERSION_TABLE, "schema version")) != 0 ||
	    (r = version_get(db, &from)) != 0)
		goto out;
	if (from > N_MIGRATIONS) {
		tg_log(TG_LOG_ERROR, "store.migrate", NULL,
		    "database schema version %d is newer than this build (%d)",
		    from, N_MIGRATIONS);
		r = TG_ERR_STORE;
		goto out;
	}
	for (v = from; v < N_MIGRATIONS; v++) {
		/* Static SQL text with several statements, no parameters. */
		if ((rc = sqlite3_exec(db->h, migrations[v], NULL, NULL,
		    NULL)) != SQLITE_OK) {
			r = tg_sq_error(db, rc, "migrate");
			goto out;
		}
		if ((r = version_add(db, v + 1)) != 0)
			goto out;
	}
	if ((r = tg_db_commit(db)) != 0)
		goto out;
	if (from != N_MIGRATIONS)
		tg_log(TG_LOG_INFO, "store.migrate", NULL,
		    "schema migrated from version %d to %d", from, N_MIGRATIONS);
out:
	if (r != 0)
		tg_db_rollback(db);
	return r;
}

int
tg_store_schema_version(tg_db *db, int *version)
{
	*version = 0;
	if (db == NULL)
		return TG_ERR_INVALID;
	return version_get(db, version);
}
