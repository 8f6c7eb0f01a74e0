"""relay-hls-ready against real HLS on loopback: nginx-rtmp's HLS (served by nginx over HTTP)
stands in for MediaMTX's, relay-devcloud for the cloud.

What a user would notice:
- hls-ready reaches the cloud only once the playlist lists two segments (the event's
  arrival time is checked against the moment nginx wrote that playlist), once, with the
  public URLs (not the local one polled) and no dashUrl;
- with no stream it gives up after --timeout with a clear error, exit != 0, no POST;
- SIGINT/SIGTERM while waiting ends it at once with 130, no POST;
- --dry-run shows what it would poll and send, token masked, and sends nothing;
- MediaMTX's HLS shape (302 cookie check, multivariant -> media playlist, fMP4 init,
  LL-HLS parts) through the real libcurl transport, with the POST retried on a 500.
No token ever reaches stderr or stdout.
"""

from __future__ import annotations

import http.server
import signal
import socket
import threading
import time
from pathlib import Path

import harness
from harness import FFMPEG, HarnessTestCase, ffmpeg_rtmp_args, hls_segments, http_request

TOKEN = "tok-SENTINEL-hls-4e1b"
CONFIG = {"token": TOKEN, "streams": {"alice/s1": {"cf_url": "rtmps://cf.example.invalid/live/k-SENTINEL-cf"}}}
PUBLIC_HLS = "https://relay1.example.test:8443"
PUBLIC_WEBRTC = "https://relay1.example.test:8889"
HLS_READY = "/api/rtmp-relay/hls-ready"
# nginx-rtmp (hls_nested on, app "clean", name "alice/s1") serves clean/alice/s1/index.m3u8;
# written with the other placeholders to prove they expand as documented.
TEMPLATE = "{base}/clean/{user}/{stream}/index.m3u8"


def hook_env(cloud: harness.DevCloud, **extra: str) -> dict[str, str]:
    """What MediaMTX's runOnOnline of clean/alice/s1 gives the hook (no PATH needed)."""
    env = {"MTX_PATH": "clean/alice/s1", "G1": "alice", "G2": "s1", **cloud.env()}
    env.update(extra)
    return env


class PlaylistWatcher(threading.Thread):
    """Polls a playlist over HTTP every 20 ms and records when it first lists >= 2 segments,
    with the playlist file's mtime then (when nginx wrote it: a precise lower bound)."""

    def __init__(self, url: str, path: Path) -> None:
        super().__init__(daemon=True)
        self.url, self.path = url, path
        self.seen_ms: float | None = None
        self.written_ms: float | None = None
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set() and self.seen_ms is None:
            try:
                resp = http_request("GET", self.url, timeout=2)
                if resp.status == 200 and len(hls_segments(resp.text)) >= 2:
                    mtime_ns = self.path.stat().st_mtime_ns
                    # The file on disk is the one served unless nginx rewrote it meanwhile.
                    if len(hls_segments(self.path.read_text())) == len(hls_segments(resp.text)):
                        self.written_ms = mtime_ns / 1e6
                    self.seen_ms = time.time() * 1000
                    return
            except OSError:
                pass
            time.sleep(0.02)


