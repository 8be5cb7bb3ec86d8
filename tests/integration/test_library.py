"""The in-process C API (libtradeguard.so): exported symbols and session
validation against the daemon's own store (ACC-01; DESIGN: order systems check
sessions in-process)."""

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import TG_BIN, strong_password

LIB = TG_BIN.parent / "lib" / "libtradeguard.so"
PUBLIC = {"tg_version", "tg_open", "tg_close", "tg_session_validate", "tg_strerror"}
TG_ERR_AUTH = -6

# Runs in a child interpreter so that a sanitizer build of the library can
# have its runtime preloaded (LD_PRELOAD) without touching this process.
CHILD = r"""
import ctypes, json, sys
lib = ctypes.CDLL(sys.argv[1])
class View(ctypes.Structure):
    _fields_ = [("login", ctypes.c_char * 65), ("factor_kinds", ctypes.c_uint),
                ("auth_time_ms", ctypes.c_int64), ("expires_at_ms", ctypes.c_int64),
                ("idle_expires_at_ms", ctypes.c_int64),
                ("password_change_recommended", ctypes.c_int)]
lib.tg_version.restype = ctypes.c_char_p
lib.tg_strerror.restype = ctypes.c_char_p
ctx = ctypes.c_void_p()
err = ctypes.create_string_buffer(512)
r = lib.tg_open(sys.argv[2].encode(), ctypes.byref(ctx), err, 512)
out = {"open": r, "err": err.value.decode(), "version": lib.tg_version().decode(),
       "results": []}
for tok in json.loads(sys.argv[3]):
    v = View()
    rc = lib.tg_session_validate(ctx, tok.encode(), b"127.0.0.1", ctypes.byref(v))
    out["results"].append({"rc": rc, "login": v.login.decode(), "kinds": v.factor_kinds,
                           "expires": v.expires_at_ms,
                           "error": lib.tg_strerror(rc).decode()})
lib.tg_close(ctx)
print(json.dumps(out))
"""


def asan_runtime():
    """The sanitizer runtime the library needs preloaded, or None."""
    out = subprocess.run(["ldd", str(LIB)], capture_output=True, text=True).stdout
    m = re.search(r"(/\S*libasan\.so\S*)", out)
    return m.group(1) if m else None


def validate(tg, tokens):
    env = dict(os.environ)
    rt = asan_runtime()
    if rt:
        env["LD_PRELOAD"] = rt
        env["ASAN_OPTIONS"] = "detect_leaks=0"
    r = subprocess.run([sys.executable, "-c", CHILD, str(LIB), str(tg.ini),
                        json.dumps(tokens)], capture_output=True, text=True,
                       env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_only_the_public_api_is_exported():
    """STYLE: -fvisibility=hidden; the library exports what its header promises."""
    out = subprocess.run(["nm", "-D", "--defined-only", str(LIB)],
                         capture_output=True, text=True, check=True).stdout
    exported = {line.split()[-1] for line in out.splitlines()
                if line.split()[-2] in ("T", "D", "B", "R")}
    tg_symbols = {s for s in exported if s.startswith("tg_")}
    assert tg_symbols == PUBLIC


def test_validate_accepts_live_session_and_rejects_tampered(tg):
    """ACC-01: a firm's order system validates the session in-process; a
    flipped character, a truncated token and a logged-out token are refused."""
    login, pw = tg.add_customer(password=strong_password())
    token = tg.login_ok(login, pw)["session_token"]
    flipped = ("B" if token[5] == "A" else "A").join([token[:5], token[6:]])
    res = validate(tg, [token, flipped, token[:-1], ""])
    assert res["open"] == 0, res["err"]
    assert res["version"]
    ok, bad, short, empty = res["results"]
    assert ok["rc"] == 0 and ok["login"] == login and ok["kinds"] == 1
    assert ok["expires"] > 0
    for r in (bad, short, empty):
        assert r["rc"] == TG_ERR_AUTH, r
        assert r["login"] == ""
    assert tg.delete("/v1/session", token=token).status_code == 204
    assert validate(tg, [token])["results"][0]["rc"] == TG_ERR_AUTH


def test_open_reports_a_bad_configuration(tg, tmp_path):
    """The library refuses a missing configuration with a message."""
    bad = tmp_path / "missing.ini"

    class Fake:
        ini = bad
    res = validate(Fake, [])
    assert res["open"] != 0
    assert str(bad) in res["err"] or "missing.ini" in res["err"]
