#!/usr/bin/python3
"""MediaMTX's native `forward:` against relay-restream's one ffmpeg per destination, on the
same clean stream of one MediaMTX (the shipped mediamtx/mediamtx.yml, hooks off).

For N = 1, 2, 4, 8 loopback destinations (streams of a private nginx-rtmp), rounds of
  base     MediaMTX with the publisher only,
  restream relay-restream --destinations-file (N), reading clean/bench/s1 from MediaMTX,
  forward  the clean path's `forward:` list set to N destinations through the control API,
each measured over a window: CPU (utime+stime deltas) and PSS (/proc/<pid>/smaps_rollup,
sampled each second) of MediaMTX and of relay-restream with its children. The cost of a
variant is what it adds to the base of the same round: MediaMTX's growth plus, for
relay-restream, its own process tree. Then, with three destinations: what happens when one
destination drops and comes back, and how a destination is added and removed while live.
Prints figures and ratios; asserts no timing. Needs a MediaMTX binary (MTXRELAY_MEDIAMTX or
`mediamtx` on PATH): without one it says it skipped and exits 0. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import backends  # noqa: E402  (path set just above)
import harness  # noqa: E402
from harness import FFMPEG, Harness, wait_for  # noqa: E402

PATH = "clean/bench/s1"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def say(text: str = "") -> None:
    print(text, flush=True)


# -- measuring ------------------------------------------------------------------------------
def tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    return [pid, *harness.descendants(pid)]


def ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except OSError:
        return None


def pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(groups: dict[str, list[int]], window: float) -> dict[str, tuple[float, float]]:
    """name -> (CPU % of one core, mean PSS MiB) of each group's process trees over `window`."""
    start = {name: {p: ticks(p) for root in roots for p in tree(root)} for name, roots in groups.items()}
    pss: dict[str, list[float]] = {name: [] for name in groups}
    t0 = time.monotonic()
    while time.monotonic() - t0 < window:
        for name, roots in groups.items():
            pss[name].append(sum(pss_kib(p) for root in roots for p in tree(root)) / 1024)
        time.sleep(1.0)
    elapsed = time.monotonic() - t0
    out = {}
    for name, before in start.items():
        used = sum(now - was for p, was in before.items() if was is not None and (now := ticks(p)) is not None)
        out[name] = (100.0 * used / CLK_TCK / elapsed, statistics.mean(pss[name]))
    return out


# -- the set-up -----------------------------------------------------------------------------
class Bench:
    def __init__(self, h: Harness, source: Path) -> None:
        self.h = h
        self.ingest = h.start_nginx([{"name": "sink"}])
        self.mtx = h.start_mediamtx(hooks=False)
        self.clean_key = next(i["name"] for i in self.mtx.api("GET", "/v3/config/paths/list")["items"]
                              if i["name"].startswith("~^clean/"))
        self.publisher = h.publish(source, "clean", "bench/s1", loop=True, server=self.mtx)
        self.mtx.wait_publishing(PATH, timeout=20)

    def sink(self, name: str) -> str:
        return f"{self.ingest.rtmp_base}/sink/{name}"

    def set_forward(self, urls: list[str]) -> None:
        """Replaces the clean path's forward list (hot-reloaded by MediaMTX)."""
        self.mtx.api("PATCH", f"/v3/config/paths/patch/{urllib.parse.quote(self.clean_key, safe='')}",
                     {"forward": [{"dest": forward_url(u)} for u in urls]})

    def end(self, variant: str, relay: harness.Proc | None) -> None:
        """Ends a variant: the forward list emptied, or relay-restream stopped."""
        if variant == "forward":
            self.set_forward([])
            wait_for(lambda: not self.forwards(), 10, 0.2, "the forward list to empty")
        else:
            self.h.stop(relay)

    def forwards(self) -> list[dict]:
        return self.mtx.api("GET", f"/v3/paths/forward/list?path={urllib.parse.quote(PATH)}")["items"]

    def receiving(self, names: list[str]) -> bool:
        stat = self.ingest.stat()
        return all((s := stat.get(f"sink/{n}")) and s["publishing"] and s["bytes_in"] > 50_000 for n in names)

    def publisher_client(self, name: str) -> str | None:
        """nginx's id of the connection publishing sink/<name> (a new id = a reconnection)."""
        s = self.ingest.stream("sink", name)
        if not s or not s["publishing"]:
            return None
        return next((c.get("id") for c in s["clients"] if c.get("publishing")), None)

    def start_restream(self, dests: list[dict], poll: float = 60.0, status: float = 60.0) -> tuple[harness.Proc, Path]:
        """relay-restream on the clean path with a destinations file (re-read at every poll)."""
        path = self.h.path("bench", f"destinations-{time.monotonic_ns()}.json")
        self.write_destinations(path, dests)
        relay = self.h.spawn([self.h.bin("relay-restream"), "--source", self.mtx.rtmp_url(PATH),
                              "--destinations-file", str(path), "--allow-private-destinations", "--no-cf-url",
                              "--poll-interval", str(poll), "--status-interval", str(status)], name="relay-restream")
        return relay, path

    def dests(self, names: list[str]) -> list[dict]:
        return [{"url": self.sink(n), "name": f"dest-{i}"} for i, n in enumerate(names)]

    @staticmethod
    def write_destinations(path: Path, dests: list[dict]) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"destinations": dests}))
        tmp.rename(path)


