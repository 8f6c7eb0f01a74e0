"""The two relay servers the integration tests run against, behind one set of operations.

- nginx-rtmp (harness.Nginx): the stand-in, always present; hooks through exec_push and a
  wrapper that fakes MediaMTX's hook environment.
- MediaMTX (MediaMtx below): the real relay, used when MTXRELAY_MEDIAMTX names a binary or
  `mediamtx` is on PATH. It runs from the project's own mediamtx/mediamtx.yml; listen
  addresses, the auth endpoint and the hooks' settings come from the environment (MTX_* and
  the variables our tools read), never from a rewritten copy of the file.

Operations both offer (paths are MediaMTX paths such as "clean/alice/s1"; the nginx
methods also take (app, name) as before):
  rtmp_url(path)  hls_url(path)  stream(path) -> {"publishing", "readers", ...} | None
  wait_publishing(path)  wait_unpublished(path)  readers(path)
  hook_runs(tool)  wait_hook_run(tool, count)  hook_output(tool)  stop()

A test class decorated with @on_each_backend runs once per backend: the class itself on
nginx (its test ids are unchanged) and a generated <Class>MediaMtx on MediaMTX, which
reports itself skipped, with the reason, when there is no MediaMTX binary. The class reads
self.backend ("nginx" or "mediamtx") where the two need different set-ups.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sys
import threading
import time
import unittest
import urllib.parse
from pathlib import Path
from typing import Any

import harness
from harness import LOOPBACK, REPO_ROOT, Harness, HarnessError, HarnessTestCase, http_request, wait_for

# The time stamp our tools start each text log line with.
_LOG_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z ")

MEDIAMTX_CHECKED_VERSION = "v1.20.1"
SHIPPED_CONFIG = REPO_ROOT / "mediamtx" / "mediamtx.yml"
# Settings our hooks read from MediaMTX's environment: never inherited from the test's own.
_HOOK_SETTING_PREFIXES = ("MTX_", "CLOUD_API_", "RELAY_")
# Path settings that start hooks; cleared by MediaMtx.start(hooks=False).
_HOOK_KEYS = ("runOnInit", "runOnDemand", "runOnUnDemand", "runOnAvailable", "runOnUnavailable",
              "runOnOnline", "runOnOffline", "runOnRead", "runOnUnread", "runOnRecordSegmentCreate",
              "runOnRecordSegmentComplete")


def mediamtx_binary() -> tuple[str | None, str]:
    """(path of the MediaMTX binary, "") or (None, why there is none)."""
    given = os.environ.get("MTXRELAY_MEDIAMTX")
    if given:
        if os.path.isfile(given) and os.access(given, os.X_OK):
            return str(Path(given).resolve()), ""
        return None, f"MTXRELAY_MEDIAMTX={given} is not an executable file"
    found = shutil.which("mediamtx")
    if found:
        return found, ""
    return None, ("no MediaMTX binary: set MTXRELAY_MEDIAMTX=/path/to/mediamtx or put mediamtx on PATH"
                  f" (the project is checked against MediaMTX {MEDIAMTX_CHECKED_VERSION})")


def free_udp_port() -> int:
    """A port free for both TCP (harness.free_port) and UDP on 127.0.0.1."""
    for _ in range(50):
        port = harness.free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind((LOOPBACK, port))
            except OSError:
                continue
        return port
    raise HarnessError("no free UDP port on 127.0.0.1")


def socket_addresses(pid: int) -> list[str]:
    """Every socket the process holds, as "tcp 127.0.0.1:8888 LISTEN", "tcp 127.0.0.1:8888
    CONNECTED" or "udp 127.0.0.1:8189", from /proc/<pid>/fd and /proc/net/{tcp,udp}{,6}."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            m = re.match(r"socket:\[(\d+)\]", os.readlink(f"/proc/{pid}/fd/{fd}"))
            if m:
                inodes.add(m.group(1))
    except OSError:
        return []
    found = []
    for table in ("tcp", "tcp6", "udp", "udp6"):
        try:
            lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[9] not in inodes:
                continue
            addr, port = cols[1].rsplit(":", 1)
            raw = bytes.fromhex(addr)
            if len(raw) == 4:
                host = socket.inet_ntop(socket.AF_INET, raw[::-1])
            else:  # /proc prints IPv6 as four host-order 32-bit words
                host = socket.inet_ntop(socket.AF_INET6, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4)))
            state = "" if table.startswith("udp") else (" LISTEN" if cols[3] == "0A" else " CONNECTED")
            found.append(f"{table.rstrip('6')} {host}:{int(port, 16)}{state}")
    return found


def _split(app_or_path: str, name: str | None) -> str:
    return app_or_path if name is None else f"{app_or_path}/{name}"


