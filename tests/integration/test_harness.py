"""Self-test of tests/integration/harness.py on real nginx-rtmp and ffmpeg (~30 s).

Proves: nginx starts and stops by PID leaving nothing; a published lavfi stream
reaches a recorder and nginx's HLS over HTTP; an exec_push hook starts on publish
with the environment we gave it and receives SIGINT when the publisher stops; a
process ignoring SIGINT (and an orphan that escaped its session) is still ended
when the harness exits; a failing test still cleans up.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as H  # noqa: E402
from harness import Harness, HarnessError, HarnessTestCase  # noqa: E402

PY = H.PYTHON

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
            H.wait_for(lambda: 1 / 0, timeout=0.3, interval=0.05, message="the moon")
        self.assertLess(time.monotonic() - t0, 1.0)
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
        self.assertLess(secs, 2)


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
        self.assertLess(took, H.DEFAULT_GRACE_S + 3)
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


class NginxTests(HarnessTestCase):
    """nginx-rtmp as the MediaMTX stand-in."""

    def test_nginx_starts_and_stops_by_pid_leaving_nothing(self) -> None:
        ngx = self.h.start_nginx([{"name": "live", "hls": True}, {"name": "clean"}])
        self.assertTrue(H.port_listening(ngx.rtmp_port) and H.port_listening(ngx.http_port))
        conf = ngx.conf_path.read_text()
        for line in ("daemon off;", "master_process off;", "exec_kill_signal int;",
                     f"load_module {H.NGINX_RTMP_MODULE};", f"listen 127.0.0.1:{ngx.rtmp_port};"):
            self.assertIn(line, conf)
        self.assertEqual(ngx.stat(), {})
        self.assertEqual(H.descendants(ngx.pid), [], "single-process nginx has no workers")
        rc, secs = ngx.stop()
        self.assertEqual(rc, 0)
        self.assertLess(secs, 2.0)
        self.assertFalse(H.port_listening(ngx.rtmp_port) or H.port_listening(ngx.http_port))
        self.h.assert_no_survivors()

    def test_published_stream_reaches_a_recorder_and_hls_over_http(self) -> None:
        media = self.h.make_test_media(8)
        ngx = self.h.start_nginx([{"name": "live", "hls": True}])
        url = ngx.hls_url("live", "alice/s1")
        self.assertEqual(url, f"http://127.0.0.1:{ngx.http_port}/live/alice/s1/index.m3u8")
        t0 = time.monotonic()
        pub = self.h.publish(media, "live", "alice/s1")
        ngx.wait_publishing("live", "alice/s1")
        out = self.h.path("recorded.flv")
        rec = self.h.record("live", "alice/s1", out)
        playlist = H.wait_for_hls(url, min_segments=2, timeout=20)
        hls_after = time.monotonic() - t0
        self.assertEqual(ngx.stream("live", "alice/s1")["video"]["codec"], "H264")
        segment = H.http_request("GET", url.rsplit("/", 1)[0] + "/" + H.hls_segments(playlist)[0])
        self.assertEqual(segment.status, 200)
        self.assertEqual(segment.body[:1], b"\x47", "an MPEG-TS segment")
        self.assertEqual(pub.wait(20), 0, pub.tail())
        # idle_streams off (MediaMTX-like): the reader is disconnected, ends cleanly.
        self.assertEqual(rec.wait(10), 0, rec.tail())
        probe = H.ffprobe_json(out)
        codecs = sorted(s["codec_name"] for s in probe["streams"])
        self.assertEqual(codecs, ["aac", "h264"])
        self.assertGreater(float(probe["format"]["duration"]), 3.0)
        self.assertEqual(ngx.stream("live", "alice/s1"), None)
        print(f"\n  HLS playlist with 2 segments {hls_after:.1f}s after publish start",
              file=sys.stderr)

    def test_exec_push_hook_gets_env_and_sigint_when_publisher_stops(self) -> None:
        media = self.h.make_test_media(4)
        script = self.h.path("hook_program.py")
        script.write_text(HOOK_PROGRAM)
        ngx = self.h.start_nginx([{
            "name": "live",
            "exec_push": [
                {"argv": [PY, str(script), "two words", "$name", ">not-a-redirect"],
                 "env": {"CLOUD_API_URL": "http://127.0.0.1:9/x", "EXTRA": "a b;c"},
                 "path_regex": r"^live/([^/]+)/([^/]+)$"},
                # python ignores SIGPIPE itself: look at a plain program's dispositions
                {"argv": ["/bin/grep", "^SigIgn", "/proc/self/status"]},
            ],
        }])
        pub = self.h.publish(media, "live", "alice/s1", loop=True)
        start = ngx.wait_hook_started("live", timeout=10)
        H.wait_for(lambda: hook_events(ngx.hook_text("live")), 5, message="hook's first log line")
        started = hook_events(ngx.hook_text("live"))[0]
        self.assertEqual(started["event"], "started")
        self.assertEqual(started["pid"], start["pid"], "the wrapper must exec (same PID)")
        self.assertEqual(started["ppid"], ngx.pid, "nginx itself forked the hook")
        self.assertEqual(started["argv"], ["two words", "$name", ">not-a-redirect"])
        env = started["env"]
        self.assertEqual((env["MTX_PATH"], env["G1"], env["G2"]), ("live/alice/s1", "alice", "s1"))
        self.assertEqual(env["CLOUD_API_URL"], "http://127.0.0.1:9/x")
        self.assertEqual(env["EXTRA"], "a b;c")
        self.assertNotIn("PATH", env, "nginx gives hooks a near-empty environment")
        sigign = H.wait_for(lambda: ngx.hook_text("live", 1).split(), 5, message="grep hook")
        self.assertEqual(int(sigign[1], 16), 0, "wrapper resets nginx's ignored SIGPIPE")
        self.assertIn("hook stdout line", ngx.hook_text("live"))

        t_stop = time.monotonic()
        rc, _ = self.h.stop(pub)
        H.wait_for(lambda: any(e["event"] == "signal" for e in hook_events(ngx.hook_text("live"))),
                   5, message="hook to log the signal it received")
        got = [e for e in hook_events(ngx.hook_text("live")) if e["event"] == "signal"][0]
        self.assertEqual(got["signal"], "SIGINT")
        H.wait_for(lambda: not H.pid_alive(start["pid"], start["start_ticks"]), 5,
                   message="hook to exit")
        print(f"\n  hook exited {time.monotonic() - t_stop:.2f}s after SIGINT to the publisher"
              f" (publisher rc {rc})", file=sys.stderr)
        self.assertIn("exec: terminating child", ngx.error_log_text())

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