def forward_url(url: str) -> str:
    """rtmp://host/app/key as MediaMTX's RTMP client needs it: rtmp://host/app#key. It sends the
    whole path as the RTMP application and only a #fragment as the stream name, so the usual
    form reaches nginx-rtmp (and YouTube, Twitch, ...) as application "app/key", stream ""."""
    base, _, key = url.rpartition("/")
    return f"{base}#{key}"


def make_source(cache: Path) -> Path:
    """720p30 H.264 3 Mbit/s, 2 s GOP, + AAC, 20 s: the clean stream's shape."""
    out = cache / "forward-source-720p30.flv"
    if not out.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".part.flv")
        harness._run_bounded([FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                              "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
                              "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "20",
                              "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "3M", "-maxrate", "3M",
                              "-bufsize", "3M", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
                              "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-f", "flv", str(tmp)], 300)
        tmp.rename(out)
    return out


# -- cost per destination ---------------------------------------------------------------------
def round_costs(b: Bench, n: int, window: float) -> dict[str, tuple[float, float]]:
    mtx = b.mtx.pid
    time.sleep(2)
    base = measure({"mtx": [mtx]}, window)["mtx"]

    names = [f"rs-{n}-{i}" for i in range(n)]
    relay, _ = b.start_restream(b.dests(names))
    wait_for(lambda: b.receiving(names), 30, 0.2, f"relay-restream's {n} destination(s) to receive")
    time.sleep(2)
    m = measure({"mtx": [mtx], "relay": [relay.pid]}, window)
    b.h.stop(relay)
    restream = (m["mtx"][0] - base[0] + m["relay"][0], m["mtx"][1] - base[1] + m["relay"][1])
    restream_tree = m["relay"]

    names = [f"fw-{n}-{i}" for i in range(n)]
    b.set_forward([b.sink(x) for x in names])
    wait_for(lambda: b.receiving(names), 30, 0.2, f"forward's {n} destination(s) to receive")
    time.sleep(2)
    m = measure({"mtx": [mtx]}, window)
    b.end("forward", None)
    forward = (m["mtx"][0] - base[0], m["mtx"][1] - base[1])
    return {"base": base, "restream": restream, "restream_tree": restream_tree, "forward": forward}


