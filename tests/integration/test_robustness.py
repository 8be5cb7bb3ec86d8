"""Hostile and malformed input, error hygiene, operations endpoints and
signals (OPS-04, OPS-09, ZT-04)."""

import json
import os
import re
import signal
import socket
import ssl
import time

import pytest
import requests

from conftest import assert_problem, parse_metrics, problem

MAX_BODY = 4096
MAX_HEADER = 4096
LOGIN = "/v1/auth/login"
JSON = {"Content-Type": "application/json"}

# Things a problem body must never contain (OPS-04).
LEAKS = re.compile(r"(/tmp/|/work/|/home/|/usr/|\.c:\d|\bsqlite|\bSELECT\b|\bINSERT\b|"
                   r"\bUPDATE\b|\bWHERE\b|stack|errno|0x[0-9a-f]{6,})", re.I)


@pytest.fixture(scope="module")
def tg(daemon_factory):
    return daemon_factory({("server", "max_body_bytes"): str(MAX_BODY),
                           ("server", "max_header_bytes"): str(MAX_HEADER)})


def assert_clean(resp):
    """OPS-04: a short problem with a code, nothing about the inside."""
    body = problem(resp)
    assert not LEAKS.search(resp.text), resp.text
    assert len(resp.text) < 1024, resp.text
    assert re.fullmatch(r"TG-[A-Z]+-\d{3}", body["code"]), body
    return body


def healthy(tg):
    r = tg.get("/healthz")
    return r.status_code == 200


@pytest.mark.parametrize("payload", [
    b"{", b"{\"login\": }", b"not json", b"[]", b"\"string\"", b"null",
    b"{\"login\":\"a\",\"login\":\"b\",\"password\":\"x\"}",
    b"{\"login\":\"a\",\"password\":\"x\"} trailing",
    b"{\"login\":\"a\",\"password\":\"x\"}{}",
    b"{\"login\":\"a\\u0000b\",\"password\":\"x\"}",
    b"\xff\xfe{}",
    b"",
])
def test_malformed_json_is_400(tg, payload):
    """OPS-04: malformed JSON, non-objects, duplicate keys, trailing data and
    embedded NULs are 400 TG-REQ-001 with a short problem body."""
    r = tg.post(LOGIN, data=payload, headers=JSON)
    assert_problem(r, 400, "TG-REQ-001")
    assert_clean(r)


@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", "application/jsonx"])
def test_wrong_content_type_is_415(tg, ctype):
    """OPS-04: a body that is not application/json is 415 TG-REQ-005."""
    headers = {} if ctype is None else {"Content-Type": ctype}
    r = tg.post(LOGIN, data=b'{"login":"a","password":"b"}', headers=headers)
    assert_problem(r, 415, "TG-REQ-005")
    assert_clean(r)


def test_json_with_charset_parameter_is_accepted(tg):
    """OPS-04: application/json; charset=utf-8 is JSON."""
    r = tg.post(LOGIN, data=b'{"login":"nobody_here","password":"Xx1!xxxx"}',
                headers={"Content-Type": "application/json; charset=utf-8"})
    assert_problem(r, 401, "TG-AUTH-001")


def post_big(tg, data):
    """POST data to the login route; None if the server closed the connection."""
    try:
        return tg.post(LOGIN, data=data, headers=JSON, check_rid=False)
    except requests.ConnectionError:
        return None


BIG_BODY = json.dumps({"login": "a", "password": "x" * (MAX_BODY * 16)})


def test_oversized_body_is_refused_and_server_keeps_serving(tg):
    """OPS-09: a body over server.max_body_bytes is refused with 413 (or the
    connection is closed), and the daemon keeps serving; a body just under
    the limit is handled normally."""
    r = post_big(tg, BIG_BODY)
    assert r is None or r.status_code == 413, r.status_code
    ok = json.dumps({"login": "nobody_here", "password": "y" * (MAX_BODY - 100)})
    assert_problem(tg.post(LOGIN, data=ok, headers=JSON), 401, "TG-AUTH-001")
    assert healthy(tg)


