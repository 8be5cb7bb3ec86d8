"""
Black-box test harness: runs the real `tradeguard` and `tradeguardd`
binaries against a temporary directory on 127.0.0.1.

The binaries come from $TG_BIN (set by `make integration`), else from
<repo>/build/bin.  Each daemon gets its own directory made by
`tradeguard init`, a free port, cheap Argon2id parameters and a log file;
the fixture stops it with SIGTERM (it must exit 0 within STOP_TIMEOUT)
and removes the directory.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
TG_BIN = Path(os.environ.get("TG_BIN") or REPO / "build" / "bin")
TGD = TG_BIN / "tradeguardd"
TGCLI = TG_BIN / "tradeguard"

START_TIMEOUT = 30.0    # seconds for /healthz to answer after start
STOP_TIMEOUT = 15.0     # seconds for a clean exit after SIGTERM
CLI_TIMEOUT = 60.0
HTTP_TIMEOUT = 30.0

# Cheap password hashing for speed; tests that need the real cost override it.
FAST_SETTINGS = {
    ("password", "argon2_memory_kib"): "8192",
    ("password", "argon2_iterations"): "1",
    ("auth", "min_factor_kinds"): "1",
}

PROBLEM_TYPE = "application/problem+json"


# --------------------------------------------------------------------------
# small helpers


def free_port():
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_login_counter = 0
_login_lock = threading.Lock()


def unique_login(prefix="cust"):
    """A fresh login (letters, digits, '_'), unique within this test run."""
    global _login_counter
    with _login_lock:
        _login_counter += 1
        n = _login_counter
    return f"{prefix}_{n}_{secrets.token_hex(3)}"


def strong_password():
    """A password that satisfies the default policy (letters, digits, symbols)."""
    return f"Tq7!{secrets.token_hex(5)}#Zw"


def ini_set(path, section, key, value):
    """
    Set `key = value` in [section] of the INI file at path: replace an
    existing uncommented line for key in that section, or add one right
    after the section header (adding the section if it is missing).
    """
    lines = Path(path).read_text().splitlines()
    header = f"[{section}]"
    key_re = re.compile(r"^\s*" + re.escape(key) + r"\s*[=:]")
    start = None
    for i, line in enumerate(lines):
        if line.strip() == header:
            start = i
            break
    newline = f"{key} = {value}"
    if start is None:
        lines += ["", header, newline]
    else:
        end = len(lines)
        for j in range(start + 1, len(lines)):
            if lines[j].strip().startswith("["):
                end = j
                break
        for j in range(start + 1, end):
            if key_re.match(lines[j]):
                lines[j] = newline
                break
        else:
            lines.insert(start + 1, newline)
    Path(path).write_text("\n".join(lines) + "\n")


def parse_metrics(text):
    """Prometheus text format -> {'name{labels}': float} (comments skipped)."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([A-Za-z_:][A-Za-z0-9_:]*(?:\{[^}]*\})?)\s+(\S+)", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def problem(resp):
    """The problem body of an error response, after checking its shape."""
    assert resp.headers.get("Content-Type", "").startswith(PROBLEM_TYPE), \
        f"{resp.status_code} {resp.headers.get('Content-Type')}: {resp.text[:300]}"
    body = resp.json()
    for field in ("code", "title", "status", "request_id"):
        assert field in body, f"problem lacks {field}: {body}"
    assert body["status"] == resp.status_code
    assert body["request_id"] == resp.headers.get("X-Request-ID")
    return body


def assert_problem(resp, status, code):
    assert resp.status_code == status, \
        f"expected {status} {code}, got {resp.status_code}: {resp.text[:300]}"
    body = problem(resp)
    assert body["code"] == code, body
    return body


# --------------------------------------------------------------------------
# the daemon