def costs_table(b: Bench, counts: list[int], runs: int, window: float) -> None:
    say(f"\n{'N':<3} | {'MediaMTX base':<15} | {'relay-restream (tree + MediaMTX growth)':<40} |"
        f" {'forward (MediaMTX growth)':<26} | {'restream/forward':<14}")
    say(f"{'':<3} | {'CPU%':>6} {'PSS':>8} | {'CPU%':>6} {'CPU%/d':>7} {'PSS':>7} {'PSS/d':>7} {'tree PSS':>9} |"
        f" {'CPU%':>6} {'CPU%/d':>7} {'PSS/d':>9} | {'CPU':>6} {'PSS':>6}")
    for n in counts:
        rounds = [round_costs(b, n, window) for _ in range(runs)]
        med = {k: (statistics.median(r[k][0] for r in rounds), statistics.median(r[k][1] for r in rounds))
               for k in rounds[0]}
        for i, r in enumerate(rounds, 1):
            say(f"  N={n} run {i}: base {r['base'][0]:.2f}% {r['base'][1]:.1f} MiB; restream +{r['restream'][0]:.2f}%"
                f" +{r['restream'][1]:.1f} MiB; forward +{r['forward'][0]:.2f}% +{r['forward'][1]:.1f} MiB")
        # A ratio only over a growth above the noise (MediaMTX's own PSS moves by several MiB
        # between rounds as its Go heap grows and shrinks; its CPU by a few tenths of a %).
        ratio = lambda a, c, floor: f"{a / c:.2f}" if c >= floor else "-"  # noqa: E731
        (bc, bp), (rc, rp), (_, tp), (fc, fp) = med["base"], med["restream"], med["restream_tree"], med["forward"]
        say(f"{n:<3} | {bc:6.2f} {bp:8.1f} | {rc:6.2f} {rc / n:7.2f} {rp:7.1f} {rp / n:7.1f} {tp:9.1f} |"
            f" {fc:6.2f} {fc / n:7.2f} {fp / n:9.1f} | {ratio(rc, fc, 0.2):>6} {ratio(rp, fp, 2.0):>6}")
    say(f"CPU% of one core, PSS in MiB, medians of {runs} runs of {window:.0f} s; /d = per destination;"
        " '-': the forward growth is within MediaMTX's own round-to-round noise.")


# -- one destination drops, and comes back ---------------------------------------------------
def drop_and_return(b: Bench) -> None:
    say("\nOne of three destinations drops (its server stops) and comes back 10 s later:")
    for variant in ("forward", "restream"):
        port = b.h.free_port()
        server = b.h.start_nginx([{"name": "sink"}], rtmp_port=port)
        dropped = f"dropped-{variant}"
        dropped_url = f"{server.rtmp_base}/sink/{dropped}"

        def dropped_receiving() -> bool:
            s = server.stream("sink", dropped)
            return bool(s and s["publishing"] and s["bytes_in"] > 50_000)
        names = [f"keep-{variant}-{i}" for i in range(2)]
        relay = None
        if variant == "forward":
            b.set_forward([*(b.sink(x) for x in names), dropped_url])
        else:
            # Named apart from its key: relay-restream masks the key wherever it appears.
            relay, _ = b.start_restream([*b.dests(names), {"url": dropped_url, "name": "Dropped"}], status=1)
        wait_for(lambda: b.receiving(names) and dropped_receiving(), 30, 0.2, f"{variant}: 3 receiving")
        before = {x: b.ingest.stream("sink", x)["bytes_in"] for x in names}
        server.stop()
        dropped_at = time.monotonic()
        time.sleep(10)
        others = all(b.ingest.stream("sink", x)["bytes_in"] > before[x] + 1_000_000 for x in names)
        if variant == "forward":
            state = next(f for f in b.forwards() if f["conf"]["dest"] == forward_url(dropped_url))
            seen = f"its state: {state['state']}, lastError {state['lastError'][:70]!r}"
        else:
            line = [ln for ln in relay.stderr_text().splitlines() if "Dropped:" in ln][-1:]
            seen = "relay-restream's last word on it: " + (line[0].split(": ", 1)[-1][-120:] if line else "?")
        server = b.h.start_nginx([{"name": "sink"}], rtmp_port=port)
        back_at = time.monotonic()
        wait_for(dropped_receiving, 180, 0.1, f"{variant}: the dropped destination to receive again")
        say(f"  {variant:<8}: the other two kept receiving: {'yes' if others else 'NO'}; 10 s after the drop {seen}")
        say(f"  {'':<8}  receiving again {time.monotonic() - back_at:.1f} s after its server came back"
            f" ({back_at - dropped_at:.0f} s after the drop)")
        b.end(variant, relay)
        server.stop()


