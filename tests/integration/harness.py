"""Shared harness for mtxrelay integration tests (Python 3.11 stdlib only).

Every integration test runs real components on 127.0.0.1: nginx-rtmp standing in
for MediaMTX, ffmpeg publishers/readers/sinks, relay-devcloud and our tools.
The harness guarantees that every process a test started is ended BY PID (never
pkill/killall), even when the test fails:

    with Harness("my-test") as h:             # or class T(HarnessTestCase): self.h
        ngx = h.start_nginx([{"name": "live", "hls": True}])
        pub = h.publish(h.make_test_media(6), "live", "alice/s1")
        ...
    # exit: SIGINT to every process group we started, 3 s grace, SIGKILL, reap,
    # then assert_no_survivors() (recorded PIDs, their process groups/sessions,
    # their descendants, orphans re-parented to us as child subreaper).

Conventions
- Exit codes are subprocess's: >= 0 exit status, -N killed by signal N.
- Every wait is bounded and fails with a message naming what it waited for.
- Work dir: $MTXRELAY_TEST_TMP (or the system temp dir)/mtxrelay-<name>-XXXX,
  removed after a passing test, kept (and printed) after a failing one or when
  MTXRELAY_KEEP_TMP=1.
- Tools: $MTXRELAY_BIN_DIR (default <repo>/build/bin).

nginx stand-in (see start_nginx): single process (`master_process off`), so the
PID we spawn is the one serving RTMP, HTTP and forking exec_push hooks.
  RTMP: rtmp://127.0.0.1:<rtmp_port>/<app>/<name>  (names may contain '/';
        ffmpeg needs -rtmp_app/-rtmp_playpath for those: ffmpeg_rtmp_args()).
  HLS:  http://127.0.0.1:<http_port>/<app>/<name>/index.m3u8
        (same shape as MediaMTX's http://HOST:8888/<path>/index.m3u8, so
        --hls-local-base http://127.0.0.1:<http_port> works unchanged).
  stat: http://127.0.0.1:<http_port>/stat (nginx-rtmp XML, parsed by Nginx.stat()).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import dataclasses
import fcntl
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

REPO_ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"
FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
FFPROBE = shutil.which("ffprobe") or "/usr/bin/ffprobe"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NGINX_RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
# Hooks run with an empty PATH: the wrapper interpreter must be absolute.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
DEFAULT_GRACE_S = 3.0


class HarnessError(AssertionError):
    """A harness check failed; an AssertionError so unittest reports a failure."""


class WaitTimeout(HarnessError):
    """wait_for() ran out of time."""


# ---------------------------------------------------------------------------
# Bounded waiting
# ---------------------------------------------------------------------------

def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.1,
             message: str | None = None) -> Any:
    """Poll predicate() until it returns a truthy value and return that value.

    Exceptions raised by predicate count as "not yet" (the last one is reported),
    except HarnessError, which aborts the wait at once (use it for "will never happen",
    e.g. the process exited). Raises WaitTimeout after `timeout` seconds, naming
    `message` (or the predicate).
    """
    deadline = time.monotonic() + timeout
    last_value: Any = None
    last_error: BaseException | None = None
    while True:
        try:
            last_value = predicate()
            if last_value:
                return last_value
        except (KeyboardInterrupt, SystemExit, HarnessError):
            raise
        except Exception as exc:  # noqa: BLE001 - reported below
            last_error = exc
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            what = message or getattr(predicate, "__name__", repr(predicate))
            detail = f"; last error: {last_error!r}" if last_error else ""
            raise WaitTimeout(f"timed out after {timeout:.1f}s waiting for {what}"
                              f" (last value {last_value!r}{detail})")
        time.sleep(min(interval, remaining))


# ---------------------------------------------------------------------------
# /proc helpers
# ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ProcInfo:
    """One /proc/<pid>/stat snapshot. start_ticks identifies the process across PID reuse."""
    pid: int
    comm: str
    state: str
    ppid: int
    pgrp: int
    session: int
    start_ticks: int

    @property
    def cmdline(self) -> str:
        return cmdline(self.pid)


def proc_info(pid: int) -> ProcInfo | None:
    """Parse /proc/<pid>/stat; None if the PID does not exist."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read().decode("utf-8", "replace")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    lpar, rpar = raw.find("("), raw.rfind(")")
    rest = raw[rpar + 2:].split()
    # Fields after "(comm)": state(3) ppid(4) pgrp(5) session(6) ... starttime(22).
    return ProcInfo(pid=pid, comm=raw[lpar + 1:rpar], state=rest[0], ppid=int(rest[1]),
                    pgrp=int(rest[2]), session=int(rest[3]), start_ticks=int(rest[19]))


def pid_state(pid: int) -> str | None:
    """Single-letter state (R, S, D, T, Z, ...) or None when the PID is gone."""
    info = proc_info(pid)
    return info.state if info else None


def pid_alive(pid: int, start_ticks: int | None = None) -> bool:
    """True while the process runs. A zombie (Z/X) has exited: it is dead even
    though its PID stays taken until its parent reaps it. With start_ticks, a
    reused PID belonging to another process is reported dead."""
    info = proc_info(pid)
    if info is None or info.state in ("Z", "X"):
        return False
    return start_ticks is None or info.start_ticks == start_ticks


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            parts = f.read().split(b"\0")
        return " ".join(p.decode("utf-8", "replace") for p in parts if p)
    except OSError:
        return ""


def all_processes() -> list[ProcInfo]:
    infos = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = proc_info(int(entry))
            if info is not None:
                infos.append(info)
    return infos


def _scan() -> tuple[dict[int, ProcInfo], dict[int, list[int]]]:
    """One /proc scan: pid -> info, and ppid -> children (from PPid)."""
    infos = {i.pid: i for i in all_processes()}
    kids: dict[int, list[int]] = {}
    for i in infos.values():
        kids.setdefault(i.ppid, []).append(i.pid)
    return infos, kids


def _subtree(roots: Iterable[int], kids: dict[int, list[int]]) -> set[int]:
    found: set[int] = set()
    queue = list(roots)
    while queue:
        pid = queue.pop()
        if pid not in found:
            found.add(pid)
            queue.extend(kids.get(pid, ()))
    return found


def _children_map() -> dict[int, set[int]]:
    """ppid -> children, from a /proc scan of PPid plus /proc/<pid>/task/*/children."""
    kids: dict[int, set[int]] = {}
    for info in all_processes():
        kids.setdefault(info.ppid, set()).add(info.pid)
        try:
            for tid in os.listdir(f"/proc/{info.pid}/task"):
                with open(f"/proc/{info.pid}/task/{tid}/children") as f:
                    for child in f.read().split():
                        kids.setdefault(info.pid, set()).add(int(child))
        except OSError:
            pass
    return kids


def descendants(pid: int) -> list[int]:
    """All live-or-zombie descendants of pid (children, grandchildren, ...)."""
    kids = _children_map()
    found: list[int] = []
    queue = [pid]
    while queue:
        for child in sorted(kids.get(queue.pop(), ())):
            if child not in found and child != pid:
                found.append(child)
                queue.append(child)
    return found



def ffmpeg_descendants(pid: int, marker: str) -> list[int]:
    """The ffmpeg processes under pid whose command line contains `marker`: relay-clean's
    encoder is "libx264", its input pump "-f data"."""
    return [p for p in descendants(pid)
            if (proc_info(p) or ProcInfo).comm == "ffmpeg" and marker in cmdline(p)]

def zombies(pid: int) -> list[int]:
    """Descendants of pid that exited but were not reaped by their parent."""
    return [p for p in descendants(pid) if pid_state(p) == "Z"]


# ---------------------------------------------------------------------------
# Ports and HTTP
# ---------------------------------------------------------------------------

_PORTS_GIVEN: set[int] = set()
_PORTS_LOCK = threading.Lock()


