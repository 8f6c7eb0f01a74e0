#!/usr/bin/python3
"""relay-clean against bare ffmpeg running relay-clean's encoder argv on the same live input.

One run: a private nginx-rtmp, one real-time publisher of a 720p30 H.264/AAC source with a
frame-index barcode burned in, then interleaved rounds (A B, B A, ...) of
  A  relay-clean --user u --stream s --rtmp-port P --output rtmp://127.0.0.1:SINK/live/sink
     (its input pump reading the stream once, relay-clean feeding its encoder on stdin),
  B  ffmpeg with the encoder argv `relay-clean ... --dry-run` prints, reading the input
     itself instead of stdin (real URLs put back),
each measured over a steady window: CPU (utime+stime), RSS (VmRSS each second) and the
latency of every frame from an input reader to a sink reader (barcodes read at both ends).
Prints figures, medians, spread and A/B ratios; asserts no timing. See bench/README.md.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import os
import re
import select
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import harness  # noqa: E402  (path set just above)
from harness import FFMPEG, Harness, ffmpeg_rtmp_args, wait_for  # noqa: E402

USER, STREAM = "u", "s"
SINK_APP, SINK_KEY = "live", "sink"
CHILD_ENV = {"PATH": "/usr/bin:/bin"}  # both variants: no cloud, ffmpeg found the same way
CLK_TCK = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024

# Barcode on the 1280x720 source: a black strip of STRIP_H rows on top, BITS cells of
# CELL px from X0, a white BOX x BOX box in a cell = bit set. Bits 0-15 are the frame
# index, 16-19 a check nibble (sum of the index's nibbles mod 16).
SRC_W, SRC_H, FPS = 1280, 720, 30
STRIP_H, X0, CELL, BOX, BOX_Y = 72, 80, 56, 48, 12
DATA_BITS, CHECK_BITS = 16, 4
# Readers crop the strip and scale it to READ_W x READ_H gray (1 px = 4x4 source px).
READ_W, READ_H = SRC_W // 4, STRIP_H // 4
FRAME_BYTES = READ_W * READ_H


def check_nibble(n: int) -> int:
    return ((n & 15) + ((n >> 4) & 15) + ((n >> 8) & 15) + ((n >> 12) & 15)) & 15


def barcode_filter() -> str:
    """drawbox chain burning the frame number n into the picture (timeline `enable`)."""
    nibbles = "mod(n,16)+mod(floor(n/16),16)+mod(floor(n/256),16)+mod(floor(n/4096),16)"
    boxes = [f"drawbox=x=0:y=0:w=iw:h={STRIP_H}:color=black:t=fill"]
    for bit in range(DATA_BITS + CHECK_BITS):
        value = f"floor(n/{2 ** bit})" if bit < DATA_BITS else \
            f"floor(mod({nibbles},16)/{2 ** (bit - DATA_BITS)})"
        x = X0 + bit * CELL + (CELL - BOX) // 2
        boxes.append(f"drawbox=x={x}:y={BOX_Y}:w={BOX}:h={BOX}:color=white:t=fill"
                     f":enable='mod({value},2)'")
    return ",".join(boxes)


def read_barcode(frame: bytes) -> int | None:
    """Frame index from one READ_W x READ_H gray strip; None if the check nibble fails."""
    y = (BOX_Y + BOX // 2) * READ_H // STRIP_H
    bits = 0
    for bit in range(DATA_BITS + CHECK_BITS):
        x = (X0 + bit * CELL + CELL // 2) * READ_W // SRC_W
        level = sum(frame[(y + dy) * READ_W + x + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1))
        if level > 9 * 128:
            bits |= 1 << bit
    index = bits & ((1 << DATA_BITS) - 1)
    return index if bits >> DATA_BITS == check_nibble(index) else None


def make_source(h: Harness, seconds: int) -> Path:
    """The barcoded 720p30 H.264/AAC FLV, cached in the temp dir by its recipe."""
    argv = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size={SRC_W}x{SRC_H}:rate={FPS}",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(seconds), "-vf", barcode_filter(),
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
            "-b:v", "2500k", "-maxrate", "2500k", "-bufsize", "5000k", "-g", str(FPS),
            "-c:a", "aac", "-b:a", "128k", "-ac", "2"]
    digest = hashlib.sha256("\0".join(argv[1:]).encode()).hexdigest()[:16]
    out = Path(tempfile.gettempdir()) / "mtxrelay-bench" / f"clean-source-{digest}.flv"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        part = out.with_suffix(f".{os.getpid()}.part")
        log(f"generating the {seconds} s barcoded source (cached as {out}) ...")
        h.run(argv + ["-f", "flv", str(part)], timeout=300, name="make-source")
        part.rename(out)
    return out


# ---------------------------------------------------------------------------
# Barcode readers
# ---------------------------------------------------------------------------

class BarcodeReader:
    """An ffmpeg decoding one RTMP stream (single-threaded, low delay) to the gray barcode
    strip, written to a FIFO; a thread stamps each complete frame with time.monotonic()."""

    def __init__(self, h: Harness, name: str, input_args: list[str]) -> None:
        self.h = h
        self.fifo = h.path("fifo", f"{name}-{time.monotonic_ns()}.gray")
        os.mkfifo(self.fifo)
        # O_RDWR never blocks on open and never sees EOF; the thread ends on close().
        self.fd = os.open(self.fifo, os.O_RDWR)
        self.arrivals: list[tuple[float, int | None]] = []
        self._stop = threading.Event()
        argv = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-threads", "1",
                "-fflags", "nobuffer", "-flags", "low_delay", *input_args, "-map", "0:v:0",
                "-vf", f"crop=iw:ih*{STRIP_H}/{SRC_H}:0:0,scale={READ_W}:{READ_H},format=gray",
                "-fps_mode", "passthrough", "-f", "rawvideo", "-flush_packets", "1", "-y", str(self.fifo)]
        self.proc = h.spawn(argv, name=name)
        self._thread = threading.Thread(target=self._read, name=name, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        buf = bytearray()
        while not self._stop.is_set():
            if not poller.poll(200):
                continue
            buf += os.read(self.fd, 1 << 16)
            now = time.monotonic()
            while len(buf) >= FRAME_BYTES:
                self.arrivals.append((now, read_barcode(bytes(buf[:FRAME_BYTES]))))
                del buf[:FRAME_BYTES]

    def first_frame(self, timeout: float) -> float:
        def seen() -> float | None:
            if self.proc.poll() is not None and not self.arrivals:
                raise harness.HarnessError(f"{self.proc.name} exited: {self.proc.tail()}")
            return self.arrivals[0][0] if self.arrivals else None
        return wait_for(seen, timeout, 0.02, f"a decoded frame from {self.proc.name}")

    def close(self) -> None:
        self.h.stop(self.proc, signal.SIGINT, 5, check=False)
        self._stop.set()
        self._thread.join(2)
        os.close(self.fd)


def latencies(sink: list[tuple[float, int | None]], source: list[tuple[float, int | None]],
              start: float, end: float) -> tuple[list[float], int]:
    """t_sink(k) - t_input(k) in ms for each index first seen at the sink inside [start, end]
    (the looped source repeats indices: the latest input arrival before the sink one counts).
    Also returns how many sink frames had no readable barcode."""
    seen_at: dict[int, list[float]] = {}
    for t, k in source:
        if k is not None:
            seen_at.setdefault(k, []).append(t)
    done: set[int] = set()
    out: list[float] = []
    unreadable = 0
    for t, k in sink:
        if k is None:
            unreadable += start <= t <= end
            continue
        if k in done:
            continue  # a frame the CFR stage duplicated
        done.add(k)
        times = seen_at.get(k, [])
        i = bisect.bisect_right(times, t)
        if start <= t <= end and i and t - times[i - 1] < 10.0:
            out.append(1000.0 * (t - times[i - 1]))
    return out, unreadable


# ---------------------------------------------------------------------------
# /proc sampling
# ---------------------------------------------------------------------------

def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])  # utime + stime


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:9]]
    return sum(values) - values[3] - values[4], sum(values)


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def argv_of(pid: int) -> list[str]:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return [a.decode() for a in f.read().split(b"\0")[:-1]]


def ffmpeg_children(pid: int) -> dict[str, int] | None:
    """relay-clean's two ffmpeg: {"pump": pid, "encoder": pid} (the encoder runs libx264)."""
    kids = [p for p in harness.descendants(pid) if (harness.proc_info(p) or harness.ProcInfo).comm == "ffmpeg"]
    found = {("encoder" if "libx264" in harness.cmdline(p) else "pump"): p for p in kids}
    return found if len(kids) == 2 and len(found) == 2 else None


