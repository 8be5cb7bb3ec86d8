"""
Shared helpers for bench/login and bench/session (not run directly).

Everything runs on 127.0.0.1 in a temporary directory that is removed at
exit; the daemon, nginx and wrk are children of the benchmark and are
stopped on exit, on Ctrl-C and on SIGTERM.  Every wait has a deadline.
"""

import argparse
import atexit
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TG_BIN = Path(os.environ.get("TG_BIN") or ROOT / "build" / "bin")
TGD = TG_BIN / "tradeguardd"
TGCLI = TG_BIN / "tradeguard"

START_TIMEOUT = 30.0    # seconds for /healthz to answer
STOP_TIMEOUT = 15.0     # seconds for a clean exit after SIGTERM
CLI_TIMEOUT = 120.0
WRK_SLACK = 30.0        # seconds wrk may run beyond its -d before it is killed

BENCH_LOGIN = "bench"
BENCH_EMAIL = "b@example.com"
BENCH_PHONE = "0912345678"

# Argon2id parameters the benchmark runs with: the shipped defaults.  The
# script checks that the generated sample states the same defaults, so a
# change of default is noticed rather than silently benchmarked.
ARGON2_MEMORY_KIB = 19456
ARGON2_ITERATIONS = 2
ARGON2_PARALLELISM = 1

_children = []          # Popen objects to stop at exit, most recent last
_tempdirs = []


def cores():
    return os.cpu_count() or 1


def common_args(description):
    """Options shared by both benchmarks (defaults follow bench/README.md)."""
    n = cores()
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--duration", type=int, default=10,
                   help="seconds per measurement (default 10)")
    p.add_argument("--workers", type=int, default=n,
                   help=f"server.workers (default: cores = {n})")
    p.add_argument("--threads", type=int, default=0,
                   help="server.threads, event-loop threads (default: the "
                        "daemon's own default)")
    p.add_argument("--connections", type=int, default=2 * n,
                   help=f"wrk connections (default: 2 x cores = {2 * n})")
    p.add_argument("--wrk-threads", type=int, default=n,
                   help=f"wrk threads (default: cores = {n})")
    p.add_argument("--set", action="append", default=[],
                   metavar="SECTION.KEY=VALUE",
                   help="also set this option in tradeguard.ini (repeatable; "
                        "for comparisons, e.g. --set log.level=warn)")
    p.add_argument("--daemon-preload", metavar="LIB",
                   help="run tradeguardd with LD_PRELOAD=LIB (diagnosis only)")
    p.add_argument("--keep", action="store_true",
                   help="keep the temporary directory (for inspection)")
    return p


def die(msg, code=1):
    print(f"{Path(sys.argv[0]).name}: {msg}", file=sys.stderr)
    sys.exit(code)


# --------------------------------------------------------------------------
# clean-up: the Python equivalent of `trap ... EXIT`


def _stop_child(p, timeout=STOP_TIMEOUT):
    if p.poll() is not None:
        return
    try:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    except ProcessLookupError:
        pass


def _cleanup():
    while _children:
        _stop_child(_children.pop())
    while _tempdirs:
        d, keep = _tempdirs.pop()
        if keep:
            print(f"(kept {d})", file=sys.stderr)
        else:
            shutil.rmtree(d, ignore_errors=True)


def _on_signal(signum, frame):
    # Raise so that `finally` blocks and atexit run, then exit 128+signum.
    raise SystemExit(128 + signum)


atexit.register(_cleanup)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGHUP, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


def _die_with_parent():
    # Child side, before exec: SIGTERM when this script dies, even by SIGKILL.
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def spawn(argv, **kw):
    """Start a child that is stopped (SIGTERM, then SIGKILL) at exit."""
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         preexec_fn=_die_with_parent, **kw)
    _children.append(p)
    return p


def stop(p, timeout=STOP_TIMEOUT):
    """Stop p now (SIGTERM, then SIGKILL); returns its exit status."""
    _stop_child(p, timeout)
    if p in _children:
        _children.remove(p)
    return p.returncode


def tempdir(prefix, keep=False):
    d = Path(tempfile.mkdtemp(prefix=prefix))
    _tempdirs.append((d, keep))
    return d


# --------------------------------------------------------------------------
# tools


def require_wrk():
    if shutil.which("wrk") is None:
        die("wrk is not installed; install it with:\n"
            "    sudo apt-get install -y wrk nginx-light", 2)


def have_nginx():
    return nginx_path() is not None