def _listening_ports() -> set[int]:
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if cols[3] == "0A":  # LISTEN
                        ports.add(int(cols[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return ports


def port_listening(port: int) -> bool:
    """True if some socket LISTENs on port, read from /proc/net/tcp (no connection
    is made, so one-connection servers like `ffmpeg -listen 1` are not consumed)."""
    return port in _listening_ports()


def free_port() -> int:
    """A TCP port free on 127.0.0.1, below the kernel's ephemeral range (so outgoing
    connections do not grab it before the server binds), never handed out twice
    by this process."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            ephemeral_low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32768
    low, high = 20000, max(20001, ephemeral_low - 1)
    with _PORTS_LOCK:
        for _ in range(500):
            port = random.randint(low, high)
            if port in _PORTS_GIVEN:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                try:
                    s.bind((LOOPBACK, port))
                except OSError:
                    continue
            _PORTS_GIVEN.add(port)
            return port
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((LOOPBACK, 0))
            port = s.getsockname()[1]
        _PORTS_GIVEN.add(port)
        return port


@dataclasses.dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str = ""  # after redirects

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never use env proxies


def http_request(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
                 timeout: float = 10.0) -> HttpResponse:
    """One HTTP request without proxies. HTTP error statuses are returned, not raised;
    connection failures raise OSError. A dict/list body is sent as JSON."""
    data = None
    hdrs = dict(headers or {})
    if body is not None:
        if isinstance(body, (bytes, bytearray)):
            data = bytes(body)
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with _HTTP.open(req, timeout=timeout) as resp:
            return HttpResponse(resp.status, dict(resp.headers.items()), resp.read(), resp.geturl())
    except urllib.error.HTTPError as err:
        return HttpResponse(err.code, dict(err.headers.items()), err.read(), err.geturl() or url)


def hls_segments(playlist: str) -> list[str]:
    """Segment URIs of a media playlist (lines after #EXTINF), without #EXT-X-GAP ones
    (MediaMTX pads a new LL-HLS playlist with gaps, which hold no media)."""
    lines = [ln.strip() for ln in playlist.splitlines()]
    return [lines[i + 1] for i, ln in enumerate(lines[:-1])
            if ln.startswith("#EXTINF") and not (i > 0 and lines[i - 1] == "#EXT-X-GAP")]


def hls_media_playlist(url: str, timeout: float = 5.0) -> tuple[HttpResponse, str]:
    """GET an HLS playlist as a player would: redirects followed (MediaMTX answers a first
    request with 302 and a cookie check), and a multivariant playlist's first variant
    fetched. Returns (the media playlist's response, its URL)."""
    resp = http_request("GET", url, timeout=timeout)
    if resp.status == 200 and "#EXT-X-STREAM-INF" in resp.text:
        lines = [ln.strip() for ln in resp.text.splitlines()]
        variant = next(lines[i + 1] for i, ln in enumerate(lines[:-1]) if ln.startswith("#EXT-X-STREAM-INF"))
        media_url = urllib.parse.urljoin(resp.url or url, variant)
        return http_request("GET", media_url, timeout=timeout), media_url
    return resp, resp.url or url


def wait_for_hls(url: str, min_segments: int = 1, timeout: float = 30.0) -> str:
    """Wait until the (media) playlist at url answers 200 with >= min_segments segments;
    return its text (a multivariant playlist is followed to its first variant)."""
    def ready() -> str | None:
        resp, _ = hls_media_playlist(url)
        if resp.status == 200 and len(hls_segments(resp.text)) >= min_segments:
            return resp.text
        return None
    return wait_for(ready, timeout, 0.2, f"HLS playlist {url} with >= {min_segments} segments")


# ---------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------

def _mask(secret: str) -> str:
    shown = min(3, len(secret) // 4)
    return f"{secret[:shown]}... ({len(secret)} chars)"


# A line our tools log at error level (fatal ones included), in the text format:
# `<UTC time> tool[path] error: ...` or `<UTC time> tool error: ...`.
ERROR_LINE = re.compile(r"(?m)^(?:\S+Z )?relay-[a-z-]+(?:\[[^\]]*\])? error: ")


def error_lines(text: str) -> list[str]:
    """The error-level lines of our tools in `text` (a warning that quotes the word is not one)."""
    return [ln for ln in text.splitlines() if ERROR_LINE.match(ln)]


def assert_no_secrets(texts_or_paths: Any, secrets: Iterable[str]) -> None:
    """Fail if any secret (or its URL-encoded form) occurs in the given texts or files.

    Items: pathlib.Path or an existing file's path string -> that file; Proc -> its
    stdout and stderr files; other str/bytes -> literal text. The failure names the
    file (or "text #i"), line, column and byte offset, masking the secret."""
    items = texts_or_paths
    if isinstance(items, (str, bytes, Path, Proc)):
        items = [items]
    sources: list[tuple[str, bytes]] = []
    for i, item in enumerate(items):
        if isinstance(item, Proc):
            for p in (item.stdout_path, item.stderr_path):
                sources.append((str(p), p.read_bytes() if p.exists() else b""))
        elif isinstance(item, Path) or (isinstance(item, str) and "\n" not in item
                                         and len(item) < 4096 and os.path.isfile(item)):
            sources.append((str(item), Path(item).read_bytes()))
        elif isinstance(item, bytes):
            sources.append((f"text #{i}", item))
        else:
            sources.append((f"text #{i}", str(item).encode()))
    findings = []
    for n, secret in enumerate(secrets):
        if len(secret) < 4:
            raise ValueError(f"secret #{n} is shorter than 4 characters: too weak to search for")
        forms = {secret, urllib.parse.quote(secret, safe="")}
        for label, data in sources:
            for form in forms:
                needle = form.encode()
                at = data.find(needle)
                while at >= 0:
                    line = data.count(b"\n", 0, at) + 1
                    col = at - (data.rfind(b"\n", 0, at) + 1) + 1
                    kind = "" if form == secret else " (URL-encoded)"
                    findings.append(f"secret #{n} {_mask(secret)}{kind} in {label}"
                                    f" at line {line}, column {col} (byte {at})")
                    at = data.find(needle, at + 1)
    if findings:
        raise HarnessError("secrets leaked:\n  " + "\n  ".join(findings))


# ---------------------------------------------------------------------------
# Process-wide setup: subreaper, PDEATHSIG, termination -> cleanup
# ---------------------------------------------------------------------------

_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_SUBREAPER_ON = False
_REGISTRY_LOCK = threading.RLock()
_ACTIVE: list["Harness"] = []
_POPEN_PIDS: set[int] = set()  # reaped by subprocess; never waitpid() them ourselves


def _enable_subreaper() -> None:
    """Orphans of our children re-parent to this process instead of init, so a
    process that escaped its group (setsid + parent death) is still found and reaped."""
    global _SUBREAPER_ON
    if not _SUBREAPER_ON:
        _SUBREAPER_ON = _LIBC.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def _popen(argv: Sequence[str], **kw: Any) -> subprocess.Popen:
    """subprocess.Popen whose PID _reap_adopted() leaves to subprocess (no stolen status)."""
    with _REGISTRY_LOCK:
        proc = subprocess.Popen(list(argv), **kw)
        _POPEN_PIDS.add(proc.pid)
    return proc


def _reap_adopted() -> None:
    """waitpid() zombie children that are not subprocess.Popen's (adopted orphans)."""
    me = os.getpid()
    with _REGISTRY_LOCK:
        popen_pids = set(_POPEN_PIDS)
    for info in all_processes():
        if info.ppid == me and info.state == "Z" and info.pid not in popen_pids:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(info.pid, os.WNOHANG)


def _cleanup_all_at_exit() -> None:
    with _REGISTRY_LOCK:
        active = list(_ACTIVE)
    for h in active:
        with contextlib.suppress(Exception):
            h.close(failed=True)


atexit.register(_cleanup_all_at_exit)


def install_termination_handler() -> None:
    """Turn SIGTERM/SIGHUP into SystemExit in the main thread so context managers,
    unittest cleanups and atexit still stop every process (e.g. on a ctest timeout)."""
    if threading.current_thread() is not threading.main_thread():
        return

    def _raise(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) in (signal.SIG_DFL, None):
            signal.signal(sig, _raise)


def _popen_preexec(pdeathsig: int | None) -> Callable[[], None] | None:
    if not pdeathsig:
        return None

    def preexec() -> None:
        # Dies with the harness even if it is SIGKILLed (no atexit then).
        _LIBC.prctl(_PR_SET_PDEATHSIG, int(pdeathsig), 0, 0, 0)
        if os.getppid() == 1:
            os._exit(1)
    return preexec


# ---------------------------------------------------------------------------
# Proc
# ---------------------------------------------------------------------------

class Proc:
    """A process spawned by a Harness: own session/process group, stdout/stderr in files."""

    def __init__(self, harness: "Harness", name: str, argv: list[str], popen: subprocess.Popen,
                 stdout_path: Path, stderr_path: Path) -> None:
        self.harness = harness
        self.name = name
        self.argv = argv
        self.popen = popen
        self.pid = popen.pid
        self.pgid = popen.pid  # start_new_session: leader of its own session and group
        info = proc_info(self.pid)
        self.start_ticks = info.start_ticks if info else -1
        self.stdout_path = stdout_path
        self.stderr_path = stderr_path
        self.started_at = time.monotonic()
        self.extra: dict[str, Any] = {}  # helpers attach e.g. url/out_path here

    def __repr__(self) -> str:
        return f"<Proc {self.name} pid={self.pid} rc={self.returncode}>"

    @property
    def returncode(self) -> int | None:
        return self.poll()

    def poll(self) -> int | None:
        rc = self.popen.poll()
        if rc is not None:
            with _REGISTRY_LOCK:
                _POPEN_PIDS.discard(self.pid)
        return rc

    def alive(self) -> bool:
        return self.poll() is None

    def wait(self, timeout: float = 10.0) -> int:
        """Wait for exit (no signal sent); HarnessError with stderr tail on timeout."""
        try:
            rc = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise HarnessError(f"{self.name} (pid {self.pid}) still running after {timeout:.1f}s;"
                               f" stderr tail:\n{self.tail()}") from None
        self.poll()
        return rc

    def send_signal(self, sig: int, group: bool = False) -> None:
        """Signal the PID (or its whole process group) unless it was already reaped."""
        if self.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            if group:
                os.killpg(self.pgid, sig)
            else:
                os.kill(self.pid, sig)

    def stop(self, sig: int = signal.SIGINT, timeout: float = 10.0, **kw: Any) -> tuple[int, float]:
        return self.harness.stop(self, sig, timeout, **kw)

    def stdout_text(self) -> str:
        return self.stdout_path.read_text("utf-8", "replace") if self.stdout_path.exists() else ""

    def stderr_text(self) -> str:
        return self.stderr_path.read_text("utf-8", "replace") if self.stderr_path.exists() else ""

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.stderr_text().splitlines()[-lines:])

    def wait_for_output(self, pattern: str, timeout: float = 10.0,
                        stream: str = "stderr") -> re.Match:
        """Wait until regex `pattern` matches the process's stdout or stderr so far."""
        read = self.stdout_text if stream == "stdout" else self.stderr_text

        def found() -> re.Match | None:
            m = re.search(pattern, read(), re.M)
            if m is None and self.poll() is not None:
                m = re.search(pattern, read(), re.M)
                if m is None:
                    raise HarnessError(f"{self.name} exited (rc {self.returncode}) without"
                                       f" printing /{pattern}/ on {stream}; tail:\n{self.tail()}")
            return m
        try:
            return wait_for(found, timeout, 0.05, f"/{pattern}/ on {self.name}'s {stream}")
        except WaitTimeout as exc:
            exc.args = (f"{exc.args[0]}\n{self.name} {stream} tail:\n"
                        + "\n".join(read().splitlines()[-20:]),)
            raise


# ---------------------------------------------------------------------------
# Harness
# ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Ident:
    pid: int
    start_ticks: int


class Harness:
    """Owns a work dir and every process a test starts; see the module docstring."""

    def __init__(self, name: str = "test", *, grace: float = DEFAULT_GRACE_S) -> None:
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name)[-60:].strip("-") or "test"
        base = os.environ.get("MTXRELAY_TEST_TMP") or tempfile.gettempdir()
        os.makedirs(base, exist_ok=True)
        self.name = name
        self.grace = grace
        self.workdir = Path(tempfile.mkdtemp(prefix=f"mtxrelay-{safe}-", dir=base))
        self.procs: list[Proc] = []
        self.nginx: Nginx | None = None  # last nginx started
        self.relay: Any = None  # last relay server started (Nginx or MediaMtx): publish()/record()
        self._tracked: set[_Ident] = set()  # spawned, adopted, or seen as descendants
        self._groups: dict[int, int] = {}  # pgid -> leader start_ticks
        self._counter = 0
        self._closed = False
        self._start_ticks = _now_ticks()
        _enable_subreaper()
        install_termination_handler()
        with _REGISTRY_LOCK:
            _ACTIVE.append(self)

    # -- context manager ---------------------------------------------------
    def __enter__(self) -> "Harness":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.close(failed=exc_type is not None)

    # -- paths and tools ---------------------------------------------------
    def path(self, *parts: str) -> Path:
        """A path inside the work dir (parent directories created)."""
        p = self.workdir.joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    @staticmethod
    def bin_dir() -> Path:
        return Path(os.environ.get("MTXRELAY_BIN_DIR") or REPO_ROOT / "build" / "bin").resolve()

    def bin(self, tool: str, must_exist: bool = True) -> str:
        """Absolute path of one of our tools, e.g. h.bin("relay-clean")."""
        p = self.bin_dir() / tool
        if must_exist and not os.access(p, os.X_OK):
            raise HarnessError(f"{tool} not found at {p}: build first (cmake --build build)"
                               " or set MTXRELAY_BIN_DIR")
        return str(p)

    @staticmethod
    def free_port() -> int:
        return free_port()

    # -- processes ---------------------------------------------------------
    def _unique(self, name: str) -> str:
        self._counter += 1
        return f"{self._counter:02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}"

    def spawn(self, argv: Sequence[str], env: dict[str, str] | None = None, name: str | None = None,
              *, inherit_env: bool = True, cwd: str | Path | None = None,
              pdeathsig: int | None = signal.SIGKILL) -> Proc:
        """Start argv in its own session/process group, stdin /dev/null, stdout/stderr
        to <workdir>/logs/NN-<name>.{stdout,stderr}. env is merged over os.environ
        (or used alone with inherit_env=False). pdeathsig kills the child if this
        thread dies (only applied from the main thread)."""
        if self._closed:
            raise HarnessError("spawn() on a closed Harness")
        argv = [str(a) for a in argv]
        label = self._unique(name or os.path.basename(argv[0]))
        out_path = self.path("logs", f"{label}.stdout")
        err_path = self.path("logs", f"{label}.stderr")
        full_env = dict(os.environ) if inherit_env else {}
        full_env.update(env or {})
        if threading.current_thread() is not threading.main_thread():
            pdeathsig = None  # PDEATHSIG fires when the forking *thread* exits
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            popen = _popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=full_env,
                           cwd=cwd, start_new_session=True, close_fds=True,
                           preexec_fn=_popen_preexec(pdeathsig))
        proc = Proc(self, name or os.path.basename(argv[0]), argv, popen, out_path, err_path)
        self.procs.append(proc)
        self._tracked.add(_Ident(proc.pid, proc.start_ticks))
        self._groups[proc.pgid] = proc.start_ticks
        return proc

    def run(self, argv: Sequence[str], timeout: float = 60.0, check: bool = True,
            **spawn_kw: Any) -> Proc:
        """spawn() and wait; on timeout the process group is killed and HarnessError raised."""
        proc = self.spawn(argv, **spawn_kw)
        try:
            rc = proc.wait(timeout)
        except HarnessError:
            self._kill_group(proc, signal.SIGKILL)
            proc.popen.wait(5)
            raise
        if check and rc != 0:
            raise HarnessError(f"{proc.name} failed with exit code {rc}: {' '.join(proc.argv)}\n"
                               f"{proc.tail()}")
        return proc

    def adopt(self, pid: int) -> None:
        """Track a process we did not spawn (e.g. a hook PID) for cleanup and survivor checks."""
        info = proc_info(pid)
        if info is not None:
            self._tracked.add(_Ident(pid, info.start_ticks))

    def stop(self, proc: Proc, sig: int = signal.SIGINT, timeout: float = 10.0, *,
             group: bool = False, check: bool = True) -> tuple[int, float]:
        """Send sig to proc's PID (its whole group with group=True, as MediaMTX does)
        and wait. Returns (exit code, seconds from signal to exit). After timeout the
        group is SIGKILLed and, with check, HarnessError is raised."""
        self.snapshot()
        if proc.poll() is not None:
            return proc.returncode, 0.0
        t0 = time.monotonic()
        proc.send_signal(sig, group=group)
        try:
            rc = proc.popen.wait(timeout=timeout)
            proc.poll()
            return rc, time.monotonic() - t0
        except subprocess.TimeoutExpired:
            self._kill_group(proc, signal.SIGKILL)
            rc = proc.popen.wait(timeout=5)
            proc.poll()
            elapsed = time.monotonic() - t0
            if check:
                raise HarnessError(f"{proc.name} (pid {proc.pid}) ignored {signal.Signals(sig).name}"
                                   f" for {timeout:.1f}s and was SIGKILLed; stderr tail:\n"
                                   f"{proc.tail()}") from None
            return rc, elapsed

    def _group_members(self, pgid: int, infos: dict[int, ProcInfo] | None = None) -> list[ProcInfo]:
        """Processes in the group/session we created with leader pgid (started after it)."""
        leader_ticks = self._groups.get(pgid, 0)
        infos = infos if infos is not None else {i.pid: i for i in all_processes()}
        return [i for i in infos.values()
                if (i.pgrp == pgid or i.session == pgid) and i.start_ticks >= leader_ticks
                and i.pid != os.getpid()]

    def _kill_group(self, proc: Proc, sig: int) -> None:
        """Signal proc's process group. While the leader is unreaped its PID (= PGID)
        cannot be reused, so killpg is safe; afterwards members are signalled by PID."""
        if proc.popen.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pgid, sig)
        for member in self._group_members(proc.pgid):
            if member.state not in ("Z", "X"):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(member.pid, sig)

    def _roots(self, infos: dict[int, ProcInfo]) -> set[int]:
        """Live PIDs we are directly responsible for (before adding descendants)."""
        me = os.getpid()
        roots = {t.pid for t in self._tracked
                 if t.pid in infos and infos[t.pid].start_ticks == t.start_ticks}
        for i in infos.values():
            leader_ticks = self._groups.get(i.pgrp, self._groups.get(i.session))
            if leader_ticks is not None and i.start_ticks >= leader_ticks:
                roots.add(i.pid)
            elif i.ppid == me and i.start_ticks >= self._start_ticks:
                roots.add(i.pid)  # an orphan re-parented to us (child subreaper)
        return roots

    def survivors(self) -> list[ProcInfo]:
        """Live processes this harness is responsible for: tracked PIDs (spawned,
        adopted, snapshotted descendants), members of our process groups/sessions,
        orphans re-parented to this process since we started, and all their
        descendants. Zombies are dead (they are reaped in close())."""
        infos, kids = _scan()
        with _REGISTRY_LOCK:
            others = [h for h in _ACTIVE if h is not self]
        foreign: set[int] = set()
        for h in others:  # nested harnesses: each answers for its own processes
            foreign |= _subtree({t.pid for t in h._tracked if t.pid in infos
                                 and infos[t.pid].start_ticks == t.start_ticks}, kids)
        mine = _subtree(self._roots(infos) - foreign, kids) - foreign - {os.getpid()}
        return [infos[p] for p in sorted(mine) if infos[p].state not in ("Z", "X")]

    def snapshot(self) -> None:
        """Record the current survivors (descendants included) by PID + start time, so
        they are still checked after their parent dies and they are re-parented."""
        for info in self.survivors():
            self._tracked.add(_Ident(info.pid, info.start_ticks))

    def assert_no_survivors(self) -> None:
        left = self.survivors()
        if left:
            desc = "\n  ".join(f"pid {i.pid} state {i.state} ppid {i.ppid} pgrp {i.pgrp}: "
                               f"{i.cmdline or i.comm}" for i in left)
            raise HarnessError(f"processes still alive after cleanup:\n  {desc}")

    def _signal_everything(self, sig: int) -> None:
        for proc in self.procs:
            self._kill_group(proc, sig)
        for info in self.survivors():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(info.pid, sig)

    def _wait_all_gone(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            for proc in self.procs:
                proc.poll()
            _reap_adopted()
            if not self.survivors():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    def close(self, failed: bool = False) -> None:
        """SIGINT every process group and tracked PID, wait `grace` s, SIGKILL what is
        left, reap, then assert_no_survivors() (reported, not raised, if the test
        already failed). Idempotent."""
        if self._closed:
            return
        self._closed = True
        problem: HarnessError | None = None
        try:
            self.snapshot()
            if self.survivors():
                self._signal_everything(signal.SIGINT)
                if not self._wait_all_gone(self.grace):
                    self.snapshot()
                    self._signal_everything(signal.SIGKILL)
                    self._wait_all_gone(5.0)
            for proc in self.procs:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.popen.wait(timeout=1)
                proc.poll()
            _reap_adopted()
            try:
                self.assert_no_survivors()
            except HarnessError as exc:
                problem = exc
        finally:
            with _REGISTRY_LOCK:
                if self in _ACTIVE:
                    _ACTIVE.remove(self)
        keep = failed or problem is not None or os.environ.get("MTXRELAY_KEEP_TMP") == "1"
        if keep:
            print(f"[harness] {self.name}: work dir kept: {self.workdir}", file=sys.stderr)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)
        if problem is not None:
            if failed:
                print(f"[harness] {self.name}: {problem}", file=sys.stderr)
            else:
                raise problem

    # -- media helpers -----------------------------------------------------
    def make_test_media(self, seconds: float = 10, path: str | Path | None = None, *,
                        size: str = "320x240", fps: int = 30, gop_seconds: float = 1.0,
                        audio: bool = True) -> Path:
        """Generate an H.264/AAC FLV from lavfi testsrc2 + sine (libx264 ultrafast)."""
        out = Path(path) if path else self.path("media", f"test-{seconds:g}s-{size}-{fps}.flv")
        if out.exists():
            return out
        argv = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}"]
        if audio:
            argv += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]
        argv += ["-t", f"{seconds:g}", "-c:v", "libx264", "-preset", "ultrafast",
                 "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-g", str(max(1, round(fps * gop_seconds)))]
        if audio:
            argv += ["-c:a", "aac", "-b:a", "64k"]
        tmp = out.with_name(out.name + ".part")
        self.run(argv + ["-f", "flv", str(tmp)], timeout=60 + 4 * seconds, name="make-media")
        tmp.rename(out)
        return out

    def _rtmp_url(self, app: str, name: str | None, server: Any) -> str:
        if app.startswith(("rtmp://", "rtmps://")):
            return app if not name else f"{app.rstrip('/')}/{name}"
        server = server or self.relay
        if server is None:
            raise HarnessError("no relay server started: call start_nginx()/start_mediamtx() or pass an rtmp:// URL")
        if name is None:
            raise HarnessError("a stream name is required with an application name")
        server.prepare_stream(app, name)
        return server.rtmp_url(app, name)

    def publish(self, file: str | Path, app: str, name: str | None = None, *, realtime: bool = True,
                loop: bool | int = False, server: Any = None, extra_args: Sequence[str] = (),
                proc_name: str = "publish") -> Proc:
        """ffmpeg [-re] [-stream_loop -1] -i FILE -c copy -f flv <rtmp> (app/name, which may
        carry a query such as "alice/s1?key=K", on the harness's relay server, or app given as
        a full rtmp:// URL). loop=True repeats the file forever, loop=N plays it N more times.
        proc.extra['url'] is the URL."""
        url = self._rtmp_url(app, name, server)
        argv = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "warning"]
        if realtime:
            argv.append("-re")
        if loop:
            argv += ["-stream_loop", "-1" if loop is True else str(int(loop))]
        argv += ["-i", str(file), "-c", "copy", *extra_args, *ffmpeg_rtmp_args(url)]
        proc = self.spawn(argv, name=proc_name)
        proc.extra["url"] = url
        return proc

    def record(self, app: str, name: str | None, out_path: str | Path, *, server: Any = None,
               wait_published: bool = True, timeout: float = 15.0, rw_timeout: float | None = None,
               extra_args: Sequence[str] = (), proc_name: str = "record") -> Proc:
        """ffmpeg reading the stream and copying it to out_path (format from its extension).

        On a harness relay server it first waits until the stream is published (a reader
        before the publisher is refused with idle_streams off, and by MediaMTX). It ends by itself (rc 0, file
        complete) when the publisher leaves an idle_streams-off app; while data flows,
        h.stop(proc) (one SIGINT) finalises the file. On an idle_streams-on app the
        reader hangs after unpublish and signals cannot finalise the file (the 1st
        SIGINT is not seen in a blocked read, the 2nd aborts without the trailer):
        pass rw_timeout (seconds without data -> clean end) there."""
        url = self._rtmp_url(app, name, server)
        srv = server or (self.relay if not app.startswith("rtmp") else None)
        if wait_published and srv is not None and name is not None:
            srv.wait_publishing(app, name.split("?", 1)[0], timeout=timeout)
        argv = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "warning"]
        if rw_timeout:
            argv += ["-rw_timeout", str(int(rw_timeout * 1_000_000))]
        argv += [*ffmpeg_rtmp_args(url, direction="input"), "-c", "copy", *extra_args,
                "-y", str(out_path)]
        proc = self.spawn(argv, name=proc_name)
        proc.extra.update(url=url, out_path=Path(out_path))
        return proc

    def listen_sink(self, port: int | None = None, app: str = "live", key: str = "sink",
                    out_path: str | Path | None = None, *, timeout: float = 10.0) -> Proc:
        """One-connection RTMP sink: ffmpeg -listen 1 -i rtmp://127.0.0.1:P/app/key -c copy OUT.
        Returns once it LISTENs; proc.extra has 'url', 'port', 'out_path'."""
        port = port or free_port()
        out = Path(out_path) if out_path else self.path("sinks", f"{app}-{key}-{port}.flv")
        url = f"rtmp://{LOOPBACK}:{port}/{app}/{key}"
        proc = self.spawn([FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "warning",
                           "-listen", "1", "-i", url, "-c", "copy", "-y", str(out)], name="sink")
        proc.extra.update(url=url, port=port, out_path=out)

        def listening() -> bool:
            if proc.poll() is not None:
                raise HarnessError(f"sink exited (rc {proc.returncode}): {proc.tail()}")
            return port_listening(port)
        wait_for(listening, timeout, 0.05, f"RTMP sink listening on {port}")
        return proc

    # -- nginx and devcloud ------------------------------------------------
    def start_nginx(self, apps: Sequence[dict | "App"], **kw: Any) -> "Nginx":
        """Start nginx-rtmp as the MediaMTX stand-in; see Nginx.start for options."""
        ngx = Nginx.start(self, apps, **kw)
        self.nginx = self.relay = ngx
        return ngx

    def start_mediamtx(self, **kw: Any) -> Any:
        """Start MediaMTX from the shipped config (skips the test, with the reason, when there
        is no binary); see backends.MediaMtx.start for options."""
        import backends  # noqa: PLC0415 - backends imports this module
        mtx = backends.MediaMtx.start(self, **kw)
        self.relay = mtx
        return mtx

    def start_devcloud(self, config: dict, *, binary: str | None = None, timeout: float = 10.0,
                       extra_args: Sequence[str] = ()) -> "DevCloud":
        """Write config JSON, run `relay-devcloud --config F --host 127.0.0.1 --port 0`,
        read the base URL from its first stdout line."""
        cfg = self.path("devcloud", f"{self._unique('config')}.json")
        cfg.write_text(json.dumps(config, indent=2))
        argv = [binary or self.bin("relay-devcloud"), "--config", str(cfg),
                "--host", LOOPBACK, "--port", "0", *extra_args]
        proc = self.spawn(argv, name="devcloud")
        m = proc.wait_for_output(r"^(https?://[^\s]+)\s*$", timeout, stream="stdout")
        first = proc.stdout_text().splitlines()[0].strip()
        if first != m.group(1):
            raise HarnessError(f"relay-devcloud's first stdout line is not its URL: {first!r}")
        return DevCloud(proc, first.rstrip("/"), config.get("token", ""), config.get("admin_token"))