# ---------------------------------------------------------------------------
# Variants
# ---------------------------------------------------------------------------

def relay_argv(h: Harness, rtmp_port: int, sink_url: str) -> list[str]:
    return [h.bin("relay-clean"), "--user", USER, "--stream", STREAM, "--rtmp-port", str(rtmp_port),
            "--output", sink_url, "--quality", "720p"]


def masked(url: str) -> str:
    """What relay-clean's redaction prints for an rtmp://host/app/<key> URL: the key's
    fingerprint (the hook's own live/ and clean/ paths are printed whole)."""
    host, _, path = url.partition("://")[2].partition("/")
    app, _, key = path.partition("/")
    return f"rtmp://{host}/{app}/key#{hashlib.sha256(key.encode()).hexdigest()[:4]}" if key else url


def dry_run_argvs(h: Harness, rtmp_port: int, sink_url: str) -> tuple[list[str], list[str]]:
    """relay-clean's (pump, encoder) argvs from --dry-run, masked URLs replaced by the real ones."""
    dry = h.run([*relay_argv(h, rtmp_port, sink_url), "--dry-run"], env=CHILD_ENV, inherit_env=False,
                name="relay-clean-dry-run")
    urls = (f"rtmp://127.0.0.1:{rtmp_port}/live/{USER}/{STREAM}", sink_url)
    real = {**{u: u for u in urls}, **{masked(u): u for u in urls}}
    sections: list[list[str]] = []
    for line in dry.stdout_text().splitlines():
        if line.startswith("#"):
            sections.append([])
            continue
        if re.search(r"\*\*\*|key#[0-9a-f]{4}", line) and line not in real:
            raise harness.HarnessError(f"cannot restore the masked argument {line!r}")
        sections[-1].append(real.get(line, line))
    if len(sections) != 2:
        raise harness.HarnessError(f"expected a pump and an encoder in --dry-run, got {len(sections)} argvs")
    return sections[0], sections[1]


