"""The bounded worker pool: overload is refused at once with 503 and
Retry-After instead of queueing without bound (OPS-09, ZT-04, AUTH-13)."""

import threading

import pytest

from conftest import problem, unique_login

ROUNDS = (30, 60, 90)      # concurrent logins per round, until a 503 is seen


@pytest.fixture(scope="module")
def tg(daemon_factory):
    return daemon_factory({
        ("server", "workers"): "1",
        ("server", "queue"): "1",
        ("password", "argon2_memory_kib"): "19456",
        ("password", "argon2_iterations"): "2",
        ("session", "max_per_account"): "100",
    })


def burst(tg, n, login, pw):
    """n logins at once: even ones with the right password, odd ones for an unknown login."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def one(i):
        barrier.wait()
        who = (login, pw) if i % 2 == 0 else (unique_login("ghost"), pw)
        try:
            results[i] = tg.login(*who)
        except Exception as e:      # reported by the caller
            results[i] = e

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_overload_gets_503_with_retry_after(tg):
    """OPS-09: with one worker and a queue of one, a burst of logins gets
    some 503 TG-SRV-001 with Retry-After at once; every other answer is a
    normal 200 or 401; the daemon stays healthy and serves afterwards."""
    login, pw = tg.add_customer()
    busy_before = tg.metrics()
    seen_busy = []
    for n in ROUNDS:
        results = burst(tg, n, login, pw)
        errors = [r for r in results if isinstance(r, Exception)]
        assert not errors, errors[:3]
        for i, r in enumerate(results):
            if r.status_code == 503:
                body = problem(r)
                assert body["code"] == "TG-SRV-001", body
                assert r.headers.get("Retry-After", "").isdigit(), r.headers
                assert int(r.headers["Retry-After"]) >= 1
                assert "Set-Cookie" not in r.headers
                seen_busy.append(r)
            elif i % 2 == 0:
                assert r.status_code == 200, (r.status_code, r.text)
                assert r.json()["status"] == "authenticated"
            else:
                assert r.status_code == 401, (r.status_code, r.text)
                assert r.json()["code"] == "TG-AUTH-001"
        assert tg.get("/healthz").status_code == 200
        if seen_busy:
            break
    assert seen_busy, "no 503 under a burst of logins with workers=1, queue=1"
    after = tg.metrics()
    busy = [k for k in after if "busy" in k or "rejected" in k]
    assert busy, sorted(after)
    assert sum(after[k] - busy_before.get(k, 0) for k in busy) >= len(seen_busy)
    # Load gone: the account is not locked and logins work again.
    tg.login_ok(login, pw)
    assert tg.get("/readyz").status_code == 200


def test_busy_refusal_does_not_count_as_failed_login(tg):
    """AUTH-10: a login refused as busy was never tried, so it does not
    count towards the lockout: the failure count equals the wrong
    passwords that were really answered 401."""
    login, pw = tg.add_customer()
    tried = busy = 0
    for n in ROUNDS:
        results = burst(tg, n, login, pw + "x")
        for i, r in enumerate(results):
            if i % 2 == 0 and getattr(r, "status_code", None) == 401:
                tried += 1
            busy += getattr(r, "status_code", None) == 503
        if busy:
            break
    assert busy, "no 503 under a burst of logins with workers=1, queue=1"
    fail_count, locked = tg.sql_rows(
        "SELECT fail_count, locked FROM customer WHERE login = ?", (login,))[0]
    if tried >= 3:
        assert locked == 1
    else:
        assert (fail_count, locked) == (tried, 0)