class MediaMtx:
    """A private MediaMTX on loopback, running the shipped mediamtx/mediamtx.yml.

    Every listener the config opens (RTMP, HLS, WebRTC HTTP and its UDP ICE port, API) is
    moved to 127.0.0.1:<free port> with MTX_* variables; MediaMTX's stdout (its log, and
    every hook's stdout and stderr) is kept in the work dir. Hooks are found as MediaMTX's
    children by a sampler thread (MediaMTX forks them directly, each in its own process
    group). Created by Harness.start_mediamtx()."""

    kind = "mediamtx"

    def __init__(self, h: Harness, binary: str, root: Path) -> None:
        self.harness = h
        self.binary = binary
        self.root = root
        self.proc: harness.Proc | None = None
        self.env: dict[str, str] = {}
        self.rtmp_port = self.hls_port = self.webrtc_port = self.webrtc_udp_port = self.api_port = 0
        self.version = ""
        self._runs: list[dict] = []
        self._seen: set[tuple[int, int]] = set()
        self._sampler: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------
    @classmethod
    def start(cls, h: Harness, *, cloud: "harness.DevCloud | None" = None, hooks: bool = True,
              env: dict[str, str] | None = None, rtmp_host: str = LOOPBACK,
              config: Path = SHIPPED_CONFIG, timeout: float = 20.0) -> "MediaMtx":
        """Start MediaMTX from `config` (the shipped one by default).

        cloud: the relay-devcloud whose validate endpoint authorises publishers and readers
        (authMethod http, as shipped) and whose API the hooks call; without one MediaMTX
        runs with authMethod internal (anyone may publish: tests that drive one tool by hand).
        hooks=False clears every runOn* of the config's paths through the control API before
        anything can publish (MediaMTX as a plain RTMP/HLS server). env: more variables for
        MediaMTX and, through it, for every hook (e.g. RELAY_STATUS_INTERVAL)."""
        binary, reason = mediamtx_binary()
        if binary is None:
            raise unittest.SkipTest(reason)
        root = h.workdir / "mediamtx" / h._unique("mediamtx")
        root.mkdir(parents=True)
        mtx = cls(h, binary, root)
        for attempt in range(3):
            mtx._choose_ports()
            mtx.env = mtx._environment(cloud, env or {}, rtmp_host)
            mtx.proc = h.spawn([binary, str(config)], env=mtx.env, inherit_env=False, name="mediamtx",
                               cwd=root)
            try:
                mtx._wait_ready(timeout)
                break
            except HarnessError:
                in_use = "address already in use" in mtx.log_text()
                h.stop(mtx.proc, signal.SIGKILL, check=False)
                if not in_use or attempt == 2:
                    raise
        if not hooks:
            mtx._clear_hooks()
        mtx._sampler = threading.Thread(target=mtx._sample_hooks, name="mediamtx-hooks", daemon=True)
        mtx._sampler.start()
        return mtx

    def _choose_ports(self) -> None:
        self.rtmp_port, self.hls_port, self.webrtc_port, self.api_port = (harness.free_port() for _ in range(4))
        self.webrtc_udp_port = free_udp_port()

    def _environment(self, cloud: "harness.DevCloud | None", extra: dict[str, str], rtmp_host: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_HOOK_SETTING_PREFIXES)}
        env["PATH"] = f"{Harness.bin_dir()}:{os.environ.get('PATH') or '/usr/bin:/bin'}"
        env.update({
            "MTX_RTMPADDRESS": f"{rtmp_host}:{self.rtmp_port}",
            "MTX_HLSADDRESS": f"{LOOPBACK}:{self.hls_port}",
            "MTX_WEBRTCADDRESS": f"{LOOPBACK}:{self.webrtc_port}",
            "MTX_WEBRTCLOCALUDPADDRESS": f"{LOOPBACK}:{self.webrtc_udp_port}",
            "MTX_APIADDRESS": f"{LOOPBACK}:{self.api_port}",
            # The hooks' settings: MediaMTX passes its whole environment to every hook.
            "RELAY_RTMP_HOST": rtmp_host,
            "RELAY_RTMP_PORT": str(self.rtmp_port),
            "RELAY_HLS_LOCAL_BASE": self.http_base,
            "RELAY_PUBLIC_HLS_BASE": self.http_base,
            "RELAY_PUBLIC_WEBRTC_BASE": self.webrtc_base,
            "RELAY_MTX_API": f"{LOOPBACK}:{self.api_port}",  # relay-clean asks it for the input's tracks
        })
        if cloud is not None:
            env["MTX_AUTHHTTPADDRESS"] = f"{cloud.url}/api/v1/streaming/validate"
            env.update(cloud.env())
        else:
            env["MTX_AUTHMETHOD"] = "internal"
        env.update(extra)
        return env

    def listen_ports(self) -> dict[str, int]:
        """The TCP ports of the listeners the config turns on (the API always: tests need it)."""
        wanted = {"api": self.api_port}
        config = self.api("GET", "/v3/config/global/get")
        for name, port in (("rtmp", self.rtmp_port), ("hls", self.hls_port), ("webrtc", self.webrtc_port)):
            if config.get(name):
                wanted[name] = port
        return wanted

    def _wait_ready(self, timeout: float) -> None:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise HarnessError(f"mediamtx exited (rc {self.proc.returncode}):\n{self.log_text()[-3000:]}")
            if not harness.port_listening(self.api_port):
                return False
            if not all(harness.port_listening(p) for p in self.listen_ports().values()):
                return False
            info = self.api("GET", "/v3/info")
            self.version = str(info.get("version", "")).strip()
            return True
        wait_for(ready, timeout, 0.05, f"mediamtx listening (API on {self.api_port})")

    def _clear_hooks(self) -> None:
        for item in self.api("GET", "/v3/config/paths/list")["items"]:
            cleared = {k: "" for k in _HOOK_KEYS if item.get(k)}
            if cleared:
                self.api("PATCH", f"/v3/config/paths/patch/{urllib.parse.quote(item['name'], safe='')}", cleared)

    def stop(self, timeout: float = 10.0, check: bool = True) -> tuple[int, float]:
        """SIGINT MediaMTX: it SIGINTs each hook's process group and waits for them without
        limit; after `timeout` the harness SIGKILLs it (HarnessError with check)."""
        return self.harness.stop(self.proc, signal.SIGINT, timeout, check=check)

    @property
    def pid(self) -> int:
        return self.proc.pid

    # -- addresses ---------------------------------------------------------
    @property
    def rtmp_base(self) -> str:
        return f"rtmp://{self.env['RELAY_RTMP_HOST']}:{self.rtmp_port}"

    @property
    def http_base(self) -> str:
        """Base of HLS URLs: http://127.0.0.1:<hls port> (relay-hls-ready's local base)."""
        return f"http://{LOOPBACK}:{self.hls_port}"

    @property
    def webrtc_base(self) -> str:
        return f"http://{LOOPBACK}:{self.webrtc_port}"

    def rtmp_url(self, app_or_path: str, name: str | None = None) -> str:
        return f"{self.rtmp_base}/{_split(app_or_path, name)}"

    def hls_url(self, app_or_path: str, name: str | None = None) -> str:
        return f"{self.http_base}/{_split(app_or_path, name)}/index.m3u8"

    def whep_url(self, path: str) -> str:
        return f"{self.webrtc_base}/{path}/whep"

    def prepare_stream(self, app: str, name: str) -> None:
        """Nothing to prepare (nginx needs directories for names with '/')."""

    # -- control API -------------------------------------------------------
    def api(self, method: str, path: str, body: Any = None) -> Any:
        resp = http_request(method, f"http://{LOOPBACK}:{self.api_port}{path}", body, timeout=5)
        if not 200 <= resp.status < 300:
            raise HarnessError(f"mediamtx API {method} {path} answered {resp.status}: {resp.text[:300]}")
        return resp.json() if resp.body else {}

    def path_info(self, path: str) -> dict | None:
        """GET /v3/paths/get/<path>, or None when the path does not exist (404)."""
        resp = http_request("GET", f"http://{LOOPBACK}:{self.api_port}/v3/paths/get/{path}", timeout=5)
        if resp.status == 404:
            return None
        if resp.status != 200:
            raise HarnessError(f"mediamtx API /v3/paths/get/{path} answered {resp.status}: {resp.text[:300]}")
        return resp.json()

    # -- observation -------------------------------------------------------
    def stream(self, app_or_path: str, name: str | None = None) -> dict | None:
        """{"publishing", "online", "readers", "tracks", "bytes_in", "bytes_out", "info"} or None."""
        info = self.path_info(_split(app_or_path, name))
        if info is None:
            return None
        return {"publishing": bool(info.get("available")), "online": bool(info.get("online")),
                "readers": len(info.get("readers") or []), "tracks": info.get("tracks2") or [],
                "bytes_in": info.get("inboundBytes", 0), "bytes_out": info.get("outboundBytes", 0),
                "info": info}

    def readers(self, path: str) -> int:
        s = self.stream(path)
        return s["readers"] if s else 0

    def wait_publishing(self, app_or_path: str, name: str | None = None, timeout: float = 15.0) -> dict:
        """Wait until the path is available (MediaMTX reads a new publisher's tracks for 2 s first)."""
        path = _split(app_or_path, name)

        def published() -> dict | None:
            s = self.stream(path)
            return s if s and s["publishing"] else None
        return wait_for(published, timeout, 0.1, f"{path} to be available on mediamtx")

    def wait_unpublished(self, app_or_path: str, name: str | None = None, timeout: float = 10.0) -> bool:
        path = _split(app_or_path, name)

        def gone() -> bool:
            s = self.stream(path)
            return not s or not s["publishing"]
        return wait_for(gone, timeout, 0.1, f"{path} to stop being available")

    def log_text(self) -> str:
        """MediaMTX's stdout: its log and every hook's output."""
        return self.proc.stdout_text() + self.proc.stderr_text() if self.proc else ""

    @property
    def log_path(self) -> Path:
        return self.proc.stdout_path

    def hook_output(self, tool: str, path: str | None = None) -> str:
        """The lines of MediaMTX's log a hook printed: `<UTC time> tool[path] ...` or
        `<UTC time> tool level: ...` (the time stamp is optional: ffmpeg's own lines)."""
        prefix = f"{tool}[{path}]" if path else tool
        lines = []
        for ln in self.log_text().splitlines():
            body = _LOG_TIME.sub("", ln, count=1)
            if body.startswith(prefix) and (path or body[len(tool):len(tool) + 1] in ("[", " ", ":")):
                lines.append(ln)
        return "\n".join(lines)

    def _sample_hooks(self) -> None:
        while self.proc.poll() is None and not self.harness._closed:
            self._sample_once()
            time.sleep(0.05)

    def _sample_once(self) -> None:
        try:
            children = []
            for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
                with open(f"/proc/{self.proc.pid}/task/{tid}/children") as f:
                    children += [int(c) for c in f.read().split()]
        except OSError:
            return
        for pid in children:
            info = harness.proc_info(pid)
            if info is None or (pid, info.start_ticks) in self._seen:
                continue
            argv = harness.cmdline(pid).split(" ")
            env = _environ(pid)
            if "MTX_PATH" not in env:
                continue  # not exec'ed yet (Go forks, then execs): look again next round
            self._seen.add((pid, info.start_ticks))
            self._runs.append({"pid": pid, "start_ticks": info.start_ticks, "pgrp": info.pgrp,
                               "tool": os.path.basename(argv[0]), "argv": argv, "path": env.get("MTX_PATH"),
                               "query": env.get("MTX_QUERY"), "env": env, "time": time.time()})

    def hook_runs(self, tool: str | None = None, path: str | None = None) -> list[dict]:
        """One record per hook start seen: pid, start_ticks, pgrp, tool, argv, path (MTX_PATH),
        query (MTX_QUERY), env, time."""
        return [r for r in list(self._runs)
                if (tool is None or r["tool"] == tool) and (path is None or r["path"] == path)]

    def wait_hook_run(self, tool: str, count: int = 1, timeout: float = 15.0, path: str | None = None) -> dict:
        """Wait for the count-th start of `tool` (on `path`); returns its record and adopts the PID."""
        return harness.wait_hook_run(self, tool, count, timeout, path)


