"""
Owner notifications (AUTH-15), their records (AUD-07) and masking (DATA-03):
a real SMTP server (aiosmtpd, STARTTLS required) and a real HTTPS webhook
receiver on 127.0.0.1, both with certificates from a CA made here, receive
what the daemon's delivery worker sends after an account is locked.
"""

import datetime
import email
import email.policy
import hashlib
import hmac
import http.server
import ipaddress
import json
import re
import ssl
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import TGD, free_port, strong_password, unique_login

PHONE = "0912345678"
MASKED_PHONE = "0912***678"
WAIT = 20.0             # seconds for the worker (polls every second)


def wait_for(what, fn, timeout=WAIT):
    """Poll fn() until it returns something true; fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        got = fn()
        if got:
            return got
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


# --------------------------------------------------------------------------
# certificates: a CA and a server certificate for 127.0.0.1


def make_pki(d):
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TG test CA")])
    ca = (x509.CertificateBuilder()
          .subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(
              digital_signature=False, content_commitment=False,
              key_encipherment=False, data_encipherment=False,
              key_agreement=False, key_cert_sign=True, crl_sign=True,
              encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                        "127.0.0.1")]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.ExtendedKeyUsage(
                [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {"ca": d / "ca.pem", "cert": d / "server.pem", "key": d / "server.key"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return {k: str(v) for k, v in paths.items()}


def server_tls(pki):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(pki["cert"], pki["key"])
    return ctx


# --------------------------------------------------------------------------
# the SMTP sink


class Sink:
    """Keeps every message with its envelope and whether TLS was on."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append({
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "tls": session.ssl is not None,
                "raw": envelope.original_content or envelope.content,
            })
        return "250 2.0.0 OK"

    def to(self, addr):
        with self.lock:
            return [m for m in self.messages if addr in m["to"]]


# --------------------------------------------------------------------------
# the webhook receiver


