"""Login, lockout and the factor rule (AUTH-01, AUTH-10, AUTH-12, AUTH-13)."""

import json
import threading

import pytest

from conftest import assert_problem, problem, strong_password, unique_login

LOGIN_FAILED = (401, "TG-AUTH-001")
UNAUTHORIZED = (401, "TG-AUTH-002")
BAD_REQUEST = (400, "TG-REQ-001")

# The concurrent lockout test fires this many logins at once; the pool
# queue is sized so that none of them is refused as busy.
PARALLEL = 20


@pytest.fixture(scope="module")
def tg(daemon_factory):
    return daemon_factory({("server", "queue"): "64"}, demo=True)


def wrong(pw):
    return pw + "x"


def without_request_id(resp):
    body = problem(resp)
    body.pop("request_id")
    return body


def locked_in_db(tg, login):
    return tg.sql_rows("SELECT locked FROM customer WHERE login = ?", (login,))[0][0]


def test_demo_login_returns_session_token(tg):
    """AUTH-10: the demo customer of `init --demo` logs in with its password."""
    demo = (tg.dir / "demo-login.json").read_text()
    r = tg.post("/v1/auth/login", data=demo,
                headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "authenticated"
    assert isinstance(body["session_token"], str) and len(body["session_token"]) >= 32
    assert body["login"] == "demo"
    assert body["factor_kinds"] == ["knowledge"]
    assert body["password_change_recommended"] is False


def test_session_shows_login_factor_kinds_and_times(tg):
    """AUTH-01, ACC-01: GET /v1/session describes the authenticated session."""
    login, pw = tg.add_customer()
    token = tg.login_ok(login, pw)["session_token"]
    r = tg.session(token)
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["account"]["login"] == login
    assert s["factor_kinds"] == ["knowledge"]
    for field in ("auth_time", "expires_at", "idle_expires_at"):
        assert isinstance(s[field], str) and s[field].endswith("Z"), s
    assert s["auth_time"] < s["expires_at"]


def test_login_without_token_or_with_garbage_token_is_unauthorized(tg):
    """ACC-01: /v1/session needs a valid session token."""
    assert_problem(tg.get("/v1/session"), *UNAUTHORIZED)
    assert_problem(tg.session("not-a-token"), *UNAUTHORIZED)


def test_lockout_after_exactly_three_wrong_passwords(tg):
    """AUTH-10: two failures then the right password work and reset the count;
    the third consecutive failure locks, after which the right password fails."""
    login, pw = tg.add_customer()
    for _ in range(2):
        assert_problem(tg.login(login, wrong(pw)), *LOGIN_FAILED)
    tg.login_ok(login, pw)
    # The counter was reset: two more failures still do not lock.
    for _ in range(2):
        assert_problem(tg.login(login, wrong(pw)), *LOGIN_FAILED)
    tg.login_ok(login, pw)
    for _ in range(3):
        assert_problem(tg.login(login, wrong(pw)), *LOGIN_FAILED)
    assert_problem(tg.login(login, pw), *LOGIN_FAILED)
    assert locked_in_db(tg, login) == 1


def test_lock_revokes_existing_sessions(tg):
    """AUTH-10, ACC-01: locking the account ends its live sessions."""
    login, pw = tg.add_customer()
    token = tg.login_ok(login, pw)["session_token"]
    assert tg.session(token).status_code == 200
    for _ in range(3):
        assert_problem(tg.login(login, wrong(pw)), *LOGIN_FAILED)
    assert_problem(tg.session(token), *UNAUTHORIZED)


def test_unknown_wrong_and_locked_are_indistinguishable(tg):
    """AUTH-10, AUTH-13: unknown login, wrong password and locked account give
    the same status and the same body apart from request_id."""
    login, pw = tg.add_customer()
    unknown = tg.login(unique_login("nobody"), pw)
    bad_pw = tg.login(login, wrong(pw))
    tg.login(login, wrong(pw))
    tg.login(login, wrong(pw))
    locked = tg.login(login, pw)
    assert locked_in_db(tg, login) == 1
    bodies = [without_request_id(r) for r in (unknown, bad_pw, locked)]
    assert {r.status_code for r in (unknown, bad_pw, locked)} == {401}
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[0]["code"] == "TG-AUTH-001"
    ids = {r.json()["request_id"] for r in (unknown, bad_pw, locked)}
    assert len(ids) == 3
    for r in (unknown, bad_pw, locked):
        assert "Set-Cookie" not in r.headers


def test_lock_queues_owner_notification(tg):
    """AUTH-10, AUTH-15, AUD-07: the lock creates one outbox row for the owner."""
    login, pw = tg.add_customer()
    q = ("SELECT count(*) FROM outbox WHERE event='account.locked' AND customer_id="
         f"(SELECT id FROM customer WHERE login='{login}')")
    assert tg.sql(q) == "0"
    for _ in range(3):
        tg.login(login, wrong(pw))
    assert tg.sql(q) == "1"
    # Further attempts on the locked account do not queue more.
    tg.login(login, wrong(pw))
    tg.login(login, pw)
    assert tg.sql(q) == "1"


def test_concurrent_wrong_passwords_verify_at_most_threshold(tg):
    """AUTH-10, AUTH-13: 20 parallel wrong-password logins against one account
    all fail, lock it, and run at most 3 real password verifications."""
    login, pw = tg.add_customer()
    before = tg.metrics()
    verify_key = "tradeguard_password_verify_total"
    assert verify_key in before, sorted(before)
    barrier = threading.Barrier(PARALLEL)
    results = [None] * PARALLEL

    def attempt(i):
        barrier.wait()
        try:
            results[i] = tg.login(login, wrong(pw))
        except Exception as e:          # reported below
            results[i] = e

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = [getattr(r, "status_code", repr(r)) for r in results]
    assert statuses == [401] * PARALLEL, statuses
    for r in results:
        assert r.json()["code"] == "TG-AUTH-001"
    assert locked_in_db(tg, login) == 1
    after = tg.metrics()
    verified = after[verify_key] - before[verify_key]
    assert 1 <= verified <= 3, f"{verified} real verifications for {PARALLEL} attempts"
    assert_problem(tg.login(login, pw), *LOGIN_FAILED)


def test_failures_are_audited_and_counted(tg):
    """AUTH-12: failures (unknown account included) show in the metrics and
    in the audit trail with the attempted name."""
    before = tg.metrics()
    name = unique_login("ghost")
    tg.login(name, "Whatever1!x")
    after = tg.metrics()
    key = "tradeguard_login_failure_total"
    assert after[key] >= before[key] + 1
    r = tg.cli("audit", "export")
    assert r.returncode == 0, r.stderr
    recs = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    mine = [x for x in recs if x.get("subject") == f"login:{name}"]
    assert [x["type"] for x in mine] == ["login.failure"], mine
    assert mine[0]["result"] == "fail"
    assert json.loads(mine[0]["details"])["reason"] == "unknown_account"


def test_admin_unlock_restores_login(tg):
    """AUTH-10, ACC-02: the admin unlock (with a reason) lets the customer in again."""
    login, pw = tg.add_customer()
    for _ in range(3):
        tg.login(login, wrong(pw))
    assert_problem(tg.login(login, pw), *LOGIN_FAILED)
    r = tg.post(f"/v1/admin/customers/{login}/unlock", admin=True,
                json={"reason": "customer called the help desk"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "unlocked"
    assert locked_in_db(tg, login) == 0
    tg.login_ok(login, pw)
    # Unlocking resets the counter too: two failures do not re-lock.
    tg.login(login, wrong(pw))
    tg.login(login, wrong(pw))
    tg.login_ok(login, pw)


def test_admin_unlock_requires_reason(tg):
    """ACC-02, AUD-01: an unlock without a reason is refused (400)."""
    login, pw = tg.add_customer()
    for _ in range(3):
        tg.login(login, wrong(pw))
    path = f"/v1/admin/customers/{login}/unlock"
    assert_problem(tg.post(path, admin=True, json={}), *BAD_REQUEST)
    assert_problem(tg.post(path, admin=True, json={"reason": ""}), *BAD_REQUEST)
    assert_problem(tg.post(path, admin=True, json={"reason": 5}), *BAD_REQUEST)
    assert locked_in_db(tg, login) == 1
    assert_problem(tg.login(login, pw), *LOGIN_FAILED)


def test_login_request_validation(tg):
    """OPS-04: missing or mistyped fields are a 400 problem, not a login failure."""
    assert_problem(tg.post("/v1/auth/login", json={"login": "demo"}), *BAD_REQUEST)
    assert_problem(tg.post("/v1/auth/login", json={"password": "x"}), *BAD_REQUEST)
    assert_problem(tg.post("/v1/auth/login", json={"login": 1, "password": "x"}),
                   *BAD_REQUEST)


def test_password_alone_is_not_enough_by_default(daemon_factory):
    """AUTH-01: with the default auth.min_factor_kinds = 2 the right password
    answers factor_required with a login flow, never a session."""
    d = daemon_factory({("auth", "min_factor_kinds"): None})
    login, pw = d.add_customer()
    r = d.login(login, pw)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "factor_required"
    assert "session_token" not in body
    assert "Set-Cookie" not in r.headers
    assert body["verified_kinds"] == ["knowledge"]
    assert body["required_kinds"] == 2
    assert isinstance(body["flow"], str) and body["flow"]
    # The flow handle is not a session.
    assert_problem(d.session(body["flow"]), *UNAUTHORIZED)
    # A wrong password still fails the same way as with one factor.
    assert_problem(d.login(login, wrong(pw)), *LOGIN_FAILED)
    assert d.sql(f"SELECT count(*) FROM session WHERE customer_id="
                 f"(SELECT id FROM customer WHERE login='{login}')") == "0"


def test_new_customer_needs_strong_password_to_log_in(tg):
    """AUTH-10: a customer created with a strong password logs in; a
    different password of the right shape does not."""
    login, pw = tg.add_customer(password=strong_password())
    tg.login_ok(login, pw)
    assert_problem(tg.login(login, strong_password()), *LOGIN_FAILED)
