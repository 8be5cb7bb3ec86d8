"""Password change, quality rules, reuse, age and storage (AUTH-04, AUTH-10, AUTH-11)."""

import ctypes
import ctypes.util
import hashlib
import hmac

import pytest

from conftest import assert_problem, strong_password

CHANGE = "/v1/account/password"
POLICY = (422, "TG-PWD-001")
REUSED = (422, "TG-PWD-002")
CURRENT = (403, "TG-PWD-003")
LOGIN_FAILED = (401, "TG-AUTH-001")
UNAUTHORIZED = (401, "TG-AUTH-002")


@pytest.fixture(scope="module")
def tg(daemon_factory):
    return daemon_factory({("password", "history"): "3",
                           ("password", "max_age_days"): "90"})


def change(tg, token, current, new):
    return tg.post(CHANGE, token=token,
                   json={"current_password": current, "new_password": new})


def test_change_requires_the_current_password(tg):
    """AUTH-10: a wrong current password is 403 TG-PWD-003 and changes nothing."""
    login, pw = tg.add_customer()
    token = tg.login_ok(login, pw)["session_token"]
    new = strong_password()
    assert_problem(change(tg, token, pw + "x", new), *CURRENT)
    tg.login_ok(login, pw)
    assert_problem(tg.login(login, new), *LOGIN_FAILED)


def test_change_requires_a_session(tg):
    """AUTH-10, ACC-01: no session, no password change."""
    login, pw = tg.add_customer()
    r = tg.post(CHANGE, json={"current_password": pw, "new_password": strong_password()})
    assert_problem(r, *UNAUTHORIZED)
    tg.login_ok(login, pw)


@pytest.mark.parametrize("new_pw,reason", [
    ("Ab1!xyz", "too_short"),
    ("abcdefgh1234", "missing_symbol"),
    ("abcdefgh!!!!", "missing_digit"),
    ("12345678!!!!", "missing_letter"),
    ("Password123!", "common_password"),
    ("P@ssw0rd1", "common_password"),
])
def test_quality_rules_give_422_with_reason(tg, new_pw, reason):
    """AUTH-10: letters, digits and symbols, minimum length, no common
    passwords; a violation is 422 TG-PWD-001 whose detail names the rule."""
    login, pw = tg.add_customer()
    token = tg.login_ok(login, pw)["session_token"]
    body = assert_problem(change(tg, token, pw, new_pw), *POLICY)
    assert reason in body.get("detail", ""), body
    tg.login_ok(login, pw)


def test_password_containing_login_is_rejected(tg):
    """AUTH-10: the new password must not contain the login."""
    login, pw = tg.add_customer()
    token = tg.login_ok(login, pw)["session_token"]
    body = assert_problem(change(tg, token, pw, f"9!{login}x"), *POLICY)
    assert "contains_login" in body.get("detail", ""), body


def test_reusing_current_or_previous_password_is_refused(tg):
    """AUTH-10: the current password and the previous ones (password.history)
    cannot be chosen again: 422 TG-PWD-002."""
    login, p1 = tg.add_customer()
    token = tg.login_ok(login, p1)["session_token"]
    assert_problem(change(tg, token, p1, p1), *REUSED)
    p2 = strong_password()
    assert change(tg, token, p1, p2).status_code == 200
    assert_problem(change(tg, token, p2, p1), *REUSED)
    p3 = strong_password()
    assert change(tg, token, p2, p3).status_code == 200
    assert_problem(change(tg, token, p3, p1), *REUSED)
    assert_problem(change(tg, token, p3, p2), *REUSED)
    assert_problem(change(tg, token, p3, p3), *REUSED)
    tg.login_ok(login, p3)


def test_change_revokes_other_sessions_and_keeps_current(tg):
    """AUTH-10, ACC-01: after a change the other sessions are revoked, the
    session that made the change stays, the old password no longer logs in."""
    login, old = tg.add_customer()
    mine = tg.login_ok(login, old)["session_token"]
    other1 = tg.login_ok(login, old)["session_token"]
    other2 = tg.login_ok(login, old)["session_token"]
    new = strong_password()
    r = change(tg, mine, old, new)
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "password_changed", "other_sessions_revoked": True}
    assert tg.session(mine).status_code == 200
    assert_problem(tg.session(other1), *UNAUTHORIZED)
    assert_problem(tg.session(other2), *UNAUTHORIZED)
    assert_problem(tg.login(login, old), *LOGIN_FAILED)
    tg.login_ok(login, new)
    n = tg.sql("SELECT count(*) FROM outbox WHERE event='password.changed' AND "
               f"customer_id=(SELECT id FROM customer WHERE login='{login}')")
    assert n == "1"


def test_wrong_current_password_counts_towards_lockout(tg):
    """AUTH-10, AUTH-13: guessing through the change endpoint locks like login does."""
    login, pw = tg.add_customer()
    token = tg.login_ok(login, pw)["session_token"]
    for _ in range(3):
        assert_problem(change(tg, token, pw + "x", strong_password()), *CURRENT)
    assert_problem(tg.login(login, pw), *LOGIN_FAILED)


