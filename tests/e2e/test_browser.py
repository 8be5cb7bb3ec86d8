"""
End-to-end tests of the customer's pages in a real browser: headless Debian
Chromium driven by playwright-core (flows.mjs), against the real daemon with
the compliant default auth.min_factor_kinds = 2, a real SMTP server
(STARTTLS) and a real HTTPS webhook receiver (the SMS gateway) that catch
the one-time codes, and Chromium's virtual authenticator for passkeys.

What the browser does (flows.mjs, one story, one step after the other):
password + email code in zh-TW, a wrong code first (AUTH-01: knowledge +
possession; OPS-04: short message and code); a passkey registration that
needs a step-up (AUTH-06), first refused with the login's own factor, then
done with an SMS code; TOTP enrolment from the QR image, recovery codes,
revoking the TOTP; the language switch, remembered; log out; password +
passkey with user verification (knowledge + possession + inherence,
AUTH-03/16); passkey alone with user verification (possession + inherence:
signed in); failed user verification refused by the browser; an
authenticator without user verification: passkey alone is not enough,
password + passkey is; changing the password; no CSP violation or script
error anywhere.  Screenshots go to $TG_E2E_SHOTS (/tmp/tradeguard-e2e).

Run: /usr/bin/python3 -m pytest tests/e2e (TG_BIN as for tests/integration).
Needs /usr/bin/chromium, node and tests/e2e/node_modules (npm ci).
"""

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

from conftest import (Daemon, assert_problem, ini_set,  # noqa: E402
                      strong_password, unique_login)
from sinks import SinkCA, SmtpSink, WebhookSink, notify_settings, otp_code  # noqa: E402

CHROMIUM = os.environ.get("TG_CHROMIUM", "/usr/bin/chromium")
NODE = shutil.which("node")
FLOWS = HERE / "flows.mjs"
SHOTS = Path(os.environ.get("TG_E2E_SHOTS", "/tmp/tradeguard-e2e"))
FLOW_TIMEOUT = 300      # seconds for the whole browser story

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'")

MISSING = [what for what, ok in (
    (CHROMIUM, Path(CHROMIUM).exists()),
    ("node", NODE is not None),
    ("tests/e2e/node_modules (npm ci --prefix tests/e2e)",
     (HERE / "node_modules" / "playwright-core").is_dir()),
) if not ok]
# `make e2e` sets TG_E2E_REQUIRED: there a missing browser is a failure.
needs_browser = pytest.mark.skipif(
    bool(MISSING) and not os.environ.get("TG_E2E_REQUIRED"),
    reason=f"missing {', '.join(MISSING)} (scripts/install-deps --test)")


# --------------------------------------------------------------------------
# the daemon and its notification sinks


class CodeFile:
    """
    Mirrors the one-time codes the sinks receive into a JSON file that
    flows.mjs polls: [{"channel": "email"|"sms", "to": ..., "code": ...}].
    """

    def __init__(self, path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._codes = []
        self._write()

    def _write(self):
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._codes))
        tmp.replace(self.path)

    def add(self, channel, to, code):
        if not code:
            return
        with self._lock:
            self._codes.append({"channel": channel, "to": to, "code": code})
            self._write()

    def attach(self, smtp, hook):
        """Wrap the sinks' _add so that every code is also written out."""
        smtp_add, hook_add = smtp._add, hook._add

        def on_mail(m):
            smtp_add(m)
            self.add("email", ",".join(m.rcpt_tos), otp_code(m.text))

        def on_hook(r):
            hook_add(r)
            j = r.json or {}
            if j.get("event") == "otp.code":
                self.add("sms", j.get("to", ""), otp_code(j.get("text")))

        smtp._add = on_mail
        hook._add = on_hook


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A started daemon (min_factor_kinds 2, passkeys for https://localhost:PORT,
    email and SMS delivery), one customer with an email and a phone."""
    work = tmp_path_factory.mktemp("e2e")
    ca = SinkCA(work / "ca")
    smtp = SmtpSink(ca)
    hook = WebhookSink(ca)
    codes = CodeFile(work / "codes.json")
    codes.attach(smtp, hook)
    settings = {
        ("auth", "min_factor_kinds"): "2",
        ("webauthn", "rp_id"): "localhost",
        ("otp", "max_per_hour"): "20",
    }
    settings.update(notify_settings(ca, smtp, hook, poll_seconds=1))
    d = Daemon(settings=settings)
    ini_set(d.ini, "webauthn", "origins", f"https://localhost:{d.port}")
    d.start()
    login, password = d.add_customer(login=unique_login("web"),
                                     password=strong_password())
    yield {"daemon": d, "login": login, "password": password,
           "codes": codes, "smtp": smtp, "hook": hook, "work": work}
    try:
        d.stop(check=True)
    finally:
        d.cleanup()
        smtp.stop()
        hook.stop()


def spki_hash(cert_pem_path):
    """base64(SHA-256(SubjectPublicKeyInfo)) for --ignore-certificate-errors-spki-list."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    cert = x509.load_pem_x509_certificate(Path(cert_pem_path).read_bytes())
    der = cert.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


# --------------------------------------------------------------------------
# the pages as served (no browser)


