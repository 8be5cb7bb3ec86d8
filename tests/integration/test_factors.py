"""
Second factors over the public API, black box (AUTH-01, AUTH-02, AUTH-03,
AUTH-06, AUTH-10, AUTH-15, AUTH-16, AUD-07, DATA-03).

The daemon runs with auth.min_factor_kinds = 2 and the notification worker
pointed at two local receivers (tests/integration/sinks.py): one-time codes
reach the test only the way they reach a customer, in the SMS webhook's
"text" or in the email body.  The tests play every client part themselves:
an authenticator app (pyotp, cross-checked with oathtool), a phone with a
bound key (keys made and used with the openssl CLI), and a FIDO2
authenticator (CBOR with fido2.cbor, COSE ES256 keys, ECDSA with
python-cryptography).  Time rules are tested by moving the server's
injected clock (POST /v1/test/clock), never by sleeping.

Every accepted code, signature and token is also shown rejected when it is
wrong, tampered with, replayed or stale.
"""

import base64
import hashlib
import json
import math
import os
import re
import subprocess
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2 import cbor
from fido2.cose import ES256

from conftest import assert_problem, strong_password
from sinks import notify_ca, notify_settings, smtp_sink, webhook_sink  # noqa: F401

LOGIN_FAILED = (401, "TG-AUTH-001")
UNAUTHORIZED = (401, "TG-AUTH-002")
FLOW_INVALID = (401, "TG-AUTH-003")
STEPUP_REQUIRED = (403, "TG-AUTH-004")
VERIFY_FAILED = (403, "TG-FAC-003")
FACTOR_UNAVAILABLE = (422, "TG-FAC-001")
NOT_FOUND = (404, "TG-REQ-002")

RP_ID = "localhost"
ORIGIN = "https://localhost:8443"
PHONE = "0912345678"
FLOW_TTL = 120              # auth.flow_ttl_seconds (< the 300 s of a code)
FRESHNESS = 300             # stepup.freshness_seconds
CODE_TTL = 300              # otp.ttl_seconds
CHALLENGE_TTL = 60          # webauthn.timeout_seconds (< FLOW_TTL)
LOCKOUT = 3                 # lockout.threshold

FLAG_UP, FLAG_UV, FLAG_AT = 0x01, 0x04, 0x40
DEVMSG_PREFIX = "TGDEV1\n"


@pytest.fixture(scope="module")
def tg(notify_ca, smtp_sink, webhook_sink, daemon_factory):
    """One daemon for the module: two factor kinds required, codes delivered
    to the local sinks every second, room for many sessions and codes."""
    settings = notify_settings(notify_ca, smtp_sink, webhook_sink)
    settings.update({
        ("auth", "min_factor_kinds"): "2",
        ("auth", "flow_ttl_seconds"): str(FLOW_TTL),
        ("stepup", "freshness_seconds"): str(FRESHNESS),
        ("otp", "ttl_seconds"): str(CODE_TTL),
        ("otp", "max_attempts"): "5",
        ("otp", "max_per_hour"): "100",
        ("totp", "window"): "1",
        ("session", "max_per_account"): "100",
        ("webauthn", "rp_id"): RP_ID,
        ("webauthn", "origins"): ORIGIN,
        ("webauthn", "timeout_seconds"): str(CHALLENGE_TTL),
        ("server", "queue"): "64",
        ("auth", "class_min_kinds"): "institutional=3",
    })
    d = daemon_factory(settings)
    d.smtp = smtp_sink
    d.hook = webhook_sink
    return d


