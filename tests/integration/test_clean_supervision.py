"""relay-clean's supervision, driven the way an operator or MediaMTX would and checked by
what they would notice: the sink receiving video, the stream-status events the cloud got,
the ffmpeg that is gone. Real ffmpeg, the relay's RTMP server on the publisher side
(MediaMTX when a binary is given, and nginx-rtmp), relay-devcloud and one-connection ffmpeg
RTMP sinks, all on loopback."""

from __future__ import annotations

import os
import signal
import time

import harness
from backends import RelayTestCase, on_each_backend
from harness import wait_for

TOKEN = "tok-SENTINEL-c1e4n"
SINK_KEY = "sinkkey-SENTINEL-93ab"
SECRETS = [TOKEN, SINK_KEY]



def start_server(test: RelayTestCase) -> object:
    """The relay's RTMP server with nothing but a live/ path: MediaMTX without hooks, or nginx."""
    if test.backend == "mediamtx":
        return test.h.start_mediamtx(hooks=False)
    return test.h.start_nginx([{"name": "live"}])


@on_each_backend
class CleanSupervisionTest(RelayTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cloud = self.h.start_devcloud({"token": TOKEN, "streams": {"alice/s1": {}}})
        self.server = start_server(self)
        media = self.h.make_test_media(120, size="640x360", gop_seconds=2)
        self.publisher = self.h.publish(media, "live", "alice/s1")
        self.server.wait_publishing("live/alice/s1")

    # -- helpers -----------------------------------------------------------
    def start_clean(self, sink_port: int, *extra: str) -> harness.Proc:
        argv = [self.h.bin("relay-clean"), "--user", "alice", "--stream", "s1", "--rtmp-port",
                str(self.server.rtmp_port), "--output", f"rtmp://127.0.0.1:{sink_port}/live/{SINK_KEY}",
                "--quality", "480p", "--status-interval", "2", *extra]
        return self.h.spawn(argv, env=self.cloud.env(), name="relay-clean")

    def sink(self, port: int, name: str) -> harness.Proc:
        return self.h.listen_sink(port, app="live", key=SINK_KEY, out_path=self.h.path(f"{name}.flv"))

    def statuses(self) -> list[str]:
        return [e["body"]["status"] for e in self.cloud.events("stream-status")]

    def wait_active(self, count: int = 1, timeout: float = 40.0) -> None:
        wait_for(lambda: self.statuses().count("active") >= count, timeout, 0.2,
                 f"{count} 'active' stream-status event(s)")

    def assert_file_grows(self, path: os.PathLike, timeout: float = 15.0) -> None:
        first = wait_for(lambda: os.path.getsize(path) if os.path.exists(path) and os.path.getsize(path) > 0 else None,
                         timeout, 0.2, f"{path} to receive data")
        wait_for(lambda: os.path.getsize(path) > first + 50_000, timeout, 0.2, f"{path} to keep growing")

    def assert_clean_logs(self, proc: harness.Proc) -> None:
        harness.assert_no_secrets([proc.stderr_text(), proc.stdout_text()], SECRETS)
        harness.assert_no_secrets([harness.json.dumps(self.cloud.events())], SECRETS)

    # -- tests -------------------------------------------------------------
    def test_sink_down_at_start_backs_off_then_goes_active(self) -> None:
        port = self.h.free_port()
        clean = self.start_clean(port)
        clean.wait_for_output(r"restarting in", timeout=30)
        self.assertNotIn("active", self.statuses())
        sink = self.sink(port, "late-sink")
        self.wait_active()
        self.assert_file_grows(sink.extra["out_path"])
        rc, took = self.h.stop(clean, signal.SIGINT, timeout=10)
        self.assertEqual(rc, 130)
        self.assertLessEqual(took, 5.0)
        statuses = self.statuses()
        self.assertEqual(statuses[-1], "stopped", statuses)
        self.assertIn("active", statuses)
        self.assertLess(statuses.index("error"), statuses.index("active"), statuses)
        self.assert_clean_logs(clean)

    def test_sink_dropped_mid_stream_restarts_and_recovers(self) -> None:
        port = self.h.free_port()
        first_sink = self.sink(port, "sink-1")
        clean = self.start_clean(port)
        self.wait_active()
        self.assert_file_grows(first_sink.extra["out_path"])
        first_ffmpeg = harness.ffmpeg_descendants(clean.pid, "libx264")
        self.assertEqual(len(first_ffmpeg), 1)
        self.h.stop(first_sink, signal.SIGKILL, check=False)
        wait_for(lambda: "error" in self.statuses(), 30, 0.2, "an 'error' status after the sink dropped")
        second_sink = self.sink(port, "sink-2")
        self.wait_active(count=2, timeout=60)
        self.assert_file_grows(second_sink.extra["out_path"])
        now = harness.ffmpeg_descendants(clean.pid, "libx264")
        self.assertEqual(len(now), 1)
        self.assertNotEqual(now, first_ffmpeg, "ffmpeg was not restarted")
        self.assertIn("restart", clean.stderr_text())
        self.h.stop(clean, signal.SIGINT)
        self.assert_clean_logs(clean)

    def test_frozen_publisher_is_detected_within_15_s(self) -> None:
        port = self.h.free_port()
        self.sink(port, "sink")
        clean = self.start_clean(port)
        self.wait_active()
        encoder = harness.ffmpeg_descendants(clean.pid, "libx264")
        self.assertEqual(len(encoder), 1)
        os.kill(self.publisher.pid, signal.SIGSTOP)
        frozen_at = time.monotonic()
        try:
            if self.backend == "mediamtx":
                # MediaMTX drops a publisher silent for readTimeout (10 s in mediamtx.yml) and
                # closes its readers: ffmpeg's input ends before relay-clean's stall timeout.
                self.server.wait_unpublished("live/alice/s1", timeout=15)
                clean.wait_for_output(r"input not readable|Input/output error", timeout=15)
            else:
                # nginx-rtmp keeps the reader connected and silent: relay-clean's stall detector.
                clean.wait_for_output(r"no output progress|stalled|input: no data for", timeout=15)
            wait_for(lambda: not harness.pid_alive(encoder[0]), 15 - (time.monotonic() - frozen_at), 0.1,
                     "the stalled ffmpeg to be stopped")
            self.assertLess(time.monotonic() - frozen_at, 15.0)
            # The status goes out after ffmpeg is reaped: it may land a moment after the PID is gone.
            wait_for(lambda: "error" in self.statuses(), max(1.0, 15 - (time.monotonic() - frozen_at)), 0.1,
                     "an 'error' stream-status event")
        finally:
            os.kill(self.publisher.pid, signal.SIGCONT)
        self.h.stop(clean, signal.SIGINT)

    def test_sigint_stops_ffmpeg_and_exits_within_5_s(self) -> None:
        port = self.h.free_port()
        self.sink(port, "sink")
        clean = self.start_clean(port)
        self.wait_active()
        encoder = harness.ffmpeg_descendants(clean.pid, "libx264")
        self.assertEqual(len(encoder), 1)
        rc, took = self.h.stop(clean, signal.SIGINT, timeout=10)
        self.assertEqual(rc, 130)
        self.assertLessEqual(took, 5.0)
        self.assertFalse(harness.pid_alive(encoder[0]), "ffmpeg outlived relay-clean")
        self.assertEqual(harness.descendants(clean.pid), [])
        self.assertEqual(self.statuses()[-1], "stopped")
        stopped = self.cloud.events("stream-status")[-1]["body"]
        self.assertIn("signal 2", stopped["reason"])
        self.assertIn("exiting (130)", clean.stderr_text().splitlines()[-1])
        self.assert_clean_logs(clean)

    def test_sigkill_of_relay_clean_takes_its_ffmpeg_along(self) -> None:
        port = self.h.free_port()
        self.sink(port, "sink")
        clean = self.start_clean(port)
        self.wait_active()
        encoder = harness.ffmpeg_descendants(clean.pid, "libx264")
        self.assertEqual(len(encoder), 1)
        os.kill(clean.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        wait_for(lambda: not harness.pid_alive(encoder[0]), 1.0, 0.02, "ffmpeg to die with relay-clean")
        self.assertLess(time.monotonic() - killed_at, 1.0)

    def test_a_hanging_cloud_never_interrupts_the_video_and_status_is_retried(self) -> None:
        self.cloud.add_faults("/api/rtmp-relay/stream-status", [{"hang_ms": 15000}, {"status": 500}, {"status": 503}])
        port = self.h.free_port()
        sink = self.sink(port, "sink")
        clean = self.start_clean(port)
        self.assert_file_grows(sink.extra["out_path"], timeout=30)
        self.wait_active(timeout=60)
        size_during_outage = os.path.getsize(sink.extra["out_path"])
        self.assertGreater(size_during_outage, 0)
        codes = [r["status"] for r in self.cloud.requests() if r["path"] == "/api/rtmp-relay/stream-status"]
        # The hung request is answered (503, the fault's default) only after 15 s; meanwhile the
        # client gave up on it, and the retries met the 500 and 503 before one got through.
        self.assertIn(500, codes)
        self.assertEqual(codes.count(200) >= 1, True, codes)
        self.h.stop(clean, signal.SIGINT)
        self.assertEqual(self.statuses()[-1], "stopped")
        self.assert_clean_logs(clean)

    def test_without_a_cloud_the_video_still_flows(self) -> None:
        port = self.h.free_port()
        sink = self.sink(port, "sink")
        dead_cloud = f"http://127.0.0.1:{self.h.free_port()}"
        argv = [self.h.bin("relay-clean"), "--user", "alice", "--stream", "s1", "--rtmp-port", str(self.server.rtmp_port),
                "--output", f"rtmp://127.0.0.1:{port}/live/{SINK_KEY}", "--quality", "480p", "--cloud-url", dead_cloud]
        clean = self.h.spawn(argv, env={"CLOUD_API_TOKEN": TOKEN}, name="relay-clean")
        self.assert_file_grows(sink.extra["out_path"], timeout=30)
        clean.wait_for_output(r"stream-status 'active' not delivered", timeout=60)
        rc, took = self.h.stop(clean, signal.SIGINT, timeout=10)
        self.assertEqual(rc, 130)
        self.assertLessEqual(took, 5.0)
        self.assert_clean_logs(clean)


@on_each_backend
class LongGopLiveJoinTest(RelayTestCase):
    """Glasses space keyframes up to 7 s apart and an RTMP server hands a new reader its video
    from the next keyframe: relay-clean joining such a stream must find the video track at
    once, not fail ffmpeg's 5 s analysis and restart."""

    def test_joining_a_stream_with_8_s_keyframe_gaps_goes_active_without_a_restart(self) -> None:
        cloud = self.h.start_devcloud({"token": TOKEN, "streams": {"alice/s1": {}}})
        server = start_server(self)
        media = self.h.make_test_media(60, self.h.path("media", "gop8.flv"), size="640x360", gop_seconds=8)
        keyframes = harness.ffprobe_packets(media, "v:0")
        key_times = [float(p["pts_time"]) for p in keyframes if "K" in p.get("flags", "")]
        gaps = [round(b - a, 3) for a, b in zip(key_times, key_times[1:])]
        self.assertEqual(gaps[:3], [8.0, 8.0, 8.0], "the source must have 8 s keyframe gaps")
        publisher = self.h.publish(media, "live", "alice/s1")
        server.wait_publishing("live/alice/s1")
        port = self.h.free_port()
        sink = self.h.listen_sink(port, app="live", key=SINK_KEY, out_path=self.h.path("sink.flv"))
        # Started right after the first keyframe: the join waits about 7 s for the next one.
        clean = self.h.spawn([self.h.bin("relay-clean"), "--user", "alice", "--stream", "s1", "--rtmp-port",
                              str(server.rtmp_port), "--output", f"rtmp://127.0.0.1:{port}/live/{SINK_KEY}",
                              "--quality", "480p"], env=cloud.env(), name="relay-clean")
        wait_for(lambda: "active" in [e["body"]["status"] for e in cloud.events("stream-status")], 40, 0.2,
                 "an 'active' stream-status event")
        # The sink writes its file once its own stream analysis is done, a moment after.
        out = sink.extra["out_path"]
        wait_for(lambda: os.path.exists(out) and os.path.getsize(out) > 0, 15, 0.1, "the sink to receive video")
        log = clean.stderr_text()
        self.assertNotIn("restarting in", log)
        self.assertEqual(log.count("ffmpeg: started ffmpeg pid"), 1, log)
        rc, _ = self.h.stop(clean, signal.SIGINT, timeout=10)
        self.assertEqual(rc, 130)
        self.h.stop(publisher)
        harness.assert_no_secrets([clean.stderr_text(), clean.stdout_text()], SECRETS)


if __name__ == "__main__":
    harness.main()
