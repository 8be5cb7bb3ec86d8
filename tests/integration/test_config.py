"""Configuration checking and start-up refusals (CMP-01, DATA-02, AUTH-10):
errors name what is wrong and where."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import TGD, ini_set

START_FAIL_TIMEOUT = 20


@pytest.fixture
def inst(daemon_factory):
    """An initialised directory whose daemon is not started."""
    return daemon_factory(start=False)


def check_config(path):
    return subprocess.run([str(TGD), "--check-config", "--config", str(path)],
                          capture_output=True, text=True, timeout=30)


def line_of(path, text):
    for i, line in enumerate(Path(path).read_text().splitlines(), 1):
        if line.strip() == text:
            return i
    raise AssertionError(f"{text!r} not in {path}")


def assert_names(output, key, lineno):
    assert key in output, output
    assert re.search(rf"(?<![0-9]){lineno}(?![0-9])", output), \
        f"line {lineno} not named: {output}"


def test_sample_config_checks_ok(inst):
    """CMP-01: the sample written by `tradeguard init` passes --check-config."""
    r = check_config(inst.ini)
    assert r.returncode == 0, r.stdout + r.stderr


def test_sample_is_fully_commented(inst):
    """CMP-01: the sample documents every section and option; `init` writes
    only the values it must uncommented."""
    text = inst.ini.read_text()
    for section in ("server", "tls", "store", "keys", "log", "password", "lockout",
                    "auth", "session", "audit"):
        assert re.search(rf"^\[{section}\]\s*$", text, re.M), section
    assert re.search(r"^#.*min_length", text, re.M)
    assert re.search(r"^#.*threshold", text, re.M)


@pytest.mark.parametrize("section,key,value", [
    ("server", "no_such_option", "1"),
    ("password", "min_length", "4"),
    ("lockout", "threshold", "5"),
    ("server", "workers", "abc"),
    ("server", "queue", "12x"),
    ("session", "on_limit", "sometimes"),
    ("password", "require_digit", "perhaps"),
    ("server", "threads", "99999999999999999999"),
])
def test_bad_value_names_key_and_line(inst, section, key, value):
    """AUTH-10, ACC-01, CMP-01: an unknown key, an out-of-range value (a
    password shorter than 6, a lockout after more than 3 failures), a
    malformed number, enum or boolean: --check-config exits non-zero naming
    the key and its line."""
    ini_set(inst.ini, section, key, value)
    lineno = line_of(inst.ini, f"{key} = {value}")
    r = check_config(inst.ini)
    assert r.returncode != 0
    assert_names(r.stdout + r.stderr, key, lineno)


def test_unknown_section_is_an_error(inst):
    """CMP-01: an unknown section is refused, naming it (no silently ignored settings)."""
    with open(inst.ini, "a") as f:
        f.write("\n[bogus_section]\nx = 1\n")
    r = check_config(inst.ini)
    assert r.returncode != 0
    assert "bogus_section" in r.stdout + r.stderr


def test_daemon_refuses_bad_config(inst):
    """AUTH-10, CMP-01: the daemon itself refuses to start on a bad value,
    with the same message."""
    ini_set(inst.ini, "password", "min_length", "4")
    lineno = line_of(inst.ini, "min_length = 4")
    r = subprocess.run([str(TGD), "--config", str(inst.ini)], capture_output=True,
                       text=True, timeout=START_FAIL_TIMEOUT)
    assert r.returncode != 0
    assert_names(r.stdout + r.stderr, "min_length", lineno)


def test_missing_config_file_fails_clearly(tmp_path):
    """CMP-01: a missing configuration file is a clear error, not a crash."""
    missing = tmp_path / "nope.ini"
    r = check_config(missing)
    assert r.returncode != 0
    assert "nope.ini" in r.stdout + r.stderr


@pytest.mark.parametrize("name", ["session.key", "pepper-1.key", "admin.token",
                                  "audit-ed25519.pem"])
def test_readable_key_file_stops_start(inst, name):
    """DATA-02: a key file readable by others (mode 0644) makes the daemon
    refuse to start, naming the file; --check-config says the same."""
    path = inst.dir / "keys" / name
    os.chmod(path, 0o644)
    r = subprocess.run([str(TGD), "--config", str(inst.ini)], capture_output=True,
                       text=True, timeout=START_FAIL_TIMEOUT)
    assert r.returncode != 0
    out = r.stdout + r.stderr + inst.log_text()
    assert name in out, out
    r = check_config(inst.ini)
    assert r.returncode != 0
    assert name in r.stdout + r.stderr


def test_readable_key_directory_stops_start(inst):
    """DATA-02: a key directory open to others is refused too."""
    os.chmod(inst.dir / "keys", 0o755)
    r = subprocess.run([str(TGD), "--config", str(inst.ini)], capture_output=True,
                       text=True, timeout=START_FAIL_TIMEOUT)
    assert r.returncode != 0
    assert "keys" in r.stdout + r.stderr


def test_tls_key_readable_by_others_is_reported(inst):
    """AUTH-08, DATA-02: a TLS private key readable by others is at least
    reported, naming the file (refusing to start would do too)."""
    os.chmod(inst.dir / "tls" / "key.pem", 0o644)
    r = check_config(inst.ini)
    assert "key.pem" in r.stdout + r.stderr, r.stdout + r.stderr


def test_cli_config_check_agrees(inst):
    """AUTH-10, CMP-01: `tradeguard config check` accepts the sample and
    rejects a bad value."""
    r = inst.cli("config", "check")
    assert r.returncode == 0, r.stdout + r.stderr
    ini_set(inst.ini, "password", "min_length", "4")
    r = inst.cli("config", "check")
    assert r.returncode != 0
    assert "min_length" in r.stdout + r.stderr