def _now_ticks() -> int:
    """Current time in /proc starttime units (clock ticks since boot)."""
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    return int(uptime * os.sysconf("SC_CLK_TCK")) - 1


class HarnessTestCase(unittest.TestCase):
    """unittest base: self.h is a fresh Harness per test, closed in cleanup (kept on failure)."""

    h: Harness

    def setUp(self) -> None:
        super().setUp()
        self.h = Harness(self.id())
        self._problems_before = self._problem_count()
        self.addCleanup(self._close_harness)

    def _problem_count(self) -> int | None:
        # Cleanups run after failures were reported to the result, so a growing
        # failures+errors count means this test failed (outcome.success is reset
        # inside each cleanup, so it cannot tell).
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result is None:
            return None
        return len(getattr(result, "failures", ())) + len(getattr(result, "errors", ()))

    def _close_harness(self) -> None:
        before, after = self._problems_before, self._problem_count()
        self.h.close(failed=before is not None and after is not None and after > before)


def main() -> None:
    """Entry point for test files: `if __name__ == "__main__": harness.main()`."""
    install_termination_handler()
    unittest.main(module="__main__", verbosity=2)


# ---------------------------------------------------------------------------
# ffmpeg / ffprobe helpers
# ---------------------------------------------------------------------------

def ffmpeg_rtmp_args(url_or_app: str, name: str | None = None, *, direction: str = "output",
                     base: str = f"rtmp://{LOOPBACK}:1935") -> list[str]:
    """ffmpeg arguments addressing an RTMP stream whose name may contain '/'.

    ffmpeg splits rtmp://h/live/u/s as app "live/u" + stream "s" (nginx: "application
    not found"); this passes -rtmp_app <first segment> -rtmp_playpath <rest[?query]>
    with the bare server URL. direction="output" -> [..., "-f", "flv", URL];
    "input" -> [..., "-i", URL]. url_or_app is an rtmp:// URL, or an app name
    combined with name and base."""
    url = url_or_app if "://" in url_or_app else f"{base.rstrip('/')}/{url_or_app}/{name}"
    if "://" in url_or_app and name:
        url = f"{url.rstrip('/')}/{name}"
    parts = urllib.parse.urlsplit(url)
    app, _, playpath = parts.path.lstrip("/").partition("/")
    if parts.query:
        playpath += "?" + parts.query
    opts: list[str] = []
    target = url
    if app and playpath:
        opts = ["-rtmp_app", app, "-rtmp_playpath", playpath]
        target = f"{parts.scheme}://{parts.netloc}"
    if direction == "input":
        return [*opts, "-i", target]
    if direction == "output":
        return [*opts, "-f", "flv", target]
    raise ValueError(f"direction must be 'input' or 'output', not {direction!r}")


