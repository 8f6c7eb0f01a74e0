"""relay-clean's start-up, checked by what the relay's RTMP server and the cloud see: how many
times relay-clean connects to the live input in one run (nginx-rtmp's /stat lists every
reader), that an input without audio starts and comes out with sound, that a join long
before the next keyframe keeps its video, that a publisher frozen before the first output
is acted on within the stall timeout, and what MediaMTX's control API contributes (a fake
API answering what MediaMTX v1.20.1 answers). Real ffmpeg, nginx-rtmp, relay-devcloud and
one-connection ffmpeg sinks on loopback; no timed assertions beyond bounded waits."""

from __future__ import annotations

import http.server
import json
import os
import signal
import socket
import threading
import time

import harness
from harness import HarnessTestCase, wait_for

TOKEN = "tok-SENTINEL-st4rt"
SINK_KEY = "sinkkey-SENTINEL-51a7"
SECRETS = [TOKEN, SINK_KEY]
# --stall-timeout of the frozen-before-output test: relay-clean acts on an input silent this long.
STALL_TIMEOUT_S = 4
# From the freeze to relay-clean acting on it ("input: no data for N s", docs/operations.md):
# the stall timeout is the promise; measured 4.00-4.05 s. The 2 s over the timeout (40x the
# measured overshoot) are for the detector's tick on a loaded machine.
STALL_BOUND_S = STALL_TIMEOUT_S + 2.0
# The "error" status follows that line once the encoder is stopped: measured 2.07 s after it.
# A give-up over 3x that (the bound on the whole used to be STALL_TIMEOUT_S + 4 s, which left
# the post under 2x its measure).
ERROR_POST_GIVE_UP_S = 7.0
# Bytes of the input allowed to flow to relay-clean's reader before the freeze.
FLOW_BEFORE_FREEZE_S = 0.5
# Where the 8 s-GOP runs join: about 1 s after a keyframe, 7 s before the next (the first
# run), and 17 s after the publish start (1 s after the third keyframe) for the second.
JOIN_AT_S = (0.0, 17.0)
FREEZE_AT_S = 1.0
# Give-up limits of the waits (none is a promise): an "active" post (the first, or after a
# restart), the "error" post after the sink dropped, the sink's file holding media, a probe of
# it, relay-clean's reader appearing on the input, a stop before the SIGKILL.
ACTIVE_GIVE_UP_S = 40
RESTARTED_ACTIVE_GIVE_UP_S = 60
ERROR_GIVE_UP_S = 30
MEDIA_GIVE_UP_S = 20
PROBE_GIVE_UP_S = 20
READER_GIVE_UP_S = 10
STOP_GIVE_UP_S = 10


class ReaderCounter(threading.Thread):
    """Polls nginx-rtmp's /stat and keeps the id of every client reading app/name."""

    def __init__(self, ngx: harness.Nginx, stream: str) -> None:
        super().__init__(daemon=True)
        self.ngx, self.stream = ngx, stream
        self.ids: set[str] = set()
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            try:
                info = self.ngx.stat().get(self.stream) or {}
                for client in info.get("clients", []):
                    if "publishing" not in client:
                        self.ids.add(str(client.get("id")))
            except (OSError, harness.HarnessError):
                pass
            self._done.wait(0.05)

    def stop(self) -> set[str]:
        self._done.set()
        self.join(5)
        return self.ids


