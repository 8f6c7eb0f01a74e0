#!/usr/bin/python3
"""How long from publish to the first clean frame, per kind of glasses stream and per relay.

One run: a private RTMP server (nginx-rtmp by default; the backend is a parameter), the
reference cloud, then for every input (dirty with audio, no audio, 8 s keyframe interval,
portrait, and a restart that joins mid-GOP) and every relay variant, rounds of:
  publish the input in real time -> start the relay 0.3 s later (9 s later for the restart,
  1 s after a keyframe of the 8 s GOP input) -> a reader that was waiting on the relay's
  output sees the first video frame.
Variants: relay-clean (this build), optionally relay-clean from another build (--baseline-bin,
e.g. main's), the seeds' command (`relay-clean --recipe seed`) and a `-c copy` ffmpeg relay,
started the same way. For relay-clean the rest of the chain runs too, started the way
MediaMTX's hooks would be when the clean path appears: relay-restream (one destination with a
waiting reader) and relay-hls-ready (POST to the cloud). Prints medians, the differences and
the issue's targets next to them; asserts no timing. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import backends  # noqa: E402  (path set just above)
import harness  # noqa: E402
from harness import FFMPEG, Harness, wait_for  # noqa: E402

USER = "u"
TOKEN = "bench-token-startup"
ROUND_TIMEOUT = 30.0  # seconds after the relay's start without a frame: "none"
SEGMENT_SECONDS = 2.0  # the clean stream's GOP = its HLS segment


# ---------------------------------------------------------------------------
# FLV readers: timestamps of what a waiting reader receives
# ---------------------------------------------------------------------------

class FlvReader:
    """An ffmpeg copying one RTMP stream's bytes (-f data) into a FIFO; a thread splits the
    FLV tags and stamps each video keyframe with time.time(). It connects before the stream
    is published (the backend's apps keep idle streams), so it sees the first frame sent."""

    def __init__(self, h: Harness, name: str, input_args: list[str]) -> None:
        self.fifo = h.path("fifo", f"{name}-{time.monotonic_ns()}.flv")
        os.mkfifo(self.fifo)
        self.fd = os.open(self.fifo, os.O_RDWR)  # never blocks, never sees EOF
        self.keyframes: list[float] = []
        self.first_video: float | None = None
        self._done = threading.Event()
        self.proc = h.spawn([FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "data", *input_args,
                             "-map", "0", "-c", "copy", "-flush_packets", "1", "-f", "data", "-y", str(self.fifo)],
                            name=f"reader-{name}")
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        buf = b""
        header = False
        while not self._done.is_set():
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            now = time.time()
            buf += chunk
            if not header:
                if len(buf) < 13:
                    continue
                buf, header = buf[13:], True
            while len(buf) >= 11:
                size = int.from_bytes(buf[1:4], "big")
                if len(buf) < 11 + size + 4:
                    break
                kind, body = buf[0] & 0x1F, buf[11:11 + size]
                buf = buf[11 + size + 4:]
                if kind == 9 and body:
                    key = (body[0] >> 4) & 7 == 1 and not (body[0] & 0x0F == 7 and len(body) > 1 and body[1] == 0)
                    if key:
                        self.keyframes.append(now)
                        if self.first_video is None:
                            self.first_video = now

    def close(self) -> None:
        self._done.set()
        if self.proc.alive():
            self.proc.harness.stop(self.proc, check=False)
        os.close(self.fd)
        self.thread.join(2)


# ---------------------------------------------------------------------------
# Backends
# ---------------------------------------------------------------------------

class NginxBackend:
    """nginx-rtmp with apps live (inputs), clean (relay output with HLS) and dest (restream
    destination), all keeping idle streams so readers can wait before a publish. HLS cuts a
    fragment at the first keyframe 1 s after the last cut, as mediamtx/mediamtx.yml does with
    hlsSegmentDuration 1s: every 2 s clean GOP is one segment (with a 2 s setting a GOP
    stamped 1.999 s would make 4 s segments)."""

    name = "nginx-rtmp"
    api: str | None = None  # MediaMTX control API for relay-clean, none here
    readers_before_publish = True

    def __init__(self, h: Harness) -> None:
        self.ngx = h.start_nginx([{"name": "live", "idle_streams": True},
                                  {"name": "clean", "idle_streams": True, "hls": True, "hls_fragment": "1s"},
                                  {"name": "dest", "idle_streams": True}])
        self.rtmp_port = self.ngx.rtmp_port
        self.hls_base = self.ngx.http_base

    def url(self, path: str) -> str:
        return f"rtmp://127.0.0.1:{self.rtmp_port}/{path}"

    def input_args(self, path: str) -> list[str]:
        app, name = path.split("/", 1)
        self.ngx.prepare_stream(app, name)
        return harness.ffmpeg_rtmp_args(self.ngx.rtmp_url(app, name), direction="input")

    def output_args(self, path: str) -> list[str]:
        app, name = path.split("/", 1)
        self.ngx.prepare_stream(app, name)
        return harness.ffmpeg_rtmp_args(self.ngx.rtmp_url(app, name))

    def wait_reader(self, path: str) -> None:
        app, name = path.split("/", 1)
        wait_for(lambda: (self.ngx.stream(app, name) or {}).get("nclients", 0) >= 1, 10, 0.02, f"a reader on {path}")

    def published(self, path: str) -> bool:
        app, name = path.split("/", 1)
        return bool((self.ngx.stream(app, name) or {}).get("publishing"))


class MediaMtxBackend:
    """MediaMTX from the shipped mediamtx.yml with its hooks cleared (the bench starts each
    variant itself, the same way on both backends) and relay-clean pointed at its control API.
    MediaMTX refuses a reader before its publisher and gives a late reader video only from the
    next keyframe, so no reader waits on live/ or clean/: the publish and the first clean frame
    are the `availableTime`s MediaMTX reports for live/<key> and clean/<key> (the moment it has
    the publisher's tracks, i.e. its first frames). Destinations are on a private nginx-rtmp
    (idle streams, a waiting reader), as in the demo."""

    name = "mediamtx"
    readers_before_publish = False

    def __init__(self, h: Harness) -> None:
        self.mtx = h.start_mediamtx(hooks=False)
        self.ngx = h.start_nginx([{"name": "dest", "idle_streams": True}])
        self.rtmp_port = self.mtx.rtmp_port
        self.hls_base = self.mtx.http_base
        self.api = f"127.0.0.1:{self.mtx.api_port}"
        self.name = f"mediamtx {self.mtx.version}"

    def _dest(self, path: str) -> bool:
        return path.startswith("dest/")

    def url(self, path: str) -> str:
        return self.ngx.rtmp_url(*path.split("/", 1)) if self._dest(path) else self.mtx.rtmp_url(path)

    def input_args(self, path: str) -> list[str]:
        if self._dest(path):
            self.ngx.prepare_stream(*path.split("/", 1))
        return harness.ffmpeg_rtmp_args(self.url(path), direction="input")

    def output_args(self, path: str) -> list[str]:
        if self._dest(path):
            self.ngx.prepare_stream(*path.split("/", 1))
        return harness.ffmpeg_rtmp_args(self.url(path))

    def wait_reader(self, path: str) -> None:
        app, name = path.split("/", 1)
        wait_for(lambda: (self.ngx.stream(app, name) or {}).get("nclients", 0) >= 1, 10, 0.02, f"a reader on {path}")

    def published(self, path: str) -> bool:
        return self.available_at(path) is not None

    def available_at(self, path: str) -> float | None:
        """MediaMTX's availableTime of the path as a Unix time, None while it is not available."""
        info = self.mtx.path_info(path)
        if not info or not info.get("available") or not info.get("availableTime"):
            return None
        return unix_time(info["availableTime"])


def unix_time(rfc3339: str) -> float:
    """'2026-12-01T20:01:02.123456789Z' (Go's time, nanoseconds) as a Unix time."""
    m = re.fullmatch(r"(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", rfc3339)
    if not m:
        raise ValueError(f"not an RFC 3339 time: {rfc3339!r}")
    whole = datetime.datetime.fromisoformat(m.group(1) + ("+00:00" if m.group(3) == "Z" else m.group(3)))
    return whole.timestamp() + float("0." + (m.group(2) or "0"))


BACKENDS = {"nginx": NginxBackend, "mediamtx": MediaMtxBackend}
Backend = NginxBackend | MediaMtxBackend


# ---------------------------------------------------------------------------
# Inputs and variants
# ---------------------------------------------------------------------------

@dataclass
class Input:
    name: str
    file: Path
    start_after: float = 0.3  # relay start after the publish, seconds
    gop: str = ""


def long_gop_source(h: Harness) -> Path:
    """720p30 H.264 + AAC, keyframes every 8 s, 60 s; cached in the temp dir by recipe."""
    recipe = "testsrc2=size=1280x720:rate=30|sine|60|gop240|ultrafast"
    digest = hashlib.sha256(recipe.encode()).hexdigest()[:16]
    out = Path(tempfile.gettempdir()) / "mtxrelay-bench" / f"gop8-{digest}.flv"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        log(f"generating the 8 s GOP source (cached as {out}) ...")
        h.make_test_media(60, out, size="1280x720", gop_seconds=8)
    return out


def inputs(h: Harness, only: list[str] | None) -> list[Input]:
    fixtures = harness.generate_fixtures()
    gop8 = long_gop_source(h)
    found = [Input("dirty+audio", fixtures / "vfr_jitter.flv", gop="2 s, VFR 15-35 fps"),
             Input("no audio", fixtures / "no_audio.flv", gop="2 s"),
             Input("8 s GOP", gop8, gop="8 s"),
             Input("portrait", fixtures / "portrait.flv", gop="2 s, 720x1280"),
             Input("restart mid-GOP", gop8, start_after=9.0, gop="8 s, joined 1 s after a keyframe")]
    return [i for i in found if not only or i.name in only]


@dataclass
class Variant:
    name: str
    kind: str  # relay-clean | seed | copy
    bin_dir: Path | None = None
    chain: bool = False  # also run relay-restream and relay-hls-ready on its output


@dataclass
class Round:
    input: str
    variant: str
    number: int
    first_frame: float | None = None  # seconds after the publish
    relay_start: float = 0.0
    keyframe_after_start: float | None = None  # the input's first keyframe after the relay started
    dest_frame: float | None = None
    hls_ready: float | None = None
    startup_seconds: float | None = None  # relay-clean's own report (new builds)
    startup_from: str = ""
    note: str = ""


def relay_argv(variant: Variant, backend: Backend, key: str, h: Harness) -> list[str]:
    if variant.kind == "copy":
        return [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "warning", *backend.input_args(f"live/{USER}/{key}"),
                "-c", "copy", *backend.output_args(f"clean/{USER}/{key}")]
    binary = str((variant.bin_dir or h.bin_dir()) / "relay-clean")
    argv = [binary, "--user", USER, "--stream", key, "--rtmp-port", str(backend.rtmp_port), "--target", "local",
            "--quality", "720p"]
    if variant.kind == "seed":
        argv += ["--recipe", "seed"]
    return argv


def child_env(variant: Variant, cloud: harness.DevCloud, backend: Backend) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", **cloud.env()}
    if variant.kind == "relay-clean" and variant.bin_dir is None:
        env["RELAY_MTX_API"] = backend.api or "off"
    return env


def run_round(h: Harness, backend: Backend, cloud: harness.DevCloud, item: Input, variant: Variant,
              number: int, counter: list[int]) -> Round:
    counter[0] += 1
    key = f"r{counter[0]}"
    result = Round(item.name, variant.name, number)
    dest_key = f"d{counter[0]}"
    if variant.chain:
        cloud.set_destinations(USER, key, [{"url": backend.url(f"dest/{dest_key}"), "name": "dest"}])
    waiting = backend.readers_before_publish
    observer = FlvReader(h, f"in-{key}", backend.input_args(f"live/{USER}/{key}")) if waiting else None
    output = FlvReader(h, f"out-{key}", backend.input_args(f"clean/{USER}/{key}")) if waiting else None
    dest = FlvReader(h, f"dest-{key}", backend.input_args(f"dest/{dest_key}")) if variant.chain else None
    procs: list[harness.Proc] = []

    def first_clean_frame() -> float | None:
        if output is not None:
            return output.first_video
        return backend.available_at(f"clean/{USER}/{key}")

    try:
        if waiting:
            backend.wait_reader(f"live/{USER}/{key}")
            backend.wait_reader(f"clean/{USER}/{key}")
        if dest is not None:
            backend.wait_reader(f"dest/{dest_key}")
        publisher = h.spawn([FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1",
                             "-i", str(item.file), "-c", "copy", *backend.output_args(f"live/{USER}/{key}")],
                            name=f"publish-{key}")
        procs.append(publisher)
        wait_for(lambda: backend.published(f"live/{USER}/{key}"), 10, 0.01, "the publish")
        published = time.time() if waiting else backend.available_at(f"live/{USER}/{key}")
        time.sleep(max(0.0, published + item.start_after - time.time()))
        result.relay_start = time.time() - published
        relay = h.spawn(relay_argv(variant, backend, key, h), env=child_env(variant, cloud, backend),
                        inherit_env=False, name=f"{variant.kind}-{key}")
        procs.append(relay)
        chain_started = False
        first = None
        deadline = time.time() + ROUND_TIMEOUT
        while time.time() < deadline:
            if variant.chain and not chain_started and backend.published(f"clean/{USER}/{key}"):
                procs += start_chain(h, backend, cloud, key)
                chain_started = True
            first = first or first_clean_frame()
            done_chain = not variant.chain or (dest.first_video is not None and hls_ready_at(cloud, key))
            if first is not None and done_chain:
                break
            if not relay.alive():
                result.note = f"{variant.kind} exited {relay.returncode}"
                break
            time.sleep(0.02)
        if first is not None:
            result.first_frame = first - published
        if observer is not None:
            after = [t for t in observer.keyframes if t >= published + result.relay_start]
            result.keyframe_after_start = after[0] - published if after else None
        if variant.chain:
            result.dest_frame = dest.first_video - published if dest.first_video else None
            ready = hls_ready_at(cloud, key)
            result.hls_ready = ready - published if ready else None
        if variant.kind == "relay-clean":
            active = [e["body"] for e in cloud.events("stream-status")
                      if e["body"].get("streamId") == key and "startupSeconds" in e["body"]]
            result.startup_seconds = active[0]["startupSeconds"] if active else None
            result.startup_from = active[0].get("startupFrom", "") if active else ""
    finally:
        for proc in reversed(procs):
            h.stop(proc, check=False)
        for reader in (observer, output, dest):
            if reader:
                reader.close()
    return result


def start_chain(h: Harness, backend: Backend, cloud: harness.DevCloud, key: str) -> list[harness.Proc]:
    """What MediaMTX starts when clean/<user>/<key> appears: relay-restream (runOnAvailable) and
    relay-hls-ready (runOnOnline), with the hook environment."""
    env = {"PATH": "/usr/bin:/bin", **cloud.env(), "MTX_PATH": f"clean/{USER}/{key}", "G1": USER, "G2": key,
           "RELAY_RTMP_PORT": str(backend.rtmp_port), "RELAY_HLS_LOCAL_BASE": backend.hls_base,
           "RELAY_PUBLIC_HLS_BASE": backend.hls_base, "RELAY_PUBLIC_WEBRTC_BASE": "off"}
    restream = h.spawn([h.bin("relay-restream"), "--no-cf-url", "--allow-private-destinations",
                        "--status-interval", "60"],
                       env=env, inherit_env=False, name=f"relay-restream-{key}")
    hls = h.spawn([h.bin("relay-hls-ready"), "--timeout", str(ROUND_TIMEOUT)], env=env, inherit_env=False,
                  name=f"relay-hls-ready-{key}")
    return [restream, hls]


def hls_ready_at(cloud: harness.DevCloud, key: str) -> float | None:
    for event in cloud.events("hls-ready"):
        if event["body"].get("streamId") == key:
            return event["received_at_ms"] / 1000.0
    return None


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

def log(text: str) -> None:
    print(text, flush=True)


def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if len(present) * 2 > len(values) else None


def fmt(value: float | None, missing: str = "none") -> str:
    return f"{value:.2f}" if value is not None else missing


def describe(r: Round) -> str:
    parts = [f"{r.input:<16} {r.variant:<20} round {r.number}: first frame {fmt(r.first_frame):>5} s",
             f"(relay started at {r.relay_start:.2f}, input keyframe after it at {fmt(r.keyframe_after_start)})"]
    if r.dest_frame is not None or r.hls_ready is not None:
        parts.append(f"destination {fmt(r.dest_frame)} s, hls-ready {fmt(r.hls_ready)} s")
    if r.startup_seconds is not None:
        parts.append(f"startupSeconds {r.startup_seconds}")
    if r.note:
        parts.append(f"[{r.note}]")
    return " ".join(parts)


def report(rounds: list[Round], variants: list[Variant], items: list[Input]) -> None:
    names = [v.name for v in variants]
    log("")
    log("publish -> first video frame at a reader of the relay's output, seconds (median over rounds;"
        " 'none' = no video within the round)")
    log(f"{'input':<18}" + "".join(f"{n:>20}" for n in names) + f"{'kf after start':>16}")
    table: dict[tuple[str, str], float | None] = {}
    for item in items:
        row = f"{item.name:<18}"
        for name in names:
            rs = [r for r in rounds if r.input == item.name and r.variant == name]
            table[(item.name, name)] = median([r.first_frame for r in rs])
            row += f"{fmt(table[(item.name, name)]):>20}"
        kfs = median([r.keyframe_after_start for r in rounds if r.input == item.name])
        log(row + f"{fmt(kfs):>16}")
    log("")
    log("relay-clean against the targets (issue #10): within 0.5 s of the better baseline (seed, copy) and"
        " no later than the input's first keyframe after the relay's start + 1.5 s")
    for item in items:
        ours = table.get((item.name, "relay-clean"))
        baselines = [table.get((item.name, n)) for n in ("seed", "copy")]
        best = min([b for b in baselines if b is not None], default=None)
        kf = median([r.keyframe_after_start for r in rounds if r.input == item.name and r.variant == "relay-clean"])
        versus = f"{ours - best:+.2f} s vs the better baseline ({best:.2f})" if ours is not None and best is not None \
            else "no baseline shows video" if ours is not None else "no frame"
        limit = f"{ours - (kf + 1.5):+.2f} s vs keyframe+1.5 ({kf + 1.5:.2f})" if ours is not None and kf is not None \
            else "-"
        ok = ours is not None and (best is None or ours <= best + 0.5) and (kf is None or ours <= kf + 1.5)
        before = table.get((item.name, "relay-clean before"))
        change = f"; before: {fmt(before)} ({ours - before:+.2f} s)" if before is not None and ours is not None \
            else f"; before: {fmt(before)}" if "relay-clean before" in names else ""
        log(f"  {item.name:<16} {fmt(ours):>6} s  {versus}; {limit}  {'met' if ok else 'NOT met'}{change}")
    chain = [r for r in rounds if r.variant == "relay-clean"]
    if any(r.dest_frame is not None or r.hls_ready is not None for r in chain):
        log("")
        log(f"the chain behind relay-clean (targets: destination <= first clean frame + 1 s; hls-ready <= first"
            f" clean frame + 2 x {SEGMENT_SECONDS:.0f} s segments + 1 s)")
        for item in items:
            rs = [r for r in chain if r.input == item.name]
            first = median([r.first_frame for r in rs])
            dest = median([r.dest_frame for r in rs])
            ready = median([r.hls_ready for r in rs])
            d = f"{dest - first:+.2f}" if dest is not None and first is not None else "-"
            hr = f"{ready - first:+.2f}" if ready is not None and first is not None else "-"
            log(f"  {item.name:<16} clean {fmt(first)}  destination {fmt(dest)} ({d} s, "
                f"{'met' if d != '-' and float(d) <= 1.0 else 'NOT met'})  hls-ready {fmt(ready)} ({hr} s, "
                f"{'met' if hr != '-' and float(hr) <= 2 * SEGMENT_SECONDS + 1 else 'NOT met'})")
    reported = [r for r in chain if r.startup_seconds is not None and r.first_frame is not None]
    if reported:
        # nginx: startupSeconds counts from the hook's start (no API tells the publish time);
        # MediaMTX: from the publisher's connection, which is before the path is available.
        offset = [r.relay_start if r.startup_from == "hook start" else 0.0 for r in reported]
        gaps = [r.first_frame - o - r.startup_seconds for r, o in zip(reported, offset)]
        log("")
        log(f"relay-clean's own startupSeconds (from {reported[0].startup_from}) vs the first clean frame seen here:"
            f" median difference {statistics.median(gaps):+.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds per input and variant (default 3)")
    parser.add_argument("--backend", choices=["auto", *sorted(BACKENDS)], default="auto",
                        help="RTMP server: nginx, mediamtx, or auto (default: nginx, then MediaMTX when"
                             " MTXRELAY_MEDIAMTX or PATH gives its binary)")
    parser.add_argument("--baseline-bin", type=Path, help="also run relay-clean from this build's bin directory"
                        " (e.g. main's), as 'relay-clean before'")
    parser.add_argument("--inputs", nargs="*", help="only these inputs (names as printed)")
    parser.add_argument("--no-chain", action="store_true", help="skip relay-restream and relay-hls-ready")
    args = parser.parse_args()
    variants = [Variant("relay-clean", "relay-clean", chain=not args.no_chain)]
    if args.baseline_bin:
        variants.append(Variant("relay-clean before", "relay-clean", bin_dir=args.baseline_bin.resolve()))
    variants += [Variant("seed", "seed"), Variant("copy", "copy")]
    names = [args.backend] if args.backend != "auto" else ["nginx"]
    if args.backend == "auto":
        binary, why = backends.mediamtx_binary()
        if binary:
            names.append("mediamtx")
        else:
            log(f"MediaMTX skipped: {why}")
    for name in names:
        run_backend(name, variants, args)
    return 0


def run_backend(name: str, variants: list[Variant], args: argparse.Namespace) -> None:
    began = time.monotonic()
    load_start = " ".join(open("/proc/loadavg").read().split()[:3])
    log(f"load average at start: {load_start} ({os.cpu_count()} cores)")
    rounds: list[Round] = []
    with Harness("bench-startup") as h:
        h.bin("relay-clean")
        backend = BACKENDS[name](h)
        cloud = h.start_devcloud({"token": TOKEN, "streams": {}})
        items = inputs(h, args.inputs)
        log(f"backend {backend.name}; inputs: " + "; ".join(f"{i.name} ({i.file.name}, GOP {i.gop}, relay started"
                                                           f" {i.start_after} s after the publish)" for i in items))
        counter = [0]
        for number in range(1, args.rounds + 1):
            for item in items:
                order = variants if number % 2 else list(reversed(variants))
                for variant in order:
                    rounds.append(run_round(h, backend, cloud, item, variant, number, counter))
                    log(describe(rounds[-1]))
    log(f"\n== {backend.name} ==")
    report(rounds, variants, items)
    load_end = " ".join(open("/proc/loadavg").read().split()[:3])
    log(f"load average: start {load_start}, end {load_end} ({os.cpu_count()} cores);"
        f" run took {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