def _run_bounded(argv: Sequence[str], timeout: float) -> subprocess.CompletedProcess:
    """subprocess.run in its own session; the whole group is SIGKILLed on timeout."""
    proc = _popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                  stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise HarnessError(f"timed out after {timeout:.1f}s: {' '.join(argv)}") from None
    finally:
        with _REGISTRY_LOCK:
            _POPEN_PIDS.discard(proc.pid)
    return subprocess.CompletedProcess(list(argv), proc.returncode, out, err)


def _probe_input(path_or_url: str | Path) -> list[str]:
    """ffprobe's input arguments: the rtmp options of ffmpeg_rtmp_args without "-i"."""
    target = str(path_or_url)
    if not target.startswith("rtmp"):
        return [target]
    args = ffmpeg_rtmp_args(target, direction="input")
    return args[:-2] + args[-1:]


def ffprobe_json(path_or_url: str | Path, extra_args: Sequence[str] = (),
                 timeout: float = 30.0) -> dict:
    """ffprobe -show_format -show_streams as a dict (rtmp URLs with '/' in the name work)."""
    argv = [FFPROBE, "-v", "error", "-of", "json", "-show_format", "-show_streams",
            *extra_args, *_probe_input(path_or_url)]
    res = _run_bounded(argv, timeout)
    if res.returncode != 0:
        raise HarnessError(f"ffprobe failed on {path_or_url} (rc {res.returncode}): "
                           f"{res.stderr.decode('utf-8', 'replace').strip()}")
    return json.loads(res.stdout.decode("utf-8", "replace") or "{}")