def _environ(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            raw = f.read()
    except OSError:
        return {}
    env = {}
    for item in raw.split(b"\0"):
        key, sep, value = item.partition(b"=")
        if sep:
            env[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
    return env


# ---------------------------------------------------------------------------
# One test class, both backends
# ---------------------------------------------------------------------------

class RelayTestCase(HarnessTestCase):
    """A HarnessTestCase run on a relay server; `backend` is set by @on_each_backend."""

    backend = "nginx"


def on_each_backend(cls: type) -> type:
    """Class decorator: `cls` runs on nginx-rtmp; a subclass <Name>MediaMtx with
    backend = "mediamtx" is added to the class's module, skipped with the reason when no
    MediaMTX binary is given."""
    cls.backend = "nginx"
    name = f"{cls.__name__}MediaMtx"
    variant = type(name, (cls,), {"backend": "mediamtx", "__module__": cls.__module__, "__qualname__": name,
                                  "__doc__": f"{cls.__doc__ or cls.__name__}\n\n(on MediaMTX)"})
    binary, reason = mediamtx_binary()
    if binary is None:
        variant = unittest.skip(reason)(variant)
    setattr(sys.modules[cls.__module__], name, variant)
    return cls


def requires_mediamtx(cls: type) -> type:
    """Class decorator for MediaMTX-only tests: skipped with the reason without a binary."""
    binary, reason = mediamtx_binary()
    return cls if binary else unittest.skip(reason)(cls)


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=1, sort_keys=True)