def bare_argv(pump: list[str], encoder: list[str]) -> list[str]:
    """The encoder argv reading the input itself: its stdin input (-f flv ... -i pipe:0)
    replaced by the pump's RTMP input (endpoint options and URL, without `-f data`)."""
    start = encoder.index("-f")
    end = encoder.index("pipe:0") + 1
    url = pump.index("-i") + 1
    options = pump[pump.index("-nostats") + 1:url - 3]  # between -nostats and "-f data -i"
    return [*encoder[:start], *options, "-i", pump[url], *encoder[end:]]


@dataclass
class Round:
    variant: str
    number: int
    cpu: float = 0.0  # % of one core, relay-clean + its pump and encoder (A) or ffmpeg (B)
    relay_cpu: float = 0.0  # relay-clean alone (A)
    rss: list[int] = field(default_factory=list)  # summed VmRSS samples
    relay_rss: list[int] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    unreadable: int = 0
    busy: float = 0.0  # whole machine, % of all cores
    helpers_cpu: float = 0.0  # publisher + both barcode readers, % of one core
    note: str = ""

    def p(self, q: float) -> float:
        return percentile(self.latency_ms, q)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def run_round(h: Harness, variant: str, number: int, rtmp_port: int, source: BarcodeReader,
              helpers: list[int], args: argparse.Namespace, checked: dict[str, int]) -> Round:
    sink_port = harness.free_port()
    sink_url = f"rtmp://127.0.0.1:{sink_port}/{SINK_APP}/{SINK_KEY}"
    expected_pump, expected_encoder = dry_run_argvs(h, rtmp_port, sink_url)
    bare = bare_argv(expected_pump, expected_encoder)
    sink = BarcodeReader(h, f"sink-{variant}{number}", ["-listen", "1", "-i", sink_url])
    wait_for(lambda: harness.port_listening(sink_port), 10, 0.05, f"sink listening on {sink_port}")
    started = time.monotonic()
    if variant == "A":
        proc = h.spawn(relay_argv(h, rtmp_port, sink_url), env=CHILD_ENV, inherit_env=False, name="relay-clean")
    else:
        proc = h.spawn(bare, env=CHILD_ENV, inherit_env=False, name="ffmpeg-bare")
    result = Round(variant, number)
    try:
        first = sink.first_frame(40)
        if variant == "A":
            children = wait_for(lambda: ffmpeg_children(proc.pid), 10, 0.05, "relay-clean's two ffmpeg")
            for role, expected in (("pump", expected_pump), ("encoder", expected_encoder)):
                actual = argv_of(children[role])
                if actual != expected:
                    raise harness.HarnessError(f"relay-clean's {role} ran {actual}\nnot the dry-run's {expected}")
            checked["argv"] = checked.get("argv", 0) + 1
            pids = [proc.pid, children["pump"], children["encoder"]]
        else:
            pids = [proc.pid]
        time.sleep(max(0.0, max(started + args.warmup, first + 2.0) - time.monotonic()))
        ours = [*helpers, sink.proc.pid]
        t0, ticks0, (busy0, total0) = time.monotonic(), [cpu_ticks(p) for p in pids], machine_ticks()
        helper0 = sum(cpu_ticks(p) for p in ours)
        for i in range(args.window + 1):
            time.sleep(max(0.0, t0 + i - time.monotonic()))
            sizes = [rss_bytes(p) for p in pids]
            result.rss.append(sum(sizes))
            if variant == "A":
                result.relay_rss.append(sizes[0])
        t1, ticks1, (busy1, total1) = time.monotonic(), [cpu_ticks(p) for p in pids], machine_ticks()
        result.helpers_cpu = 100.0 * (sum(cpu_ticks(p) for p in ours) - helper0) / CLK_TCK / (t1 - t0)
        if variant == "A" and ffmpeg_children(proc.pid) != children:
            result.note = "ffmpeg restarted in the window"
        deltas = [b - a for a, b in zip(ticks0, ticks1)]
        result.cpu = 100.0 * sum(deltas) / CLK_TCK / (t1 - t0)
        result.relay_cpu = 100.0 * deltas[0] / CLK_TCK / (t1 - t0) if variant == "A" else 0.0
        result.busy = 100.0 * (busy1 - busy0) / max(1, total1 - total0)
        result.latency_ms, result.unreadable = latencies(list(sink.arrivals), list(source.arrivals), t0, t1)
    finally:
        h.stop(proc, signal.SIGINT, 10, check=False)
        sink.close()
    return result


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

