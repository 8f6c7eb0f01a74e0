#!/usr/bin/env python3
"""The whole relay on loopback for about 30 s, then a report.

relay-devcloud is the cloud; the relay is MediaMTX running the shipped mediamtx/mediamtx.yml
when a binary is given (MTXRELAY_MEDIAMTX=/path/to/mediamtx, or mediamtx on PATH), else
nginx-rtmp wired the same way (relay-clean on live/..., relay-restream and relay-hls-ready on
clean/...); a synthetic dirty "glasses" stream (irregular GOP, VFR, drops, a hole, a 5 s
timestamp jump, audio drift) is published at real time with its stream key; the clean stream
fans out to a Cloudflare stand-in and two re-stream destinations (streams of a private
nginx-rtmp). The first line says which backend ran. Everything this script starts is ended
by PID when it finishes, fails or is interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
import backends  # noqa: E402
import harness as H  # noqa: E402  (the same process-discipline the tests use)

USER, STREAM = "glasses", "demo1"
NAME = f"{USER}/{STREAM}"
FIXTURE = "glasses_mix"


def say(text: str = "") -> None:
    print(text, flush=True)


def make_fixture() -> Path:
    out = REPO / "build" / "fixtures"
    subprocess.run(["bash", str(REPO / "tests" / "fixtures" / "make_dirty.sh"), str(out), FIXTURE],
                   check=True, stdout=subprocess.DEVNULL, timeout=300)
    return out / f"{FIXTURE}.flv"


def inspect(h: H.Harness, media: Path) -> dict | None:
    proc = h.run([h.bin("relay-inspect"), str(media), "--profile", "cloudflare", "--json"], timeout=120,
                 check=False, name="inspect")
    try:
        return json.loads(proc.stdout_text())
    except json.JSONDecodeError:
        say(f"  relay-inspect could not read {media.name}: {proc.stderr_text().strip()[:200]}")
        return None


def status_line(cloud: H.DevCloud, started: float, hls_url: str) -> str:
    events = cloud.events()
    statuses = [e["body"] for e in events if e["type"] == "stream-status"]
    clean = [s for s in statuses if "destinations" not in s]
    fanout = [s for s in statuses if "destinations" in s]
    parts = [f"t={time.monotonic() - started:4.0f}s"]
    if clean:
        c = clean[-1]
        parts.append(f"relay-clean {c['status']}" + (f" {c.get('fps', 0):.0f} fps {c.get('bitrate', 0)} kbit/s"
                                                       if c["status"] == "active" else ""))
    else:
        parts.append("relay-clean starting")
    if fanout:
        dests = ", ".join(f"{d.get('name') or '?'} {d.get('state')}" for d in fanout[-1]["destinations"])
        parts.append(f"destinations: {dests}")
    hls = [e for e in events if e["type"] == "hls-ready"]
    parts.append("HLS announced" if hls else "HLS not playable yet")
    return " | ".join(parts)


def relay_status(h: H.Harness, runtime: Path, api: str) -> str:
    """relay-status's table of the running relay (the hooks' state documents + MediaMTX's paths)."""
    proc = h.run([h.bin("relay-status"), "--runtime-dir", str(runtime), "--mtx-api", api], timeout=20, check=False,
                 name="relay-status")
    return proc.stdout_text() + proc.stderr_text()


