"""Session limits: idle and absolute expiry, connection count, logout,
token integrity and cookie sessions with CSRF protection (ACC-01)."""

import json
import threading

import pytest
import requests
import requests.adapters

from conftest import assert_problem, strong_password

IDLE = 600
ABSOLUTE = 3600
UNAUTHORIZED = (401, "TG-AUTH-002")

SETTINGS = {
    ("session", "idle_timeout_seconds"): str(IDLE),
    ("session", "absolute_lifetime_seconds"): str(ABSOLUTE),
}


@pytest.fixture(scope="module")
def tg(daemon_factory):
    return daemon_factory(SETTINGS)


def new_session(tg):
    login, pw = tg.add_customer()
    body = tg.login_ok(login, pw)
    return login, pw, body


def test_idle_timeout_ends_session(tg):
    """ACC-01: a session unused for longer than session.idle_timeout_seconds is gone."""
    _, _, body = new_session(tg)
    token = body["session_token"]
    assert tg.session(token).status_code == 200
    tg.advance_clock(IDLE - 60)
    assert tg.session(token).status_code == 200     # use renews the idle timer
    tg.advance_clock(IDLE - 60)
    assert tg.session(token).status_code == 200
    tg.advance_clock(IDLE + 1)
    assert_problem(tg.session(token), *UNAUTHORIZED)
    # Expired means deleted: it does not come back.
    assert_problem(tg.session(token), *UNAUTHORIZED)


def test_absolute_lifetime_ends_active_session(tg):
    """ACC-01: even a session in constant use ends after session.absolute_lifetime_seconds."""
    _, _, body = new_session(tg)
    token = body["session_token"]
    step = IDLE // 2
    elapsed = 0
    while elapsed + step < ABSOLUTE:
        tg.advance_clock(step)
        elapsed += step
        r = tg.session(token)
        assert r.status_code == 200, f"after {elapsed}s: {r.text}"
    tg.advance_clock(ABSOLUTE - elapsed + 1)
    assert_problem(tg.session(token), *UNAUTHORIZED)


def test_session_expiry_is_audited(tg):
    """ACC-01, AUD-02: an expired session leaves a session.expired record."""
    login, _, body = new_session(tg)
    tg.advance_clock(IDLE + 1)
    assert_problem(tg.session(body["session_token"]), *UNAUTHORIZED)
    r = tg.cli("audit", "export")
    assert r.returncode == 0, r.stderr
    recs = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
    recs = [x for x in recs if "type" in x]
    created = [x["seq"] for x in recs if x["type"] == "session.created"
               and x["subject"] == f"customer:{login}"]
    assert len(created) == 1
    # Expired on use (subject = the customer) or by the periodic purge.
    expired = [x for x in recs if x["type"] == "session.expired"
               and x["seq"] > created[0]
               and x["subject"] in (f"customer:{login}", "")]
    assert expired, recs[-5:]


def test_logout_ends_session(tg):
    """ACC-01: DELETE /v1/session logs out; the token is dead afterwards."""
    _, _, body = new_session(tg)
    token = body["session_token"]
    r = tg.delete("/v1/session", token=token)
    assert r.status_code == 204, r.text
    assert_problem(tg.session(token), *UNAUTHORIZED)
    assert_problem(tg.delete("/v1/session", token=token), *UNAUTHORIZED)


def test_logout_ends_only_that_session(tg):
    """ACC-01: logging out one session leaves the customer's others alone."""
    login, pw, body = new_session(tg)
    other = tg.login_ok(login, pw)["session_token"]
    assert tg.delete("/v1/session", token=body["session_token"]).status_code == 204
    assert tg.session(other).status_code == 200