class FakeMediaMtxApi:
    """Answers GET /v3/paths/get/live/alice/s1 and /v3/rtmpconns/get/<id> like MediaMTX v1.20.1
    (the bodies are its recorded answers with the tracks set per test), or never answers."""

    CONN_ID = "90d933d0-dc59-432e-be66-404c0463fb0b"

    def __init__(self, *, audio: bool, published_at: float, hang: bool = False) -> None:
        self.requests: list[str] = []
        api = self
        tracks = [{"codec": "H264", "codecProps": {"width": 640, "height": 360, "profile": "High", "level": "3"}}]
        if audio:
            tracks.append({"codec": "MPEG-4 Audio", "codecProps": {"sampleRate": 44100, "channelCount": 1}})
        created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(published_at)) + \
            f".{int((published_at % 1) * 1e9):09d}Z"
        path = {"name": "live/alice/s1", "confName": "~^live/x$", "ready": True, "available": True,
                "availableTime": created, "online": True, "onlineTime": created,
                "source": {"type": "rtmpConn", "id": self.CONN_ID},
                "tracks": [t["codec"] for t in tracks], "tracks2": tracks, "readers": [],
                "inboundBytes": 1, "outboundBytes": 0, "inboundFramesInError": 0}
        conn = {"id": self.CONN_ID, "created": created, "remoteAddr": "127.0.0.1:1", "state": "publish",
                "path": "live/alice/s1", "query": "", "user": "", "userAgent": "glasses"}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                api.requests.append(self.path)
                if hang:
                    time.sleep(5)
                    return
                body = {"/v3/paths/get/live/alice/s1": path,
                        f"/v3/rtmpconns/get/{FakeMediaMtxApi.CONN_ID}": conn}.get(self.path)
                data = json.dumps(body or {"status": "error", "error": "path not found"}).encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer((harness.LOOPBACK, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{harness.LOOPBACK}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class CleanStartupTest(HarnessTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cloud = self.h.start_devcloud({"token": TOKEN, "streams": {"alice/s1": {}}})
        self.ngx = self.h.start_nginx([{"name": "live"}])

    # -- helpers -----------------------------------------------------------
    def publish(self, *, gop: float = 2, audio: bool = True, seconds: int = 60) -> harness.Proc:
        media = self.h.make_test_media(seconds, self.h.path("media", f"src-{gop}-{audio}.flv"), size="640x360",
                                       gop_seconds=gop, audio=audio)
        pub = self.h.publish(media, "live", "alice/s1")
        self.ngx.wait_publishing("live", "alice/s1")
        return pub

    def start_clean(self, sink_port: int, *extra: str, env: dict[str, str] | None = None) -> harness.Proc:
        argv = [self.h.bin("relay-clean"), "--user", "alice", "--stream", "s1", "--rtmp-port",
                str(self.ngx.rtmp_port), "--output", f"rtmp://127.0.0.1:{sink_port}/live/{SINK_KEY}",
                "--quality", "480p", "--status-interval", "2", *extra]
        return self.h.spawn(argv, env={**self.cloud.env(), "RELAY_MTX_API": "off", **(env or {})},
                            name="relay-clean")

    def sink(self, port: int, name: str) -> harness.Proc:
        return self.h.listen_sink(port, app="live", key=SINK_KEY, out_path=self.h.path(f"{name}.flv"))

    def statuses(self) -> list[dict]:
        return [e["body"] for e in self.cloud.events("stream-status")]

    def wait_active(self, count: int = 1, timeout: float = ACTIVE_GIVE_UP_S) -> dict:
        def active() -> dict | None:
            found = [s for s in self.statuses() if s["status"] == "active"]
            return found[count - 1] if len(found) >= count else None
        return wait_for(active, timeout, 0.1, f"{count} 'active' stream-status event(s)")

    def streams_of(self, path: os.PathLike) -> set[str]:
        def probed() -> set[str] | None:
            if not os.path.exists(path) or os.path.getsize(path) < 20_000:
                return None
            return {s["codec_type"] for s in harness.ffprobe_json(path, timeout=PROBE_GIVE_UP_S).get("streams", [])}
        return wait_for(probed, MEDIA_GIVE_UP_S, 0.3, f"{path} to hold media")

    def assert_clean_logs(self, proc: harness.Proc) -> None:
        harness.assert_no_secrets([proc.stderr_text(), proc.stdout_text()], SECRETS)
        harness.assert_no_secrets([json.dumps(self.cloud.events())], SECRETS)

    # -- tests -------------------------------------------------------------
    def test_one_input_connection_per_run_even_across_an_encoder_restart(self) -> None:
        self.publish()
        readers = ReaderCounter(self.ngx, "live/alice/s1")
        readers.start()
        port = self.h.free_port()
        first_sink = self.sink(port, "sink-1")
        clean = self.start_clean(port)
        first = self.wait_active()
        self.assertIn("startupSeconds", first)
        self.assertEqual(first["startupFrom"], "hook start")
        encoder = harness.ffmpeg_descendants(clean.pid, "libx264")
        self.assertEqual(len(encoder), 1)
        # The output drops: the encoder restarts and starts again from the next keyframe of
        # the same input connection.
        self.h.stop(first_sink, signal.SIGKILL, check=False)
        wait_for(lambda: any(s["status"] == "error" for s in self.statuses()), ERROR_GIVE_UP_S, 0.2,
                 "an 'error' status")
        second_sink = self.sink(port, "sink-2")
        second = self.wait_active(count=2, timeout=RESTARTED_ACTIVE_GIVE_UP_S)
        self.assertNotIn("startupSeconds", second)  # only the first start is a start-up
        self.assertEqual(self.streams_of(second_sink.extra["out_path"]), {"video", "audio"})
        self.assertNotEqual(harness.ffmpeg_descendants(clean.pid, "libx264"), encoder, "the encoder was not restarted")
        self.h.stop(clean, signal.SIGINT)
        ids = readers.stop()
        self.assertEqual(len(ids), 1, f"relay-clean read the input over {len(ids)} connections: {ids}")
        log = clean.stderr_text()
        self.assertEqual(log.count("input: started ffmpeg pid"), 1, log)
        self.assertRegex(log, r"active: clean output flowing \d+\.\d s after the hook start")
        self.assert_clean_logs(clean)

    def test_an_input_without_audio_starts_and_comes_out_with_sound(self) -> None:
        self.publish(audio=False)
        readers = ReaderCounter(self.ngx, "live/alice/s1")
        readers.start()
        port = self.h.free_port()
        sink = self.sink(port, "sink")
        clean = self.start_clean(port)
        self.wait_active()
        self.assertEqual(self.streams_of(sink.extra["out_path"]), {"video", "audio"})
        clean.wait_for_output(r"input: h264 640x360, no audio \(no audio seen\): silence inserted")
        self.h.stop(clean, signal.SIGINT)
        self.assertEqual(len(readers.stop()), 1)
        self.assert_clean_logs(clean)

    def test_a_join_7_s_before_the_next_keyframe_keeps_its_video_run_after_run(self) -> None:
        # Keyframes every 8 s. Each run joins about 1 s after a keyframe, 7 s before the next,
        # the way a hook restarted by MediaMTX (5 s after an exit) can land.
        publisher = self.publish(gop=8, seconds=120)
        published = publisher.started_at
        for run, join_at in enumerate(JOIN_AT_S, start=1):
            time.sleep(max(0.0, published + join_at - time.monotonic()))
            port = self.h.free_port()
            sink = self.sink(port, f"sink-{run}")
            clean = self.start_clean(port)
            self.wait_active(count=run)
            self.assertEqual(self.streams_of(sink.extra["out_path"]), {"video", "audio"}, f"run {run}")
            log = clean.stderr_text()
            self.assertNotIn("restarting in", log)
            self.assertEqual(log.count("ffmpeg: started ffmpeg pid"), 1, log)
            self.assertEqual(log.count("input: started ffmpeg pid"), 1, log)
            rc, _ = self.h.stop(clean, signal.SIGINT, timeout=STOP_GIVE_UP_S)
            self.assertEqual(rc, 130)
            self.assert_clean_logs(clean)

    def test_a_publisher_frozen_before_the_first_output_is_acted_on_within_the_stall_timeout(self) -> None:
        # 8 s keyframe gaps: the first keyframe after the join is seconds away, so the freeze
        # below lands before relay-clean has output anything.
        publisher = self.publish(gop=8, seconds=120)
        time.sleep(max(0.0, publisher.started_at + FREEZE_AT_S - time.monotonic()))
        port = self.h.free_port()
        self.sink(port, "sink")
        clean = self.start_clean(port, "--stall-timeout", str(STALL_TIMEOUT_S))
        wait_for(lambda: (self.ngx.stream("live", "alice/s1") or {}).get("nclients", 0) >= 2, READER_GIVE_UP_S, 0.05,
                 "relay-clean's reader on the input")
        time.sleep(FLOW_BEFORE_FREEZE_S)
        os.kill(publisher.pid, signal.SIGSTOP)
        frozen_at = time.monotonic()
        try:
            self.assertNotIn("active", [s["status"] for s in self.statuses()], "output before the freeze")
            clean.wait_for_output(r"input: no data for \d+ s", timeout=STALL_BOUND_S)
            self.assertLess(time.monotonic() - frozen_at, STALL_BOUND_S)
            wait_for(lambda: any(s["status"] == "error" for s in self.statuses()), ERROR_POST_GIVE_UP_S, 0.1,
                     "an 'error' stream-status event")
        finally:
            os.kill(publisher.pid, signal.SIGCONT)
        error = next(s for s in self.statuses() if s["status"] == "error")
        self.assertIn("input lost", error["reason"])
        self.h.stop(clean, signal.SIGINT)
        self.assert_clean_logs(clean)

    def test_mediamtx_api_gives_the_tracks_and_the_publish_time(self) -> None:
        publisher = self.publish(audio=False)
        api = FakeMediaMtxApi(audio=False, published_at=time.time() - (time.monotonic() - publisher.started_at))
        self.addCleanup(api.close)
        port = self.h.free_port()
        self.sink(port, "sink")
        clean = self.start_clean(port, env={"RELAY_MTX_API": api.url.removeprefix("http://")})
        first = self.wait_active()
        self.assertEqual(first["startupFrom"], "publish")
        # Counted from the publish: it includes the time before the hook started.
        self.assertGreaterEqual(first["startupSeconds"], clean.started_at - publisher.started_at - 0.1)
        self.assertEqual(api.requests, ["/v3/paths/get/live/alice/s1", f"/v3/rtmpconns/get/{api.CONN_ID}"])
        log = clean.stderr_text()
        self.assertIn("MediaMTX API: H264 640x360, no audio", log)
        self.assertIn("no audio (MediaMTX API): silence inserted", log)
        self.assertRegex(log, r"active: clean output flowing \d+\.\d s after the publish")
        self.h.stop(clean, signal.SIGINT)
        self.assert_clean_logs(clean)

    def test_an_api_that_does_not_answer_is_logged_and_the_start_goes_on(self) -> None:
        self.publish()
        api = FakeMediaMtxApi(audio=True, published_at=time.time(), hang=True)
        self.addCleanup(api.close)
        port = self.h.free_port()
        self.sink(port, "sink")
        clean = self.start_clean(port, env={"RELAY_MTX_API": api.url})
        first = self.wait_active()
        self.assertEqual(first["startupFrom"], "hook start")
        clean.wait_for_output(r"MediaMTX API: GET .*: .*; learning the input from the stream instead")
        clean.wait_for_output(r"input: h264 640x360, audio aac \(audio tags\)")
        self.h.stop(clean, signal.SIGINT)
        self.assert_clean_logs(clean)


if __name__ == "__main__":
    harness.main()
