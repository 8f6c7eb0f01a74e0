"""relay-devcloud under abuse (issue 11), and the hls-ready announcement a retrying relay makes
against a slow cloud: what a client of the reference cloud would notice (answers, their
status, how long /health takes, that the process is still there) on loopback."""

from __future__ import annotations

import json
import os
import signal
import socket
import time

import harness
from harness import HarnessTestCase, http_request, wait_for
from test_hls_ready import FakeMediaMtxHls

TOKEN = "tok-SENTINEL-devcloud-77"
ADMIN = "adm-SENTINEL-devcloud-78"
CONFIG = {"token": TOKEN, "admin_token": ADMIN, "streams": {"alice/s1": {"cf_url": "rtmps://x.example.test/live/k"}}}
HLS_READY = "/api/rtmp-relay/hls-ready"

IDLE_SOCKETS = 500
# /health with IDLE_SOCKETS idle connections open: measured 0.002 s here (one thread per
# connection). The old pool of 8 threads took 23 s with 40 idle sockets, ~5 min with 500.
HEALTH_BOUND_S = 3.0
# From SIGINT to exit with those sockets still open: measured 0.02 s.
STOP_BOUND_S = 3.0
# A tool started with a config it must refuse: measured 0.01 s; /dev/zero used to be read
# until memory ran out (the test caps the address space so an old binary fails cleanly).
REFUSAL_BOUND_S = 5.0
ADDRESS_SPACE_CAP = str(1024 ** 3)
# Give-up limits (none is a promise): an HTTP request or connection, a relay-devcloud run, the
# hls-ready run against the fake HLS (--timeout HLS_TIMEOUT_S), the cloud finishing the late
# requests.
HTTP_GIVE_UP_S = 60
CONNECT_GIVE_UP_S = 30
RUN_GIVE_UP_S = 60
STOP_GIVE_UP_S = 30
HLS_TIMEOUT_S, HLS_GIVE_UP_S = 20, 40
LATE_REQUESTS_GIVE_UP_S = 10


def timed_health(url: str) -> float:
    started = time.monotonic()
    resp = http_request("GET", url + "/health", timeout=HTTP_GIVE_UP_S)
    assert resp.status == 200, resp.status
    return time.monotonic() - started


