"""Transport security: TLS 1.2 with ECDHE or TLS 1.3 only (AUTH-08, MSG-01)."""

import re
import socket
import ssl
import subprocess

import pytest
import requests


@pytest.fixture(scope="module")
def tg(daemon_factory):
    return daemon_factory()


def s_client(tg, *args):
    """Run openssl s_client against the daemon; (handshake_ok, output)."""
    r = subprocess.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{tg.port}",
         "-servername", "localhost", "-CAfile", tg.cert, *args],
        input="", capture_output=True, text=True, timeout=30)
    out = r.stdout + r.stderr
    m = re.search(r"^New, (TLSv1(?:\.\d)?), Cipher is (\S+)", out, re.M)
    ok = r.returncode == 0 and m is not None and m.group(2) != "(NONE)"
    return ok, out, (m.group(1), m.group(2)) if ok else None


def test_tls_1_1_is_refused(tg):
    """MSG-01, AUTH-08: TLS 1.1 does not complete a handshake, whatever the cipher."""
    ok, out, _ = s_client(tg, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
    assert not ok, out


def test_tls_1_0_is_refused(tg):
    """MSG-01, AUTH-08: TLS 1.0 does not complete a handshake."""
    ok, out, _ = s_client(tg, "-tls1", "-cipher", "DEFAULT@SECLEVEL=0")
    assert not ok, out


@pytest.mark.parametrize("cipher", [
    "AES128-GCM-SHA256",            # RSA key exchange
    "AES256-SHA256",
    "DHE-RSA-AES128-GCM-SHA256",   # finite-field DH
    "ECDHE-ECDSA-AES128-SHA",      # ECDHE but CBC with SHA-1
])
def test_tls_1_2_without_ecdhe_aead_is_refused(tg, cipher):
    """MSG-01: TLS 1.2 suites without ECDHE key exchange (or without AEAD) are refused."""
    ok, out, _ = s_client(tg, "-tls1_2", "-cipher", cipher)
    assert not ok, out


def test_tls_1_2_ecdhe_is_accepted(tg):
    """MSG-01: TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 works."""
    ok, out, neg = s_client(tg, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")
    assert ok, out
    assert neg == ("TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256")
    assert re.search(r"Verify return code: 0 \(ok\)", out), out
    assert re.search(r"Compression: NONE", out), out


def test_tls_1_3_is_accepted(tg):
    """MSG-01, AUTH-08: TLS 1.3 works."""
    ok, out, neg = s_client(tg, "-tls1_3")
    assert ok, out
    assert neg[0] == "TLSv1.3"


def test_weak_groups_are_refused(tg):
    """MSG-01: ECDHE over a curve weaker than 256 bits is not negotiated."""
    ok, out, _ = s_client(tg, "-tls1_2", "-cipher",
                          "ECDHE-ECDSA-AES128-GCM-SHA256@SECLEVEL=0",
                          "-curves", "secp224r1")
    assert not ok, out
    ok, out, _ = s_client(tg, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256",
                          "-curves", "P-256")
    assert ok, out


def test_default_client_negotiates_forward_secrecy(tg):
    """MSG-01: an ordinary client ends up with TLS 1.2+ and ECDHE or TLS 1.3."""
    ctx = ssl.create_default_context(cafile=tg.cert)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection(("127.0.0.1", tg.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            name, version, bits = s.cipher()
            assert version == "TLSv1.2"
            assert name.startswith("ECDHE-") and ("GCM" in name or "CHACHA20" in name)
            assert bits >= 128


def test_certificate_is_ecdsa_p256_or_stronger(tg):
    """MSG-01: the server key is ECC-256 (P-256) or stronger."""
    r = subprocess.run(["openssl", "x509", "-in", tg.cert, "-noout", "-text"],
                       capture_output=True, text=True)
    assert r.returncode == 0
    assert re.search(r"Public-Key: \((256|384|521) bit\)", r.stdout), r.stdout
    assert "id-ecPublicKey" in r.stdout


def test_plain_http_gets_no_200(tg):
    """AUTH-08: plain HTTP on the TLS port gets no successful answer."""
    try:
        r = requests.get(f"http://127.0.0.1:{tg.port}/healthz", timeout=5)
        assert r.status_code != 200
    except requests.RequestException:
        pass
    with socket.create_connection(("127.0.0.1", tg.port), timeout=5) as s:
        s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
        try:
            data = s.recv(4096)
        except (socket.timeout, ConnectionResetError):
            data = b""
    assert b" 200 " not in data[:20]
    r = tg.get("/healthz")
    assert r.status_code == 200