# --------------------------------------------------------------------------
# encodings


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_dec(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def flip_bit(data, index=-1, bit=0):
    b = bytearray(data)
    b[index] ^= 1 << bit
    return bytes(b)


def parse_ts(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=timezone.utc).timestamp()


# --------------------------------------------------------------------------
# customers, flows, codes, sessions


class Customer:
    def __init__(self, login, password):
        self.login = login
        self.password = password
        self.email = f"{login}@example.com"
        self.phone = PHONE


def new_customer(tg):
    login, pw = tg.add_customer()       # email login@example.com, phone PHONE
    return Customer(login, pw)


def password_flow(tg, c, password=None, **kw):
    """POST /v1/auth/login with the password: a flow that needs one more kind."""
    r = tg.login(c.login, password or c.password, **kw)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "factor_required", body
    assert body["verified_kinds"] == ["knowledge"]
    assert body["required_kinds"] == 2
    return body["flow"]


def start_flow(tg, c, purpose, **kw):
    """POST /v1/auth/start: a flow without the password (login, unlock, reset)."""
    r = tg.post("/v1/auth/start", json={"login": c.login, "purpose": purpose}, **kw)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "factor_required", body
    assert body["verified_kinds"] == []
    return body["flow"]


def deliver(tg, c, channel, send):
    """Call send() (which asks for a code by channel) and return (its
    response, the code as the customer receives it)."""
    sink = tg.hook if channel == "sms" else tg.smtp
    mark = sink.mark()
    r = send()
    assert r.status_code == 202, r.text
    if channel == "sms":
        code = tg.hook.wait_code(c.login, since=mark)
    else:
        code = tg.smtp.wait_code(c.email, since=mark)
    assert code is not None
    return r, code


def flow_code(tg, c, flow, channel, **kw):
    return deliver(tg, c, channel, lambda: tg.post(
        "/v1/auth/flow/send-code", json={"flow": flow, "channel": channel}, **kw))


def flow_verify(tg, flow, factor, **proof):
    kw = {}
    if "headers" in proof:
        kw["headers"] = proof.pop("headers")
    return tg.post("/v1/auth/flow/verify",
                   json={"flow": flow, "factor": factor, **proof}, **kw)


def authenticated(r, kinds):
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "authenticated", body
    assert set(body["factor_kinds"]) == set(kinds), body
    assert len(body["session_token"]) >= 32
    return body["session_token"]


def still_factor_required(r, kinds):
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "factor_required", body
    assert set(body["verified_kinds"]) == set(kinds), body
    assert "session_token" not in body
    assert "Set-Cookie" not in r.headers
    return body


def login_with_code(tg, c, channel="sms"):
    """Password + a code by channel: a session token."""
    flow = password_flow(tg, c)
    _, code = flow_code(tg, c, flow, channel)
    return authenticated(flow_verify(tg, flow, channel, code=code),
                         {"knowledge", "possession"})


def stepup_code(tg, token, c, channel):
    """Send a step-up code by channel; the code as received."""
    return deliver(tg, c, channel, lambda: tg.post(
        "/v1/session/step-up/send-code", token=token, json={"channel": channel}))[1]


def stepup(tg, token, c, channel):
    """Step up the session with a code by channel; asserts it verified."""
    code = stepup_code(tg, token, c, channel)
    r = tg.post("/v1/session/step-up", token=token,
                json={"factor": channel, "code": code})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "verified"
    return r.json()


def ready_session(tg, c):
    """A session (password + SMS) with a fresh step-up by email, a factor not
    used at login: what binding a new factor needs."""
    token = login_with_code(tg, c, "sms")
    stepup(tg, token, c, "email")
    return token


def wait_until(fn, timeout=10.0):
    """Poll fn() (a store query) until it returns something true; the
    worker writes its records a moment after the sinks have the message."""
    deadline = time.monotonic() + timeout
    while True:
        got = fn()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def locked_in_db(tg, c):
    return tg.sql_rows("SELECT locked FROM customer WHERE login = ?", (c.login,))[0][0]


def lock_with_passwords(tg, c):
    for _ in range(LOCKOUT):
        assert_problem(tg.login(c.login, c.password + "x"), *LOGIN_FAILED)
    assert locked_in_db(tg, c) == 1
    assert_problem(tg.login(c.login, c.password), *LOGIN_FAILED)


def audit_records(tg, c=None, types=None):
    r = tg.cli("audit", "export")
    assert r.returncode == 0, r.stderr
    out = []
    for line in r.stdout.splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        if isinstance(rec.get("details"), str):
            try:
                rec["details"] = json.loads(rec["details"])
            except ValueError:
                pass
        if c is not None and rec.get("subject") != f"customer:{c.login}":
            continue
        if types is not None and rec.get("type") not in types:
            continue
        out.append(rec)
    return out, r.stdout


def factors(tg, token):
    r = tg.get("/v1/account/factors", token=token)
    assert r.status_code == 200, r.text
    return r.json()


# --------------------------------------------------------------------------
# the authenticator app (TOTP)


def server_now(tg):
    """The server's clock, in seconds."""
    return tg.advance_clock(0) / 1000


def fresh_step(tg):
    """Move the server clock 5 s into the next 30 s step (so that a code
    computed now stays current for 25 s); returns the server time."""
    now = server_now(tg)
    target = (math.floor(now / 30) + 1) * 30 + 5
    tg.advance_clock(int(math.ceil(target - now)))
    return server_now(tg)


def totp_at(secret, t):
    return pyotp.TOTP(secret).at(int(t))


def oathtool_at(secret, t):
    r = subprocess.run(["oathtool", "--totp", "-b", secret, "-N", f"@{int(t)}"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def wrong_totp(secret, t):
    """A well-formed code that no step of the window around t accepts."""
    near = {totp_at(secret, t + d * 30) for d in range(-2, 3)}
    n = int(totp_at(secret, t))
    while f"{n:06d}" in near:
        n = (n + 1) % 1000000
    return f"{n:06d}"


def enrol_totp(tg, c, token=None):
    """Enrol and confirm a TOTP generator; returns (secret, factor id)."""
    token = token or ready_session(tg, c)
    r = tg.post("/v1/account/totp", token=token, json={"name": "phone app"})
    assert r.status_code == 201, r.text
    e = r.json()
    now = fresh_step(tg)
    r = tg.post(f"/v1/account/totp/{e['factor_id']}/confirm", token=token,
                json={"code": totp_at(e["secret"], now)})
    assert r.status_code == 200, r.text
    return e["secret"], e["factor_id"]


# --------------------------------------------------------------------------
# the bound device (keys and signatures with the openssl CLI)


def openssl(*args):
    r = subprocess.run(["openssl", *map(str, args)], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return r.stdout


class DeviceKey:
    """A key pair made by `openssl genpkey`; signs as the AUTH-02 contract says."""

    def __init__(self, directory, alg, name=None):
        self.alg = alg
        self.dir = directory
        self.name = name or f"{alg}-{os.urandom(3).hex()}"
        self.key = directory / f"{self.name}.pem"
        if alg == "p256":
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-out", self.key)
        else:
            openssl("genpkey", "-algorithm", "ED25519", "-out", self.key)
        self.pub_pem = openssl("pkey", "-in", self.key, "-pubout").decode()
        self.pub_der = openssl("pkey", "-in", self.key, "-pubout", "-outform", "DER")

    def sign(self, msg):
        m = self.dir / f"{self.name}.msg"
        s = self.dir / f"{self.name}.sig"
        m.write_bytes(msg)
        if self.alg == "p256":
            openssl("dgst", "-sha256", "-sign", self.key, "-out", s, m)
        else:
            openssl("pkeyutl", "-sign", "-rawin", "-inkey", self.key, "-in", m,
                    "-out", s)
        return s.read_bytes()

    def public_key_field(self):
        """PEM for P-256, base64url DER for Ed25519: both forms are accepted."""
        return self.pub_pem if self.alg == "p256" else b64u(self.pub_der)


def device_message(challenge_b64, purpose):
    """The exact bytes a device signs (src/crypto/devkey.h)."""
    return f"{DEVMSG_PREFIX}{challenge_b64}\n{purpose}\n".encode("ascii")


def check_challenge(body, purpose):
    ch = body["challenge"]
    assert len(b64u_dec(ch)) == 32
    msg = device_message(ch, purpose)
    assert body["message"].encode() == msg
    return msg


def bind_device(tg, c, token, key, name="my phone"):
    r = tg.post("/v1/account/devices/challenge", token=token)
    assert r.status_code == 200, r.text
    msg = check_challenge(r.json(), "device.register")
    r = tg.post("/v1/account/devices", token=token, json={
        "name": name, "public_key": key.public_key_field(),
        "signature": b64u(key.sign(msg))})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["type"] == "device" and body["name"] == name
    return body["id"]


def device_challenge(tg, flow, device_id):
    r = tg.post("/v1/auth/flow/challenge", json={
        "flow": flow, "factor": "device", "device_id": device_id})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["device_id"] == device_id
    return check_challenge(body, "device.login")


def device_verify(tg, flow, device_id, sig):
    return flow_verify(tg, flow, "device", device_id=device_id, signature=b64u(sig))


# --------------------------------------------------------------------------
# the FIDO2 authenticator


class Authenticator:
    """A software passkey: ES256, attestation "none", a signature counter."""

    def __init__(self, rp_id=RP_ID):
        self.rp_id = rp_id
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cred_id = os.urandom(32)
        self.counter = 0

    def cose_key(self):
        return ES256.from_cryptography_key(self.key.public_key())

    def _client_data(self, type_, challenge, origin):
        return json.dumps({"type": type_, "challenge": challenge,
                           "origin": origin, "crossOrigin": False},
                          separators=(",", ":")).encode()

    def _rp_hash(self, rp_id):
        return hashlib.sha256((rp_id or self.rp_id).encode()).digest()

    def make_credential(self, options, uv=True, origin=ORIGIN, rp_id=None,
                        challenge=None):
        """A registration response to PublicKeyCredentialCreationOptions."""
        cd = self._client_data("webauthn.create",
                               challenge or options["challenge"], origin)
        flags = FLAG_UP | FLAG_AT | (FLAG_UV if uv else 0)
        auth_data = (self._rp_hash(rp_id) + bytes([flags])
                     + self.counter.to_bytes(4, "big") + bytes(16)
                     + len(self.cred_id).to_bytes(2, "big") + self.cred_id
                     + cbor.encode(self.cose_key()))
        att = cbor.encode({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {"id": b64u(self.cred_id), "rawId": b64u(self.cred_id),
                "type": "public-key",
                "response": {"clientDataJSON": b64u(cd),
                             "attestationObject": b64u(att)}}

    def get_assertion(self, challenge, uv=True, origin=ORIGIN, counter=None,
                      tamper=None):
        """An assertion over challenge (base64url text).  counter: the value
        to report (default: one more than the last); tamper: a function
        applied to the signature."""
        self.counter = self.counter + 1 if counter is None else counter
        cd = self._client_data("webauthn.get", challenge, origin)
        flags = FLAG_UP | (FLAG_UV if uv else 0)
        auth_data = self._rp_hash(None) + bytes([flags]) + \
            self.counter.to_bytes(4, "big")
        sig = self.key.sign(auth_data + hashlib.sha256(cd).digest(),
                            ec.ECDSA(hashes.SHA256()))
        if tamper is not None:
            sig = tamper(sig)
        return {"id": b64u(self.cred_id), "rawId": b64u(self.cred_id),
                "type": "public-key",
                "response": {"clientDataJSON": b64u(cd),
                             "authenticatorData": b64u(auth_data),
                             "signature": b64u(sig)}}


def register_passkey(tg, token, auth=None, uv=True, name="laptop passkey"):
    auth = auth or Authenticator()
    r = tg.post("/v1/account/webauthn/options", token=token)
    assert r.status_code == 200, r.text
    opts = r.json()
    r = tg.post("/v1/account/webauthn", token=token, json={
        "name": name, "credential": auth.make_credential(opts, uv=uv)})
    assert r.status_code == 201, r.text
    assert r.json()["type"] == "webauthn"
    return auth, r.json()["id"]


def passkey_customer(tg, uv=True):
    """A customer with one passkey; returns (customer, authenticator, session)."""
    c = new_customer(tg)
    token = ready_session(tg, c)
    auth, _ = register_passkey(tg, token, uv=uv)
    return c, auth, token


def webauthn_challenge(tg, flow):
    r = tg.post("/v1/auth/flow/challenge", json={"flow": flow, "factor": "webauthn"})
    assert r.status_code == 200, r.text
    opts = r.json()
    assert opts["rpId"] == RP_ID
    assert len(b64u_dec(opts["challenge"])) == 32
    return opts


def passkey_verify(tg, flow, auth, challenge=None, **kw):
    ch = challenge or webauthn_challenge(tg, flow)["challenge"]
    return flow_verify(tg, flow, "webauthn", credential=auth.get_assertion(ch, **kw))


# ==========================================================================
# the factor rule (AUTH-01)


def test_password_alone_needs_a_second_kind(tg):
    """AUTH-01: with min_factor_kinds = 2 the right password opens a flow,
    not a session, and lists the factors the customer can still use."""
    c = new_customer(tg)
    r = tg.login(c.login, c.password)
    body = still_factor_required(r, {"knowledge"})
    assert body["required_kinds"] == 2
    assert {"sms", "email"} <= set(body["available_factors"])
    assert parse_ts(body["flow_expires_at"]) - server_now(tg) == \
        pytest.approx(FLOW_TTL, abs=5)


def test_password_and_sms_give_session(tg):
    """AUTH-01: knowledge (password) + possession (SMS code) is a session."""
    c = new_customer(tg)
    token = login_with_code(tg, c, "sms")
    r = tg.session(token)
    assert r.status_code == 200, r.text
    assert set(r.json()["factor_kinds"]) == {"knowledge", "possession"}


def test_password_and_totp_give_session(tg):
    """AUTH-01: knowledge (password) + possession (TOTP generator) is a session."""
    c = new_customer(tg)
    secret, _ = enrol_totp(tg, c)
    now = fresh_step(tg)
    flow = password_flow(tg, c)
    token = authenticated(flow_verify(tg, flow, "totp", code=totp_at(secret, now)),
                          {"knowledge", "possession"})
    assert set(tg.session(token).json()["factor_kinds"]) == {"knowledge", "possession"}


def test_totp_and_sms_are_one_kind(tg):
    """AUTH-01: a TOTP code and an SMS code are both possession: together
    they are one kind, not two, and give no session."""
    c = new_customer(tg)
    secret, _ = enrol_totp(tg, c)
    flow = start_flow(tg, c, "login")
    now = fresh_step(tg)
    still_factor_required(flow_verify(tg, flow, "totp", code=totp_at(secret, now)),
                          {"possession"})
    _, code = flow_code(tg, c, flow, "sms")
    body = still_factor_required(flow_verify(tg, flow, "sms", code=code),
                                 {"possession"})
    assert body["required_kinds"] == 2
    # Email is possession as well.
    _, code = flow_code(tg, c, flow, "email")
    still_factor_required(flow_verify(tg, flow, "email", code=code), {"possession"})


def test_same_factor_twice_counts_once(tg):
    """AUTH-01: the same code channel verified twice in one flow adds nothing."""
    c = new_customer(tg)
    flow = start_flow(tg, c, "login")
    for _ in range(2):
        _, code = flow_code(tg, c, flow, "sms")
        still_factor_required(flow_verify(tg, flow, "sms", code=code), {"possession"})


def test_passkey_with_uv_alone_gives_session(tg):
    """AUTH-01, AUTH-03, AUTH-16: a passkey assertion with the user-verified
    flag proves possession and (indirect) biometric: a session on its own."""
    c, auth, _ = passkey_customer(tg)
    flow = start_flow(tg, c, "login")
    token = authenticated(passkey_verify(tg, flow, auth, uv=True),
                          {"possession", "inherence"})
    assert set(tg.session(token).json()["factor_kinds"]) == {"possession", "inherence"}


def test_passkey_without_uv_alone_is_not_enough(tg):
    """AUTH-01, AUTH-03: without the UV flag a passkey is possession only."""
    c, auth, _ = passkey_customer(tg)
    flow = start_flow(tg, c, "login")
    still_factor_required(passkey_verify(tg, flow, auth, uv=False), {"possession"})


def test_passkey_without_uv_and_password_give_session(tg):
    """AUTH-01: password + a passkey without UV is knowledge + possession."""
    c, auth, _ = passkey_customer(tg)
    flow = password_flow(tg, c)
    authenticated(passkey_verify(tg, flow, auth, uv=False), {"knowledge", "possession"})


# ==========================================================================
# TOTP (RFC 6238)


def test_totp_enrolment_needs_stepup_then_gives_uri_and_qr(tg):
    """AUTH-02, AUTH-06: enrolling an authenticator app needs a step-up with
    a factor not used at login (here SMS after password + email); the answer
    carries an otpauth:// URI and an SVG QR code; a wrong code does not
    confirm it, the right one (pyotp, same as oathtool) does."""
    c = new_customer(tg)
    token = login_with_code(tg, c, "email")
    assert_problem(tg.post("/v1/account/totp", token=token), *STEPUP_REQUIRED)
    stepup(tg, token, c, "sms")
    r = tg.post("/v1/account/totp", token=token, json={"name": "phone app"})
    assert r.status_code == 201, r.text
    e = r.json()
    secret = e["secret"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret      # 160 bits
    uri = urlparse(e["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == f"/TradeGuard:{c.login}"
    q = parse_qs(uri.query)
    assert q["secret"] == [secret] and q["issuer"] == ["TradeGuard"]
    assert q.get("algorithm", ["SHA1"]) == ["SHA1"]
    assert q.get("digits", ["6"]) == ["6"] and q.get("period", ["30"]) == ["30"]
    parsed = pyotp.parse_uri(e["otpauth_uri"])
    assert parsed.secret == secret and parsed.issuer == "TradeGuard"
    assert e["qr_svg"].lstrip().startswith(("<svg", "<?xml"))
    assert "</svg>" in e["qr_svg"]
    # Pending until confirmed: not offered at login yet.
    listed = [f for f in factors(tg, token)["factors"] if f["id"] == e["factor_id"]]
    assert listed and listed[0]["active"] is False and listed[0]["type"] == "totp"
    assert secret not in json.dumps(factors(tg, token))

    now = fresh_step(tg)
    code = totp_at(secret, now)
    assert oathtool_at(secret, now) == code
    path = f"/v1/account/totp/{e['factor_id']}/confirm"
    assert_problem(tg.post(path, token=token, json={"code": wrong_totp(secret, now)}),
                   *VERIFY_FAILED)
    r = tg.post(path, token=token, json={"code": code})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active"
    # Confirmed once: a second confirmation finds no pending enrolment.
    assert_problem(tg.post(path, token=token, json={"code": code}), *NOT_FOUND)
    listed = [f for f in factors(tg, token)["factors"] if f["id"] == e["factor_id"]]
    assert listed[0]["active"] is True and listed[0]["name"] == "phone app"
    recs, _ = audit_records(tg, c, {"factor.enrolled"})
    assert any(r["details"].get("type") == "totp" for r in recs), recs


def test_totp_secret_stored_sealed(tg):
    """AUTH-02, DATA-01: the TOTP secret is not in the database in clear."""
    c = new_customer(tg)
    secret, fid = enrol_totp(tg, c)
    raw = base64.b32decode(secret)
    (blob,) = tg.sql_rows("SELECT secret FROM factor WHERE id = ?", (fid,))[0]
    assert blob and raw not in bytes(blob) and secret.encode() not in bytes(blob)


def test_totp_login_then_same_code_is_replay(tg):
    """AUTH-01: a TOTP code logs in once; the same code again (same time
    step, new flow) is refused as a replay."""
    c = new_customer(tg)
    secret, _ = enrol_totp(tg, c)
    now = fresh_step(tg)
    code = totp_at(secret, now)
    flow = password_flow(tg, c)
    assert "totp" in tg.login(c.login, c.password).json()["available_factors"]
    authenticated(flow_verify(tg, flow, "totp", code=code), {"knowledge", "possession"})
    flow = password_flow(tg, c)
    assert_problem(flow_verify(tg, flow, "totp", code=code), *LOGIN_FAILED)
    recs, _ = audit_records(tg, c, {"login.failure"})
    assert recs[-1]["details"]["factor"] == "totp"
    assert recs[-1]["details"]["reason"] == "replayed"


@pytest.mark.parametrize("case", ["wrong", "two_steps_ago", "five_digits",
                                  "seven_digits", "not_digits"])
def test_totp_bad_codes_rejected(tg, case):
    """AUTH-01: a wrong code, a code from two steps ago (outside the window
    of one step), and codes of the wrong length or alphabet are refused;
    the current code still works afterwards."""
    c = new_customer(tg)
    secret, _ = enrol_totp(tg, c)
    tg.advance_clock(90)                # past the step used to confirm
    now = fresh_step(tg)
    bad = {
        "wrong": wrong_totp(secret, now),
        "two_steps_ago": totp_at(secret, now - 60),
        "five_digits": totp_at(secret, now)[1:],
        "seven_digits": totp_at(secret, now) + "0",
        "not_digits": "12a456",
    }[case]
    if case == "two_steps_ago":
        assert bad not in {totp_at(secret, now + d * 30) for d in (-1, 0, 1)}
    flow = password_flow(tg, c)
    assert_problem(flow_verify(tg, flow, "totp", code=bad), *LOGIN_FAILED)
    authenticated(flow_verify(tg, flow, "totp", code=totp_at(secret, now)),
                  {"knowledge", "possession"})


def test_totp_previous_step_accepted(tg):
    """AUTH-01: clock drift of one step (totp.window = 1) is tolerated."""
    c = new_customer(tg)
    secret, _ = enrol_totp(tg, c)
    tg.advance_clock(90)
    now = fresh_step(tg)
    flow = password_flow(tg, c)
    authenticated(flow_verify(tg, flow, "totp", code=totp_at(secret, now - 30)),
                  {"knowledge", "possession"})


def test_wrong_totp_codes_lock_the_account(tg):
    """AUTH-10: wrong second-factor codes count toward the lockout: after
    three, the account is locked and even the right password fails."""
    c = new_customer(tg)
    secret, _ = enrol_totp(tg, c)
    now = fresh_step(tg)
    flow = password_flow(tg, c)
    for _ in range(LOCKOUT):
        assert_problem(flow_verify(tg, flow, "totp", code=wrong_totp(secret, now)),
                       *LOGIN_FAILED)
    assert locked_in_db(tg, c) == 1
    assert_problem(flow_verify(tg, flow, "totp", code=totp_at(secret, now)),
                   *LOGIN_FAILED)
    assert_problem(tg.login(c.login, c.password), *LOGIN_FAILED)


# ==========================================================================
# codes by SMS and email


def test_sms_code_masked_six_digits_and_logs_in(tg):
    """AUTH-01, DATA-03, AUD-07: the SMS code is announced with the number
    masked, is six digits, reaches the gateway webhook and logs in; the
    delivery is recorded with the masked number."""
    c = new_customer(tg)
    flow = password_flow(tg, c)
    before = server_now(tg)
    r, code = flow_code(tg, c, flow, "sms")
    body = r.json()
    assert body["sent_to"] == "0912***678"
    assert PHONE not in r.text
    assert parse_ts(body["expires_at"]) - before == pytest.approx(CODE_TTL, abs=5)
    assert re.fullmatch(r"\d{6}", code)
    sms = [h.json for h in tg.hook.items() if h.json
           and h.json.get("customer_login") == c.login and h.json["event"] == "otp.code"]
    assert len(sms) == 1 and code in sms[0]["text"]
    assert PHONE not in sms[0]["text"] and c.email not in sms[0]["text"]
    authenticated(flow_verify(tg, flow, "sms", code=code), {"knowledge", "possession"})
    # The worker records the outcome right after the gateway answered.
    rows = wait_until(lambda: tg.sql_rows(
        "SELECT d.channel, d.recipient, d.status FROM delivery d"
        " JOIN outbox o ON o.id = d.outbox_id JOIN customer c ON c.id = o.customer_id"
        " WHERE c.login = ? AND o.event = 'otp.code' AND d.status <> 'pending'",
        (c.login,)))
    assert rows == [("webhook", "0912***678", "sent")]


def test_email_code_masked_and_logs_in(tg):
    """AUTH-01, DATA-03: the email code is announced with the address masked
    (first letter and domain) and logs in."""
    c = new_customer(tg)
    flow = password_flow(tg, c)
    r, code = flow_code(tg, c, flow, "email")
    assert r.json()["sent_to"] == f"{c.login[0]}***@example.com"
    assert c.email not in r.text
    assert re.fullmatch(r"\d{6}", code)
    mails = [m for m in tg.smtp.items() if c.email in m.rcpt_tos and code in m.text]
    assert len(mails) == 1 and PHONE not in mails[0].text
    authenticated(flow_verify(tg, flow, "email", code=code), {"knowledge", "possession"})


def test_code_is_bound_to_its_channel_and_flow(tg):
    """AUTH-01: an SMS code is not an email code, and a code sent for one
    flow does not complete another."""
    c = new_customer(tg)
    flow = password_flow(tg, c)
    _, code = flow_code(tg, c, flow, "sms")
    assert_problem(flow_verify(tg, flow, "email", code=code), *LOGIN_FAILED)
    other = password_flow(tg, c)
    assert_problem(flow_verify(tg, other, "sms", code=code), *LOGIN_FAILED)
    authenticated(flow_verify(tg, flow, "sms", code=code), {"knowledge", "possession"})


def test_wrong_code_rejected_then_right_one_works(tg):
    """AUTH-01: a wrong six-digit code and a five-digit code are refused."""
    c = new_customer(tg)
    flow = password_flow(tg, c)
    _, code = flow_code(tg, c, flow, "sms")
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    assert_problem(flow_verify(tg, flow, "sms", code=wrong), *LOGIN_FAILED)
    assert_problem(flow_verify(tg, flow, "sms", code=code[:5]), *LOGIN_FAILED)
    authenticated(flow_verify(tg, flow, "sms", code=code), {"knowledge", "possession"})


def test_code_single_use(tg):
    """AUTH-06: a code that verified a step-up is spent: the same code again
    is refused."""
    c = new_customer(tg)
    token = login_with_code(tg, c, "sms")
    code = stepup_code(tg, token, c, "email")
    r = tg.post("/v1/session/step-up", token=token, json={"factor": "email", "code": code})
    assert r.status_code == 200, r.text
    assert_problem(tg.post("/v1/session/step-up", token=token,
                           json={"factor": "email", "code": code}), *VERIFY_FAILED)


def test_code_valid_five_minutes(tg):
    """AUTH-01: a code is valid for otp.ttl_seconds (300 s) from when it is
    sent: 5 s before the end it works, 1 s after it is refused."""
    c = new_customer(tg)
    token = login_with_code(tg, c, "sms")

    def send():
        return tg.post("/v1/session/step-up/send-code", token=token,
                       json={"channel": "email"})

    sent_at = server_now(tg)
    r, code = deliver(tg, c, "email", send)
    expires = parse_ts(r.json()["expires_at"])
    assert expires - sent_at == pytest.approx(CODE_TTL, abs=2)
    tg.advance_clock(int(expires - server_now(tg)) - 5)
    r = tg.post("/v1/session/step-up", token=token, json={"factor": "email", "code": code})
    assert r.status_code == 200, r.text

    r, code = deliver(tg, c, "email", send)
    expires = parse_ts(r.json()["expires_at"])
    tg.advance_clock(int(math.ceil(expires - server_now(tg))) + 1)
    assert_problem(tg.post("/v1/session/step-up", token=token,
                           json={"factor": "email", "code": code}), *VERIFY_FAILED)
    recs, _ = audit_records(tg, c, {"login.failure"})
    assert recs[-1]["details"]["reason"] == "expired"


def test_code_void_after_max_attempts(tg):
    """AUTH-01, AUTH-13: after otp.max_attempts (5) entries the code is void,
    even the right one (password logins in between keep the account below
    the lockout threshold)."""
    c = new_customer(tg)
    flow = password_flow(tg, c)
    _, code = flow_code(tg, c, flow, "sms")
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for batch in (2, 2, 1):
        password_flow(tg, c)            # a success: the lockout count restarts
        for _ in range(batch):
            assert_problem(flow_verify(tg, flow, "sms", code=wrong), *LOGIN_FAILED)
    password_flow(tg, c)
    assert_problem(flow_verify(tg, flow, "sms", code=code), *LOGIN_FAILED)
    recs, _ = audit_records(tg, c, {"login.failure"})
    assert recs[-1]["details"]["reason"] == "too_many_attempts"
    assert locked_in_db(tg, c) == 0
    # A new code works.
    _, code = flow_code(tg, c, flow, "sms")
    authenticated(flow_verify(tg, flow, "sms", code=code), {"knowledge", "possession"})


def test_codes_stored_hashed_never_in_clear(tg):
    """AUTH-04, DATA-03, AUD-07: the database keeps a 32-byte keyed hash of a
    code, the outbox payload carries it sealed, and neither the audit trail,
    the delivery records nor the server log hold it in clear."""
    c = new_customer(tg)
    flow = password_flow(tg, c)
    _, sms = flow_code(tg, c, flow, "sms")
    _, mail = flow_code(tg, c, flow, "email")
    rows = tg.sql_rows(
        "SELECT o.channel, length(o.code_hash), hex(o.code_hash) FROM otp_code o"
        " JOIN customer c ON c.id = o.customer_id WHERE c.login = ?", (c.login,))
    assert sorted(r[0] for r in rows) == ["email", "sms"]
    for channel, n, h in rows:
        assert n == 32
        for code in (sms, mail):
            assert code.encode().hex().upper() not in h
            assert hashlib.sha256(code.encode()).hexdigest().upper() != h
    payloads = [p for (p,) in tg.sql_rows(
        "SELECT o.payload FROM outbox o JOIN customer c ON c.id = o.customer_id"
        " WHERE c.login = ? AND o.event = 'otp.code'", (c.login,))]
    assert len(payloads) == 2
    for p in payloads:
        assert sms not in p and mail not in p
        assert "code" not in json.loads(p)
    details = " ".join(str(x) for row in tg.sql_rows(
        "SELECT d.recipient, d.last_error, a.detail FROM delivery d"
        " LEFT JOIN delivery_attempt a ON a.delivery_id = d.id") for x in row)
    _, export = audit_records(tg)
    for code in (sms, mail):
        pat = re.compile(rf"(?<![0-9a-fA-F]){code}(?![0-9a-fA-F])")
        assert not pat.search(details)
        assert not pat.search(export)
        assert not pat.search(tg.log_text())
    authenticated(flow_verify(tg, flow, "sms", code=sms), {"knowledge", "possession"})


# ==========================================================================
# bound devices (AUTH-02)


@pytest.mark.parametrize("alg", ["p256", "ed25519"])
def test_device_bind_and_login(tg, tmp_path, alg):
    """AUTH-02, AUTH-06: binding a device key needs a step-up; the key
    (openssl genpkey) signs the server's framed challenge; afterwards
    password + the device's signature over a login challenge is a session
    with the possession kind."""
    c = new_customer(tg)
    key = DeviceKey(tmp_path, alg)
    token = login_with_code(tg, c, "sms")
    assert_problem(tg.post("/v1/account/devices/challenge", token=token),
                   *STEPUP_REQUIRED)
    stepup(tg, token, c, "email")
    dev = bind_device(tg, c, token, key)
    listed = [f for f in factors(tg, token)["factors"] if f["id"] == dev]
    assert listed and listed[0]["type"] == "device" and listed[0]["active"] is True

    flow = password_flow(tg, c)
    msg = device_challenge(tg, flow, dev)
    authenticated(device_verify(tg, flow, dev, key.sign(msg)),
                  {"knowledge", "possession"})
    assert tg.sql_rows("SELECT last_used_at > 0 FROM factor WHERE id = ?", (dev,)) == [(1,)]


@pytest.mark.parametrize("alg", ["p256", "ed25519"])
def test_device_registration_needs_a_valid_proof(tg, tmp_path, alg):
    """AUTH-02: a registration signed by another key, with a flipped bit,
    truncated, or signing the message without its framing is refused; so
    is a second registration with a challenge already used."""
    c = new_customer(tg)
    key = DeviceKey(tmp_path, alg, "dev")
    other = DeviceKey(tmp_path, alg, "other")
    token = ready_session(tg, c)

    def attempt(make_sig):
        r = tg.post("/v1/account/devices/challenge", token=token)
        assert r.status_code == 200, r.text
        msg = check_challenge(r.json(), "device.register")
        return tg.post("/v1/account/devices", token=token, json={
            "name": "phone", "public_key": key.public_key_field(),
            "signature": b64u(make_sig(msg, r.json()["challenge"]))})

    for bad in (lambda m, ch: other.sign(m),
                lambda m, ch: flip_bit(key.sign(m), index=-1),
                lambda m, ch: key.sign(m)[:-1],
                lambda m, ch: key.sign(b64u_dec(ch)),
                lambda m, ch: key.sign(device_message(ch, "device.login"))):
        assert_problem(attempt(bad), *VERIFY_FAILED)
    # Without a fresh challenge: the last one was used up by the attempt.
    r = tg.post("/v1/account/devices/challenge", token=token)
    msg = check_challenge(r.json(), "device.register")
    sig = key.sign(msg)
    ok = tg.post("/v1/account/devices", token=token, json={
        "name": "phone", "public_key": key.public_key_field(), "signature": b64u(sig)})
    assert ok.status_code == 201, ok.text
    replay = tg.post("/v1/account/devices", token=token, json={
        "name": "phone 2", "public_key": key.public_key_field(), "signature": b64u(sig)})
    assert_problem(replay, *VERIFY_FAILED)
    assert len([f for f in factors(tg, token)["factors"] if f["type"] == "device"]) == 1


@pytest.mark.parametrize("alg", ["p256", "ed25519"])
def test_device_login_rejects_bad_signatures(tg, tmp_path, alg):
    """AUTH-02: at login, a signature with a flipped bit, a truncated one,
    one by another key, one over the registration framing, and a replay of
    an accepted signature (its challenge is spent) are all refused."""
    c = new_customer(tg)
    key = DeviceKey(tmp_path, alg, "dev")
    other = DeviceKey(tmp_path, alg, "other")
    token = ready_session(tg, c)
    dev = bind_device(tg, c, token, key)

    for bad in (lambda m: flip_bit(key.sign(m), index=len(key.sign(m)) // 2),
                lambda m: flip_bit(key.sign(m), index=-1, bit=7),
                lambda m: key.sign(m)[:-1],
                lambda m: other.sign(m),
                lambda m: key.sign(m.replace(b"device.login", b"device.register"))):
        flow = password_flow(tg, c)     # a success: the lockout count restarts
        msg = device_challenge(tg, flow, dev)
        assert_problem(device_verify(tg, flow, dev, bad(msg)), *LOGIN_FAILED)
        assert locked_in_db(tg, c) == 0

    flow = password_flow(tg, c)
    msg = device_challenge(tg, flow, dev)
    sig = key.sign(msg)
    authenticated(device_verify(tg, flow, dev, sig), {"knowledge", "possession"})
    # The same signature again: on a new flow, and on a new flow whose own
    # challenge was issued (the signature is over the old one).
    flow = password_flow(tg, c)
    assert_problem(device_verify(tg, flow, dev, sig), *LOGIN_FAILED)
    flow = password_flow(tg, c)
    device_challenge(tg, flow, dev)
    assert_problem(device_verify(tg, flow, dev, sig), *LOGIN_FAILED)


def test_device_list_rename_revoke_and_audit(tg, tmp_path):
    """AUTH-02, AUTH-06, AUTH-07: the owner lists and renames a bound
    device; revoking it needs a fresh step-up; a revoked device cannot log
    in; the audit export records factor.enrolled and factor.revoked."""
    c = new_customer(tg)
    key = DeviceKey(tmp_path, "p256")
    token = ready_session(tg, c)
    dev = bind_device(tg, c, token, key, name="old name")

    # A flow that got its challenge before the revocation.
    early = password_flow(tg, c)
    early_msg = device_challenge(tg, early, dev)

    s2 = login_with_code(tg, c, "sms")          # no step-up in this session
    r = tg.post(f"/v1/account/factors/{dev}/name", token=s2, json={"name": "Pixel 8"})
    assert r.status_code == 200, r.text
    assert r.json() == {"id": dev, "name": "Pixel 8"}
    listed = [f for f in factors(tg, s2)["factors"] if f["id"] == dev]
    assert listed[0]["name"] == "Pixel 8"
    for f in factors(tg, s2)["factors"]:
        assert not ({"public_key", "secret", "credential_id"} & set(f))
    assert_problem(tg.post(f"/v1/account/factors/{dev}/name", token=s2,
                           json={"name": "bad\nname"}), 400, "TG-REQ-001")

    assert_problem(tg.delete(f"/v1/account/factors/{dev}", token=s2), *STEPUP_REQUIRED)
    stepup(tg, s2, c, "email")
    r = tg.delete(f"/v1/account/factors/{dev}", token=s2)
    assert r.status_code == 204, r.text
    assert dev not in [f["id"] for f in factors(tg, s2)["factors"]]
    assert_problem(tg.delete(f"/v1/account/factors/{dev}", token=s2), *NOT_FOUND)

    # Revoked: no new challenge, and the one issued before does not verify.
    flow = password_flow(tg, c)
    assert_problem(tg.post("/v1/auth/flow/challenge", json={
        "flow": flow, "factor": "device", "device_id": dev}), *FACTOR_UNAVAILABLE)
    assert_problem(device_verify(tg, early, dev, key.sign(early_msg)), *LOGIN_FAILED)
    assert "device" not in tg.login(c.login, c.password).json()["available_factors"]

    recs, _ = audit_records(tg, c, {"factor.enrolled", "factor.revoked"})
    enrolled = [r for r in recs if r["type"] == "factor.enrolled"]
    revoked = [r for r in recs if r["type"] == "factor.revoked"]
    assert [r["details"]["factor_id"] for r in enrolled] == [dev]
    assert enrolled[0]["details"]["type"] == "device"
    assert enrolled[0]["actor"] == f"customer:{c.login}"
    assert [r["details"]["factor_id"] for r in revoked] == [dev]
    assert revoked[0]["details"]["type"] == "device"
    assert revoked[0]["details"]["name"] == "Pixel 8"
    assert enrolled[0]["seq"] < revoked[0]["seq"]
    assert tg.cli("audit", "verify").returncode == 0


def test_other_customers_device_is_not_yours(tg, tmp_path):
    """AUTH-02: a device bound to one customer cannot be used, renamed or
    revoked by another."""
    a, b = new_customer(tg), new_customer(tg)
    key = DeviceKey(tmp_path, "ed25519")
    dev = bind_device(tg, a, ready_session(tg, a), key)
    tb = ready_session(tg, b)
    assert_problem(tg.post(f"/v1/account/factors/{dev}/name", token=tb,
                           json={"name": "mine"}), *NOT_FOUND)
    assert_problem(tg.delete(f"/v1/account/factors/{dev}", token=tb), *NOT_FOUND)
    flow = password_flow(tg, b)
    assert_problem(tg.post("/v1/auth/flow/challenge", json={
        "flow": flow, "factor": "device", "device_id": dev}), *FACTOR_UNAVAILABLE)


def test_binding_and_revocation_notify_owner(tg, tmp_path):
    """AUTH-15, AUD-07, DATA-03: binding a device and revoking a factor each
    send the owner a notification, and each delivery is recorded."""
    c = new_customer(tg)
    key = DeviceKey(tmp_path, "p256")
    token = ready_session(tg, c)
    mark = tg.hook.mark()
    dev = bind_device(tg, c, token, key, name="work laptop")
    tg.hook.wait_event(c.login, "device.bound", since=mark)
    mark = tg.hook.mark()
    assert tg.delete(f"/v1/account/factors/{dev}", token=token).status_code == 204
    tg.hook.wait_event(c.login, "factor.revoked", since=mark)
    rows = tg.sql_rows(
        "SELECT o.event, d.channel, d.status FROM delivery d"
        " JOIN outbox o ON o.id = d.outbox_id JOIN customer c ON c.id = o.customer_id"
        " WHERE c.login = ? AND o.event IN ('device.bound', 'factor.revoked')"
        " ORDER BY d.id", (c.login,))
    assert {(e, ch) for e, ch, _ in rows} == {
        ("device.bound", "email"), ("device.bound", "webhook"),
        ("factor.revoked", "email"), ("factor.revoked", "webhook")}


# ==========================================================================
# passkeys (AUTH-03, AUTH-16)


def test_passkey_registration_needs_stepup(tg):
    """AUTH-06, AUTH-16: registration options need a fresh step-up; with it
    they name the RP, a 32-byte challenge and ES256 among the algorithms;
    the registered passkey is listed with its UV flag."""
    c = new_customer(tg)
    token = login_with_code(tg, c, "sms")
    assert_problem(tg.post("/v1/account/webauthn/options", token=token), *STEPUP_REQUIRED)
    stepup(tg, token, c, "email")
    r = tg.post("/v1/account/webauthn/options", token=token)
    assert r.status_code == 200, r.text
    opts = r.json()
    assert opts["rp"]["id"] == RP_ID
    assert len(b64u_dec(opts["challenge"])) == 32
    assert -7 in [p["alg"] for p in opts["pubKeyCredParams"]]
    assert c.login.encode() not in b64u_dec(opts["user"]["id"])
    auth = Authenticator()
    r = tg.post("/v1/account/webauthn", token=token, json={
        "name": "yubikey", "credential": auth.make_credential(opts, uv=True)})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    listed = [f for f in factors(tg, token)["factors"] if f["id"] == pid]
    assert listed[0]["type"] == "webauthn" and listed[0]["user_verification"] is True
    # Registered once: the same credential again is refused (its challenge
    # is spent; with a new one the credential ID is taken).
    again = tg.post("/v1/account/webauthn", token=token, json={
        "name": "yubikey", "credential": auth.make_credential(opts, uv=True)})
    assert again.status_code in (403, 409), again.text
    opts = tg.post("/v1/account/webauthn/options", token=token).json()
    assert b64u(auth.cred_id) in [x["id"] for x in opts["excludeCredentials"]]
    recs, _ = audit_records(tg, c, {"factor.enrolled"})
    assert [r["details"]["type"] for r in recs] == ["webauthn"]


@pytest.mark.parametrize("case", ["wrong_challenge", "wrong_origin", "wrong_rp_id",
                                  "no_user_presence"])
def test_passkey_registration_rejects_bad_ceremony(tg, case):
    """AUTH-16: a registration for another challenge, origin or RP ID, or
    without user presence, is refused."""
    c = new_customer(tg)
    token = ready_session(tg, c)
    opts = tg.post("/v1/account/webauthn/options", token=token).json()
    auth = Authenticator()
    if case == "wrong_challenge":
        cred = auth.make_credential(opts, challenge=b64u(os.urandom(32)))
    elif case == "wrong_origin":
        cred = auth.make_credential(opts, origin="https://evil.example")
    elif case == "wrong_rp_id":
        cred = auth.make_credential(opts, rp_id="evil.example")
    else:
        cred = auth.make_credential(opts)
        att = cbor.decode(b64u_dec(cred["response"]["attestationObject"]))
        ad = bytearray(att["authData"])
        ad[32] &= ~FLAG_UP
        att["authData"] = bytes(ad)
        cred["response"]["attestationObject"] = b64u(cbor.encode(att))
    r = tg.post("/v1/account/webauthn", token=token, json={"name": "k", "credential": cred})
    assert_problem(r, *VERIFY_FAILED)
    assert not [f for f in factors(tg, token)["factors"] if f["type"] == "webauthn"]


def test_passkey_tampered_signature_rejected(tg):
    """AUTH-16: an assertion with a flipped bit in the signature, a
    truncated signature, or a signature by another key is refused."""
    c, auth, _ = passkey_customer(tg)
    stranger = Authenticator()
    for tamper in (lambda s: flip_bit(s, index=-1),
                   lambda s: flip_bit(s, index=len(s) // 2, bit=3),
                   lambda s: s[:-1],
                   lambda s: stranger.key.sign(b"x", ec.ECDSA(hashes.SHA256()))):
        flow = password_flow(tg, c)
        assert_problem(passkey_verify(tg, flow, auth, tamper=tamper), *LOGIN_FAILED)
    flow = password_flow(tg, c)
    authenticated(passkey_verify(tg, flow, auth), {"knowledge", "possession", "inherence"})


def test_passkey_tampered_authenticator_data_rejected(tg):
    """AUTH-03: turning the UV flag on after signing is detected (the
    signature covers the authenticator data)."""
    c, auth, _ = passkey_customer(tg)
    flow = start_flow(tg, c, "login")
    ch = webauthn_challenge(tg, flow)["challenge"]
    cred = auth.get_assertion(ch, uv=False)
    ad = bytearray(b64u_dec(cred["response"]["authenticatorData"]))
    ad[32] |= FLAG_UV
    cred["response"]["authenticatorData"] = b64u(bytes(ad))
    assert_problem(flow_verify(tg, flow, "webauthn", credential=cred), *LOGIN_FAILED)


def test_passkey_old_challenge_rejected(tg):
    """AUTH-16: an assertion over an earlier challenge is refused, whether
    that challenge was used or replaced by a newer one."""
    c, auth, _ = passkey_customer(tg)
    flow = password_flow(tg, c)
    old = webauthn_challenge(tg, flow)["challenge"]
    authenticated(passkey_verify(tg, flow, auth, challenge=old),
                  {"knowledge", "possession", "inherence"})
    # Used: a new flow with its own challenge, assertion over the old one.
    flow = password_flow(tg, c)
    webauthn_challenge(tg, flow)
    assert_problem(passkey_verify(tg, flow, auth, challenge=old), *LOGIN_FAILED)
    # Replaced: the first challenge of a flow after a second was issued.
    flow = password_flow(tg, c)
    first = webauthn_challenge(tg, flow)["challenge"]
    webauthn_challenge(tg, flow)
    assert_problem(passkey_verify(tg, flow, auth, challenge=first), *LOGIN_FAILED)


def test_passkey_challenge_expires(tg):
    """AUTH-16: an assertion after webauthn.timeout_seconds (60 s here, the
    flow itself lasts 120 s) is refused."""
    c, auth, _ = passkey_customer(tg)
    flow = start_flow(tg, c, "login")
    ch = webauthn_challenge(tg, flow)["challenge"]
    tg.advance_clock(CHALLENGE_TTL + 1)
    flow2 = start_flow(tg, c, "login")
    assert_problem(passkey_verify(tg, flow, auth, challenge=ch), *LOGIN_FAILED)
    authenticated(passkey_verify(tg, flow2, auth), {"possession", "inherence"})


def test_passkey_wrong_origin_rejected(tg):
    """AUTH-16: client data from an origin not in webauthn.origins (phishing
    site) is refused, as is a ceremony of the wrong type."""
    c, auth, _ = passkey_customer(tg)
    flow = password_flow(tg, c)
    assert_problem(passkey_verify(tg, flow, auth, origin="https://evil.example"),
                   *LOGIN_FAILED)
    flow = password_flow(tg, c)
    ch = webauthn_challenge(tg, flow)["challenge"]
    cred = auth.get_assertion(ch)
    cd = json.loads(b64u_dec(cred["response"]["clientDataJSON"]))
    cd["type"] = "webauthn.create"
    cd_raw = json.dumps(cd, separators=(",", ":")).encode()
    ad = b64u_dec(cred["response"]["authenticatorData"])
    cred["response"]["clientDataJSON"] = b64u(cd_raw)
    cred["response"]["signature"] = b64u(auth.key.sign(
        ad + hashlib.sha256(cd_raw).digest(), ec.ECDSA(hashes.SHA256())))
    assert_problem(flow_verify(tg, flow, "webauthn", credential=cred), *LOGIN_FAILED)


def test_passkey_sign_count_regression_rejected(tg):
    """AUTH-16: a signature counter lower than (or equal to) the last one
    seen means a cloned authenticator: refused."""
    c, auth, _ = passkey_customer(tg)
    flow = password_flow(tg, c)
    authenticated(passkey_verify(tg, flow, auth, counter=10),
                  {"knowledge", "possession", "inherence"})
    for counter in (3, 10):
        flow = password_flow(tg, c)
        assert_problem(passkey_verify(tg, flow, auth, counter=counter), *LOGIN_FAILED)
    recs, _ = audit_records(tg, c, {"login.failure"})
    assert recs[-1]["details"]["reason"] == "sign_count_regression"
    flow = password_flow(tg, c)
    authenticated(passkey_verify(tg, flow, auth, counter=11),
                  {"knowledge", "possession", "inherence"})


def test_unknown_credential_rejected(tg):
    """AUTH-16: an assertion by a credential that is not registered for this
    customer (another customer's passkey) is refused."""
    a, auth_a, _ = passkey_customer(tg)
    b, _, _ = passkey_customer(tg)
    flow = start_flow(tg, b, "login")
    assert_problem(passkey_verify(tg, flow, auth_a), *LOGIN_FAILED)
    flow = start_flow(tg, b, "login")
    assert_problem(passkey_verify(tg, flow, Authenticator()), *LOGIN_FAILED)


# ==========================================================================
# recovery codes


def test_recovery_codes_need_stepup_and_work_once_each(tg):
    """AUTH-06, AUTH-01: generating recovery codes needs a step-up; ten
    codes come back; each logs in once after the password; a used one is
    refused."""
    c = new_customer(tg)
    token = login_with_code(tg, c, "sms")
    assert_problem(tg.post("/v1/account/recovery-codes", token=token), *STEPUP_REQUIRED)
    stepup(tg, token, c, "email")
    r = tg.post("/v1/account/recovery-codes", token=token)
    assert r.status_code == 201, r.text
    codes = r.json()["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code), code
    assert factors(tg, token)["recovery_codes_left"] == 10
    stored = [bytes(h) for (h,) in tg.sql_rows(
        "SELECT r.code_hash FROM recovery_code r JOIN customer c"
        " ON c.id = r.customer_id WHERE c.login = ?", (c.login,))]
    assert len(stored) == 10 and all(len(h) == 32 for h in stored)
    assert not any(code.replace("-", "").encode() in h for h in stored for code in codes)

    assert "recovery" in tg.login(c.login, c.password).json()["available_factors"]
    for i, code in enumerate(codes):
        flow = password_flow(tg, c)
        # Upper case and without the dash are the same code.
        typed = code.upper() if i % 2 else code.replace("-", "")
        authenticated(flow_verify(tg, flow, "recovery", code=typed),
                      {"knowledge", "possession"})
        flow = password_flow(tg, c)
        assert_problem(flow_verify(tg, flow, "recovery", code=code), *LOGIN_FAILED)
    assert factors(tg, token)["recovery_codes_left"] == 0
    assert "recovery" not in tg.login(c.login, c.password).json()["available_factors"]


def test_recovery_regenerate_invalidates_old_set(tg):
    """AUTH-06: a new set replaces the old one: old unused codes stop working."""
    c = new_customer(tg)
    token = ready_session(tg, c)
    old = tg.post("/v1/account/recovery-codes", token=token).json()["codes"]
    new = tg.post("/v1/account/recovery-codes", token=token).json()["codes"]
    assert not set(old) & set(new)
    flow = password_flow(tg, c)
    assert_problem(flow_verify(tg, flow, "recovery", code=old[0]), *LOGIN_FAILED)
    flow = password_flow(tg, c)
    assert_problem(flow_verify(tg, flow, "recovery", code=flip_code(old[1])),
                   *LOGIN_FAILED)
    authenticated(flow_verify(tg, flow, "recovery", code=new[0]),
                  {"knowledge", "possession"})
    recs, _ = audit_records(tg, c, {"recovery.generated"})
    assert len(recs) == 2


def flip_code(code):
    """The recovery code with its last character changed."""
    return code[:-1] + ("a" if code[-1] != "a" else "b")


# ==========================================================================
# step-up (AUTH-06)


def test_stepup_with_login_factor_does_not_count(tg):
    """AUTH-06: after password + SMS at login, an SMS step-up is refused at
    once (TG-AUTH-004: not a different factor) and allows no sensitive
    action; an email step-up does."""
    c = new_customer(tg)
    token = login_with_code(tg, c, "sms")
    code = stepup_code(tg, token, c, "sms")
    assert_problem(tg.post("/v1/session/step-up", token=token,
                           json={"factor": "sms", "code": code}), *STEPUP_REQUIRED)
    for path in ("/v1/account/totp", "/v1/account/recovery-codes",
                 "/v1/account/devices/challenge", "/v1/account/webauthn/options"):
        assert_problem(tg.post(path, token=token), *STEPUP_REQUIRED)
    stepup(tg, token, c, "email")
    r = tg.post("/v1/account/recovery-codes", token=token)
    assert r.status_code == 201, r.text


def test_stepup_with_unavailable_factor_or_wrong_code_fails(tg):
    """AUTH-06: a step-up with a factor the session does not have (no TOTP,
    no device) or a wrong code is refused with TG-FAC-003 and allows nothing."""
    c = new_customer(tg)
    token = login_with_code(tg, c, "sms")
    assert_problem(tg.post("/v1/session/step-up", token=token,
                           json={"factor": "totp", "code": "123456"}), *VERIFY_FAILED)
    code = stepup_code(tg, token, c, "email")
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    assert_problem(tg.post("/v1/session/step-up", token=token,
                           json={"factor": "email", "code": wrong}), *VERIFY_FAILED)
    assert_problem(tg.post("/v1/account/recovery-codes", token=token), *STEPUP_REQUIRED)
    assert_problem(tg.post("/v1/session/step-up", json={"factor": "email", "code": code}),
                   *UNAUTHORIZED)


def test_stepup_expires(tg):
    """AUTH-06: a step-up allows sensitive actions for stepup.freshness_seconds
    (300 s): still at 290 s, no longer at 301 s."""
    c = new_customer(tg)
    token = ready_session(tg, c)
    tg.advance_clock(FRESHNESS - 10)
    assert tg.post("/v1/account/recovery-codes", token=token).status_code == 201
    tg.advance_clock(11)
    assert_problem(tg.post("/v1/account/recovery-codes", token=token), *STEPUP_REQUIRED)
    stepup(tg, token, c, "email")
    assert tg.post("/v1/account/recovery-codes", token=token).status_code == 201


def test_stepup_is_per_session(tg):
    """AUTH-06: a step-up in one session does not carry over to another."""
    c = new_customer(tg)
    ready_session(tg, c)
    other = login_with_code(tg, c, "sms")
    assert_problem(tg.post("/v1/account/recovery-codes", token=other), *STEPUP_REQUIRED)


def test_stepup_with_passkey(tg):
    """AUTH-06, AUTH-16: a passkey not used at login steps up the session;
    its assertion is checked like a login one (a tampered one fails)."""
    c, auth, _ = passkey_customer(tg)
    token = login_with_code(tg, c, "sms")
    r = tg.post("/v1/session/step-up/challenge", token=token, json={"factor": "webauthn"})
    assert r.status_code == 200, r.text
    cred = auth.get_assertion(r.json()["challenge"], tamper=lambda s: flip_bit(s))
    assert_problem(tg.post("/v1/session/step-up", token=token,
                           json={"factor": "webauthn", "credential": cred}), *VERIFY_FAILED)
    r = tg.post("/v1/session/step-up/challenge", token=token, json={"factor": "webauthn"})
    cred = auth.get_assertion(r.json()["challenge"])
    r = tg.post("/v1/session/step-up", token=token,
                json={"factor": "webauthn", "credential": cred})
    assert r.status_code == 200, r.text
    assert tg.post("/v1/account/recovery-codes", token=token).status_code == 201


# ==========================================================================
# self-service unlock and password reset (AUTH-10, AUTH-03)


def test_unlock_with_passkey_uv(tg):
    """AUTH-10, AUTH-03: a customer locked by three wrong passwords unlocks
    the account alone with a passkey assertion with UV (possession and
    biometric, no password); the password works again afterwards."""
    c, auth, _ = passkey_customer(tg)
    lock_with_passwords(tg, c)
    flow = start_flow(tg, c, "unlock")
    r = passkey_verify(tg, flow, auth, uv=True)
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "unlocked", "login": c.login}
    assert locked_in_db(tg, c) == 0
    password_flow(tg, c)
    recs, _ = audit_records(tg, c, {"customer.unlocked"})
    assert recs and recs[-1]["details"]["reason"] == "self_service"


def test_unlock_needs_two_kinds_besides_password(tg):
    """AUTH-10: TOTP + SMS are one kind (possession): not enough to unlock;
    nor is a passkey without UV."""
    c = new_customer(tg)
    token = ready_session(tg, c)
    secret, _ = enrol_totp(tg, c, token)
    auth, _ = register_passkey(tg, token)
    lock_with_passwords(tg, c)
    flow = start_flow(tg, c, "unlock")
    now = fresh_step(tg)
    still_factor_required(flow_verify(tg, flow, "totp", code=totp_at(secret, now)),
                          {"possession"})
    _, code = flow_code(tg, c, flow, "sms")
    still_factor_required(flow_verify(tg, flow, "sms", code=code), {"possession"})
    still_factor_required(passkey_verify(tg, flow, auth, uv=False), {"possession"})
    assert locked_in_db(tg, c) == 1
    assert_problem(tg.login(c.login, c.password), *LOGIN_FAILED)
    # The password is no factor of an unlock flow.
    assert_problem(tg.post("/v1/auth/flow/verify", json={
        "flow": flow, "factor": "password", "code": c.password}), 400, "TG-REQ-001")


def test_unlock_flow_rejects_bad_passkey(tg):
    """AUTH-10, AUTH-16: a tampered assertion does not unlock."""
    c, auth, _ = passkey_customer(tg)
    lock_with_passwords(tg, c)
    flow = start_flow(tg, c, "unlock")
    assert_problem(passkey_verify(tg, flow, auth, tamper=lambda s: flip_bit(s)),
                   *LOGIN_FAILED)
    assert locked_in_db(tg, c) == 1
    r = passkey_verify(tg, flow, auth)
    assert r.status_code == 200 and r.json()["status"] == "unlocked", r.text


def test_reset_password_with_passkey_uv(tg):
    """AUTH-10, AUTH-03: a password reset verified by a passkey with UV sets
    a new password (policy checked); the old one stops working and every
    existing session is revoked."""
    c, auth, old_session = passkey_customer(tg)
    assert tg.session(old_session).status_code == 200
    flow = start_flow(tg, c, "reset")
    r = passkey_verify(tg, flow, auth, uv=True)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "reset_ready" and body["flow"] == flow
    assert_problem(tg.post("/v1/auth/reset-password", json={
        "flow": flow, "new_password": "short"}), 422, "TG-PWD-001")
    new_pw = strong_password()
    r = tg.post("/v1/auth/reset-password", json={"flow": flow, "new_password": new_pw})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "password_changed"
    assert_problem(tg.session(old_session), *UNAUTHORIZED)
    assert_problem(tg.login(c.login, c.password), *LOGIN_FAILED)
    c.password = new_pw
    flow2 = password_flow(tg, c)
    _, code = flow_code(tg, c, flow2, "sms")
    authenticated(flow_verify(tg, flow2, "sms", code=code), {"knowledge", "possession"})
    # The reset flow is spent.
    assert_problem(tg.post("/v1/auth/reset-password", json={
        "flow": flow, "new_password": strong_password()}), *FLOW_INVALID)


def test_reset_needs_two_kinds(tg):
    """AUTH-10: SMS + email codes (both possession) do not allow a reset."""
    c = new_customer(tg)
    flow = start_flow(tg, c, "reset")
    for channel in ("sms", "email"):
        _, code = flow_code(tg, c, flow, channel)
        still_factor_required(flow_verify(tg, flow, channel, code=code), {"possession"})
    assert_problem(tg.post("/v1/auth/reset-password", json={
        "flow": flow, "new_password": strong_password()}), *FLOW_INVALID)
    password_flow(tg, c)


def test_login_flow_cannot_reset_password(tg):
    """AUTH-10: a completed-looking login flow is no reset flow."""
    c = new_customer(tg)
    flow = password_flow(tg, c)
    assert_problem(tg.post("/v1/auth/reset-password", json={
        "flow": flow, "new_password": strong_password()}), *FLOW_INVALID)


# ==========================================================================
# flow binding and expiry


def test_flow_bound_to_user_agent(tg):
    """AUTH-01, AUTH-13: a flow token presented by another client (User-Agent)
    is refused: TG-AUTH-003 for send-code and challenge, the login failure
    for verify; the rightful client can still finish."""
    c = new_customer(tg)
    ua = {"User-Agent": "TradeGuard-App/1.0"}
    flow = password_flow(tg, c, headers=ua)
    thief = {"User-Agent": "curl/8.0"}
    assert_problem(tg.post("/v1/auth/flow/send-code", headers=thief,
                           json={"flow": flow, "channel": "sms"}), *FLOW_INVALID)
    assert_problem(tg.post("/v1/auth/flow/challenge", headers=thief,
                           json={"flow": flow, "factor": "webauthn"}), *FLOW_INVALID)
    _, code = flow_code(tg, c, flow, "sms", headers=ua)
    assert_problem(flow_verify(tg, flow, "sms", code=code, headers=thief), *LOGIN_FAILED)
    authenticated(flow_verify(tg, flow, "sms", code=code, headers=ua),
                  {"knowledge", "possession"})


def test_flow_expires(tg):
    """AUTH-01: a flow is good for auth.flow_ttl_seconds (120 s here): after
    it, a code sent for it (still valid itself) does not complete it."""
    c = new_customer(tg)
    flow = password_flow(tg, c)
    _, code = flow_code(tg, c, flow, "sms")
    tg.advance_clock(FLOW_TTL + 1)
    assert_problem(flow_verify(tg, flow, "sms", code=code), *LOGIN_FAILED)
    assert_problem(tg.post("/v1/auth/flow/send-code",
                           json={"flow": flow, "channel": "sms"}), *FLOW_INVALID)
    assert locked_in_db(tg, c) == 0


def test_flow_token_tampered_or_spent(tg):
    """AUTH-01: a flow token with a changed character, or one that already
    produced a session, is refused."""
    c = new_customer(tg)
    flow = password_flow(tg, c)
    bad = flow[:-1] + ("A" if flow[-1] != "A" else "B")
    assert_problem(tg.post("/v1/auth/flow/send-code",
                           json={"flow": bad, "channel": "sms"}), *FLOW_INVALID)
    _, code = flow_code(tg, c, flow, "sms")
    assert_problem(flow_verify(tg, bad, "sms", code=code), *LOGIN_FAILED)
    authenticated(flow_verify(tg, flow, "sms", code=code), {"knowledge", "possession"})
    assert_problem(flow_verify(tg, flow, "sms", code=code), *LOGIN_FAILED)
    assert_problem(tg.post("/v1/auth/flow/send-code",
                           json={"flow": flow, "channel": "sms"}), *FLOW_INVALID)


def test_contact_change_needs_stepup_and_is_audited(tg):
    """AUTH-06, AUTH-15, DATA-03: changing the notification phone or email
    needs a step-up with another factor; malformed values are refused; the
    change is audited with masked values only and the owner is notified."""
    c = new_customer(tg)
    token = login_with_code(tg, c, "sms")
    assert_problem(tg.post("/v1/account/contact", token=token,
                           json={"phone": "0987654321"}), *STEPUP_REQUIRED)
    stepup(tg, token, c, "email")
    for body, why in (({"phone": "09-87"}, "invalid_phone"),
                      ({"email": "not-an-address"}, "invalid_email"),
                      ({}, "nothing_to_change")):
        r = tg.post("/v1/account/contact", token=token, json=body)
        assert_problem(r, 400, "TG-REQ-001")
        assert r.json()["detail"] == why
    r = tg.post("/v1/account/contact", token=token,
                json={"phone": "0987654321", "email": f"new.{c.login}@example.com"})
    assert r.status_code == 200, r.text
    row = tg.sql_rows("SELECT phone, email FROM customer WHERE login = ?", (c.login,))[0]
    assert row == ("0987654321", f"new.{c.login}@example.com")
    recs, _ = audit_records(tg, c, {"contact.changed"})
    assert len(recs) == 1
    text = json.dumps(recs[0])
    assert "0987654321" not in text and PHONE not in text
    assert recs[0]["details"]["new_phone"] == "0987***321"
    assert tg.sql_rows("SELECT count(*) FROM outbox o JOIN customer c ON c.id = "
                       "o.customer_id WHERE c.login = ? AND o.event = 'contact.changed'",
                       (c.login,))[0][0] == 1


def test_account_class_raises_the_minimum(tg):
    """AUTH-01 (configurable per account class): with class_min_kinds
    institutional=3, password + SMS is not enough for an institutional
    account, password + passkey with UV (three kinds) is; the class change is
    an audited admin action that needs a reason."""
    c, auth, _ = passkey_customer(tg, uv=True)
    path = f"/v1/admin/customers/{c.login}/class"
    assert_problem(tg.post(path, admin=True, json={"class": "institutional"}),
                   400, "TG-REQ-001")
    assert_problem(tg.post(path, admin=True, json={"class": "Bad Class!",
                                                  "reason": "x"}), 400, "TG-REQ-001")
    r = tg.post(path, admin=True, json={"class": "institutional",
                                        "reason": "corporate account"})
    assert r.status_code == 200, r.text
    flow = password_flow_any(tg, c)
    _, code = flow_code(tg, c, flow, "sms")
    body = still_factor_required(flow_verify(tg, flow, "sms", code=code),
                                 {"knowledge", "possession"})
    assert body["required_kinds"] == 3
    flow = password_flow_any(tg, c)
    authenticated(passkey_verify(tg, flow, auth),
                  {"knowledge", "possession", "inherence"})
    recs, _ = audit_records(tg, c, {"customer.class_changed"})
    assert len(recs) == 1 and recs[0]["actor"] == "admin-token"


def password_flow_any(tg, c):
    r = tg.login(c.login, c.password)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "factor_required", r.text
    return r.json()["flow"]