def nginx_path():
    for cand in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def require_binaries():
    for b in (TGD, TGCLI):
        if not os.access(b, os.X_OK):
            die(f"{b} not found: build first (`make`), or set TG_BIN to the "
                "directory holding tradeguardd and tradeguard", 2)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine_line():
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cores()} cores, {model}, Linux {os.uname().release}"


# --------------------------------------------------------------------------
# /proc


def rss_mb(pid):
    """VmRSS of pid in MB (MiB), or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    return None


def hwm_mb(pid):
    """VmHWM (peak RSS) of pid in MB (MiB), or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    return None


def wait_idle(pid, timeout=15.0):
    """
    Wait until pid stops using CPU (requests queued before wrk closed its
    connections are still served); returns the seconds waited.
    """
    t0 = time.monotonic()
    last = cpu_seconds([pid])
    quiet = 0
    while time.monotonic() - t0 < timeout and quiet < 3:
        time.sleep(0.2)
        now = cpu_seconds([pid])
        quiet = quiet + 1 if now - last < 0.01 else 0
        last = now
    return time.monotonic() - t0


def cpu_seconds(pids):
    """User+system CPU seconds consumed so far by pids (all their threads)."""
    tck = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            total += int(fields[11]) + int(fields[12])   # utime, stime
        except (OSError, ValueError, IndexError):
            pass
    return total / tck


def thread_cpu(pid):
    """{tid: (name, CPU seconds)} for the threads of pid."""
    tck = os.sysconf("SC_CLK_TCK")
    out = {}
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for t in tasks:
        try:
            stat = (t / "stat").read_text()
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            f = stat[stat.rindex(")") + 2:].split()
            out[int(t.name)] = (name, (int(f[11]) + int(f[12])) / tck)
        except (OSError, ValueError, IndexError):
            pass
    return out


def thread_cpu_line(before, after, seconds):
    """The busiest threads between two thread_cpu() snapshots, in cores."""
    rows = []
    for tid, (name, cpu) in after.items():
        d = cpu - before.get(tid, (name, 0.0))[1]
        rows.append((d / seconds, name))
    rows.sort(reverse=True)
    return ", ".join(f"{c:.2f} ({n})" for c, n in rows if c >= 0.005) or "none"