def ffprobe_packets(path_or_url: str | Path, select: str = "v:0",
                    timeout: float = 60.0) -> list[dict]:
    """Packets of one stream (pts_time, dts_time, duration_time, flags 'K_' for keyframes)."""
    data = ffprobe_json(path_or_url, ["-select_streams", select, "-show_packets",
                                      "-show_entries",
                                      "packet=pts_time,dts_time,duration_time,flags,size"],
                        timeout)
    return data.get("packets", [])


def trim_to_first_keyframe(h: "Harness", recording: str | Path) -> Path:
    """A copy of a recording starting at its first video keyframe (<name>.from-key.flv).

    A reader joining a live RTMP stream on MediaMTX gets audio at once but video only from
    the next keyframe, so its recording starts with up to one GOP of audio alone: what was
    published is judged from the first point where a player has both."""
    recording = Path(recording)
    keyframes = [float(p["pts_time"]) for p in ffprobe_packets(recording, "v:0")
                 if "K" in p.get("flags", "") and p.get("pts_time") not in (None, "N/A")]
    if not keyframes:
        raise HarnessError(f"{recording} has no video keyframe")
    out = recording.with_name(recording.stem + ".from-key.flv")
    h.run([FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-ss", f"{keyframes[0]:.6f}",
           "-i", str(recording), "-c", "copy", "-f", "flv", str(out)], timeout=120, name="trim")
    return out