def test_tampered_tokens_are_rejected(tg):
    """ACC-01: a token with one flipped character, truncated or extended is refused."""
    _, _, body = new_session(tg)
    token = body["session_token"]
    variants = []
    for i in (0, len(token) // 2, len(token) - 1):
        c = token[i]
        flipped = "A" if c != "A" else "B"
        variants.append(token[:i] + flipped + token[i + 1:])
    variants += [token[:-1], token[: len(token) // 2], token + "A", "", token.lower()
                 if token.lower() != token else token.upper()]
    for v in variants:
        if v == token:
            continue
        assert_problem(tg.session(v), *UNAUTHORIZED)
    assert tg.session(token).status_code == 200


def test_bearer_scheme_is_required(tg):
    """ACC-01: the token only counts in an Authorization: Bearer header."""
    _, _, body = new_session(tg)
    token = body["session_token"]
    for hdr in (f"Basic {token}", token):
        r = tg.get("/v1/session", headers={"Authorization": hdr})
        assert_problem(r, *UNAUTHORIZED)


def set_cookies(resp):
    """The Set-Cookie headers of resp as {name: (value, [attributes])}."""
    out = {}
    for raw in resp.raw.headers.getlist("Set-Cookie"):
        parts = [p.strip() for p in raw.split(";")]
        name, _, value = parts[0].partition("=")
        out[name] = (value, [p.lower() for p in parts[1:]])
    return out


def test_login_sets_secure_cookies(tg):
    """ACC-01, AUTH-08: the session cookie is Secure, HttpOnly, SameSite=Strict."""
    login, pw = tg.add_customer()
    r = tg.login(login, pw)
    assert r.status_code == 200
    jar = set_cookies(r)
    value, attrs = jar["tg_session"]
    assert value == r.json()["session_token"]
    assert "secure" in attrs and "httponly" in attrs and "samesite=strict" in attrs
    value, attrs = jar["tg_csrf"]
    assert value == r.json()["csrf_token"]
    assert "secure" in attrs and "samesite=strict" in attrs


def test_cookie_session_needs_csrf_token_for_changes(tg):
    """ACC-01: the tg_session cookie authenticates GET; a state-changing POST
    with only the cookie and no X-CSRF-Token is refused; with the csrf_token
    from the login body it is accepted."""
    login, pw = tg.add_customer()
    r = tg.login(login, pw)
    assert r.status_code == 200, r.text
    body = r.json()
    jar = set_cookies(r)
    assert "tg_session" in jar and "tg_csrf" in jar, r.headers
    session_cookie = jar["tg_session"][0]
    csrf_cookie = jar["tg_csrf"][0]
    assert csrf_cookie == body["csrf_token"]
    cookie_hdr = f"tg_session={session_cookie}; tg_csrf={csrf_cookie}"

    r = tg.get("/v1/session", headers={"Cookie": cookie_hdr})
    assert r.status_code == 200, r.text
    assert r.json()["account"]["login"] == login

    new_pw = strong_password()
    change = {"current_password": pw, "new_password": new_pw}
    r = tg.post("/v1/account/password", json=change, headers={"Cookie": cookie_hdr})
    assert_problem(r, *UNAUTHORIZED)
    r = tg.post("/v1/account/password", json=change,
                headers={"Cookie": cookie_hdr, "X-CSRF-Token": csrf_cookie[:-1] + "x"})
    assert_problem(r, *UNAUTHORIZED)
    # The header alone, without the matching cookie, is not enough either.
    r = tg.post("/v1/account/password", json=change,
                headers={"Cookie": f"tg_session={session_cookie}",
                         "X-CSRF-Token": body["csrf_token"]})
    assert_problem(r, *UNAUTHORIZED)
    # Nothing changed so far.
    tg.login_ok(login, pw)

    r = tg.post("/v1/account/password", json=change,
                headers={"Cookie": cookie_hdr, "X-CSRF-Token": body["csrf_token"]})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "password_changed"
    tg.login_ok(login, new_pw)


def test_cookie_logout_needs_csrf_token(tg):
    """ACC-01: DELETE /v1/session with the cookie alone is refused; with the
    CSRF header it logs out."""
    login, pw = tg.add_customer()
    r = tg.login(login, pw)
    jar = set_cookies(r)
    csrf = jar["tg_csrf"][0]
    cookie_hdr = f"tg_session={jar['tg_session'][0]}; tg_csrf={csrf}"
    assert_problem(tg.delete("/v1/session", headers={"Cookie": cookie_hdr}),
                   *UNAUTHORIZED)
    r = tg.delete("/v1/session", headers={"Cookie": cookie_hdr,
                                          "X-CSRF-Token": csrf})
    assert r.status_code == 204, r.text
    assert_problem(tg.get("/v1/session", headers={"Cookie": cookie_hdr}), *UNAUTHORIZED)


def test_session_limit_refuses_extra_login(daemon_factory):
    """ACC-01: with session.max_per_account = 2 a third login is refused
    with 429 TG-SES-001 and the two live sessions keep working."""
    d = daemon_factory({("session", "max_per_account"): "2",
                        ("session", "on_limit"): "refuse"})
    login, pw = d.add_customer()
    t1 = d.login_ok(login, pw)["session_token"]
    t2 = d.login_ok(login, pw)["session_token"]
    r = d.login(login, pw)
    body = assert_problem(r, 429, "TG-SES-001")
    assert "session_token" not in body
    assert d.session(t1).status_code == 200
    assert d.session(t2).status_code == 200
    # A logout frees a slot.
    assert d.delete("/v1/session", token=t1).status_code == 204
    d.login_ok(login, pw)
    # Another customer is not affected by this one's limit.
    other, opw = d.add_customer()
    d.login_ok(other, opw)


def test_session_limit_evicts_oldest(daemon_factory):
    """ACC-01: with session.on_limit = evict_oldest the third login succeeds
    and the first session stops working."""
    d = daemon_factory({("session", "max_per_account"): "2",
                        ("session", "on_limit"): "evict_oldest"})
    login, pw = d.add_customer()
    t1 = d.login_ok(login, pw)["session_token"]
    d.advance_clock(1)
    t2 = d.login_ok(login, pw)["session_token"]
    d.advance_clock(1)
    t3 = d.login_ok(login, pw)["session_token"]
    assert_problem(d.session(t1), *UNAUTHORIZED)
    assert d.session(t2).status_code == 200
    assert d.session(t3).status_code == 200


class SourceAddressAdapter(requests.adapters.HTTPAdapter):
    """Connect from a given local address (127.0.0.2 is loopback too)."""

    def __init__(self, source, **kw):
        self.source = source
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kw):
        kw["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kw)


def session_from(d, token, source):
    s = requests.Session()
    s.mount("https://", SourceAddressAdapter(source))
    try:
        return s.get(d.url + "/v1/session", headers={"Authorization": f"Bearer {token}"},
                     verify=d.cert, timeout=30)
    finally:
        s.close()


def test_session_bound_to_client_address(daemon_factory):
    """ACC-01: with session.bind_client_address = true a session used from
    another source address is refused; from its own address it works."""
    d = daemon_factory({("session", "bind_client_address"): "true"})
    login, pw = d.add_customer()
    token = d.login_ok(login, pw)["session_token"]
    assert session_from(d, token, "127.0.0.1").status_code == 200
    assert_problem(session_from(d, token, "127.0.0.2"), *UNAUTHORIZED)
    assert session_from(d, token, "127.0.0.1").status_code == 200


def test_session_not_bound_by_default(tg):
    """ACC-01: by default (mobile clients change networks) the address may change."""
    login, pw = tg.add_customer()
    token = tg.login_ok(login, pw)["session_token"]
    assert session_from(tg, token, "127.0.0.2").status_code == 200


def test_session_limit_holds_under_concurrent_logins(daemon_factory):
    """ACC-01: 10 simultaneous correct logins with session.max_per_account = 2
    create at most 2 sessions; the rest get 429 TG-SES-001."""
    d = daemon_factory({("session", "max_per_account"): "2"})
    login, pw = d.add_customer()
    n = 10
    barrier = threading.Barrier(n)
    results = [None] * n

    def one(i):
        barrier.wait()
        try:
            results[i] = d.login(login, pw)
        except Exception as e:      # reported below
            results[i] = e

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(getattr(r, "status_code", repr(r)) for r in results)
    assert statuses == [200, 200] + [429] * (n - 2), statuses
    live = d.sql("SELECT count(*) FROM session WHERE customer_id="
                 f"(SELECT id FROM customer WHERE login='{login}')")
    assert live == "2"