def log(text: str) -> None:
    print(text, flush=True)


def describe(r: Round) -> str:
    extra = f", relay-clean alone {r.relay_cpu:.2f} % CPU {statistics.median(r.relay_rss) / MIB:.1f} MiB" \
        if r.variant == "A" else ""
    return (f"round {r.number} {r.variant}: CPU {r.cpu:5.1f} %  RSS median {statistics.median(r.rss) / MIB:6.1f}"
            f" max {max(r.rss) / MIB:6.1f} MiB  latency p50 {r.p(50):5.0f} p95 {r.p(95):5.0f} ms"
            f" ({len(r.latency_ms)} frames, {r.unreadable} unreadable)  machine {r.busy:3.0f} % busy"
            f" (publisher+readers {r.helpers_cpu:.0f} % of a core)"
            f"{extra}{'  ' + r.note if r.note else ''}")


def row(name: str, a: list[float], b: list[float] | None, fmt: str, ratio: bool = True) -> str:
    def cell(values: list[float]) -> str:
        return f"{statistics.median(values):{fmt}} [{min(values):{fmt}}-{max(values):{fmt}}]"
    if b is None:
        return f"{name:<26}{cell(a):<24}{'-':<24}-"
    pairs = [x / y for x, y in zip(a, b) if y]
    if not ratio or not pairs or not statistics.median(b):
        return f"{name:<26}{cell(a):<24}{cell(b):<24}-"
    return (f"{name:<26}{cell(a):<24}{cell(b):<24}"
            f"{statistics.median(a) / statistics.median(b):.2f} [{min(pairs):.2f}-{max(pairs):.2f}]")