# ---------------------------------------------------------------------------
# nginx-rtmp, the MediaMTX stand-in
# ---------------------------------------------------------------------------

_SAFE_CONF_PATH = re.compile(r"^[A-Za-z0-9_./+-]+$")
_APP_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")

# Written to <workdir>/nginx/hookwrap.py. nginx-rtmp runs it as the exec_push child
# with stdio on /dev/null and a near-empty environment; it redirects stdout+stderr
# to the hook's log, records its PID, builds the MediaMTX-style environment, resets
# signal dispositions/mask (nginx leaves SIGPIPE ignored) and then EXECS the tool,
# so the tool keeps the PID nginx signals on unpublish.
HOOK_WRAPPER = r'''
import json, os, re, signal, sys, time, urllib.parse

def main():
    spec_path, app, name = sys.argv[1], sys.argv[2], sys.argv[3]
    query = sys.argv[4] if len(sys.argv) > 4 else ""
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    fd = os.open(spec["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    path = app + "/" + name
    env = dict(spec["base_env"])
    groups = ()
    if spec.get("path_regex"):
        m = re.search(spec["path_regex"], path)
        if m is None:
            sys.stderr.write("hookwrap: path %s does not match %s: hook not run\n"
                             % (path, spec["path_regex"]))
            return 0
        groups = m.groups()
    if spec["mtx_env"]:
        # MediaMTX (since v1.18.1) passes the query through Go's url.QueryEscape.
        env.update(MTX_PATH=path, MTX_QUERY=urllib.parse.quote_plus(query, safe=""),
                   MTX_SOURCE_TYPE="rtmpConn",
                   MTX_SOURCE_ID="", RTSP_PORT="8554")
        for i, g in enumerate(groups, 1):
            env["G%d" % i] = g or ""
    env.update(spec["env"])
    with open("/proc/self/stat", "rb") as f:
        ticks = int(f.read().rsplit(b")", 1)[1].split()[19])
    record = {"pid": os.getpid(), "ppid": os.getppid(), "start_ticks": ticks,
              "app": app, "name": name, "query": query, "time": time.time()}
    fd = os.open(spec["pids"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, (json.dumps(record) + "\n").encode())
    os.close(fd)
    for sig in signal.valid_signals():
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            try:
                signal.signal(sig, signal.SIG_DFL)
            except (OSError, ValueError):
                pass
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    argv = spec["argv"]
    try:
        os.execve(argv[0], argv, env)
    except OSError as exc:
        sys.stderr.write("hookwrap: cannot exec %s: %s\n" % (argv[0], exc))
        return 127

sys.exit(main())
'''


@dataclasses.dataclass
class Hook:
    """An exec_push hook: argv[0] absolute (hooks have no PATH)."""
    argv: list[str]
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    mtx_env: bool = True  # add MTX_PATH=<app>/<name>, MTX_QUERY (encoded), MTX_SOURCE_*, RTSP_PORT, G1..Gn
    path_regex: str | None = None  # MediaMTX path regex without '~'; groups -> G1..Gn
    inherit_env: bool = False  # base env = the test's environment (MediaMTX passes its own)


@dataclasses.dataclass
class App:
    """One nginx-rtmp application (= a MediaMTX path prefix)."""
    name: str
    hooks: list[Hook] = dataclasses.field(default_factory=list)
    hls: bool = False
    record: bool = False
    # True: one file per publish (<name>-<unix time>.flv) instead of overwriting <name>.flv at
    # every re-publish, so every run of a restarted publisher is kept.
    record_unique: bool = False
    idle_streams: bool = False  # False: MediaMTX-like (readers closed on unpublish)
    respawn: bool = False  # True ~ runOnAvailableRestart (nginx retries after respawn_timeout)
    hls_fragment: str = "2s"
    hls_playlist_length: str = "20s"
    extra: list[str] = dataclasses.field(default_factory=list)  # raw directives

    @staticmethod
    def from_spec(spec: "dict | App") -> "App":
        if isinstance(spec, App):
            return spec
        spec = dict(spec)
        hooks_spec = spec.pop("exec_push", None)
        hook_env = spec.pop("env", {})
        hook_kw = {k: spec.pop(k) for k in ("mtx_env", "path_regex", "inherit_env") if k in spec}
        spec.pop("live", None)  # always "live on"
        hooks: list[Hook] = []
        if hooks_spec:
            if isinstance(hooks_spec, (dict, Hook)) or isinstance(hooks_spec[0], str):
                hooks_spec = [hooks_spec]
            for h in hooks_spec:
                if isinstance(h, Hook):
                    hooks.append(h)
                elif isinstance(h, dict):
                    hooks.append(Hook(**{**hook_kw, "env": dict(hook_env), **h}))
                else:
                    hooks.append(Hook(argv=list(h), env=dict(hook_env), **hook_kw))
        return App(hooks=hooks, **spec)


def wait_hook_run(server: Any, tool: str, count: int, timeout: float, path: str | None) -> dict:
    """Wait for the count-th start of `tool` (on `path`) on a relay server (Nginx or MediaMtx);
    returns its record and adopts the PID for cleanup."""
    def started() -> dict | None:
        runs = server.hook_runs(tool, path)
        return runs[count - 1] if len(runs) >= count else None
    rec = wait_for(started, timeout, 0.05, f"hook {tool} start #{count}" + (f" on {path}" if path else ""))
    server.harness.adopt(rec["pid"])
    return rec


def _app_name(app_or_path: str, name: str | None) -> tuple[str, str]:
    """(app, name) from ("clean", "alice/s1") or from the MediaMTX path "clean/alice/s1"."""
    if name is not None:
        return app_or_path, name
    app, _, rest = app_or_path.partition("/")
    if not rest:
        raise ValueError(f"{app_or_path!r} is not a path <app>/<name>")
    return app, rest