# -- adding and removing while live ------------------------------------------------------------
def live_changes(b: Bench) -> None:
    say("\nThree destinations a, b, c; then a removed; then d added (while live):")
    for variant in ("forward", "restream"):
        names = [f"{x}-{variant}" for x in "abcd"]
        relay = dests = None
        if variant == "forward":
            b.set_forward([b.sink(x) for x in names[:3]])
        else:
            relay, dests = b.start_restream(b.dests(names[:3]), poll=2)
        wait_for(lambda: b.receiving(names[:3]), 30, 0.2, f"{variant}: a, b, c receiving")
        ids = {x: b.publisher_client(x) for x in names[1:3]}
        changed = time.monotonic()
        if variant == "forward":
            b.set_forward([b.sink(x) for x in names[1:3]])
        else:
            b.write_destinations(dests, b.dests(names[1:3]))
        wait_for(lambda: not (b.ingest.stream("sink", names[0]) or {}).get("publishing"), 30, 0.1,
                 f"{variant}: a to stop")
        removed_in = time.monotonic() - changed
        wait_for(lambda: b.receiving(names[1:3]), 30, 0.2, f"{variant}: b, c receiving")
        reconnected = [x[0] for x in names[1:3] if b.publisher_client(x) != ids[x]]
        changed = time.monotonic()
        ids = {x: b.publisher_client(x) for x in names[1:3]}
        if variant == "forward":
            b.set_forward([b.sink(x) for x in names[1:]])
        else:
            b.write_destinations(dests, b.dests(names[1:]))
        wait_for(lambda: b.receiving(names[3:]), 30, 0.1, f"{variant}: d receiving")
        added_in = time.monotonic() - changed
        reconnected_on_add = [x[0] for x in names[1:3] if b.publisher_client(x) != ids[x]]
        how = "PATCH /v3/config/paths/patch/<path> {forward: [...]}" if variant == "forward" else \
            "the cloud's list, read at each poll (2 s here)"
        say(f"  {variant:<8}: via {how}")
        say(f"  {'':<8}  a removed: a ended after {removed_in:.1f} s; reconnected because of it:"
            f" {', '.join(reconnected) or 'none'}")
        say(f"  {'':<8}  d added: receiving after {added_in:.1f} s; reconnected because of it:"
            f" {', '.join(reconnected_on_add) or 'none'}")
        b.end(variant, relay)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", type=int, nargs="*", default=[1, 2, 4, 8], help="none: no cost table")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--skip-behaviour", action="store_true", help="only the cost table")
    args = parser.parse_args()
    binary, why_not = backends.mediamtx_binary()
    if binary is None:
        say(f"restream_forward: skipped: {why_not}")
        return 0
    harness.install_termination_handler()
    os.environ.setdefault("MTXRELAY_TEST_TMP", tempfile.gettempdir())
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mtxrelay" / "bench"
    source = make_source(cache)
    with Harness("bench-restream-forward") as h:
        b = Bench(h, source)
        say(f"restream_forward: MediaMTX {b.mtx.version} ({binary}), source {source.name} looped into {PATH}")
        if args.counts:
            costs_table(b, args.counts, args.runs, args.window)
        if not args.skip_behaviour:
            drop_and_return(b)
            live_changes(b)
        keys = re.compile(r"fw-\d+-\d+|keep-forward-\d|dropped-forward|[abcd]-forward")
        keyed = [ln for ln in b.mtx.log_text().splitlines() if keys.search(ln)]
        logged = [ln for ln in b.mtx.log_text().splitlines() if "forwarding to" in ln]
        say(f"\nMediaMTX logged {len(logged)} 'forwarding to' line(s) (e.g. {logged[0][20:140] if logged else '-'});"
            f" {len(keyed)} line(s) of its log hold a destination's stream key.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