def report(rounds: list[Round], args: argparse.Namespace, load_start: str, load_end: str, elapsed: float) -> None:
    a = [r for r in rounds if r.variant == "A"]
    b = [r for r in rounds if r.variant == "B"]

    def values(rs: list[Round], key) -> list[float]:
        return [key(r) for r in rs]

    order = " ".join(r.variant for r in rounds)
    log("")
    log(f"relay-clean (A) vs bare ffmpeg with its encoder argv reading the input itself (B), 720p30 live input,"
        f" {len(a)} rounds each"
        f" ({order}), {args.window} s windows after >= {args.warmup} s warm-up")
    log("value: median over rounds [min-max]; A/B: ratio of the medians [min-max of per-round-pair ratios]")
    log(f"{'metric':<26}{'A relay-clean':<24}{'B bare ffmpeg':<24}A/B")
    log(row("CPU % of one core", values(a, lambda r: r.cpu), values(b, lambda r: r.cpu), ".1f"))
    log(row("RSS median MiB", values(a, lambda r: statistics.median(r.rss) / MIB),
            values(b, lambda r: statistics.median(r.rss) / MIB), ".1f"))
    log(row("RSS max MiB", values(a, lambda r: max(r.rss) / MIB), values(b, lambda r: max(r.rss) / MIB), ".1f"))
    log(row("latency p50 ms", values(a, lambda r: r.p(50)), values(b, lambda r: r.p(50)), ".0f"))
    log(row("latency p95 ms", values(a, lambda r: r.p(95)), values(b, lambda r: r.p(95)), ".0f"))
    log(row("relay-clean own RSS MiB", values(a, lambda r: statistics.median(r.relay_rss) / MIB), None, ".1f"))
    log(row("relay-clean own CPU %", values(a, lambda r: r.relay_cpu), None, ".2f"))
    log(row(f"machine busy % of {os.cpu_count()} cores",
            values(a, lambda r: r.busy), values(b, lambda r: r.busy), ".0f", ratio=False))
    log(f"load average: start {load_start}, end {load_end} ({os.cpu_count()} cores); run took {elapsed:.0f} s")
    notes = [f"round {r.number} {r.variant}: {r.note}" for r in rounds if r.note]
    if notes:
        log("notes: " + "; ".join(notes))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4, help="rounds per variant (default 4)")
    parser.add_argument("--window", type=int, default=10, help="measured seconds per round (default 10)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds skipped after each start (default 5)")
    parser.add_argument("--source-seconds", type=int, default=40, help="length of the looped source (default 40)")
    args = parser.parse_args()
    sys.setswitchinterval(0.001)  # two reader threads stamp arrivals: keep GIL hand-over short
    began, load_start = time.monotonic(), loadavg()
    log(f"load average at start: {load_start} ({os.cpu_count()} cores)")
    rounds: list[Round] = []
    with Harness("bench-clean-overhead") as h:
        h.bin("relay-clean")
        media = make_source(h, args.source_seconds)
        ngx = h.start_nginx([{"name": "live"}])
        publisher = h.publish(media, "live", f"{USER}/{STREAM}", loop=True)
        ngx.wait_publishing("live", f"{USER}/{STREAM}")
        source = BarcodeReader(h, "input", ffmpeg_rtmp_args(ngx.rtmp_url("live", f"{USER}/{STREAM}"),
                                                             direction="input"))
        try:
            source.first_frame(20)
            checked: dict[str, int] = {}
            for n in range(1, args.rounds + 1):
                for variant in ("AB" if n % 2 else "BA"):
                    rounds.append(run_round(h, variant, n, ngx.rtmp_port, source,
                                            [publisher.pid, source.proc.pid], args, checked))
                    log(describe(rounds[-1]))
            readable = sum(k is not None for _, k in source.arrivals)
            log(f"argv check: in all {checked.get('argv', 0)} A rounds relay-clean's pump and encoder ran exactly"
                f" the argvs of --dry-run (B: the encoder's, reading the input itself); input reader decoded"
                f" {readable}/{len(source.arrivals)} barcodes")
        finally:
            source.close()
    report(rounds, args, load_start, loadavg(), time.monotonic() - began)
    return 0


if __name__ == "__main__":
    harness.install_termination_handler()
    sys.exit(main())