class Nginx:
    """A private nginx-rtmp on loopback; created by Harness.start_nginx().

    Offers the operations of backends.MediaMtx (rtmp_url, hls_url, stream, readers,
    wait_publishing, wait_unpublished, hook_runs, wait_hook_run, hook_output, stop), taking
    either (app, name) or a MediaMTX-style path "app/name"."""

    kind = "nginx"

    def __init__(self, harness: Harness, apps: list[App], root: Path) -> None:
        self.harness = harness
        self.apps = {a.name: a for a in apps}
        self.root = root
        self.conf_path = root / "nginx.conf"
        self.error_log = root / "error.log"
        self.rtmp_port = 0
        self.http_port = 0
        self.proc: Proc | None = None

    # -- lifecycle ---------------------------------------------------------
    @classmethod
    def start(cls, harness: Harness, apps: Sequence[dict | App], *, exec_kill_signal: str = "int",
              respawn_timeout: str | None = None, master_process: bool = False,
              rtmp_port: int | None = None, http_port: int | None = None,
              timeout: float = 10.0) -> "Nginx":
        """Options: exec_kill_signal (nginx-rtmp: server-wide; "int" like MediaMTX),
        respawn_timeout (e.g. "5s"), master_process (True = master + 1 worker; the
        default single process is what we SIGINT and it exits in ~10 ms)."""
        app_list = [App.from_spec(a) for a in apps]
        for a in app_list:
            if not _APP_NAME.match(a.name):
                raise ValueError(f"bad application name {a.name!r}")
        root = harness.workdir / "nginx" / harness._unique("nginx")
        root.mkdir(parents=True)
        ngx = cls(harness, app_list, root)
        for attempt in range(3):
            ngx.rtmp_port = rtmp_port or free_port()
            ngx.http_port = http_port or free_port()
            ngx._write_config(exec_kill_signal, respawn_timeout, master_process)
            ngx.proc = harness.spawn([NGINX, "-p", str(root), "-c", str(ngx.conf_path),
                                      "-e", str(ngx.error_log)], name="nginx")
            try:
                ngx._wait_ready(timeout)
                return ngx
            except HarnessError:
                in_use = "Address already in use" in ngx.error_log_text()
                ngx.proc.popen.wait(5)
                if not in_use or attempt == 2 or rtmp_port or http_port:
                    raise
        raise AssertionError("unreachable")

    def _wait_ready(self, timeout: float) -> None:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise HarnessError(f"nginx exited (rc {self.proc.returncode}):\n"
                                   f"{self.error_log_text()[-2000:]}\n{self.proc.tail()}")
            ports = _listening_ports()
            return self.rtmp_port in ports and self.http_port in ports
        try:
            wait_for(ready, timeout, 0.05, f"nginx listening on {self.rtmp_port}/{self.http_port}")
        except WaitTimeout:
            self.proc.send_signal(signal.SIGKILL)
            raise

    def stop(self, timeout: float = 10.0, check: bool = True) -> tuple[int, float]:
        """SIGINT nginx (fast shutdown); its hooks get the exec kill signal via PDEATHSIG."""
        return self.harness.stop(self.proc, signal.SIGINT, timeout, check=check)

    @property
    def pid(self) -> int:
        return self.proc.pid

    # -- configuration -----------------------------------------------------
    def _hook_paths(self, app: str, index: int) -> dict[str, Path]:
        d = self.root / "hooks"
        return {"spec": d / f"{app}.{index}.json", "log": d / f"{app}.{index}.log",
                "pids": d / f"{app}.{index}.pids.jsonl"}

    def _write_config(self, kill_signal: str, respawn_timeout: str | None, master: bool) -> None:
        r = self.root
        for sub in ("hls", "rec", "hooks", "tmp"):
            (r / sub).mkdir(parents=True, exist_ok=True)
        wrapper = r / "hookwrap.py"
        wrapper.write_text(HOOK_WRAPPER)
        for p in (r, wrapper):
            if not _SAFE_CONF_PATH.match(str(p)):
                raise HarnessError(f"work dir path {p} has characters unsafe in nginx.conf")
        lines = ["daemon off;", f"master_process {'on' if master else 'off'};",
                 "worker_processes 1;"]
        if master and os.geteuid() == 0:
            lines.append("user root;")  # else workers (and hooks) run as nobody
        lines += [f"pid {r}/nginx.pid;", f"error_log {self.error_log} info;",
                  f"load_module {NGINX_RTMP_MODULE};",
                  "events { worker_connections 512; }", "", "rtmp {",
                  f"    exec_kill_signal {kill_signal};"]
        if respawn_timeout:
            lines.append(f"    respawn_timeout {respawn_timeout};")
        lines += ["    server {", f"        listen {LOOPBACK}:{self.rtmp_port};"]
        for app in self.apps.values():
            lines += [f"        application {app.name} {{", "            live on;",
                      f"            idle_streams {'on' if app.idle_streams else 'off'};",
                      f"            respawn {'on' if app.respawn else 'off'};"]
            if app.hls:
                (r / "hls" / app.name).mkdir(exist_ok=True)
                lines += [f"            hls on; hls_path {r}/hls/{app.name}; hls_nested on;",
                          f"            hls_fragment {app.hls_fragment};"
                          f" hls_playlist_length {app.hls_playlist_length};"]
            if app.record:
                (r / "rec" / app.name).mkdir(exist_ok=True)
                lines += [f"            record all; record_path {r}/rec/{app.name};",
                          f"            record_unique {'on' if app.record_unique else 'off'};"
                          " record_suffix .flv;"]
            for i, hook in enumerate(app.hooks):
                paths = self._hook_paths(app.name, i)
                if not hook.argv or not os.path.isabs(hook.argv[0]):
                    raise HarnessError(f"hook argv[0] must be an absolute path: {hook.argv!r}")
                paths["spec"].write_text(json.dumps({
                    "argv": [str(a) for a in hook.argv], "env": hook.env, "mtx_env": hook.mtx_env,
                    "path_regex": hook.path_regex,
                    "base_env": dict(os.environ) if hook.inherit_env else {},
                    "log": str(paths["log"]), "pids": str(paths["pids"])}, indent=1))
                lines.append(f"            exec_push {PYTHON} -I -S {wrapper} {paths['spec']}"
                             " $app $name $args;")
            lines += [f"            {x}" for x in app.extra]
            lines.append("        }")
        lines += ["    }", "}", "", "http {", f"    access_log {r}/access.log;"]
        for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            lines.append(f"    {t}_temp_path {r}/tmp/{t};")
        lines += ["    types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }",
                  "    default_type application/octet-stream;",
                  "    server {", f"        listen {LOOPBACK}:{self.http_port};",
                  "        location = /stat { rtmp_stat all; }",
                  f"        location / {{ root {r}/hls; add_header Cache-Control no-cache;"
                  " add_header Access-Control-Allow-Origin *; }", "    }", "}", ""]
        self.conf_path.write_text("\n".join(lines))

    # -- addresses ---------------------------------------------------------
    @property
    def rtmp_base(self) -> str:
        return f"rtmp://{LOOPBACK}:{self.rtmp_port}"

    @property
    def http_base(self) -> str:
        """Base for MediaMTX-shaped HLS URLs (relay-hls-ready --hls-local-base)."""
        return f"http://{LOOPBACK}:{self.http_port}"

    def rtmp_url(self, app: str, name: str | None = None) -> str:
        """rtmp://127.0.0.1:<port>/<app>/<name> (MediaMTX shape; use ffmpeg_rtmp_args with ffmpeg)."""
        app, name = _app_name(app, name)
        return f"{self.rtmp_base}/{app}/{name}"

    def prepare_stream(self, app: str, name: str) -> None:
        """Create parent dirs nginx-rtmp needs for names with '/': its HLS/record code
        mkdir()s only the last level and otherwise fails on every fragment."""
        base = name.split("?", 1)[0]
        if "/" in base:
            parent = base.rsplit("/", 1)[0]
            for sub in ("hls", "rec"):
                if (self.root / sub / app).is_dir():
                    (self.root / sub / app / parent).mkdir(parents=True, exist_ok=True)

    def hls_url(self, app: str, name: str | None = None) -> str:
        """http://127.0.0.1:<http_port>/<app>/<name>/index.m3u8 (prepares the dirs)."""
        app, name = _app_name(app, name)
        self.prepare_stream(app, name)
        return f"{self.http_base}/{app}/{name}/index.m3u8"

    def record_path(self, app: str, name: str | None = None) -> Path:
        """Where `record: True` writes <name>.flv (complete after unpublish)."""
        app, name = _app_name(app, name)
        self.prepare_stream(app, name)
        return self.root / "rec" / app / f"{name}.flv"

    # -- observation -------------------------------------------------------
    def error_log_text(self) -> str:
        return self.error_log.read_text("utf-8", "replace") if self.error_log.exists() else ""

    def log_text(self) -> str:
        """nginx's error log and every hook's output (each hook writes its own file)."""
        hooks = sorted((self.root / "hooks").glob("*.log"))
        return self.error_log_text() + "".join(p.read_text("utf-8", "replace") for p in hooks)

    def _hooks_of(self, tool: str) -> list[tuple[str, int]]:
        return [(app.name, i) for app in self.apps.values() for i, hook in enumerate(app.hooks)
                if os.path.basename(hook.argv[0]) == tool]

    def hook_runs(self, tool: str, path: str | None = None) -> list[dict]:
        """Starts of every exec_push hook running `tool`, oldest first; each record has pid,
        start_ticks, tool, path (<app>/<name>), query, time (like MediaMtx.hook_runs)."""
        runs = []
        for app, index in self._hooks_of(tool):
            for rec in self.hook_starts(app, index):
                run = {**rec, "tool": tool, "path": f"{rec['app']}/{rec['name']}"}
                if path is None or run["path"] == path:
                    runs.append(run)
        return sorted(runs, key=lambda r: r["time"])

    def wait_hook_run(self, tool: str, count: int = 1, timeout: float = 15.0, path: str | None = None) -> dict:
        return wait_hook_run(self, tool, count, timeout, path)

    def hook_output(self, tool: str, path: str | None = None) -> str:
        """Everything the hooks running `tool` printed (all their runs)."""
        text = "".join(self.hook_text(app, index) for app, index in self._hooks_of(tool))
        if path:
            text = "\n".join(ln for ln in text.splitlines() if f"[{path}]" in ln)
        return text

    def hook_log(self, app: str, index: int = 0) -> Path:
        """The file receiving the hook's stdout+stderr (all its runs, appended)."""
        return self._hook_paths(app, index)["log"]

    def hook_text(self, app: str, index: int = 0) -> str:
        p = self.hook_log(app, index)
        return p.read_text("utf-8", "replace") if p.exists() else ""

    def hook_starts(self, app: str, index: int = 0) -> list[dict]:
        """One record per hook start: pid (kept by the exec'ed tool), ppid, app, name, query, time."""
        p = self._hook_paths(app, index)["pids"]
        if not p.exists():
            return []
        return [json.loads(ln) for ln in p.read_text().splitlines() if ln.strip()]

    def wait_hook_started(self, app: str, index: int = 0, count: int = 1,
                          timeout: float = 10.0) -> dict:
        """Wait for the count-th start of the hook; returns its record (and adopts the PID)."""
        def started() -> dict | None:
            starts = self.hook_starts(app, index)
            return starts[count - 1] if len(starts) >= count else None
        rec = wait_for(started, timeout, 0.05, f"exec_push hook #{index} of app {app} to start")
        self.harness.adopt(rec["pid"])
        return rec

    def stat(self) -> dict[str, dict]:
        """Streams from nginx-rtmp's /stat: {"<app>/<name>": {"publishing", "nclients",
        "bytes_in", "bytes_out", "clients": [...], "video": {...}, "audio": {...}}}."""
        resp = http_request("GET", f"{self.http_base}/stat", timeout=5)
        if resp.status != 200:
            raise HarnessError(f"nginx /stat answered {resp.status}")
        streams: dict[str, dict] = {}
        root = ET.fromstring(resp.body)
        for app in root.iter("application"):
            app_name = app.findtext("name", "")
            for st in app.iter("stream"):
                meta = st.find("meta")
                streams[f"{app_name}/{st.findtext('name', '')}"] = {
                    "publishing": st.find("publishing") is not None,
                    "nclients": int(st.findtext("nclients", "0")),
                    "bytes_in": int(st.findtext("bytes_in", "0")),
                    "bytes_out": int(st.findtext("bytes_out", "0")),
                    "clients": [{c.tag: (c.text or True) for c in cl} for cl in st.iter("client")],
                    "video": {c.tag: c.text for c in meta.find("video")} if meta is not None
                    and meta.find("video") is not None else {},
                    "audio": {c.tag: c.text for c in meta.find("audio")} if meta is not None
                    and meta.find("audio") is not None else {},
                }
        return streams

    def stream(self, app: str, name: str | None = None) -> dict | None:
        """nginx's /stat entry of the stream, plus "readers" (clients that are not the publisher)."""
        app, name = _app_name(app, name)
        s = self.stat().get(f"{app}/{name}")
        if s is not None:
            s["readers"] = s["nclients"] - (1 if s["publishing"] else 0)
        return s

    def readers(self, path: str) -> int:
        s = self.stream(path)
        return s["readers"] if s else 0

    def wait_publishing(self, app: str, name: str | None = None, timeout: float = 10.0) -> dict:
        """Wait until someone publishes app/name (like MediaMTX's path becoming available)."""
        app, name = _app_name(app, name)

        def published() -> dict | None:
            s = self.stream(app, name)
            return s if s and s["publishing"] else None
        return wait_for(published, timeout, 0.1, f"{app}/{name} to be published on nginx")

    def wait_unpublished(self, app: str, name: str | None = None, timeout: float = 10.0) -> bool:
        app, name = _app_name(app, name)

        def gone() -> bool:
            s = self.stream(app, name)
            return not s or not s["publishing"]
        return wait_for(gone, timeout, 0.1, f"{app}/{name} to stop being published")