def test_root_redirects_to_the_sign_in_page(env):
    d = env["daemon"]
    r = d.get("/", allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"] == "/login.html"


@pytest.mark.parametrize("path,ctype", [
    ("/login.html", "text/html; charset=utf-8"),
    ("/account.html", "text/html; charset=utf-8"),
    ("/static/common.js", "text/javascript; charset=utf-8"),
    ("/static/login.js", "text/javascript; charset=utf-8"),
    ("/static/account.js", "text/javascript; charset=utf-8"),
    ("/static/style.css", "text/css; charset=utf-8"),
    ("/static/favicon.svg", "image/svg+xml"),
])
def test_pages_are_served_with_security_headers(env, path, ctype):
    d = env["daemon"]
    r = d.get(path)
    assert r.status_code == 200, r.text[:200]
    assert r.headers["Content-Type"] == ctype
    assert r.headers["Content-Security-Policy"] == CSP
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "Cache-Control" in r.headers
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    # Byte for byte what web/ holds (compiled in, no web directory needed).
    assert r.content == (REPO / "web" / path.lstrip("/")).read_bytes()


def test_unknown_pages_and_other_methods_are_problems(env):
    d = env["daemon"]
    assert_problem(d.get("/static/nope.js"), 404, "TG-REQ-002")
    assert_problem(d.get("/static/"), 404, "TG-REQ-002")
    assert_problem(d.get("/web/login.html"), 404, "TG-REQ-002")
    assert_problem(d.get("/static/%2e%2e/login.html"), 400, "TG-REQ-001")
    assert_problem(d.post("/login.html", json={}), 405, "TG-REQ-003")


def test_pages_have_no_inline_script_or_style():
    """The CSP allows neither; the pages must not need them."""
    for f in (REPO / "web").rglob("*.html"):
        html = f.read_text()
        for m in re.finditer(r"<script\b([^>]*)>", html, re.I):
            assert "src=" in m.group(1), f"{f.name}: inline <script>"
        assert not re.search(r"<style\b", html, re.I), f"{f.name}: <style>"
        assert not re.search(r"\sstyle\s*=", html, re.I), f"{f.name}: style="
        assert not re.search(r"\son[a-z]+\s*=", html, re.I), f"{f.name}: on* handler"
        assert not re.search(r"(src|href)\s*=\s*\"(https?:)?//", html, re.I), \
            f"{f.name}: resource from another origin"
    for f in (REPO / "web").rglob("*.js"):
        js = f.read_text()
        assert "innerHTML" not in js and "eval(" not in js, f"{f.name}"


def test_both_languages_have_the_same_strings():
    js = (REPO / "web" / "static" / "common.js").read_text()
    zh = js[js.index("'zh-TW': {"):js.index("  en: {")]
    en = js[js.index("  en: {"):js.index("};\n\nexport const LANGS")]
    keys = lambda s: set(re.findall(r"^\s+'([a-zA-Z0-9_.-]+)':", s, re.M))  # noqa: E731
    assert keys(zh) == keys(en)
    used = set(re.findall(r"data-i18n(?:-alt|-placeholder)?=\"([^\"]+)\"",
                          "".join(p.read_text() for p in (REPO / "web").glob("*.html"))))
    assert used <= keys(zh), f"missing strings: {used - keys(zh)}"


# --------------------------------------------------------------------------
# the browser


@needs_browser
def test_browser_sign_in_step_up_and_passkeys(env):
    assert not MISSING, f"missing {', '.join(MISSING)} (scripts/install-deps --test)"
    d = env["daemon"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    e = dict(os.environ)
    e.update({
        "TG_URL": f"https://localhost:{d.port}",
        "TG_LOGIN": env["login"],
        "TG_PASSWORD": env["password"],
        "TG_CODES": str(env["codes"].path),
        "TG_SPKI": spki_hash(d.cert),
        "TG_CHROMIUM": CHROMIUM,
        "TG_SHOTS": str(SHOTS),
    })
    r = subprocess.run([NODE, str(FLOWS)], cwd=HERE, env=e, capture_output=True,
                       text=True, timeout=FLOW_TIMEOUT)
    steps = []
    for line in r.stdout.splitlines():
        try:
            steps.append(json.loads(line))
        except ValueError:
            pass
    report = "\n".join(f"{s.get('step')}: {s.get('result')} {s.get('error', '')}"
                       for s in steps)
    assert r.returncode == 0, (f"flows.mjs failed (exit {r.returncode}):\n{report}\n"
                               f"--- stderr ---\n{r.stderr[-4000:]}\n"
                               f"{d.diagnostics()[-4000:]}")
    done = [s["step"] for s in steps if s.get("result") == "ok"]
    for want in ("password+email (zh-TW)", "step-up refused with the login factor",
                 "passkey registered after SMS step-up", "totp enrolled",
                 "recovery codes", "totp revoked", "language switch",
                 "logout", "password+passkey (UV)", "passkey alone (UV)",
                 "passkey alone (no UV) is not enough",
                 "password+passkey (no UV)", "change password"):
        assert want in done, f"step {want!r} not passed:\n{report}"

    # The server's own record agrees with what the pages showed.
    rows = d.sql_rows("SELECT f.type, f.active, f.uv FROM factor f JOIN customer c "
                      "ON c.id = f.customer_id WHERE c.login = ?", (env["login"],))
    assert ("webauthn", 1, 1) in rows, rows
    assert not any(r[0] == "totp" for r in rows), f"the TOTP was revoked: {rows}"
    events = [json.loads(x[0]) if x[0] else {} for x in d.sql_rows(
        "SELECT details FROM audit WHERE type = 'login.success' "
        "AND subject = ?", (f"customer:{env['login']}",))]
    kinds = [sorted(ev.get("factor_kinds", [])) for ev in events]
    assert ["knowledge", "possession"] in kinds
    assert ["inherence", "knowledge", "possession"] in kinds
    assert ["inherence", "possession"] in kinds