def raw_exchange(tg, head, body=b""):
    """Send bytes over TLS and read the answer until the server closes or
    goes quiet; returns (status, {header: value}, body) or None if nothing came."""
    ctx = ssl.create_default_context(cafile=tg.cert)
    data = b""
    with socket.create_connection(("127.0.0.1", tg.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as t:
            t.sendall(head + body)
            try:
                while True:
                    chunk = t.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                    if b"\r\n\r\n" in data:
                        hdr, _, rest = data.partition(b"\r\n\r\n")
                        m = re.search(rb"(?im)^content-length:\s*(\d+)", hdr)
                        if m and len(rest) >= int(m.group(1)):
                            break
            except (socket.timeout, ConnectionResetError, ssl.SSLError):
                pass
    if not data:
        return None
    hdr, _, rest = data.partition(b"\r\n\r\n")
    lines = hdr.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, rest


def assert_problem_contract(answer, status, code):
    got_status, headers, body = answer
    assert got_status == status, answer
    assert re.fullmatch(r"[0-9a-f]{32}", headers.get("x-request-id", "")), \
        f"no X-Request-ID: {headers}"
    assert headers.get("content-type", "").startswith("application/problem+json"), \
        f"not a problem: {headers.get('content-type')}: {body[:200]!r}"
    p = json.loads(body)
    assert p["code"] == code and p["status"] == status, p
    assert p["request_id"] == headers["x-request-id"]


def test_oversized_body_answer_follows_problem_contract(tg):
    """OPS-04: the answer to a body over server.max_body_bytes is the
    documented problem (413 TG-REQ-004, application/problem+json,
    X-Request-ID like every response), not a bare error page."""
    head = (b"POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % (MAX_BODY * 16))
    answer = raw_exchange(tg, head, b"{" + b" " * 100)
    assert answer is not None, "no answer at all"
    assert_problem_contract(answer, 413, "TG-REQ-004")
    assert healthy(tg)


def test_oversized_headers_answer_follows_problem_contract(tg):
    """OPS-04: the answer to a header block over server.max_header_bytes is
    the documented problem (413 TG-REQ-004 "body or headers too large",
    with X-Request-ID), not a bare error page."""
    head = (b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: "
            + b"a" * (MAX_HEADER * 2) + b"\r\n\r\n")
    answer = raw_exchange(tg, head)
    assert answer is not None, "no answer at all"
    assert_problem_contract(answer, 413, "TG-REQ-004")
    assert healthy(tg)


def test_oversized_headers_are_refused_and_server_keeps_serving(tg):
    """OPS-09: a header block over server.max_header_bytes gets a 4xx or a
    closed connection, and the daemon keeps serving."""
    for headers in ({"X-Big": "a" * (MAX_HEADER * 4)},
                    {f"X-H{i}": "b" * 100 for i in range(MAX_HEADER // 50)}):
        try:
            r = tg.get("/healthz", headers=headers, check_rid=False)
            assert 400 <= r.status_code < 500, r.status_code
        except requests.ConnectionError:
            pass
    assert healthy(tg)


def test_unknown_path_is_404_problem(tg):
    """OPS-04, ZT-04: an unknown path is a 404 problem that reveals nothing."""
    for path in ("/nope", "/v1/admin", "/v1/session/extra", "/../etc/passwd",
                 "/v1/admin/customers/a/b/c", "/%2e%2e/%2e%2e/etc/passwd"):
        r = tg.get(path)
        assert r.status_code in (400, 404), (path, r.status_code)
        assert_clean(r)
        if r.status_code == 404:
            assert r.json()["code"] == "TG-REQ-002"


def test_wrong_method_is_405_with_allow(tg):
    """OPS-04: a known path with another method is 405 TG-REQ-003 with Allow."""
    for method, path in (("GET", LOGIN), ("PUT", "/v1/session"),
                         ("POST", "/healthz"), ("PATCH", "/v1/admin/customers/x")):
        r = tg.request(method, path)
        assert_problem(r, 405, "TG-REQ-003")
        assert_clean(r)
        assert r.headers.get("Allow"), r.headers
    r = tg.request("PUT", "/v1/session")
    assert set(x.strip() for x in r.headers["Allow"].split(",")) >= {"GET", "DELETE"}


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE"])
def test_unsupported_method_answer_follows_problem_contract(tg, method):
    """OPS-04: a method no route has (OPTIONS, TRACE) is refused with the
    documented problem (405 TG-REQ-003, X-Request-ID), not a bare error page."""
    answer = raw_exchange(tg, f"{method} /healthz HTTP/1.1\r\nHost: localhost\r\n"
                              "Content-Length: 0\r\n\r\n".encode())
    assert answer is not None, "no answer at all"
    assert_problem_contract(answer, 405, "TG-REQ-003")
    assert healthy(tg)


def test_every_response_has_request_id_and_security_headers(tg):
    """OPS-04, AUTH-08: X-Request-ID (32 hex) on every answer, distinct per
    request; no-store, HSTS and nosniff."""
    seen = set()
    for method, path in (("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"),
                         ("GET", "/nope"), ("GET", "/v1/session"), ("PUT", "/v1/session")):
        r = tg.request(method, path)
        rid = r.headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", rid), rid
        assert rid not in seen
        seen.add(rid)
        assert r.headers.get("Cache-Control") == "no-store"
        assert r.headers.get("Strict-Transport-Security", "").startswith("max-age=")
        assert r.headers.get("X-Content-Type-Options") == "nosniff"


def wait_for_log(tg, pred, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = tg.log_lines()
        hits = [x for x in lines if pred(x)]
        if hits:
            return hits
        time.sleep(0.05)
    return []


def test_request_id_of_an_error_is_in_the_server_log(tg):
    """OPS-04: the client gets only the request ID; the server log has the
    details of that request under the same ID."""
    r = tg.get("/v1/admin/customers/x?purpose=y", token="0" * 64)
    assert_problem(r, 401, "TG-AUTH-002")
    rid = r.headers["X-Request-ID"]
    hits = wait_for_log(tg, lambda x: x.get("request_id") == rid)
    assert hits, tg.diagnostics()
    events = {x.get("event") for x in hits}
    assert "admin.unauthorized" in events, hits
    r = tg.post(LOGIN, data=b"{", headers=JSON)
    rid = r.headers["X-Request-ID"]
    assert wait_for_log(tg, lambda x: x.get("request_id") == rid), tg.diagnostics()


def test_client_request_id_is_not_trusted(tg):
    """OPS-04: the server makes its own request ID; a client-sent one is not echoed."""
    r = tg.get("/healthz", headers={"X-Request-ID": "evil-id"})
    assert r.headers["X-Request-ID"] != "evil-id"
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-ID"])


def test_log_lines_cannot_be_forged(tg):
    """AUD-05, OPS-04: control characters and quotes from a client cannot
    break or forge server log lines: every line stays one JSON object."""
    evil = '%0a{"event":"forged","level":"error"}%0d%22'
    tg.get("/v1/nope" + evil)
    tg.get("/healthz", headers={"User-Agent": 'x"}\t{"event":"forged"}'})
    tg.post(LOGIN, json={"login": 'a\n{"event":"forged"}', "password": "p\r\n"})
    lines = tg.log_text().splitlines()
    assert lines
    for line in lines:
        obj = json.loads(line)
        assert isinstance(obj, dict)
        assert obj.get("event") != "forged", line


def test_secrets_do_not_reach_the_log(tg):
    """OPS-04, AUTH-04: passwords, session tokens and the admin token are never logged."""
    login, pw = tg.add_customer()
    token = tg.login_ok(login, pw)["session_token"]
    tg.session(token)
    tg.login(login, pw + "wrong")
    text = tg.log_text()
    for secret in (pw, token, tg.admin_token):
        assert secret not in text


def test_metrics_is_prometheus_text(tg):
    """OPS-06, AUTH-12: /metrics is Prometheus text with the documented families."""
    tg.get("/healthz")
    r = tg.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain"), r.headers
    lines = [x for x in r.text.splitlines() if x.strip()]
    assert any(x.startswith("# TYPE ") for x in lines)
    for x in lines:
        if x.startswith("#"):
            assert re.match(r"# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* ", x), x
        else:
            assert re.match(r'[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_]+="[^"]*"'
                            r'(,[a-zA-Z_]+="[^"]*")*\})? -?[0-9.eE+]+$', x), x
    m = parse_metrics(r.text)
    assert all(name.startswith("tradeguard_") for name in m), sorted(m)
    for family in ("tradeguard_password_verify_total",
                   "tradeguard_login_failure_total"):
        assert family in m, sorted(m)


def test_healthz_and_readyz(tg):
    """OPS-09: /healthz and /readyz answer 200 with JSON while all is well."""
    for path in ("/healthz", "/readyz"):
        r = tg.get(path)
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("application/json")


def test_plain_http_on_the_tls_port_is_not_served(tg):
    """AUTH-08: a plain-text request is never answered with content."""
    with socket.create_connection(("127.0.0.1", tg.port), timeout=5) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            data = s.recv(4096)
        except (socket.timeout, ConnectionResetError):
            data = b""
    assert not data.startswith(b"HTTP/1.1 200") and b'"status":"ok"' not in data
    assert healthy(tg)


def test_half_open_and_garbage_connections_do_not_hurt(tg):
    """OPS-09, ZT-04: connections that send garbage or nothing, or drop in the
    middle of a handshake, do not stop the daemon from serving."""
    socks = []
    for _ in range(10):
        s = socket.create_connection(("127.0.0.1", tg.port), timeout=5)
        socks.append(s)
    socks[0].sendall(b"\x16\x03\x01\x00\x05hello")
    socks[1].sendall(os.urandom(512))
    ctx = ssl.create_default_context(cafile=tg.cert)
    with socket.create_connection(("127.0.0.1", tg.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as t:
            t.sendall(b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
    assert healthy(tg)
    for s in socks:
        s.close()
    assert healthy(tg)


def test_sighup_reopens_the_log(tg):
    """OPS-09: SIGHUP keeps the daemon running and reopens the log file, so
    a rotated log is followed by a fresh one."""
    rotated = tg.log.with_name("server.log.1")
    os.rename(tg.log, rotated)
    tg.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        assert tg.alive(), tg.diagnostics()
        assert healthy(tg)
        if tg.log.exists() and tg.log.stat().st_size > 0:
            break
        time.sleep(0.1)
    assert tg.log.exists(), "no new log file after SIGHUP"
    r = tg.get("/nope")
    hits = wait_for_log(tg, lambda x: x.get("request_id") == r.headers["X-Request-ID"])
    assert hits, tg.log_text()
    assert r.headers["X-Request-ID"] not in rotated.read_text()


def test_sigterm_exits_zero(daemon_factory):
    """OPS-09: SIGTERM drains and exits with status 0."""
    d = daemon_factory()
    assert healthy(d)
    rc = d.stop(check=True)
    assert rc == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(d.url + "/healthz", verify=d.cert, timeout=2)


def test_connection_limit_and_idle_timeout(daemon_factory):
    """OPS-09, ZT-04: beyond server.max_connections no further connection is
    served, idle connections are dropped after server.timeout_seconds, and
    service resumes once connections go away."""
    d = daemon_factory({("server", "threads"): "1", ("server", "max_connections"): "2",
                        ("server", "timeout_seconds"): "2"})
    ctx = ssl.create_default_context(cafile=d.cert)
    held = [ctx.wrap_socket(socket.create_connection(("127.0.0.1", d.port), timeout=5),
                            server_hostname="localhost") for _ in range(2)]
    try:
        with pytest.raises(requests.RequestException):
            requests.get(d.url + "/healthz", verify=d.cert, timeout=1)
        # The idle connections are closed by the server within its timeout.
        t0 = time.monotonic()
        for s in held:
            s.settimeout(10)
            assert s.recv(1) == b""
        assert time.monotonic() - t0 < 8
    finally:
        for s in held:
            s.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if requests.get(d.url + "/healthz", verify=d.cert, timeout=2).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.1)
    else:
        pytest.fail("not serving after the held connections closed")


def test_slow_request_is_cut_off(daemon_factory):
    """OPS-09: a client that starts a request and stops sending is
    disconnected after server.timeout_seconds."""
    d = daemon_factory({("server", "timeout_seconds"): "1"})
    ctx = ssl.create_default_context(cafile=d.cert)
    with socket.create_connection(("127.0.0.1", d.port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as t:
            t.sendall(b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\n")
            t0 = time.monotonic()
            try:
                data = t.recv(4096)
            except (ConnectionResetError, ssl.SSLError):
                data = b""
            assert time.monotonic() - t0 < 8
            assert b" 200 " not in data[:20]
    assert healthy(d)