def children_of(pid):
    """PIDs whose parent is pid (e.g. nginx workers)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                out.append(int(d.name))
        except (OSError, ValueError, IndexError):
            pass
    return out


def threads_of(pid):
    try:
        return len(list(Path(f"/proc/{pid}/task").iterdir()))
    except OSError:
        return 0


class Meter:
    """
    CPU accounting for one phase: the CPU of pids (the server under test),
    of the children waited for during the phase (wrk, argon2_rate), and of
    everything else on the machine (from /proc/stat), so a run disturbed by
    other work shows up as such.
    """

    def __init__(self, pids=()):
        self.pids = list(pids)
        self.t0 = time.monotonic()
        self.s0 = _proc_stat()
        self.c0 = _children_cpu()
        self.p0 = cpu_seconds(self.pids)

    def stop(self):
        secs = time.monotonic() - self.t0
        busy1, steal1 = _proc_stat()
        busy = busy1 - self.s0[0]
        steal = steal1 - self.s0[1]
        server = cpu_seconds(self.pids) - self.p0
        client = _children_cpu() - self.c0
        other = max(0.0, busy - server - client)
        self.result = {"seconds": secs, "server": server, "client": client,
                       "other": other, "steal": steal}
        return self.result

    def line(self):
        r = self.result
        s = r["seconds"]
        text = (f"CPU (cores): server {r['server'] / s:.2f}, "
                f"client {r['client'] / s:.2f}, other processes "
                f"{r['other'] / s:.2f}, steal {r['steal'] / s:.2f}")
        if r["other"] / s > 0.10 or r["steal"] / s > 0.10:
            text += "  <- disturbed: other work ran during this measurement"
        return text


def _proc_stat():
    """(busy, steal) CPU seconds of the whole machine since boot."""
    tck = os.sysconf("SC_CLK_TCK")
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = f[:8]
    return (user + nice + system + irq + softirq) / tck, steal / tck


def _children_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


# --------------------------------------------------------------------------
# INI editing (same rules as tests/integration/conftest.py)


def ini_get(path, section, key):
    """The uncommented value of key in [section], or None."""
    cur = None
    for line in Path(path).read_text().splitlines():
        s = line.strip()
        if s.startswith("["):
            cur = s.strip("[]").strip()
            continue
        if cur == section and not s.startswith((";", "#")):
            m = re.match(r"^" + re.escape(key) + r"\s*[=:]\s*(.*)$", s)
            if m:
                return m.group(1).strip()
    return None


def ini_default(path, section, key):
    """The value of key in [section], commented out or not, or None."""
    cur = None
    for line in Path(path).read_text().splitlines():
        s = line.strip()
        if s.startswith("["):
            cur = s.strip("[]").strip()
            continue
        if cur == section:
            m = re.match(r"^[;#]?\s*" + re.escape(key) + r"\s*[=:]\s*(\S*)", s)
            if m:
                return m.group(1)
    return None


def ini_set(path, section, key, value):
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


# --------------------------------------------------------------------------
# HTTPS on 127.0.0.1 with the instance's own certificate


def tls_context(cafile):
    ctx = ssl.create_default_context(cafile=str(cafile))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def https(port, cafile, method, path, body=None, headers=None, timeout=30):
    """One request on a fresh connection; returns (status, headers, bytes)."""
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout,
                                       context=tls_context(cafile))
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def wait_ready(port, cafile, path, proc, what, timeout=START_TIMEOUT):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return f"{what} exited with status {proc.returncode} during start-up"
        try:
            status, _, _ = https(port, cafile, "GET", path, timeout=2)
            if status == 200:
                return None
            last = f"status {status}"
        except (OSError, http.client.HTTPException) as e:
            last = repr(e)
        time.sleep(0.05)
    return f"{what} not ready after {timeout:.0f}s ({last})"


# --------------------------------------------------------------------------
# the daemon under test


class Instance:
    """A data directory made by `tradeguard init`, and its daemon."""

    def __init__(self, args, base):
        self.dir = base / "data"
        self.port = free_port()
        self.ini = self.dir / "tradeguard.ini"
        self.cert = self.dir / "tls" / "cert.pem"
        self.key = self.dir / "tls" / "key.pem"
        self.log = self.dir / "server.log"
        self.proc = None
        self.preload = args.daemon_preload
        self.password = "Tq7!" + os.urandom(6).hex() + "#Zw"
        self._run_cli(["init", "--dir", str(self.dir),
                       "--listen", f"127.0.0.1:{self.port}"], config=False)
        for (sect, key), want in (
                (("password", "argon2_memory_kib"), ARGON2_MEMORY_KIB),
                (("password", "argon2_iterations"), ARGON2_ITERATIONS),
                (("password", "argon2_parallelism"), ARGON2_PARALLELISM)):
            have = ini_default(self.ini, sect, key)
            if have is not None and have != str(want):
                print(f"note: the sample's default {sect}.{key} is {have}; "
                      f"the benchmark sets {want}", file=sys.stderr)
        settings = {
            ("auth", "min_factor_kinds"): 1,
            ("session", "max_per_account"): 100,
            ("session", "on_limit"): "evict_oldest",
            ("password", "argon2_memory_kib"): ARGON2_MEMORY_KIB,
            ("password", "argon2_iterations"): ARGON2_ITERATIONS,
            ("password", "argon2_parallelism"): ARGON2_PARALLELISM,
            ("server", "workers"): args.workers,
            # Every connection can have a request queued, with room to spare.
            ("server", "queue"): max(256, 4 * args.connections),
            ("log", "file"): str(self.log),
            # Like the nginx reference (access_log off): errors only.
            ("log", "requests"): "false",
        }
        if args.threads:
            settings[("server", "threads")] = args.threads
        for item in args.set:
            m = re.match(r"^([a-z_]+)\.([a-z0-9_]+)=(.*)$", item)
            if not m:
                die(f"--set {item}: expected SECTION.KEY=VALUE", 2)
            settings[(m.group(1), m.group(2))] = m.group(3)
            print(f"note: {m.group(1)}.{m.group(2)} = {m.group(3)}")
        for (sect, key), value in settings.items():
            ini_set(self.ini, sect, key, value)
        self.settings = settings
        # One customer per wrk thread: "bench", "bench_2", ...  A login
        # reserves one of the account's lockout.threshold (at most 3)
        # attempts before it hashes, so more than 3 concurrent logins of one
        # account are refused by design (AUTH-10); this way at most
        # connections / wrk threads logins of one account are in flight.
        self.logins = [BENCH_LOGIN] + [f"{BENCH_LOGIN}_{i}"
                                       for i in range(2, args.wrk_threads + 1)]
        for n, login in enumerate(self.logins):
            self._run_cli(["customer", "add", "--login", login,
                           "--email", BENCH_EMAIL if n == 0
                           else f"b{n + 1}@example.com",
                           "--phone", BENCH_PHONE],
                          stdin=self.password + "\n")

    def _run_cli(self, argv, config=True, stdin=""):
        full = [str(TGCLI)] + (["--config", str(self.ini)] if config else []) + argv
        try:
            r = subprocess.run(full, input=stdin, capture_output=True, text=True,
                               timeout=CLI_TIMEOUT)
        except subprocess.TimeoutExpired:
            die(f"`tradeguard {' '.join(argv[:2])}` did not finish in "
                f"{CLI_TIMEOUT:.0f}s")
        if r.returncode != 0:
            die(f"`tradeguard {' '.join(argv[:2])}` failed "
                f"({r.returncode}):\n{r.stderr}{r.stdout}")
        return r

    def start(self):
        self._stderr = open(self.dir / "daemon.stderr", "ab")
        env = dict(os.environ)
        if self.preload:
            env["LD_PRELOAD"] = os.path.abspath(self.preload)
            print(f"note: tradeguardd runs with LD_PRELOAD={env['LD_PRELOAD']}")
        self.proc = spawn([str(TGD), "--config", str(self.ini)],
                          stdout=self._stderr, stderr=self._stderr, env=env)
        err = wait_ready(self.port, self.cert, "/healthz", self.proc,
                         "tradeguardd")
        if err:
            die(f"{err}\n{self.diagnostics()}")
        return self

    def stop(self):
        if self.proc is None:
            return None
        rc = stop(self.proc)
        self.proc = None
        self._stderr.close()
        return rc

    def diagnostics(self):
        out = []
        for name in ("daemon.stderr", "server.log"):
            try:
                text = (self.dir / name).read_text(errors="replace")
            except OSError:
                continue
            tail = "\n".join(text.splitlines()[-20:])
            out.append(f"--- {name} (last lines)\n{tail}")
        return "\n".join(out)

    def login(self, login=BENCH_LOGIN):
        """One password login; returns the session token."""
        body = json.dumps({"login": login, "password": self.password})
        status, _, data = https(self.port, self.cert, "POST", "/v1/auth/login",
                                body=body,
                                headers={"Content-Type": "application/json"})
        if status != 200:
            die(f"login failed: {status} {data[:300]!r}\n{self.diagnostics()}")
        j = json.loads(data)
        if j.get("status") != "authenticated" or not j.get("session_token"):
            die(f"login did not authenticate: {data[:300]!r}")
        return j["session_token"]

    def url(self, path):
        return f"https://127.0.0.1:{self.port}{path}"


# --------------------------------------------------------------------------
# wrk


def run_wrk(url, args, script, script_args=(), headers=()):
    """
    Run wrk with keep-alive connections for args.duration seconds.  The Lua
    script's done() prints one line "TGBENCH k=v ..."; returns it as a dict
    of numbers plus the raw output under "text".
    """
    argv = ["wrk", "-t", str(args.wrk_threads), "-c", str(args.connections),
            "-d", f"{args.duration}s", "--timeout", "10s", "--latency",
            "-s", str(script)]
    for h in headers:
        argv += ["-H", h]
    argv.append(url)
    if script_args:
        argv += ["--"] + list(script_args)
    p = spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = p.communicate(timeout=args.duration + WRK_SLACK)
    except subprocess.TimeoutExpired:
        stop(p)
        die(f"wrk did not finish within {args.duration + WRK_SLACK:.0f}s")
    if p in _children:
        _children.remove(p)
    m = re.search(r"^TGBENCH (.*)$", out, re.M)
    if p.returncode != 0 or not m:
        die(f"wrk failed ({p.returncode}):\n{out}")
    res = {"text": out}
    for kv in m.group(1).split():
        k, v = kv.split("=", 1)
        res[k] = float(v)
    res["seconds"] = res["duration_us"] / 1e6
    return res


def wrk_summary(res):
    """Latency and error line for a wrk result."""
    errs = ", ".join(f"{k} {int(res[k])}" for k in
                     ("connect", "read", "write", "timeout") if res.get(k))
    return (f"latency p50 {res['p50_us'] / 1000:.2f} ms, "
            f"p99 {res['p99_us'] / 1000:.2f} ms"
            + (f"; socket errors: {errs}" if errs else ""))