class Daemon:
    """One tradeguardd instance in its own directory."""

    def __init__(self, settings=None, demo=False):
        assert TGD.exists() and TGCLI.exists(), \
            f"binaries not found in {TG_BIN} (set TG_BIN)"
        self.dir = Path(tempfile.mkdtemp(prefix="tg-it-"))
        self.port = free_port()
        self.listen = f"127.0.0.1:{self.port}"
        self.url = f"https://127.0.0.1:{self.port}"
        self.ini = self.dir / "tradeguard.ini"
        self.cert = str(self.dir / "tls" / "cert.pem")
        self.db = self.dir / "tradeguard.db"
        self.log = self.dir / "server.log"
        self.stderr_path = self.dir / "daemon.stderr"
        self.proc = None
        args = ["init", "--dir", str(self.dir), "--listen", self.listen]
        if demo:
            args.append("--demo")
        r = self.cli(*args, with_config=False)
        assert r.returncode == 0, f"tradeguard init failed: {r.stderr}{r.stdout}"
        self.admin_token = (self.dir / "keys" / "admin.token").read_text().strip()
        # settings override FAST_SETTINGS; a value of None leaves the default.
        merged = dict(FAST_SETTINGS)
        merged[("log", "file")] = str(self.log)
        merged.update(settings or {})
        for (section, key), value in merged.items():
            if value is None:
                continue
            ini_set(self.ini, section, key, value)

    # --- process control

    def start(self, timeout=START_TIMEOUT):
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [str(TGD), "--config", str(self.ini)],
            stdin=subprocess.DEVNULL, stdout=self._stderr, stderr=self._stderr)
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"tradeguardd exited with {self.proc.returncode} "
                            f"during start-up:\n{self.diagnostics()}")
            try:
                r = requests.get(self.url + "/healthz", verify=self.cert, timeout=2)
                if r.status_code == 200:
                    return self
                last = f"status {r.status_code}"
            except requests.RequestException as e:
                last = repr(e)
            time.sleep(0.05)
        self.kill()
        pytest.fail(f"tradeguardd not healthy after {timeout}s ({last}):\n"
                    f"{self.diagnostics()}")

    def stop(self, check=True):
        """SIGTERM; with check, assert a clean exit (status 0) within STOP_TIMEOUT."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            self._stderr.close()
            if check:
                pytest.fail(f"tradeguardd did not exit within {STOP_TIMEOUT}s "
                            f"of SIGTERM:\n{self.diagnostics()}")
            return None
        self._stderr.close()
        if check:
            assert rc == 0, f"tradeguardd exited with {rc} after SIGTERM:\n" \
                            f"{self.diagnostics()}"
        return rc

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self._stderr.close()

    def cleanup(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_lines(self):
        """The server log as parsed JSON lines (non-JSON lines skipped)."""
        out = []
        for line in self.log_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def diagnostics(self):
        try:
            err = self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            err = ""
        return (f"--- server log ({self.log}) ---\n{self.log_text()[-6000:]}\n"
                f"--- stderr ---\n{err[-4000:]}")

    # --- the CLI and the database

    def cli(self, *args, input=None, with_config=True, timeout=CLI_TIMEOUT):
        argv = [str(TGCLI)]
        if with_config:
            argv += ["--config", str(self.ini)]
        argv += list(args)
        return subprocess.run(argv, input=input, capture_output=True, text=True,
                              timeout=timeout)

    def sql(self, query):
        """Run SQL with the sqlite3 CLI on the live database; stdout stripped."""
        r = subprocess.run(["sqlite3", "-cmd", ".timeout 5000", str(self.db), query],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, f"sqlite3 failed: {r.stderr}"
        return r.stdout.strip()

    def sql_rows(self, query, params=()):
        """Read-only query through Python's sqlite3 module."""
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def sql_exec(self, query, params=()):
        """One write statement with parameters, committed."""
        con = sqlite3.connect(str(self.db), timeout=5)
        try:
            with con:
                con.execute(query, params)
        finally:
            con.close()

    # --- HTTP

    def request(self, method, path, token=None, admin=False, check_rid=True, **kw):
        headers = dict(kw.pop("headers", None) or {})
        if admin:
            headers["Authorization"] = f"Bearer {self.admin_token}"
        elif token is not None:
            headers["Authorization"] = f"Bearer {token}"
        kw.setdefault("timeout", HTTP_TIMEOUT)
        r = requests.request(method, self.url + path, headers=headers,
                             verify=self.cert, **kw)
        assert not check_rid or "X-Request-ID" in r.headers, \
            f"{method} {path}: no X-Request-ID header ({r.status_code})"
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def login(self, login, password, **kw):
        return self.post("/v1/auth/login", json={"login": login, "password": password},
                         **kw)

    def login_ok(self, login, password):
        """Log in; assert success; return the response body."""
        r = self.login(login, password)
        assert r.status_code == 200, f"login {login}: {r.status_code} {r.text}"
        body = r.json()
        assert body.get("status") == "authenticated", body
        return body

    def session(self, token):
        return self.get("/v1/session", token=token)

    def add_customer(self, login=None, password=None, via="api"):
        """Create a customer (admin API or CLI); returns (login, password)."""
        login = login or unique_login()
        password = password or strong_password()
        if via == "api":
            r = self.post("/v1/admin/customers", admin=True, json={
                "login": login, "email": f"{login}@example.com",
                "phone": "0912345678", "password": password})
            assert r.status_code == 201, f"add {login}: {r.status_code} {r.text}"
        else:
            r = self.cli("customer", "add", "--login", login, "--email",
                         f"{login}@example.com", "--phone", "0912345678",
                         input=password + "\n")
            assert r.returncode == 0, f"customer add {login}: {r.stderr}"
        return login, password

    def advance_clock(self, seconds):
        r = self.post("/v1/test/clock", admin=True, json={"advance_seconds": seconds})
        assert r.status_code == 200, f"clock: {r.status_code} {r.text}"
        return r.json()["now_ms"]

    def metrics(self):
        r = self.get("/metrics")
        assert r.status_code == 200
        return parse_metrics(r.text)


# --------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def daemon_factory():
    """Start daemons with given settings; all are stopped (exit 0 checked) and removed."""
    made = []

    def make(settings=None, demo=False, start=True):
        d = Daemon(settings=settings, demo=demo)
        made.append(d)
        if start:
            d.start()
        return d

    yield make
    errors = []
    for d in made:
        try:
            d.stop(check=True)
        except BaseException as e:     # report after cleaning everything up
            errors.append(f"{d.dir}: {e}")
        finally:
            d.cleanup()
    if errors:
        pytest.fail("daemon shutdown: " + "\n".join(errors))


@pytest.fixture(scope="module")
def tg(daemon_factory):
    """One daemon per module, fast settings, password-only login allowed."""
    return daemon_factory()