def report(h: H.Harness, cloud: H.DevCloud, started_wall_ms: int, fixture: Path, clean: Path,
           outputs: dict[str, Path], status_table: str) -> None:
    say("\n=== Report " + "=" * 60)
    say("\nrelay-status, just before the publisher stopped (stream keys appear as fingerprints only):")
    for line in status_table.rstrip().splitlines():
        say(f"  {line}")
    before, after = inspect(h, fixture), inspect(h, clean)
    if before and after:
        say("\nrelay-inspect --profile cloudflare: the glasses' stream vs the clean stream relay-clean published")
        say(f"  {'requirement':<50} {'input':<6} {'output':<6} output figure")
        rows_after = {r["id"]: r for r in after["requirements"]}
        for r in before["requirements"]:
            a = rows_after.get(r["id"], {})
            say(f"  {r['name'][:50]:<50} {r['status'].upper():<6} {a.get('status', '-').upper():<6} "
                f"{str(a.get('measured', ''))[:60]}")
        say(f"  result: input {before['result']['status'].upper() if isinstance(before['result'], dict) else before['result']}"
            f" -> output {after['result']['status'].upper() if isinstance(after['result'], dict) else after['result']}")
    say("\nEvents the cloud received (relay-devcloud):")
    for e in cloud.events():
        if e["type"] not in ("hls-ready", "stream-status"):
            continue
        body = e["body"]
        at = (e["received_at_ms"] - started_wall_ms) / 1000
        if e["type"] == "hls-ready":
            say(f"  {at:6.1f}s hls-ready     hlsUrl={body['hlsUrl']} webrtcUrl={body.get('webrtcUrl', '-')}")
        else:
            who = "relay-restream" if "destinations" in body else "relay-clean"
            extra = body.get("reason", "") if body["status"] != "active" else (
                f"{body.get('fps', '')} fps {body.get('bitrate', '')} kbit/s" if who == "relay-clean" else
                ", ".join(f"{d.get('name')}={d.get('state')}" for d in body["destinations"]))
            say(f"  {at:6.1f}s stream-status {body['status']:<8} {who:<15} {str(extra)[:90]}")
    statuses = [e["body"] for e in cloud.events("stream-status") if "destinations" in e["body"]]
    say("\nDestinations, last state reported by relay-restream:")
    for d in (statuses[-2]["destinations"] if len(statuses) >= 2 else statuses[-1]["destinations"] if statuses else []):
        say(f"  {d.get('name', '?'):<10} {d.get('state'):<10} retries={d.get('retries', 0)} {d.get('lastError') or ''}")
    say("\nWhat each destination received (a copy joins the clean stream at a keyframe: the relay keeps no\n"
        "GOP cache, so each recording's audio may begin up to one 2 s GOP before its video):")
    for name, path in outputs.items():
        size = path.stat().st_size if path.exists() else 0
        packets = H.ffprobe_packets(str(path)) if size else []
        say(f"  {name:<10} {size / 1e6:6.1f} MB, {len(packets)} video packets  ({path})")


DESTINATION_APPS = ("cloudflare", "youtube", "twitch")


def start_nginx_relay(h: H.Harness, cloud: H.DevCloud, env: dict, rtmp_port: int, http_port: int) -> H.Nginx:
    """nginx-rtmp wired like mediamtx/mediamtx.yml; the destinations are its own apps."""
    public = f"http://127.0.0.1:{http_port}"
    env = {**env, **cloud.env(), "RELAY_RTMP_PORT": str(rtmp_port)}
    apps = [
        {"name": "live", "path_regex": r"^live/([^/]+)/([^/]+)$", "env": env,
         "exec_push": [h.bin("relay-clean"), "--target", "local"]},
        {"name": "clean", "path_regex": r"^clean/([^/]+)/([^/]+)$", "env": env, "hls": True, "record": True,
         "exec_push": [{"argv": [h.bin("relay-restream"), "--poll-interval", "5"]},
                       {"argv": [h.bin("relay-hls-ready"), "--hls-local-base", public, "--public-hls-base",
                                 public, "--min-segments", "2", "--timeout", "60"]}]},
        *({"name": app, "record": True} for app in DESTINATION_APPS),
    ]
    ngx = h.start_nginx(apps, rtmp_port=rtmp_port, http_port=http_port)
    ngx.prepare_stream("clean", NAME)
    return ngx