class HlsReadyNginxTest(HarnessTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cloud = self.h.start_devcloud(CONFIG)
        self.ngx = self.h.start_nginx([{"name": "clean", "hls": True, "hls_fragment": "2s"}])
        self.playlist_url = self.ngx.hls_url("clean", "alice/s1")
        self.playlist_file = self.ngx.root / "hls" / "clean" / "alice" / "s1" / "index.m3u8"

    def publish_live(self) -> harness.Proc:
        """A real-time lavfi stream with a keyframe exactly every 2 s (30 fps, GOP 60)."""
        argv = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "warning", "-re",
                "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
                "-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-c:a", "aac", "-b:a", "64k",
                *ffmpeg_rtmp_args(self.ngx.rtmp_url("clean", "alice/s1"))]
        return self.h.spawn(argv, name="publish")

    def start_tool(self, *args: str, **env: str) -> harness.Proc:
        settings = {"RELAY_HLS_LOCAL_BASE": self.ngx.http_base, "RELAY_HLS_TEMPLATE": TEMPLATE,
                    "RELAY_PUBLIC_HLS_BASE": PUBLIC_HLS, "RELAY_PUBLIC_WEBRTC_BASE": PUBLIC_WEBRTC}
        full_env = hook_env(self.cloud, **{**settings, **env})
        return self.h.spawn([self.h.bin("relay-hls-ready"), *args], env=full_env, inherit_env=False,
                            name="relay-hls-ready")

    def hls_ready_requests(self) -> list[dict]:
        return [r for r in self.cloud.requests() if r["path"] == HLS_READY]

    def test_hls_ready_arrives_only_after_the_playlist_lists_two_segments(self) -> None:
        watcher = PlaylistWatcher(self.playlist_url, self.playlist_file)
        watcher.start()
        self.addCleanup(watcher.stop_event.set)
        tool = self.start_tool()  # the hook starts before any segment exists
        self.publish_live()
        rc = tool.wait(40)
        watcher.join(10)
        self.assertEqual(rc, 0, tool.tail())
        self.assertIsNotNone(watcher.seen_ms, "the test never saw 2 segments listed")
        self.assertIsNotNone(watcher.written_ms, "could not read when nginx wrote the 2-segment playlist")

        events = self.cloud.events("hls-ready")
        self.assertEqual(len(events), 1, events)
        received = events[0]["received_at_ms"]
        self.assertGreaterEqual(
            received, watcher.written_ms,
            f"hls-ready arrived {watcher.written_ms - received:.0f} ms before nginx listed 2 segments")
        self.assertEqual(len(self.hls_ready_requests()), 1)

        body = events[0]["body"]
        self.assertEqual(body, {"userId": "alice", "streamId": "s1",
                                "hlsUrl": f"{PUBLIC_HLS}/clean/alice/s1/index.m3u8",
                                "webrtcUrl": f"{PUBLIC_WEBRTC}/clean/alice/s1/whep"})
        self.assertNotIn(str(self.ngx.http_port), repr(body), "the local URL leaked into the announcement")
        self.assertIn("hls-ready sent", tool.stderr_text())
        harness.assert_no_secrets(tool, [TOKEN])

    def test_no_stream_times_out_with_a_clear_error_and_no_post(self) -> None:
        started = time.monotonic()
        tool = self.start_tool("--timeout", "5")
        rc = tool.wait(5 + 5)
        elapsed = time.monotonic() - started
        self.assertNotEqual(rc, 0, tool.tail())
        self.assertEqual(rc, 1, tool.tail())
        self.assertGreaterEqual(elapsed, 4.5, "gave up before the timeout")
        err = tool.stderr_text()
        self.assertIn(f"no playable HLS at {self.playlist_url} within 5 s", err)
        self.assertIn("404", err)
        self.assertIn("hls-ready not sent", err)
        self.assertEqual(self.cloud.events("hls-ready"), [])
        self.assertEqual(self.hls_ready_requests(), [])
        harness.assert_no_secrets(tool, [TOKEN])

    def test_a_stop_signal_while_waiting_exits_130_at_once_without_post(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with self.subTest(signal=sig.name):
                tool = self.start_tool()
                tool.wait_for_output("not playable yet", timeout=10)
                rc, took = self.h.stop(tool, sig, timeout=5, group=True)  # MediaMTX signals the group
                self.assertEqual(rc, 130, tool.tail())
                self.assertLess(took, 2.0, f"took {took:.1f} s to stop")
                self.assertIn("hls-ready not sent", tool.stderr_text())
                harness.assert_no_secrets(tool, [TOKEN])
        self.assertEqual(self.hls_ready_requests(), [])

    def test_a_stop_signal_during_a_hanging_playlist_request_exits_130_at_once(self) -> None:
        # A server that accepts and never answers: the tool is inside its GET when stopped.
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(4)
            tool = self.start_tool(RELAY_HLS_LOCAL_BASE=f"http://127.0.0.1:{listener.getsockname()[1]}")
            listener.settimeout(10)
            conn, _ = listener.accept()
            with conn:
                time.sleep(1.0)
                rc, took = self.h.stop(tool, signal.SIGINT, timeout=5, group=True)
        self.assertEqual(rc, 130, tool.tail())
        self.assertLess(took, 2.0, f"took {took:.1f} s to stop")
        self.assertEqual(self.hls_ready_requests(), [])

    def test_dry_run_prints_the_polled_url_and_the_post_with_the_token_masked(self) -> None:
        tool = self.start_tool("--dry-run", "--dash-url-template", "{base}/dash/{path}/manifest.mpd")
        self.assertEqual(tool.wait(10), 0, tool.tail())
        out = tool.stdout_text()
        self.assertIn(f"would poll: GET {self.playlist_url}", out)
        self.assertIn(f"would send: POST {self.cloud.url}{HLS_READY}", out)
        self.assertIn("Bearer ***", out)
        self.assertIn(f'"hlsUrl":"{PUBLIC_HLS}/clean/alice/s1/index.m3u8"', out)
        self.assertIn(f'"dashUrl":"{PUBLIC_HLS}/dash/clean/alice/s1/manifest.mpd"', out)
        harness.assert_no_secrets(tool, [TOKEN])
        self.assertEqual(self.cloud.requests(), [])


class FakeMediaMtxHls:
    """An in-process HTTP server on 127.0.0.1 shaped like MediaMTX's HLS (low-latency variant):
    every request without the session cookie gets a 302 to itself that sets it; index.m3u8 is
    a multivariant playlist; the media playlist is fMP4 with #EXT-X-MAP and LL-HLS parts and
    lists one more full segment every `segment_s` seconds."""

    def __init__(self, segment_s: float = 1.0) -> None:
        self.started = time.monotonic()
        self.segment_s = segment_s
        self.log: list[tuple[str, bool]] = []  # (path, had cookie)
        self.two_listed_ms: float | None = None
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                fake.handle(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def segments(self) -> int:
        return int((time.monotonic() - self.started) / self.segment_s)

    def media_playlist(self) -> str:
        n = self.segments()
        lines = ["#EXTM3U", "#EXT-X-VERSION:9", "#EXT-X-TARGETDURATION:1",
                 "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.5",
                 "#EXT-X-PART-INF:PART-TARGET=0.2", "#EXT-X-MEDIA-SEQUENCE:0",
                 '#EXT-X-MAP:URI="x_video1_init.mp4"']
        for i in range(n):
            lines += [f'#EXT-X-PART:DURATION=0.2,URI="x_video1_part{i}.mp4",INDEPENDENT=YES',
                      "#EXTINF:1.00000,", f"x_video1_seg{i}.mp4"]
        lines += [f'#EXT-X-PART:DURATION=0.2,URI="x_video1_part{n}.mp4",INDEPENDENT=YES',
                  f'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="x_video1_part{n + 1}.mp4"']
        if n >= 2 and self.two_listed_ms is None:
            self.two_listed_ms = time.time() * 1000
        return "\r\n".join(lines) + "\r\n"

    def handle(self, req: http.server.BaseHTTPRequestHandler) -> None:
        has_cookie = "mtx-session=abc" in (req.headers.get("Cookie") or "")
        self.log.append((req.path, has_cookie))
        if not has_cookie:
            req.send_response(302)
            req.send_header("Location", req.path)
            req.send_header("Set-Cookie", "mtx-session=abc; Path=/")
            req.send_header("Content-Length", "0")
            req.end_headers()
            return
        path = req.path.split("?", 1)[0]
        body: bytes | None = None
        if path == "/clean/alice/s1/index.m3u8":
            body = ("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-INDEPENDENT-SEGMENTS\n\n"
                    '#EXT-X-STREAM-INF:BANDWIDTH=1200000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=320x240\n'
                    "video1_stream.m3u8\n").encode()
        elif path == "/clean/alice/s1/video1_stream.m3u8":
            body = self.media_playlist().encode()
        elif path == "/clean/alice/s1/x_video1_init.mp4" or (
                path.startswith("/clean/alice/s1/x_video1_seg") and int(path[28:-4]) < self.segments()):
            body = b"\0\0\0\x18ftypmp42" + bytes(1000)
        if body is None:
            req.send_response(404)
            req.send_header("Content-Length", "0")
            req.end_headers()
            return
        req.send_response(200)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)


class HlsReadyMediaMtxShapeTest(HarnessTestCase):
    def test_cookie_check_multivariant_fmp4_and_a_retried_post(self) -> None:
        cloud = self.h.start_devcloud(CONFIG)
        cloud.add_faults(HLS_READY, [{"status": 500}])
        fake = FakeMediaMtxHls()
        self.addCleanup(fake.close)
        tool = self.h.spawn([self.h.bin("relay-hls-ready"), "--poll-interval", "0.2", "--timeout", "20"],
                            env=hook_env(cloud, RELAY_HLS_LOCAL_BASE=fake.base, RELAY_PUBLIC_HLS_BASE=PUBLIC_HLS),
                            inherit_env=False, name="relay-hls-ready")
        self.assertEqual(tool.wait(30), 0, tool.tail())

        statuses = [r["status"] for r in cloud.requests() if r["path"] == HLS_READY]
        self.assertEqual(statuses, [500, 200], "the POST was not retried once after the 500")
        events = cloud.events("hls-ready")
        self.assertEqual(len(events), 1, events)
        self.assertIsNotNone(fake.two_listed_ms)
        self.assertGreaterEqual(events[0]["received_at_ms"], fake.two_listed_ms)
        self.assertEqual(events[0]["body"]["hlsUrl"], f"{PUBLIC_HLS}/clean/alice/s1/index.m3u8")
        self.assertEqual(events[0]["body"]["webrtcUrl"], "http://127.0.0.1:8889/clean/alice/s1/whep")
        self.assertNotIn("dashUrl", events[0]["body"])

        # Every resource was first refused with the 302, then fetched with the cookie.
        served = [path for path, had_cookie in fake.log if had_cookie]
        refused = [path for path, had_cookie in fake.log if not had_cookie]
        self.assertEqual(sorted(set(served)), sorted(set(refused)))
        self.assertIn("/clean/alice/s1/video1_stream.m3u8", served)
        self.assertIn("/clean/alice/s1/x_video1_init.mp4", served)
        self.assertFalse([p for p in served if "_part" in p], "LL-HLS parts are not segments")
        harness.assert_no_secrets(tool, [TOKEN])


if __name__ == "__main__":
    harness.main()