# ---------------------------------------------------------------------------
# relay-devcloud client
# ---------------------------------------------------------------------------

class DevCloud:
    """Client for a running relay-devcloud (docs/.interfaces-draft.md)."""

    def __init__(self, proc: Proc, url: str, token: str, admin_token: str | None) -> None:
        self.proc = proc
        self.url = url
        self.token = token
        self.admin_token = admin_token

    def env(self) -> dict[str, str]:
        """CLOUD_API_URL/CLOUD_API_TOKEN for a tool talking to this cloud."""
        return {"CLOUD_API_URL": self.url, "CLOUD_API_TOKEN": self.token}

    def call(self, method: str, path: str, body: Any = None, *, token: str | None = None,
             timeout: float = 10.0) -> HttpResponse:
        """One API call with Authorization: Bearer <token> (the API token by default; "" for none)."""
        tok = self.token if token is None else token
        headers = {"Authorization": f"Bearer {tok}"} if tok else {}
        return http_request(method, self.url + path, body, headers, timeout)

    def _admin(self, method: str, path: str, body: Any = None) -> Any:
        resp = self.call(method, path, body, token=self.admin_token or self.token)
        if not 200 <= resp.status < 300:
            raise HarnessError(f"devcloud {method} {path} answered {resp.status}: {resp.text[:500]}")
        try:
            return resp.json()
        except ValueError:
            return resp.text

    def events(self, type: str | None = None) -> list[dict]:  # noqa: A002 - API name
        evs = self._admin("GET", "/admin/events")["events"]
        return [e for e in evs if type is None or e.get("type") == type]

    def requests(self) -> list[dict]:
        return self._admin("GET", "/admin/requests")["requests"]

    def set_destinations(self, user: str, stream: str, destinations: list[dict]) -> None:
        self._admin("PUT", f"/admin/streams/{user}/{stream}/destinations",
                    {"destinations": destinations})

    def add_faults(self, path_prefix: str, responses: list[dict]) -> None:
        self._admin("POST", "/admin/faults", {"path_prefix": path_prefix, "responses": responses})

    def wait_event(self, type: str, predicate: Callable[[dict], bool] | None = None,  # noqa: A002
                   timeout: float = 10.0, interval: float = 0.1) -> dict:
        """Wait for an event of `type` whose body satisfies predicate; returns the event."""
        def match() -> dict | None:
            for ev in self.events(type):
                if predicate is None or predicate(ev.get("body", {})):
                    return ev
            return None
        return wait_for(match, timeout, interval, f"devcloud event {type}")


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------

_FIXTURES_DONE: dict[str, Path] = {}


def generate_fixtures(script: str | Path | None = None, out_dir: str | Path | None = None,
                      timeout: float = 600.0) -> Path:
    """Run `bash tests/fixtures/make_dirty.sh <dir>` (env MTXRELAY_FIXTURE_DIR=<dir>) once
    into the shared cache dir ($MTXRELAY_FIXTURE_DIR or <repo>/build/fixtures) and return it.
    Re-runs only when the script (or its manifest.json) changed; a file lock serialises
    parallel tests; output goes to <dir>/.make_dirty.log."""
    script = Path(script) if script else REPO_ROOT / "tests" / "fixtures" / "make_dirty.sh"
    out = Path(out_dir or os.environ.get("MTXRELAY_FIXTURE_DIR") or REPO_ROOT / "build" / "fixtures")
    key = f"{script.resolve()}|{out.resolve()}"
    if key in _FIXTURES_DONE:
        return _FIXTURES_DONE[key]
    if not script.is_file():
        raise HarnessError(f"fixture script {script} does not exist")
    out.mkdir(parents=True, exist_ok=True)
    manifest = script.with_name("manifest.json")
    digest = hashlib.sha256(script.read_bytes()
                            + (manifest.read_bytes() if manifest.is_file() else b"")).hexdigest()
    stamp, log = out / ".make_dirty.stamp", out / ".make_dirty.log"
    with open(out / ".make_dirty.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (stamp.exists() and stamp.read_text().strip() == digest):
            stamp.unlink(missing_ok=True)
            env = dict(os.environ, MTXRELAY_FIXTURE_DIR=str(out))
            with open(log, "wb") as logf:
                proc = _popen(["/bin/bash", str(script), str(out)], stdin=subprocess.DEVNULL,
                              stdout=logf, stderr=subprocess.STDOUT, env=env,
                              cwd=str(REPO_ROOT), start_new_session=True)
                try:
                    rc = proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    rc = None
                finally:
                    with _REGISTRY_LOCK:
                        _POPEN_PIDS.discard(proc.pid)
            if rc != 0:
                tail = "\n".join(log.read_text("utf-8", "replace").splitlines()[-30:])
                why = f"timed out after {timeout:.0f}s" if rc is None else f"exit code {rc}"
                raise HarnessError(f"{script} failed ({why}); log {log}:\n{tail}")
            stamp.write_text(digest + "\n")
    _FIXTURES_DONE[key] = out
    return out
