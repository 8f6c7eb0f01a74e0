"""Self-test of tests/integration/harness.py and backends.py on real nginx-rtmp, MediaMTX
(when a binary is given) and ffmpeg.

Proves, on each relay server: it listens on loopback only and stops by PID leaving nothing;
a published lavfi stream reaches a recorder and HLS over HTTP (MediaMTX: 2 s of track
analysis, 302 cookie check, LL-HLS parts, fMP4, a reader's video from the next keyframe); a
hook starts on publish with MediaMTX's environment (MTX_QUERY encoded) and receives SIGINT
when the publisher stops. On MediaMTX: a hook that exits is restarted after 5 s; MediaMTX
waits forever for a hook that ignores SIGINT and the harness still ends both. And: a
process ignoring SIGINT (and an orphan that escaped its session) is still ended when the
harness exits; a failing test still cleans up.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import sys
import time
import unittest
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as H  # noqa: E402
from backends import (MEDIAMTX_CHECKED_VERSION, SHIPPED_CONFIG, RelayTestCase, on_each_backend,  # noqa: E402
                      requires_mediamtx, socket_addresses)
from harness import Harness, HarnessError, HarnessTestCase  # noqa: E402

PY = H.PYTHON
# The harness's own promptness, measured here (figures in each comment) and bounded at over 3x
# with room for a loaded machine, and far under what the broken behaviour would take:
# wait_for() with a WAIT_TIMEOUT_S timeout gives up right after it (measured 0.300-0.303 s;
# a wait that ignored its timeout would run on);
WAIT_TIMEOUT_S, WAIT_GIVE_UP_BOUND_S = 0.3, 1.0
# a child that dies on SIGINT is reaped by stop() at once (measured 0.014-0.016 s);
CHILD_STOP_BOUND_S = 2.0
# the relay server exits on SIGINT at once (measured nginx 0.003-0.020 s, MediaMTX 0.027 s), not after
# stop()'s 10 s give-up and the SIGKILL;
SERVER_STOP_BOUND_S = 2.0
# a harness closing on a process that ignores SIGINT SIGKILLs it after the grace (no sooner,
# so the lower bound is the grace) and is done soon after (measured 0.25-0.47 s over it).
CLOSE_AFTER_GRACE_BOUND_S = 3.0

# A stand-in hook: logs (JSON lines on stderr) what a MediaMTX hook would look at,
# reports the signal it receives, then exits 0 like a well-behaved tool.
HOOK_PROGRAM = r'''
import json, os, signal, sys, time

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return line.split()[1]

def log(**kw):
    sys.stderr.write(json.dumps(kw) + "\n")
    sys.stderr.flush()

def on_signal(signum, frame):
    log(event="signal", signal=signal.Signals(signum).name, pid=os.getpid())
    sys.exit(0)

signal.signal(signal.SIGINT, on_signal)
signal.signal(signal.SIGTERM, on_signal)
log(event="started", pid=os.getpid(), ppid=os.getppid(), argv=sys.argv[1:],
    env=dict(os.environ), sigign=status("SigIgn"))
print("hook stdout line", flush=True)
time.sleep(60)
log(event="timeout")
'''

# Ignores SIGINT; forks a middle process that forks a grandchild which setsid()s
# (leaves our process group) and also ignores SIGINT, then the middle one exits:
# the grandchild is an orphan only the subreaper rule can find.
STUBBORN_PROGRAM = r'''
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
r, w = os.pipe()
middle = os.fork()
if middle == 0:
    grandchild = os.fork()
    if grandchild == 0:
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        time.sleep(120)
        os._exit(0)
    os.write(w, b"%d\n" % grandchild)
    os._exit(0)
os.waitpid(middle, 0)
print("grandchild", os.read(r, 64).decode().strip(), flush=True)
time.sleep(120)
'''

ZOMBIE_PARENT = r'''
import os, time
child = os.fork()
if child == 0:
    os._exit(3)
print("child", child, flush=True)
time.sleep(60)
'''

FAKE_DEVCLOUD = r'''#!/usr/bin/python3
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
cfg = json.load(open(args["--config"]))
events, requests, faults = [], [], []

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        requests.append({"method": self.command, "path": self.path, "status": status})
    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(n) or b"null")
        admin = self.path.startswith("/admin/")
        want = cfg.get("admin_token", cfg["token"]) if admin else cfg["token"]
        if self.headers.get("Authorization") != "Bearer " + want:
            return self.reply(401, {"error": "unauthorized"})
        if self.path == "/admin/events":
            return self.reply(200, {"events": events})
        if self.path == "/admin/requests":
            return self.reply(200, {"requests": requests})
        if self.path == "/admin/faults":
            faults.append(body)
            return self.reply(200, {"ok": True})
        if admin and self.path.endswith("/destinations"):
            key = self.path[len("/admin/streams/"):-len("/destinations")]
            cfg["streams"].setdefault(key, {})["destinations"] = body["destinations"]
            return self.reply(200, {"ok": True})
        if self.path.startswith("/api/rtmp-relay/restream-destinations/"):
            key = self.path.split("/", 3)[3].split("/", 1)[1]
            return self.reply(200, {"destinations": cfg["streams"][key].get("destinations", [])})
        if self.path == "/api/rtmp-relay/hls-ready":
            events.append({"type": "hls-ready", "received_at_ms": 0, "body": body})
            return self.reply(200, {"ok": True})
        return self.reply(404, {"error": "not found"})
    do_GET = do_POST = do_PUT = handle_any

srv = ThreadingHTTPServer((args["--host"], int(args["--port"])), Handler)
print("http://%s:%d" % srv.server_address, flush=True)
srv.serve_forever()
'''


def hook_events(text: str) -> list[dict]:
    events = []
    for line in text.splitlines():
        if line.startswith("{"):
            events.append(json.loads(line))
    return events


class HelperTests(HarnessTestCase):
    """Fast checks of the pure helpers."""

    def test_wait_for_returns_the_value_and_times_out_with_a_message(self) -> None:
        calls = []
        self.assertEqual(H.wait_for(lambda: calls.append(1) or (len(calls) >= 3 and "done"),
                                    timeout=2, interval=0.01), "done")
        t0 = time.monotonic()
        with self.assertRaisesRegex(H.WaitTimeout, "the moon"):
            H.wait_for(lambda: 1 / 0, timeout=WAIT_TIMEOUT_S, interval=0.05, message="the moon")
        self.assertLess(time.monotonic() - t0, WAIT_GIVE_UP_BOUND_S)
        with self.assertRaisesRegex(HarnessError, "never"):  # HarnessError aborts at once
            H.wait_for(lambda: (_ for _ in ()).throw(HarnessError("never")), timeout=5)

    def test_assert_no_secrets_names_file_and_position_but_not_the_secret(self) -> None:
        secret = "sk_live_0123456789abcdef"
        log = self.h.path("tool.log")
        log.write_text("starting\nurl=rtmps://x/live/" + secret + "\n")
        with self.assertRaises(HarnessError) as ctx:
            H.assert_no_secrets([log, "clean text"], [secret])
        msg = str(ctx.exception)
        self.assertIn(str(log), msg)
        self.assertIn("line 2, column 20 (byte 28)", msg)
        self.assertNotIn(secret, msg)
        self.assertNotIn(secret[:8], msg)
        with self.assertRaisesRegex(HarnessError, "URL-encoded"):
            H.assert_no_secrets("GET /x?k=p%40ss%2Fword", ["p@ss/word"])
        H.assert_no_secrets([str(log), "token=***"], ["another-secret"])

    def test_ffmpeg_rtmp_args_split_app_and_playpath(self) -> None:
        self.assertEqual(H.ffmpeg_rtmp_args("rtmp://127.0.0.1:1935/live/alice/s1"),
                         ["-rtmp_app", "live", "-rtmp_playpath", "alice/s1", "-f", "flv",
                          "rtmp://127.0.0.1:1935"])
        self.assertEqual(H.ffmpeg_rtmp_args("live", "a/b?k=v", direction="input",
                                            base="rtmp://127.0.0.1:5"),
                         ["-rtmp_app", "live", "-rtmp_playpath", "a/b?k=v", "-i",
                          "rtmp://127.0.0.1:5"])
        self.assertEqual(H.ffmpeg_rtmp_args("rtmp://h:1/app", direction="input"),
                         ["-i", "rtmp://h:1/app"])

    def test_zombies_count_as_dead_and_descendants_are_found(self) -> None:
        parent = self.h.spawn([PY, "-c", ZOMBIE_PARENT], name="zombie-parent")
        child = int(parent.wait_for_output(r"child (\d+)", 5, stream="stdout").group(1))
        H.wait_for(lambda: H.pid_state(child) == "Z", 5, message="child to be a zombie")
        self.assertFalse(H.pid_alive(child))
        self.assertIn(child, H.descendants(parent.pid))
        self.assertEqual(H.zombies(parent.pid), [child])
        self.assertTrue(H.pid_alive(parent.pid, parent.start_ticks))
        self.assertFalse(H.pid_alive(parent.pid, parent.start_ticks + 1))  # PID reuse guard
        rc, secs = self.h.stop(parent)
        self.assertEqual(rc, -signal.SIGINT)
        self.assertLess(secs, CHILD_STOP_BOUND_S)


class CleanupTests(unittest.TestCase):
    """Inner harnesses whose exit we observe from outside."""

    def test_sigint_ignoring_process_and_escaped_orphan_are_killed_on_exit(self) -> None:
        with Harness("stubborn") as h:
            stubborn = h.spawn([PY, "-c", STUBBORN_PROGRAM], name="stubborn")
            grandchild = int(stubborn.wait_for_output(r"grandchild (\d+)", 5, "stdout").group(1))
            H.wait_for(lambda: H.proc_info(grandchild) and H.proc_info(grandchild).ppid == os.getpid()
                       and H.proc_info(grandchild).session == grandchild, 5,
                       message="grandchild re-parented to the test process in its own session")
            self.assertIn(grandchild, [i.pid for i in h.survivors()])
            t0 = time.monotonic()
        took = time.monotonic() - t0
        self.assertGreaterEqual(took, H.DEFAULT_GRACE_S - 0.1)  # SIGINT was ignored
        self.assertLess(took, H.DEFAULT_GRACE_S + CLOSE_AFTER_GRACE_BOUND_S)
        self.assertEqual(stubborn.returncode, -signal.SIGKILL)
        self.assertIsNone(H.pid_state(stubborn.pid))
        self.assertIsNone(H.pid_state(grandchild), "orphan must be killed and reaped")
        self.assertFalse(h.workdir.exists(), "a passing harness removes its work dir")

    def test_a_failing_test_still_cleans_up(self) -> None:
        seen = {}
        with self.assertRaisesRegex(RuntimeError, "simulated"):
            with Harness("failing") as h:
                ngx = h.start_nginx([{"name": "live"}])
                sleeper = h.spawn([PY, "-c", "import time; time.sleep(60)"], name="sleeper")
                seen = {"pids": [ngx.pid, sleeper.pid], "port": ngx.rtmp_port, "dir": h.workdir}
                raise RuntimeError("simulated test failure")
        try:
            for pid in seen["pids"]:
                self.assertIsNone(H.pid_state(pid), f"pid {pid} survived a failing test")
            self.assertFalse(H.port_listening(seen["port"]))
            self.assertTrue(seen["dir"].exists(), "a failing test keeps its work dir")
        finally:
            shutil.rmtree(seen["dir"], ignore_errors=True)

    def test_a_failing_harness_test_case_still_cleans_up(self) -> None:
        seen: dict = {}

        class Inner(HarnessTestCase):
            def test_fails(self) -> None:
                seen["proc"] = self.h.spawn([PY, "-c", "import time; time.sleep(60)"])
                seen["dir"] = self.h.workdir
                self.fail("simulated assertion failure")

        result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(
            unittest.defaultTestLoader.loadTestsFromTestCase(Inner))
        try:
            self.assertEqual(len(result.failures), 1)
            self.assertIsNone(H.pid_state(seen["proc"].pid))
            # SIGINT: -2, or 1 once python's KeyboardInterrupt handler is installed
            self.assertIn(seen["proc"].returncode, (1, -signal.SIGINT))
            self.assertTrue(seen["dir"].exists(), "a failing test keeps its work dir")
        finally:
            shutil.rmtree(seen["dir"], ignore_errors=True)


def start_relay(test: RelayTestCase, **nginx_app: object) -> object:
    """MediaMTX (shipped config, hooks off, anyone may publish) or nginx with one app `live`."""
    if test.backend == "mediamtx":
        return test.h.start_mediamtx(hooks=False)
    return test.h.start_nginx([{"name": "live", **nginx_app}])


@on_each_backend
class RelayServerTests(RelayTestCase):
    """The relay server a test runs against: nginx-rtmp as the stand-in, MediaMTX for real."""

    def test_server_listens_on_loopback_only_and_stops_by_pid_leaving_nothing(self) -> None:
        if self.backend == "mediamtx":
            cloud = self.h.start_devcloud({"token": "t0ken-abc", "streams": {}})
            server = self.h.start_mediamtx(cloud=cloud)
            self.assertEqual(server.proc.argv[1:], [str(SHIPPED_CONFIG)], "MediaMTX must run the shipped config")
            ports = {server.rtmp_port, server.hls_port, server.webrtc_port, server.api_port}
            self.assertEqual(server.version, MEDIAMTX_CHECKED_VERSION,
                             f"the project is checked against MediaMTX {MEDIAMTX_CHECKED_VERSION}, this is {server.version}:"
                             " re-check docs/mediamtx.md before moving to it")
            # Every listener the config opens (RTMP, HLS, WebRTC HTTP + its UDP ICE port, API),
            # and no other: RTSP, SRT, MoQ, metrics, pprof and playback stay off.
            expected = {f"tcp 127.0.0.1:{p} LISTEN" for p in ports} | {f"udp 127.0.0.1:{server.webrtc_udp_port}"}
        else:
            server = self.h.start_nginx([{"name": "live", "hls": True}, {"name": "clean"}])
            conf = server.conf_path.read_text()
            for line in ("daemon off;", "master_process off;", "exec_kill_signal int;",
                         f"load_module {H.NGINX_RTMP_MODULE};", f"listen 127.0.0.1:{server.rtmp_port};"):
                self.assertIn(line, conf)
            self.assertEqual(server.stat(), {})
            self.assertEqual(H.descendants(server.pid), [], "single-process nginx has no workers")
            ports = {server.rtmp_port, server.http_port}
            expected = {f"tcp 127.0.0.1:{p} LISTEN" for p in ports}
        self.assertEqual(set(socket_addresses(server.pid)), expected)
        rc, secs = server.stop()
        self.assertEqual(rc, 0)
        self.assertLess(secs, SERVER_STOP_BOUND_S)
        self.assertFalse(any(H.port_listening(p) for p in ports))
        if self.backend == "mediamtx":
            self.h.stop(cloud.proc)
        self.h.assert_no_survivors()

    def test_published_stream_reaches_a_recorder_and_hls_over_http(self) -> None:
        media = self.h.make_test_media(10, gop_seconds=2)
        server = start_relay(self, hls=True)
        url = server.hls_url("live/alice/s1")
        self.assertEqual(url, f"{server.http_base}/live/alice/s1/index.m3u8")
        t0 = time.monotonic()
        pub = self.h.publish(media, "live", "alice/s1")
        server.wait_publishing("live/alice/s1")
        available_after = time.monotonic() - t0
        out = self.h.path("recorded.flv")
        rec = self.h.record("live", "alice/s1", out)
        playlist = H.wait_for_hls(url, min_segments=2, timeout=20)
        hls_after = time.monotonic() - t0
        resp, media_url = H.hls_media_playlist(url)
        segment = H.http_request("GET", urllib.parse.urljoin(media_url, H.hls_segments(playlist)[0]))
        self.assertEqual(segment.status, 200)
        if self.backend == "mediamtx":
            # MediaMTX reads a new RTMP publisher for 2 s of its media to find the tracks (and
            # drops what it read): with -re the path is available no sooner than that.
            self.assertGreaterEqual(available_after, 1.9)
            self.assertEqual([t["codec"] for t in server.stream("live/alice/s1")["tracks"]], ["H264", "MPEG-4 Audio"])
            first = H.http_request("GET", url, timeout=5)  # redirects followed: look at the first hop
            self.assertTrue(first.url.endswith("?cookieCheck=1"), f"no 302 cookie check: {first.url}")
            self.assertIn("#EXT-X-PART:", resp.text, "MediaMTX serves low-latency HLS (parts)")
            self.assertIn(b"ftyp" if b"ftyp" in segment.body[:64] else b"moof", segment.body[:64], "an fMP4 segment")
        else:
            self.assertEqual(server.stream("live/alice/s1")["video"]["codec"], "H264")
            self.assertEqual(segment.body[:1], b"\x47", "an MPEG-TS segment")
        self.assertEqual(pub.wait(20), 0, pub.tail())
        # Readers are closed when the publisher leaves (nginx: idle_streams off): ends cleanly.
        self.assertEqual(rec.wait(10), 0, rec.tail())
        probe = H.ffprobe_json(out)
        codecs = sorted(s["codec_name"] for s in probe["streams"])
        self.assertEqual(codecs, ["aac", "h264"])
        self.assertGreater(float(probe["format"]["duration"]), 3.0)
        first_audio = float(H.ffprobe_packets(out, "a:0")[0]["pts_time"])
        first_video = float(H.ffprobe_packets(out, "v:0")[0]["pts_time"])
        if self.backend == "mediamtx":
            # A reader joining mid-GOP gets audio at once and video from the next keyframe.
            self.assertGreater(first_video - first_audio, 0.1, (first_audio, first_video))
        self.assertFalse((server.stream("live/alice/s1") or {}).get("publishing"))
        print(f"\n  {self.backend}: path available {available_after:.1f} s, HLS with 2 segments"
              f" {hls_after:.1f} s after publish start; recording: video starts"
              f" {first_video - first_audio:+.2f} s after audio", file=sys.stderr)

    def test_a_hook_gets_the_mediamtx_environment_and_sigint_when_the_publisher_stops(self) -> None:
        media = self.h.make_test_media(4)
        script = self.h.path("hook_program.py")
        script.write_text(HOOK_PROGRAM)
        query = "key=k1&x=%&u=\u00fc"
        if self.backend == "mediamtx":
            server = self.h.start_mediamtx(hooks=False, env={"CLOUD_API_URL": "http://127.0.0.1:9/x",
                                                             "EXTRA": "a b;c"})
            live = next(i["name"] for i in server.api("GET", "/v3/config/paths/list")["items"]
                        if i["name"].startswith("~^live/"))
            # The stand-in hooks replace the shipped ones through the control API.
            server.api("PATCH", f"/v3/config/paths/patch/{urllib.parse.quote(live, safe='')}", {
                "runOnAvailable": f"{PY} {script} 'two words' $G1 >not-a-redirect",
                "runOnOnline": "grep -E ^Sig(Ign|Blk) /proc/self/status"})
        else:
            server = self.h.start_nginx([{
                "name": "live",
                "exec_push": [
                    {"argv": [PY, str(script), "two words", "$name", ">not-a-redirect"],
                     "env": {"CLOUD_API_URL": "http://127.0.0.1:9/x", "EXTRA": "a b;c"},
                     "path_regex": r"^live/([^/]+)/([^/]+)$"},
                    # python ignores SIGPIPE itself: look at a plain program's dispositions
                    {"argv": ["/bin/grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"]},
                ],
            }])
        pub = self.h.publish(media, "live", f"alice/s1?{query}", loop=True)
        tool = os.path.basename(PY)
        start = server.wait_hook_run(tool, timeout=15)
        H.wait_for(lambda: hook_events(server.hook_output(tool) or server.log_text()), 5,
                   message="hook's first log line")
        started = hook_events(server.log_text())[0]
        self.assertEqual(started["event"], "started")
        self.assertEqual(started["pid"], start["pid"])
        env = started["env"]
        self.assertEqual((env["MTX_PATH"], env["G1"], env["G2"]), ("live/alice/s1", "alice", "s1"))
        # MediaMTX (v1.18.1+) URL-encodes the publisher's query once more: Go's url.QueryEscape.
        self.assertEqual(env["MTX_QUERY"], urllib.parse.quote_plus(query, safe=""))
        self.assertEqual(env["MTX_SOURCE_TYPE"], "rtmpConn")
        self.assertEqual(env["CLOUD_API_URL"], "http://127.0.0.1:9/x")
        self.assertEqual(env["EXTRA"], "a b;c")
        if self.backend == "mediamtx":
            self.assertEqual(started["ppid"], server.pid, "MediaMTX itself forked the hook")
            self.assertEqual(start["pgrp"], start["pid"], "each hook leads its own process group")
            # Split like a shell, $G1 expanded by MediaMTX, run without one.
            self.assertEqual(started["argv"], ["two words", "alice", ">not-a-redirect"])
            self.assertEqual(env["PATH"].split(":")[0], str(H.Harness.bin_dir()), "our tools first on PATH")
        else:
            self.assertEqual(started["ppid"], server.pid, "nginx itself forked the hook")
            self.assertEqual(started["argv"], ["two words", "$name", ">not-a-redirect"])
            self.assertNotIn("PATH", env, "nginx gives hooks a near-empty environment")
        masks = H.wait_for(lambda: dict(re.findall(r"^(Sig(?:Ign|Blk)):\s*(\w+)", server.log_text(), re.M)), 5,
                           message="the grep hook's output")
        self.assertEqual(int(masks["SigIgn"], 16), 0, "hooks start with no signal ignored")
        self.assertEqual(int(masks["SigBlk"], 16), 0, "hooks start with no signal blocked")
        self.assertIn("hook stdout line", server.log_text())

        t_stop = time.monotonic()
        rc, _ = self.h.stop(pub)
        H.wait_for(lambda: any(e["event"] == "signal" for e in hook_events(server.log_text())),
                   10, message="hook to log the signal it received")
        got = [e for e in hook_events(server.log_text()) if e["event"] == "signal"][0]
        self.assertEqual(got["signal"], "SIGINT")
        H.wait_for(lambda: not H.pid_alive(start["pid"], start["start_ticks"]), 5, message="hook to exit")
        print(f"\n  {self.backend}: hook exited {time.monotonic() - t_stop:.2f}s after SIGINT to the publisher"
              f" (publisher rc {rc})", file=sys.stderr)
        if self.backend == "nginx":
            self.assertIn("exec: terminating child", server.error_log_text())


@requires_mediamtx
class MediaMtxHookTests(HarnessTestCase):
    """What MediaMTX does with hooks that exit or ignore SIGINT, and what the harness does then."""

    def start(self, h: Harness, command: str, restart: bool) -> object:
        mtx = h.start_mediamtx(hooks=False)
        live = next(i["name"] for i in mtx.api("GET", "/v3/config/paths/list")["items"]
                    if i["name"].startswith("~^live/"))
        mtx.api("PATCH", f"/v3/config/paths/patch/{urllib.parse.quote(live, safe='')}",
                {"runOnAvailable": command, "runOnAvailableRestart": restart})
        return mtx

    def test_a_hook_that_exits_is_restarted_after_5_s(self) -> None:
        script = self.h.path("short_hook.py")
        script.write_text("import json, sys, time\n"
                          "time.sleep(1)\n"
                          "sys.stderr.write(json.dumps({'event': 'exit', 'at': time.time()}) + '\\n')\n"
                          "sys.exit(3)\n")
        mtx = self.start(self.h, f"{PY} {script}", restart=True)
        self.h.publish(self.h.make_test_media(4), "live", "alice/s1", loop=True)
        first = mtx.wait_hook_run(os.path.basename(PY), 1, timeout=15)
        second = mtx.wait_hook_run(os.path.basename(PY), 2, timeout=20)
        exited_at = hook_events(mtx.log_text())[0]["at"]
        pause = second["time"] - exited_at
        self.assertNotEqual(first["pid"], second["pid"])
        self.assertGreaterEqual(pause, 4.9, "MediaMTX waits a fixed 5 s before restarting a hook")
        self.assertIn("runOnAvailable command exited: command exited with code 0", mtx.log_text(),
                      "MediaMTX v1.20.1 discards a hook's exit code (it logs 0 for exit 3)")
        print(f"\n  restarted {pause:.2f} s after it exited", file=sys.stderr)

    def test_mediamtx_waits_forever_for_a_hook_that_ignores_sigint_the_harness_ends_it(self) -> None:
        seen: dict = {}
        with Harness("mediamtx-stubborn-hook") as h:
            mtx = self.start(h, f"{PY} -c 'import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN);"
                                " print(\"stubborn hook ready\", flush=True); time.sleep(120)'", restart=False)
            h.publish(h.make_test_media(4), "live", "alice/s1", loop=True)
            hook = mtx.wait_hook_run(os.path.basename(PY), timeout=15)
            H.wait_for(lambda: "stubborn hook ready" in mtx.log_text(), 15, message="the hook to ignore SIGINT")
            mtx.proc.send_signal(signal.SIGINT)
            H.wait_for(lambda: "waiting for running hooks" in mtx.log_text(), 10, message="MediaMTX to shut down")
            time.sleep(3)
            seen = {"mediamtx": mtx.pid, "hook": hook["pid"], "log": mtx.log_text()}
            self.assertTrue(mtx.proc.alive(), "MediaMTX stopped waiting for its hook")
            self.assertTrue(H.pid_alive(hook["pid"], hook["start_ticks"]), "the hook ignored SIGINT")
        # The harness's exit: SIGINT, grace, SIGKILL to MediaMTX, the hook and the rest.
        self.assertIsNone(H.pid_state(seen["mediamtx"]))
        self.assertIsNone(H.pid_state(seen["hook"]), "the harness ends a hook MediaMTX left behind")


class ListenSinkTests(HarnessTestCase):
    def test_listen_sink_receives_one_connection(self) -> None:
        media = self.h.make_test_media(2)
        sink = self.h.listen_sink(app="ingest", key="k1")
        pub = self.h.publish(media, sink.extra["url"], realtime=False)
        self.assertEqual(pub.wait(15), 0, pub.tail())
        self.assertEqual(sink.wait(10), 0, sink.tail())
        self.assertEqual(len(H.ffprobe_json(sink.extra["out_path"])["streams"]), 2)


class DevCloudAndFixtureTests(HarnessTestCase):

    def test_devcloud_client_against_a_fake_server(self) -> None:
        fake = self.h.path("fake-devcloud")
        fake.write_text(FAKE_DEVCLOUD)
        fake.chmod(0o755)
        cloud = self.h.start_devcloud({"token": "t0ken-abc", "admin_token": "adm1n-xyz",
                                       "streams": {"alice/s1": {"cf_url": "rtmps://cf/x"}}},
                                      binary=str(fake))
        self.assertRegex(cloud.url, r"^http://127\.0\.0\.1:\d+$")
        self.assertEqual(cloud.env()["CLOUD_API_TOKEN"], "t0ken-abc")
        cloud.set_destinations("alice", "s1", [{"url": "rtmp://127.0.0.1:1/a/b", "name": "Y"}])
        resp = cloud.call("GET", "/api/rtmp-relay/restream-destinations/alice/s1")
        self.assertEqual(resp.json()["destinations"][0]["name"], "Y")
        self.assertEqual(cloud.call("GET", "/api/x", token="").status, 401)
        cloud.call("POST", "/api/rtmp-relay/hls-ready", {"userId": "alice", "streamId": "s1"})
        self.assertEqual(cloud.wait_event("hls-ready", lambda b: b["userId"] == "alice",
                                          timeout=3)["body"]["streamId"], "s1")
        cloud.add_faults("/api/relay/cf-url", [{"status": 500}])
        self.assertIn("/admin/faults", [r["path"] for r in cloud.requests()])

    @unittest.skipUnless(os.access(Harness.bin_dir() / "relay-devcloud", os.X_OK),
                         "relay-devcloud not built")
    def test_real_devcloud_prints_its_url_and_serves_admin(self) -> None:
        cloud = self.h.start_devcloud({"token": "t0ken-abc", "streams": {
            "alice/s1": {"cf_url": "rtmps://cf.example/live/key", "destinations": []}}})
        self.assertRegex(cloud.url, r"^http://127\.0\.0\.1:\d+$")
        self.assertIsInstance(cloud.events(), list)

    def test_generate_fixtures_runs_the_script_once_per_content(self) -> None:
        out = self.h.path("fixtures")
        script = self.h.path("make_dirty.sh")
        script.write_text('echo run >> "$1/runs"; test "$MTXRELAY_FIXTURE_DIR" = "$1"\n')
        self.assertEqual(H.generate_fixtures(script, out), out)
        H._FIXTURES_DONE.clear()  # as if another test process
        H.generate_fixtures(script, out)
        self.assertEqual((out / "runs").read_text().count("run"), 1)
        script.write_text(script.read_text() + "# changed\n")
        H._FIXTURES_DONE.clear()
        H.generate_fixtures(script, out)
        self.assertEqual((out / "runs").read_text().count("run"), 2)
        bad = self.h.path("bad.sh")
        bad.write_text("echo broken >&2; exit 7\n")
        with self.assertRaisesRegex(HarnessError, "exit code 7(.|\n)*broken"):
            H.generate_fixtures(bad, self.h.path("fixtures-bad"))


if __name__ == "__main__":
    H.main()