def run(duration: float) -> int:
    mediamtx, why_not = backends.mediamtx_binary()
    say("generating the dirty glasses stream (ffmpeg, once)...")
    fixture = make_fixture()
    with H.Harness("demo") as h:
        keys = {n: f"{n.lower()}-{secrets.token_hex(6)}" for n in ("Cloudflare", "YouTube", "Twitch")}
        token, glasses_key = "demo-" + secrets.token_hex(8), "glasses-" + secrets.token_hex(6)
        runtime = h.path("runtime")
        env = {"RELAY_ALLOW_PRIVATE_DESTINATIONS": "1", "RELAY_STATUS_INTERVAL": "5", "RELAY_RUNTIME_DIR": str(runtime)}
        if mediamtx:
            # The destinations (Cloudflare and the re-streams) are streams of a private nginx-rtmp.
            ingest = h.start_nginx([{"name": app, "record": True} for app in DESTINATION_APPS])
            ingest_base = ingest.rtmp_base
        else:
            rtmp_port, http_port = h.free_port(), h.free_port()
            ingest_base = f"rtmp://127.0.0.1:{rtmp_port}"
        cloud = h.start_devcloud({"token": token, "streams": {NAME: {
            "cf_url": f"{ingest_base}/cloudflare/{keys['Cloudflare']}",
            "destinations": [{"url": f"{ingest_base}/youtube/{keys['YouTube']}", "name": "YouTube"},
                             {"url": f"{ingest_base}/twitch/{keys['Twitch']}", "name": "Twitch"}],
            "stream_keys": [glasses_key]}}})
        if mediamtx:
            relay = h.start_mediamtx(cloud=cloud, env={**env, "RELAY_RESTREAM_POLL_INTERVAL": "5"})
            say(f"backend: MediaMTX {relay.version} ({mediamtx}) running the shipped mediamtx/mediamtx.yml;"
                " publishers are checked by relay-devcloud's validate endpoint")
        else:
            relay = ingest = start_nginx_relay(h, cloud, env, rtmp_port, http_port)
            say(f"backend: nginx-rtmp standing in for MediaMTX ({why_not})")
        outputs = {name: ingest.record_path(name.lower(), keys[name]) for name in keys}
        say(f"relay-devcloud {cloud.url}; RTMP {relay.rtmp_base}; HLS {relay.http_base}")
        say(f"publishing {fixture.name} at real time to live/{NAME}?key=*** for {duration:.0f} s...")
        started, started_wall_ms = time.monotonic(), int(time.time() * 1000)
        publisher = h.publish(fixture, "live", f"{NAME}?key={glasses_key}", loop=True)
        recorder = None
        while time.monotonic() - started < duration:
            time.sleep(1 if mediamtx and recorder is None else 3)
            if publisher.poll() is not None:
                say(f"the publisher stopped early: {publisher.tail()}")
                break
            if mediamtx and recorder is None and (relay.stream(f"clean/{NAME}") or {}).get("publishing"):
                # The shipped config records nothing: a reader records clean/ from when it appears.
                recorder = h.record("clean", NAME, h.path("clean-recording.flv"), proc_name="record-clean")
            say("  " + status_line(cloud, started, relay.hls_url(f"clean/{NAME}")))
        status_table = relay_status(h, runtime, f"http://127.0.0.1:{relay.api_port}" if mediamtx else "off")
        say("stopping the publisher: the relay sends SIGINT to every hook...")
        h.stop(publisher, check=False)
        for hook in relay.hook_runs("relay-clean") + relay.hook_runs("relay-restream") + \
                relay.hook_runs("relay-hls-ready"):
            H.wait_for(lambda: not H.pid_alive(hook["pid"], hook.get("start_ticks")), 10, 0.1,
                       f"hook {hook['tool']} (pid {hook['pid']}) to exit")
        H.wait_for(lambda: all(not (ingest.stream(name.lower(), keys[name]) or {}).get("publishing")
                               for name in keys), 10, 0.2, "destinations to be unpublished")
        if mediamtx:
            if recorder is None:
                say("clean/ never became available: nothing to inspect")
                return 1
            recorder.wait(10)  # MediaMTX closes a path's readers when its publisher leaves
            # A reader gets audio at once and video from the next keyframe: judge from there.
            clean_recording = H.trim_to_first_keyframe(h, recorder.extra["out_path"])
        else:
            # nginx-rtmp's recorder escapes the '/' of the stream name.
            clean_recording = next((relay.root / "rec" / "clean").glob("*.flv"))
        report(h, cloud, started_wall_ms, fixture, clean_recording, outputs, status_table)
        say(f"\nlogs, recordings and configs: {h.workdir}")
    say(f"everything the demo started has been stopped ({'MediaMTX' if mediamtx else 'nginx-rtmp'} backend).")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=30, help="seconds of live streaming (default 30)")
    args = parser.parse_args()
    os.environ.setdefault("MTXRELAY_KEEP_TMP", "1")
    os.environ.setdefault("MTXRELAY_TEST_TMP", str(REPO / "build" / "demo"))
    Path(os.environ["MTXRELAY_TEST_TMP"]).mkdir(parents=True, exist_ok=True)
    H.install_termination_handler()
    try:
        return run(args.duration)
    except KeyboardInterrupt:
        say("\ninterrupted: everything the demo started has been stopped.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