def test_old_password_recommends_change(tg):
    """AUTH-11: a password older than password.max_age_days (90) makes login
    and session say password_change_recommended; a new password clears it."""
    login, pw = tg.add_customer()
    assert tg.login_ok(login, pw)["password_change_recommended"] is False
    tg.advance_clock(91 * 86400)
    body = tg.login_ok(login, pw)
    assert body["password_change_recommended"] is True
    s = tg.session(body["session_token"]).json()
    assert s["password_change_recommended"] is True
    new = strong_password()
    assert change(tg, body["session_token"], pw, new).status_code == 200
    assert tg.login_ok(login, new)["password_change_recommended"] is False


def test_change_clears_recommendation_on_current_session(tg):
    """AUTH-11: once the old password has been changed, the session that
    changed it no longer reports password_change_recommended."""
    login, pw = tg.add_customer()
    tg.advance_clock(91 * 86400)
    body = tg.login_ok(login, pw)
    token = body["session_token"]
    assert body["password_change_recommended"] is True
    assert change(tg, token, pw, strong_password()).status_code == 200
    s = tg.session(token)
    assert s.status_code == 200
    assert s.json()["password_change_recommended"] is False, s.json()


def test_wrong_passwords_count_across_login_and_change(tg):
    """AUTH-10: failures are consecutive per account whichever endpoint saw
    them: two wrong logins and one wrong current password lock."""
    login, pw = tg.add_customer()
    token = tg.login_ok(login, pw)["session_token"]
    for _ in range(2):
        assert_problem(tg.login(login, pw + "x"), *LOGIN_FAILED)
    assert_problem(change(tg, token, pw + "x", strong_password()), *CURRENT)
    assert_problem(tg.login(login, pw), *LOGIN_FAILED)
    assert_problem(tg.session(token), *UNAUTHORIZED)


def test_overlong_and_unicode_passwords(tg):
    """AUTH-10: an overlong new password is refused with a reason; a
    password with non-ASCII letters is judged by the same rules and works."""
    login, pw = tg.add_customer()
    token = tg.login_ok(login, pw)["session_token"]
    body = assert_problem(change(tg, token, pw, "Aa1!" * 400), *POLICY)
    assert body.get("detail"), body
    new = "密碼Aa1!" + strong_password()
    r = change(tg, token, pw, new)
    if r.status_code == 200:
        tg.login_ok(login, new)
    else:
        assert_problem(r, *POLICY)


def sodium():
    name = ctypes.util.find_library("sodium")
    assert name, "libsodium not found (it is a build dependency)"
    lib = ctypes.CDLL(name)
    assert lib.sodium_init() >= 0
    lib.crypto_pwhash_argon2id_str_verify.argtypes = [
        ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulonglong]
    return lib


def test_stored_hash_is_peppered_argon2id(tg):
    """AUTH-04: the store keeps tg1$<pepper-id>$argon2id$... with a per-user
    salt; no plaintext; plain Argon2id of the password does not match (the
    pepper is mixed in), HMAC-SHA-256(pepper, password) does."""
    pw = strong_password()
    login1, _ = tg.add_customer(password=pw)
    login2, _ = tg.add_customer(password=pw)
    h1 = tg.sql_rows("SELECT pw_hash FROM customer WHERE login = ?", (login1,))[0][0]
    h2 = tg.sql_rows("SELECT pw_hash FROM customer WHERE login = ?", (login2,))[0][0]
    prefix = "tg1$pepper-1$argon2id$v=19$m=8192,t=1,p=1$"
    assert h1.startswith(prefix), h1
    assert h2.startswith(prefix), h2
    assert h1 != h2, "same password, same hash: no per-user salt"
    salt1, salt2 = h1.split("$")[5], h2.split("$")[5]
    assert salt1 != salt2
    with open(tg.db, "rb") as f:
        assert pw.encode() not in f.read()

    lib = sodium()
    argon = h1[len("tg1$pepper-1"):].encode()
    assert lib.crypto_pwhash_argon2id_str_verify(argon, pw.encode(), len(pw)) != 0
    pepper = bytes.fromhex((tg.dir / "keys" / "pepper-1.key").read_text().strip())
    mac = hmac.new(pepper, pw.encode(), hashlib.sha256).digest()
    assert lib.crypto_pwhash_argon2id_str_verify(argon, mac, len(mac)) == 0


def test_history_keeps_hashes_only(tg):
    """AUTH-04: the password history holds hashes in the same form, never plaintext."""
    login, p1 = tg.add_customer()
    token = tg.login_ok(login, p1)["session_token"]
    p2 = strong_password()
    assert change(tg, token, p1, p2).status_code == 200
    rows = tg.sql_rows("SELECT h.pw_hash FROM password_history h JOIN customer c "
                       "ON c.id = h.customer_id WHERE c.login = ?", (login,))
    assert rows, "no password history kept"
    for (h,) in rows:
        assert h.startswith("tg1$pepper-1$argon2id$"), h
        assert p1 not in h and p2 not in h