def send_chunked(port: int, path: str, total: int) -> tuple[int, bytes]:
    """POSTs up to `total` bytes as a chunked body; returns (bytes sent, first bytes of the answer)."""
    sock = socket.create_connection((harness.LOOPBACK, port), timeout=CONNECT_GIVE_UP_S)
    sent = 0
    with sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                     "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b"[" * 65536
        try:
            while sent < total:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
        except OSError:
            pass  # the server closed the connection: it will not read the rest
        try:
            answer = sock.recv(64)
        except OSError:
            answer = b""
    return sent, answer


class DevCloudAbuseTest(HarnessTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cloud = self.h.start_devcloud(CONFIG)
        self.port = int(self.cloud.url.rsplit(":", 1)[1])

    def test_health_answers_with_hundreds_of_idle_connections_and_sigint_ends_it(self) -> None:
        idle = [socket.create_connection((harness.LOOPBACK, self.port)) for _ in range(IDLE_SOCKETS)]
        self.addCleanup(lambda: [s.close() for s in idle])
        took = timed_health(self.cloud.url)
        self.assertLess(took, HEALTH_BOUND_S, f"/health took {took:.2f} s with {IDLE_SOCKETS} idle sockets open")
        resp = self.cloud.call("GET", "/api/relay/cf-url/alice/s1")
        self.assertEqual(resp.status, 200)
        rc, took = self.h.stop(self.cloud.proc, signal.SIGINT, timeout=STOP_GIVE_UP_S)
        self.assertEqual(rc, 130)  # docs/operations.md: stopped by SIGINT/SIGTERM
        self.assertLess(took, STOP_BOUND_S, f"stopping took {took:.2f} s with idle clients")

    def test_a_150_mib_chunked_body_is_refused_after_the_cap(self) -> None:
        for path in (HLS_READY, "/api/nowhere", "/admin/records"):
            with self.subTest(path):
                sent, answer = send_chunked(self.port, path, 150 * 1024 * 1024)
                self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer)
                self.assertLess(sent, 64 * 1024 * 1024, f"{sent} bytes were read before the refusal")
        self.assertEqual(self.cloud.events(), [])
        self.assertLess(timed_health(self.cloud.url), HEALTH_BOUND_S)

    def test_deep_json_is_a_400_and_nothing_crashes_later(self) -> None:
        deep = "[" * 100000 + "]" * 100000
        admin = self.cloud.call("PUT", "/admin/streams/alice/s1/destinations",
                                '{"destinations":' + deep + "}", token=ADMIN)
        self.assertEqual(admin.status, 400, admin.text)
        self.assertIn("nested deeper than 64 levels", admin.text)
        event = self.cloud.call("POST", HLS_READY, '{"userId":"alice","streamId":"s1","hlsUrl":"h","x":' + deep + "}")
        self.assertEqual(event.status, 400, event.text)
        # 64 levels are fine, stored, and rendered back.
        ok = self.cloud.call("POST", HLS_READY, json.dumps({"userId": "alice", "streamId": "s1", "hlsUrl": "h",
                                                             "x": json.loads("[" * 60 + "]" * 60)}))
        self.assertEqual(ok.status, 200, ok.text)
        self.assertEqual(len(self.cloud.events("hls-ready")), 1)
        self.assertTrue(self.cloud.proc.alive())

    def test_wrong_tokens_are_refused(self) -> None:
        for token in ("", TOKEN[:-1], TOKEN + "x", "Bearer " + TOKEN, ADMIN):
            with self.subTest(token=token):
                self.assertEqual(self.cloud.call("GET", "/api/relay/cf-url/alice/s1", token=token).status, 401)
        self.assertEqual(self.cloud.call("GET", "/admin/events", token=TOKEN).status, 401)


class DevCloudStartupTest(HarnessTestCase):
    def devcloud(self, config_path: str, *args: str) -> harness.Proc:
        started = time.monotonic()
        proc = self.h.run(["prlimit", f"--as={ADDRESS_SPACE_CAP}", "--", self.h.bin("relay-devcloud"),
                           "--config", config_path, "--port", "0", *args], timeout=RUN_GIVE_UP_S, check=False)
        proc.extra["took"] = time.monotonic() - started
        return proc

    def test_configs_that_are_not_regular_files_are_refused_at_once(self) -> None:
        fifo = self.h.path("config.fifo")
        os.mkfifo(fifo)
        for path in ("/dev/zero", str(fifo), "/tmp"):
            with self.subTest(path):
                proc = self.devcloud(path, "--host", harness.LOOPBACK)
                self.assertEqual(proc.returncode, 2, proc.tail())
                self.assertIn("is not a regular file", proc.stderr_text())
                self.assertLess(proc.extra["took"], REFUSAL_BOUND_S)

    def test_listening_beyond_loopback_without_tokens_is_refused(self) -> None:
        # Refused before anything is bound: this test never opens a port beyond loopback.
        for config in ({"token": TOKEN}, {"admin_token": ADMIN}, {}):
            cfg = self.h.path(f"open-{len(config)}-{'token' in config}.json")
            cfg.write_text(json.dumps(config))
            with self.subTest(config=list(config)):
                proc = self.devcloud(str(cfg), "--host", "0.0.0.0")
                self.assertEqual(proc.returncode, 2, proc.tail())
                self.assertIn("beyond loopback", proc.stderr_text())
                self.assertIn("--allow-unauthenticated", proc.stderr_text())
                self.assertEqual(proc.stdout_text(), "", "it listened")
                harness.assert_no_secrets([proc], [TOKEN, ADMIN])


class HlsReadyOnceTest(HarnessTestCase):
    def test_a_cloud_that_answers_too_late_counts_one_announcement(self) -> None:
        cloud = self.h.start_devcloud(CONFIG)
        # The cloud records each POST but answers after the relay's 1 s attempt timeout: the
        # relay retries, as it must, and the cloud must still count one announcement.
        cloud.add_faults(HLS_READY, [{"hang_ms": 1500, "then_handle": True}] * 2)
        fake = FakeMediaMtxHls(segment_s=0.3)
        self.addCleanup(fake.close)
        tool = self.h.spawn([self.h.bin("relay-hls-ready"), "--poll-interval", "0.2", "--timeout", str(HLS_TIMEOUT_S)],
                            env={"MTX_PATH": "clean/alice/s1", "G1": "alice", "G2": "s1", **cloud.env(),
                                 "CLOUD_API_REQUEST_TIMEOUT": "1", "RELAY_HLS_LOCAL_BASE": fake.base},
                            inherit_env=False, name="relay-hls-ready")
        self.assertEqual(tool.wait(HLS_GIVE_UP_S), 0, tool.tail())
        wait_for(lambda: len([r for r in cloud.requests() if r["path"] == HLS_READY]) == 3,
                 LATE_REQUESTS_GIVE_UP_S, 0.1,
                 "the cloud to finish the late requests")
        events = cloud.events("hls-ready")
        self.assertEqual(len(events), 1, events)
        self.assertEqual(events[0]["duplicates"], 2)
        self.assertRegex(events[0]["idempotencyKey"], r"^[0-9a-f]{32}$")
        self.assertEqual(len(tool.stderr_text().split("retry ")), 3, tool.stderr_text())


if __name__ == "__main__":
    harness.main()
