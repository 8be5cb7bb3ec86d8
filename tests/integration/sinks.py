"""
Receivers for the notification worker, shared by the black-box tests:

- a test certificate authority and a server certificate for 127.0.0.1 /
  localhost (python-cryptography), so that the daemon verifies the sinks
  against a CA file as it does in production (notify.*_ca_file);
- SmtpSink: an aiosmtpd server on 127.0.0.1 that requires STARTTLS and
  keeps every message it accepts;
- WebhookSink: an HTTPS server on 127.0.0.1 that keeps every JSON body it
  is POSTed (the SMS gateway / push service side of notify.webhook_url);
- notify_settings(): the [notify] options that point a daemon at both;
- otp_code(): the one-time code inside a delivered message text.

Fixtures `notify_ca`, `smtp_sink` and `webhook_sink` are module-scoped;
import them into a test module to use them.
"""

import datetime
import email
import email.policy
import json
import re
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conftest import free_port

DELIVERY_TIMEOUT = 20.0     # seconds for the worker (poll 1 s) to deliver

# "您的登入驗證碼為：123456" / "Your sign-in code is: 123456" (email body),
# "驗證碼為123456" / "code is 123456" (SMS text).
_CODE_RE = re.compile(r"(?:驗證碼為：?|code is:? )(\d+)")


def otp_code(text):
    """The code in a one-time-code message text, or None."""
    m = _CODE_RE.search(text or "")
    return m.group(1) if m else None


# --------------------------------------------------------------------------
# certificates


class SinkCA:
    """A throw-away CA and one server certificate (127.0.0.1, ::1, localhost)."""

    def __init__(self, directory):
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        now = datetime.datetime.now(datetime.timezone.utc)
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                "TradeGuard test CA")])
        ca_ski = x509.SubjectKeyIdentifier.from_public_key(self.ca_key.public_key())
        self.ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name).issuer_name(ca_name)
            .public_key(self.ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False,
                encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ca_ski, critical=False)
            .sign(self.ca_key, hashes.SHA256()))
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                        "127.0.0.1")]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ip_address("127.0.0.1")),
                x509.IPAddress(ip_address("::1")),
                x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_ski), critical=False)
            .sign(self.ca_key, hashes.SHA256()))
        self.ca_file = str(d / "sink-ca.pem")
        self.cert_file = str(d / "sink-cert.pem")
        self.key_file = str(d / "sink-key.pem")
        Path(self.ca_file).write_bytes(self.ca_cert.public_bytes(serialization.Encoding.PEM))
        Path(self.cert_file).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        Path(self.key_file).write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))

    def server_context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx


# --------------------------------------------------------------------------
# a common base: received items, waiting for them


class _Sink:
    def __init__(self):
        self._items = []
        self._cv = threading.Condition()

    def _add(self, item):
        with self._cv:
            self._items.append(item)
            self._cv.notify_all()

    def items(self):
        with self._cv:
            return list(self._items)

    def mark(self):
        """The number of items so far: pass it as `since` to wait for newer ones."""
        with self._cv:
            return len(self._items)

    def wait_for(self, match, since=0, timeout=DELIVERY_TIMEOUT):
        """The first item at index >= since for which match(item) is true;
        fails the test after timeout seconds."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for item in self._items[since:]:
                    if match(item):
                        return item
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"{type(self).__name__}: nothing matching after "
                                f"{timeout}s; received: {self._items[since:]!r}"[:3000])
                self._cv.wait(left)


# --------------------------------------------------------------------------
# SMTP


class SmtpMessage:
    def __init__(self, envelope):
        self.mail_from = envelope.mail_from
        self.rcpt_tos = list(envelope.rcpt_tos)
        self.raw = bytes(envelope.original_content or envelope.content)
        self.msg = email.message_from_bytes(self.raw, policy=email.policy.default)
        self.subject = str(self.msg["Subject"] or "")
        self.to = str(self.msg["To"] or "")
        body = self.msg.get_body(preferencelist=("plain",))
        self.text = body.get_content() if body is not None else ""

    def __repr__(self):
        return f"<mail to={self.rcpt_tos} subject={self.subject!r}>"


class SmtpSink(_Sink):
    """aiosmtpd on 127.0.0.1:port; STARTTLS required when ca is given."""

    def __init__(self, ca=None):
        super().__init__()
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                sink._add(SmtpMessage(envelope))
                return "250 OK"

        self.port = free_port()
        kw = {}
        if ca is not None:
            kw = {"tls_context": ca.server_context(), "require_starttls": True}
        self.starttls = ca is not None
        self._controller = Controller(Handler(), hostname="127.0.0.1",
                                      port=self.port, **kw)
        self._controller.start()
        self.url = f"smtp://127.0.0.1:{self.port}"

    def stop(self):
        self._controller.stop()

    def wait_code(self, address, since=0, timeout=DELIVERY_TIMEOUT):
        """The one-time code of the next code email to address."""
        m = self.wait_for(lambda m: address in m.rcpt_tos and otp_code(m.text),
                          since=since, timeout=timeout)
        return otp_code(m.text)


# --------------------------------------------------------------------------
# webhook (HTTPS)


class WebhookRequest:
    def __init__(self, path, headers, body):
        self.path = path
        self.headers = headers
        self.raw = body
        try:
            self.json = json.loads(body)
        except ValueError:
            self.json = None

    def __repr__(self):
        j = self.json or {}
        return f"<webhook {j.get('event')} {j.get('customer_login')}>"


class WebhookSink(_Sink):
    """An HTTPS server on 127.0.0.1 that answers `status` to every POST."""

    def __init__(self, ca):
        super().__init__()
        sink = self
        self.status = 200

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                sink._add(WebhookRequest(self.path, dict(self.headers), body))
                out = b"{}"
                self.send_response(sink.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.socket = ca.server_context().wrap_socket(
            self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}/notify"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        daemon=True)
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def wait_event(self, login, event, since=0, timeout=DELIVERY_TIMEOUT):
        return self.wait_for(lambda r: r.json is not None
                             and r.json.get("customer_login") == login
                             and r.json.get("event") == event,
                             since=since, timeout=timeout)

    def wait_code(self, login, since=0, timeout=DELIVERY_TIMEOUT):
        """The one-time code of the next otp.code webhook (SMS) for login."""
        r = self.wait_event(login, "otp.code", since=since, timeout=timeout)
        return otp_code(r.json.get("text"))


# --------------------------------------------------------------------------
# fixtures and settings


def notify_settings(ca, smtp, hook, poll_seconds=1):
    """[notify] options pointing a daemon at smtp and hook."""
    s = {
        ("notify", "webhook_url"): hook.url,
        ("notify", "webhook_ca_file"): ca.ca_file,
        ("notify", "poll_seconds"): str(poll_seconds),
    }
    if smtp is not None:
        s[("notify", "smtp_url")] = smtp.url
        if smtp.starttls:
            s[("notify", "smtp_ca_file")] = ca.ca_file
            s[("notify", "smtp_starttls")] = "true"
        else:
            s[("notify", "smtp_starttls")] = "false"
    return s


@pytest.fixture(scope="module")
def notify_ca(tmp_path_factory):
    return SinkCA(tmp_path_factory.mktemp("sink-ca"))


@pytest.fixture(scope="module")
def smtp_sink(notify_ca):
    s = SmtpSink(notify_ca)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def webhook_sink(notify_ca):
    s = WebhookSink(notify_ca)
    yield s
    s.stop()
