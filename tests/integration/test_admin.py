"""Account management through the admin API and the CLI (ACC-02), with the
personal-data audit trail (AUD-01)."""

import json

import pytest

from conftest import assert_problem, strong_password, unique_login

UNAUTHORIZED = (401, "TG-AUTH-002")
LOGIN_FAILED = (401, "TG-AUTH-001")
BAD_REQUEST = (400, "TG-REQ-001")
NOT_FOUND = (404, "TG-REQ-002")
CONFLICT = (409, "TG-REQ-006")
POLICY = (422, "TG-PWD-001")

CUSTOMERS = "/v1/admin/customers"


def new_customer_body(login=None, password=None):
    login = login or unique_login()
    return {"login": login, "email": f"{login}@example.com", "phone": "0987654321",
            "password": password or strong_password()}


def audit_records(tg):
    r = tg.cli("audit", "export", "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    recs = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    return [x for x in recs if not x.get("checkpoint")]


def records_for(tg, login, type_=None):
    return [x for x in audit_records(tg) if x["subject"] == f"customer:{login}"
            and (type_ is None or x["type"] == type_)]


# --- authorisation


@pytest.mark.parametrize("method,path", [
    ("POST", CUSTOMERS),
    ("GET", CUSTOMERS + "/demo?purpose=x"),
    ("DELETE", CUSTOMERS + "/demo"),
    ("POST", CUSTOMERS + "/demo/disable"),
    ("POST", CUSTOMERS + "/demo/enable"),
    ("POST", CUSTOMERS + "/demo/unlock"),
])
def test_admin_api_needs_admin_token(tg, method, path):
    """ACC-02, ACC-05: no token or a wrong one is 401 TG-AUTH-002 on every admin route."""
    body = {"reason": "test", **new_customer_body()}
    r = tg.request(method, path, json=body)
    assert_problem(r, *UNAUTHORIZED)
    assert "WWW-Authenticate" in r.headers
    wrong = tg.admin_token[:-1] + ("0" if tg.admin_token[-1] != "0" else "1")
    for token in (wrong, tg.admin_token[:-2], tg.admin_token + "00", "x"):
        r = tg.request(method, path, json=body, token=token)
        assert_problem(r, *UNAUTHORIZED)


def test_customer_session_token_is_not_an_admin_token(tg):
    """ACC-03: a customer's session token does not open the admin API."""
    login, pw = tg.add_customer()
    token = tg.login_ok(login, pw)["session_token"]
    assert_problem(tg.get(f"{CUSTOMERS}/{login}?purpose=x", token=token), *UNAUTHORIZED)


# --- create


def test_create_customer(tg):
    """ACC-02: POST /v1/admin/customers creates an active customer (201) who can log in."""
    body = new_customer_body()
    r = tg.post(CUSTOMERS, admin=True, json=body)
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["login"] == body["login"]
    assert c["email"] == body["email"]
    assert c["phone"] == body["phone"]
    assert c["status"] == "active"
    assert c["locked"] is False
    assert "password" not in c and "pw_hash" not in json.dumps(c)
    assert body["password"] not in r.text
    tg.login_ok(body["login"], body["password"])
    created = records_for(tg, body["login"], "customer.created")
    assert len(created) == 1 and created[0]["actor"] == "admin-token"
    assert body["password"] not in json.dumps(created)


def test_create_duplicate_is_conflict(tg):
    """ACC-02: a login that exists already is 409 TG-REQ-006."""
    body = new_customer_body()
    assert tg.post(CUSTOMERS, admin=True, json=body).status_code == 201
    again = dict(body, email="other@example.com", password=strong_password())
    assert_problem(tg.post(CUSTOMERS, admin=True, json=again), *CONFLICT)
    # The first customer's password is unchanged.
    tg.login_ok(body["login"], body["password"])


@pytest.mark.parametrize("pw", ["short1!", "abcdefghijkl", "Password123!"])
def test_create_with_weak_password_is_422(tg, pw):
    """AUTH-10, ACC-02: the password rules apply at creation (422 TG-PWD-001)."""
    body = new_customer_body(password=pw)
    assert_problem(tg.post(CUSTOMERS, admin=True, json=body), *POLICY)
    assert_problem(tg.login(body["login"], pw), *LOGIN_FAILED)


@pytest.mark.parametrize("field,value", [
    ("login", "a"), ("login", "bad login"), ("email", "not-an-email"),
    ("phone", "12ab"), ("login", None), ("email", None),
])
def test_create_with_invalid_fields_is_400(tg, field, value):
    """ACC-02: malformed or missing fields are 400 TG-REQ-001."""
    body = new_customer_body()
    if value is None:
        del body[field]
    else:
        body[field] = value
    assert_problem(tg.post(CUSTOMERS, admin=True, json=body), *BAD_REQUEST)


# --- read (personal data)


def test_get_customer_requires_purpose(tg):
    """AUD-01: reading a customer's personal data needs ?purpose= (400 without)."""
    login, _ = tg.add_customer()
    assert_problem(tg.get(f"{CUSTOMERS}/{login}", admin=True), *BAD_REQUEST)
    assert_problem(tg.get(f"{CUSTOMERS}/{login}?purpose=", admin=True), *BAD_REQUEST)
    assert records_for(tg, login, "personal_data.read") == []


def test_get_customer_is_audited_as_personal_data_read(tg):
    """AUD-01: a read returns the record and leaves a personal_data.read audit
    record with the actor, the function and the purpose."""
    login, _ = tg.add_customer()
    r = tg.get(f"{CUSTOMERS}/{login}", admin=True,
               params={"purpose": "complaint 4711 follow-up"})
    assert r.status_code == 200, r.text
    assert r.json()["login"] == login
    assert r.json()["email"] == f"{login}@example.com"
    reads = records_for(tg, login, "personal_data.read")
    assert len(reads) == 1, reads
    rec = reads[0]
    assert rec["actor"] == "admin-token"
    assert rec["result"] == "ok"
    assert rec["request_id"] == r.headers["X-Request-ID"]
    details = json.loads(rec["details"])
    assert details["purpose"] == "complaint 4711 follow-up"
    assert details["function"] == "customer.show"
    assert details["system"] == "tradeguard"
    assert details["query"] == login
    assert rec["time"] and rec["src"] == "127.0.0.1"


def test_get_unknown_customer_is_404_and_audited(tg):
    """AUD-01: looking up a login that does not exist is 404 and still recorded."""
    login = unique_login("missing")
    assert_problem(tg.get(f"{CUSTOMERS}/{login}?purpose=check", admin=True), *NOT_FOUND)
    reads = records_for(tg, login, "personal_data.read")
    assert [x["result"] for x in reads] == ["not_found"]


# --- disable, enable, delete


def test_disable_blocks_login_and_revokes_sessions(tg):
    """ACC-02: disabling refuses logins and ends existing sessions; enabling restores login."""
    login, pw = tg.add_customer()
    token = tg.login_ok(login, pw)["session_token"]
    r = tg.post(f"{CUSTOMERS}/{login}/disable", admin=True,
                json={"reason": "account review"})
    assert r.status_code == 200, r.text
    assert r.json() == {"login": login, "status": "disabled"}
    assert_problem(tg.session(token), *UNAUTHORIZED)
    assert_problem(tg.login(login, pw), *LOGIN_FAILED)
    got = tg.get(f"{CUSTOMERS}/{login}?purpose=review", admin=True).json()
    assert got["status"] == "disabled"

    r = tg.post(f"{CUSTOMERS}/{login}/enable", admin=True)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "enabled"
    new = tg.login_ok(login, pw)["session_token"]
    assert tg.session(new).status_code == 200
    # The revoked session does not come back with the enable.
    assert_problem(tg.session(token), *UNAUTHORIZED)
    types = [x["type"] for x in records_for(tg, login)]
    assert "customer.disabled" in types and "customer.enabled" in types


def test_disabled_login_looks_like_wrong_password(tg):
    """AUTH-10: a disabled account fails exactly like a wrong password."""
    login, pw = tg.add_customer()
    tg.post(f"{CUSTOMERS}/{login}/disable", admin=True)
    a = tg.login(login, pw).json()
    b = tg.login(unique_login("nobody"), pw).json()
    a.pop("request_id")
    b.pop("request_id")
    assert a == b


def test_delete_requires_reason(tg):
    """ACC-02, AUD-01: DELETE without a reason is 400; with one it is 204 and
    the customer is gone."""
    login, pw = tg.add_customer()
    token = tg.login_ok(login, pw)["session_token"]
    path = f"{CUSTOMERS}/{login}"
    assert_problem(tg.delete(path, admin=True, json={}), *BAD_REQUEST)
    assert_problem(tg.delete(path, admin=True, json={"reason": ""}), *BAD_REQUEST)
    tg.login_ok(login, pw)
    r = tg.delete(path, admin=True, json={"reason": "customer closed the account"})
    assert r.status_code == 204, r.text
    assert_problem(tg.session(token), *UNAUTHORIZED)
    assert_problem(tg.login(login, pw), *LOGIN_FAILED)
    assert_problem(tg.get(f"{path}?purpose=check", admin=True), *NOT_FOUND)
    assert_problem(tg.delete(path, admin=True, json={"reason": "again"}), *NOT_FOUND)
    deleted = records_for(tg, login, "customer.deleted")
    assert len(deleted) == 1
    assert json.loads(deleted[0]["details"])["reason"] == "customer closed the account"


def test_delete_removes_secrets_keeps_evidence(tg):
    """ACC-02, AUD-07, DATA-05: deleting a customer removes the password
    history and sessions but keeps notifications and audit records; a new
    customer with the same login gets nothing of the old one."""
    login, pw = tg.add_customer()
    token = tg.login_ok(login, pw)["session_token"]
    p2 = strong_password()
    assert tg.post("/v1/account/password", token=token,
                   json={"current_password": pw, "new_password": p2}).status_code == 200
    old_id = tg.sql_rows("SELECT id FROM customer WHERE login = ?", (login,))[0][0]
    assert tg.sql_rows("SELECT count(*) FROM password_history WHERE customer_id = ?",
                       (old_id,))[0][0] >= 1
    outbox = tg.sql_rows("SELECT count(*) FROM outbox WHERE customer_id = ?", (old_id,))[0][0]
    assert outbox >= 1
    r = tg.delete(f"{CUSTOMERS}/{login}", admin=True, json={"reason": "closed"})
    assert r.status_code == 204
    for table in ("password_history", "session"):
        n = tg.sql_rows(f"SELECT count(*) FROM {table} WHERE customer_id = ?", (old_id,))
        assert n[0][0] == 0, table
    assert tg.sql_rows("SELECT count(*) FROM outbox WHERE customer_id = ?",
                       (old_id,))[0][0] == outbox
    assert len(records_for(tg, login, "login.success")) == 1

    # Same login again: a new account, the old session and password stay dead.
    again = new_customer_body(login=login)
    assert tg.post(CUSTOMERS, admin=True, json=again).status_code == 201
    new_id = tg.sql_rows("SELECT id FROM customer WHERE login = ?", (login,))[0][0]
    assert new_id != old_id
    assert_problem(tg.session(token), *UNAUTHORIZED)
    assert_problem(tg.login(login, p2), *LOGIN_FAILED)
    tg.login_ok(login, again["password"])


def test_purpose_must_be_reasonable(tg):
    """AUD-01: an overlong purpose is refused (400), nothing is read."""
    login, _ = tg.add_customer()
    r = tg.get(f"{CUSTOMERS}/{login}", admin=True, params={"purpose": "x" * 5000})
    assert_problem(r, *BAD_REQUEST)
    assert "email" not in r.text
    assert records_for(tg, login, "personal_data.read") == []


def test_operations_on_unknown_customer_are_404(tg):
    """ACC-02: disable/enable/unlock of a login that does not exist is 404."""
    login = unique_login("missing")
    for op in ("disable", "enable", "unlock"):
        r = tg.post(f"{CUSTOMERS}/{login}/{op}", admin=True, json={"reason": "x"})
        assert_problem(r, *NOT_FOUND)


# --- the CLI


def cli_add(tg, login, pw):
    return tg.cli("customer", "add", "--login", login, "--email", f"{login}@example.com",
                  "--phone", "0912000111", input=pw + "\n")


def test_cli_customer_lifecycle(tg):
    """ACC-02, AUD-01: tradeguard customer add/show/disable/enable/unlock/delete
    act on the store the daemon serves, and are audited with a cli: actor."""
    login, pw = unique_login("cli"), strong_password()
    r = cli_add(tg, login, pw)
    assert r.returncode == 0, r.stderr
    assert pw not in r.stdout + r.stderr
    tg.login_ok(login, pw)

    r = tg.cli("customer", "show", login, "--purpose", "phone verification")
    assert r.returncode == 0, r.stderr
    shown = json.loads(r.stdout)
    assert shown["login"] == login and shown["status"] == "active"
    reads = records_for(tg, login, "personal_data.read")
    assert len(reads) == 1 and reads[0]["actor"].startswith("cli:")
    assert json.loads(reads[0]["details"])["purpose"] == "phone verification"

    r = tg.cli("customer", "disable", login, "--reason", "review")
    assert r.returncode == 0, r.stderr
    assert_problem(tg.login(login, pw), *LOGIN_FAILED)
    r = tg.cli("customer", "enable", login)
    assert r.returncode == 0, r.stderr
    tg.login_ok(login, pw)

    for _ in range(3):
        tg.login(login, pw + "x")
    assert_problem(tg.login(login, pw), *LOGIN_FAILED)
    r = tg.cli("customer", "unlock", login)
    assert r.returncode != 0
    assert "reason" in r.stderr
    assert_problem(tg.login(login, pw), *LOGIN_FAILED)
    r = tg.cli("customer", "unlock", login, "--reason", "verified by phone")
    assert r.returncode == 0, r.stderr
    tg.login_ok(login, pw)

    r = tg.cli("customer", "delete", login)
    assert r.returncode != 0
    assert "reason" in r.stderr
    tg.login_ok(login, pw)
    r = tg.cli("customer", "delete", login, "--reason", "")
    assert r.returncode != 0
    r = tg.cli("customer", "delete", login, "--reason", "closed")
    assert r.returncode == 0, r.stderr
    assert_problem(tg.login(login, pw), *LOGIN_FAILED)
    r = tg.cli("customer", "show", login, "--purpose", "check")
    assert r.returncode != 0

    types = [x["type"] for x in records_for(tg, login)]
    for t in ("customer.created", "customer.disabled", "customer.enabled",
              "customer.unlocked", "customer.deleted"):
        assert t in types, types


def test_cli_add_rejects_bad_input(tg):
    """ACC-02, AUTH-10: the CLI applies the same rules: weak password, duplicate
    login, no password on stdin all exit non-zero."""
    login = unique_login("cli")
    r = cli_add(tg, login, "weak")
    assert r.returncode != 0 and "too_short" in r.stderr
    r = cli_add(tg, login, "")
    assert r.returncode != 0
    pw = strong_password()
    assert cli_add(tg, login, pw).returncode == 0
    r = cli_add(tg, login, strong_password())
    assert r.returncode != 0
    tg.login_ok(login, pw)
    r = tg.cli("customer", "add", "--login", unique_login("cli"), input=pw + "\n")
    assert r.returncode != 0


def test_cli_show_of_unknown_customer_fails(tg):
    """ACC-02: show/disable of an unknown login exit non-zero with a message."""
    login = unique_login("missing")
    for args in (["show", login], ["disable", login], ["enable", login],
                 ["unlock", login, "--reason", "x"], ["delete", login, "--reason", "x"]):
        r = tg.cli("customer", *args)
        assert r.returncode != 0, args
        assert login in r.stderr, (args, r.stderr)