class Hook:
    """HTTPS receiver; answers 500 once for the logins in fail_once."""

    def __init__(self, pki):
        self.lock = threading.Lock()
        self.requests = []
        self.fail_once = set()
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                try:
                    login = json.loads(body).get("customer_login")
                except ValueError:
                    login = None
                with hook.lock:
                    fail = login in hook.fail_once
                    hook.fail_once.discard(login)
                    hook.requests.append({"path": self.path,
                                          "headers": dict(self.headers),
                                          "body": body,
                                          "status": 500 if fail else 200})
                self.send_response(500 if fail else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.socket = server_tls(pki).wrap_socket(self.httpd.socket,
                                                        server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def for_login(self, login):
        with self.lock:
            out = []
            for r in self.requests:
                try:
                    j = json.loads(r["body"])
                except ValueError:
                    continue
                if j.get("customer_login") == login:
                    out.append((r, j))
            return out

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# --------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def pki():
    with tempfile.TemporaryDirectory(prefix="tg-pki-") as d:
        yield make_pki(Path(d))


@pytest.fixture(scope="module")
def smtp(pki):
    sink = Sink()
    port = free_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=port,
                     tls_context=server_tls(pki), require_starttls=True)
    ctl.start()
    sink.port = port
    yield sink
    ctl.stop()


@pytest.fixture(scope="module")
def hook(pki):
    h = Hook(pki)
    yield h
    h.close()


@pytest.fixture(scope="module")
def tg(daemon_factory, pki, smtp, hook):
    return daemon_factory({
        ("notify", "smtp_url"): f"smtp://127.0.0.1:{smtp.port}",
        ("notify", "smtp_ca_file"): pki["ca"],
        ("notify", "smtp_from"): "TradeGuard <noreply@tradeguard.test>",
        ("notify", "webhook_url"): f"https://127.0.0.1:{hook.port}/hook",
        ("notify", "webhook_ca_file"): pki["ca"],
        ("notify", "poll_seconds"): "1",
        ("notify", "retry_base_seconds"): "1",
    })


def add_customer(tg, locale):
    login = unique_login("notify")
    pw = strong_password()
    r = tg.post("/v1/admin/customers", admin=True, json={
        "login": login, "email": f"{login}@example.com", "phone": PHONE,
        "password": pw, "locale": locale})
    assert r.status_code == 201, r.text
    return login, pw


def lock(tg, login, pw):
    for _ in range(3):
        r = tg.login(login, pw + "x")
        assert r.status_code == 401, r.text
    assert tg.sql_rows("SELECT locked FROM customer WHERE login = ?",
                       (login,))[0][0] == 1


def webhook_key(tg):
    path = tg.dir / "keys" / "webhook.key"
    if not path.exists():
        pytest.skip("no keys/webhook.key in this build: webhook signing key not available")
    return bytes.fromhex(path.read_text().strip())


def signature(key, ts, body):
    return "v1=" + hmac.new(key, ts.encode() + b"." + body, hashlib.sha256).hexdigest()


def deliveries(tg, login, event="account.locked"):
    return tg.sql_rows(
        "SELECT d.id, d.channel, d.recipient, d.status, d.attempts,"
        " d.delivered_at, d.last_error FROM delivery d"
        " JOIN outbox o ON o.id = d.outbox_id"
        " JOIN customer c ON c.id = o.customer_id"
        " WHERE c.login = ? AND o.event = ? ORDER BY d.channel",
        (login, event))


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


# --------------------------------------------------------------------------
# tests


def test_lock_sends_email_in_traditional_chinese(tg, smtp):
    """AUTH-15, DATA-03: the owner of a locked account gets an email, zh-TW,
    over STARTTLS, with the phone number masked."""
    login, pw = add_customer(tg, "zh-TW")
    lock(tg, login, pw)
    addr = f"{login}@example.com"
    m = wait_for("the lock email", lambda: smtp.to(addr))[0]
    assert m["tls"], "the message was sent without STARTTLS"
    assert m["from"] == "noreply@tradeguard.test"
    assert m["to"] == [addr]
    msg = parse(m["raw"])
    assert "帳戶已鎖定" in msg["Subject"]
    assert msg["To"].addresses[0].addr_spec == addr
    assert msg["From"].addresses[0].addr_spec == "noreply@tradeguard.test"
    for h in ("Date", "Message-ID", "MIME-Version"):
        assert msg[h], f"no {h} header"
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    body = msg.get_content()
    assert MASKED_PHONE in body
    assert PHONE not in body
    assert "鎖定" in body and "台北時間" in body
    assert login not in body            # the login is masked too
    # The raw message holds no unencoded non-ASCII header text.
    head = m["raw"].split(b"\r\n\r\n", 1)[0]
    assert all(b < 0x80 for b in head)


def test_lock_sends_email_in_english(tg, smtp):
    """AUTH-15: an "en" customer gets the English text."""
    login, pw = add_customer(tg, "en")
    lock(tg, login, pw)
    m = wait_for("the lock email", lambda: smtp.to(f"{login}@example.com"))[0]
    msg = parse(m["raw"])
    assert msg["Subject"] == "[TradeGuard] Your account has been locked"
    body = msg.get_content()
    assert "Your account" in body and "was locked at" in body
    assert MASKED_PHONE in body and PHONE not in body
    assert "鎖定" not in body


def test_webhook_is_signed_and_carries_the_number(tg, hook):
    """AUTH-15: the SMS gateway gets the real number (inside TLS only) and a
    signature that the receiver can check; a changed body or time stamp fails."""
    key = webhook_key(tg)
    login, pw = add_customer(tg, "zh-TW")
    lock(tg, login, pw)
    req, j = wait_for("the webhook", lambda: hook.for_login(login))[0]
    assert req["path"] == "/hook"
    h = {k.lower(): v for k, v in req["headers"].items()}
    assert h["content-type"] == "application/json"
    ts = h["x-tradeguard-timestamp"]
    assert ts.isdigit() and abs(int(ts) - time.time()) < 3600
    sig = h["x-tradeguard-signature"]
    assert hmac.compare_digest(sig, signature(key, ts, req["body"]))
    # Negative: one flipped byte, a truncation, another time stamp.
    body = bytearray(req["body"])
    body[len(body) // 2] ^= 0x01
    assert not hmac.compare_digest(sig, signature(key, ts, bytes(body)))
    assert not hmac.compare_digest(sig, signature(key, ts, req["body"][:-1]))
    assert not hmac.compare_digest(sig, signature(key, str(int(ts) + 1), req["body"]))
    assert j["event"] == "account.locked"
    assert j["channel"] == "sms"
    assert j["to"] == PHONE
    assert j["locale"] == "zh-TW"
    assert "帳戶已鎖定" in j["subject"]
    assert PHONE not in j["text"] and login not in j["text"]
    assert isinstance(j["id"], int)
    assert j["created_at"].endswith("Z")


def test_deliveries_and_attempts_are_recorded(tg, smtp, hook):
    """AUD-07: one delivery per channel, recipients masked, every attempt kept."""
    webhook_key(tg)
    login, pw = add_customer(tg, "en")
    lock(tg, login, pw)

    def both_sent():
        rows = deliveries(tg, login)
        return rows if len(rows) == 2 and all(r[3] == "sent" for r in rows) else None

    rows = wait_for("both deliveries sent", both_sent)
    (eid, ech, erec, _, eatt, edone, eerr), (wid, wch, wrec, _, watt, wdone, werr) = rows
    assert (ech, wch) == ("email", "webhook")
    assert erec == "n***@example.com"
    assert wrec == MASKED_PHONE
    assert eatt == 1 and watt == 1
    assert edone > 0 and wdone > 0
    assert eerr == "" and werr == ""
    for did in (eid, wid):
        att = tg.sql_rows("SELECT ok, detail, at FROM delivery_attempt"
                          " WHERE delivery_id = ?", (did,))
        assert len(att) == 1 and att[0][0] == 1 and att[0][2] > 0
        assert PHONE not in att[0][1]
    status = tg.sql_rows("SELECT o.status FROM outbox o JOIN customer c"
                         " ON c.id = o.customer_id WHERE c.login = ?"
                         " AND o.event = 'account.locked'", (login,))
    assert status == [("routed",)]
    assert tg.metrics()["tradeguard_notify_sent_total"] >= 2


def test_webhook_500_is_retried(tg, hook):
    """AUD-07: a 500 is a failed attempt; the retry after the back-off
    succeeds and both attempts are recorded."""
    webhook_key(tg)
    login, pw = add_customer(tg, "zh-TW")
    with hook.lock:
        hook.fail_once.add(login)
    lock(tg, login, pw)

    def webhook_row():
        return [r for r in deliveries(tg, login) if r[1] == "webhook"]

    first = wait_for("the first webhook attempt",
                     lambda: [r for r in webhook_row() if r[4] >= 1])[0]
    if first[3] == "pending":
        assert first[6] == "http 500"
        # Move the clock past the back-off instead of sleeping through it.
        tg.advance_clock(5)
    row = wait_for("the retry", lambda: [r for r in webhook_row()
                                         if r[3] == "sent"])[0]
    assert row[4] == 2
    att = tg.sql_rows("SELECT ok, detail FROM delivery_attempt"
                      " WHERE delivery_id = ? ORDER BY id", (row[0],))
    assert att == [(0, "http 500"), (1, "http 200")]
    reqs = hook.for_login(login)
    assert [r["status"] for r, _ in reqs] == [500, 200]
    assert reqs[0][1]["id"] == reqs[1][1]["id"]      # the receiver can deduplicate
    assert tg.metrics()["tradeguard_notify_attempt_failures_total"] >= 1


def test_log_holds_no_personal_data(tg, smtp):
    """DATA-03: the server log names deliveries, never numbers or addresses."""
    login, pw = add_customer(tg, "en")
    lock(tg, login, pw)
    wait_for("the lock email", lambda: smtp.to(f"{login}@example.com"))
    wait_for("the sent log line", lambda: "notify.sent" in tg.log_text())
    text = tg.log_text()
    assert PHONE not in text
    assert f"{login}@example.com" not in text


def test_one_time_code_only_in_the_message(tg, smtp, hook):
    """A code goes only to the channel asked for; it appears in the message
    body and nowhere else: not in the delivery records, the outbox, or the log."""
    login, pw = add_customer(tg, "en")
    token = tg.login_ok(login, pw)["session_token"]
    addr = f"{login}@example.com"
    r = tg.post("/v1/session/step-up/send-code", token=token,
                json={"channel": "email"})
    assert r.status_code == 202, r.text

    def code_mail():
        return [parse(m["raw"]) for m in smtp.to(addr)
                if parse(m["raw"])["Subject"] == "[TradeGuard] Your verification code"]

    msg = wait_for("the code email", code_mail)[0]
    found = re.search(r"code is: (\d{6})", msg.get_content())
    assert found, msg.get_content()
    code = found.group(1)
    # Sent by email only: the webhook saw no otp.code for this login.
    assert not [j for _, j in hook.for_login(login) if j["event"] == "otp.code"]
    rows = tg.sql_rows(
        "SELECT d.recipient, d.last_error, o.payload FROM delivery d"
        " JOIN outbox o ON o.id = d.outbox_id JOIN customer c"
        " ON c.id = o.customer_id WHERE c.login = ? AND o.event = 'otp.code'",
        (login,))
    assert len(rows) == 1 and rows[0][0] == "n***@example.com"
    details = tg.sql_rows("SELECT detail FROM delivery_attempt")
    for text in [rows[0][1], rows[0][2]] + [d for (d,) in details]:
        assert code not in text
    wait_for("the sent log line", lambda: "(otp.code, email)" in tg.log_text())
    assert code not in tg.log_text()


def test_dead_smtp_server_does_not_block_login(daemon_factory):
    """AUTH-15: delivery never runs on a login's path: with the mail server
    down, logins succeed, and the failure is recorded and logged."""
    dead = free_port()          # nothing listens there
    tg = daemon_factory({
        ("notify", "smtp_url"): f"smtp://127.0.0.1:{dead}",
        ("notify", "poll_seconds"): "1",
        ("notify", "retry_max"): "0",
    })
    login, pw = tg.add_customer()
    for _ in range(3):
        tg.login_ok(login, pw)

    def failed():
        rows = deliveries(tg, login, "login.succeeded")
        return rows if len(rows) == 3 and all(r[3] == "failed" for r in rows) else None

    rows = wait_for("failed deliveries", failed)
    for r in rows:
        assert r[1] == "email" and r[4] == 1 and r[6].startswith("smtp:")
        att = tg.sql_rows("SELECT ok FROM delivery_attempt WHERE delivery_id = ?",
                          (r[0],))
        assert att == [(0,)]
    errors = [line for line in tg.log_lines()
              if line.get("event") == "notify.failed"]
    assert len(errors) == 3 and all(e["level"] == "error" for e in errors)
    assert tg.metrics()["tradeguard_notify_failed_total"] == 3


def test_unverified_servers_get_nothing(daemon_factory, smtp, hook):
    """TLS peers are verified: without the test CA (system store only), the
    same SMTP server and webhook receiver are refused, nothing is sent."""
    tg = daemon_factory({
        ("notify", "smtp_url"): f"smtp://127.0.0.1:{smtp.port}",
        ("notify", "webhook_url"): f"https://127.0.0.1:{hook.port}/hook",
        ("notify", "poll_seconds"): "1",
        ("notify", "retry_max"): "0",
    })
    login, pw = add_customer(tg, "en")
    lock(tg, login, pw)

    def failed():
        rows = deliveries(tg, login)
        return rows if len(rows) == 2 and all(r[3] == "failed" for r in rows) else None

    for r in wait_for("failed deliveries", failed):
        assert "certificate" in r[6].lower() or "ssl" in r[6].lower(), r[6]
    assert smtp.to(f"{login}@example.com") == []
    assert hook.for_login(login) == []


def test_plain_http_webhook_is_refused(daemon_factory):
    """https only: the daemon refuses to start with an http:// webhook."""
    tg = daemon_factory({
        ("notify", "webhook_url"): f"http://127.0.0.1:{free_port()}/hook",
    }, start=False)
    proc = subprocess.run([str(TGD), "--config", str(tg.ini)],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert "webhook_url" in proc.stderr and "https" in proc.stderr
