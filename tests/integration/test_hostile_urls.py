"""Hostile URLs and answers against the real tools (issue 11), checked by what a user would
notice: which process connects where (a loopback RTMP sink that must stay untouched), what
the tool prints and how it exits, what the cloud is told, how fast SIGINT ends a tool whatever
it waits on. Every destination host below is a spelling of this machine that resolvers and
ffmpeg accept; none may be reached without --allow-private-destinations."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import threading
import time
import unittest

import harness
from harness import HarnessTestCase, wait_for

TOKEN = "tok-SENTINEL-hostile-51c2"
KEY = "key-SENTINEL-hostile-a9"

# How long a tool may take from SIGINT to exit while blocked on a hung cloud call. Measured
# here: 0.03-0.08 s (the HTTP layer looks at the stop request every 50 ms). The bound is far
# above that for a loaded machine, and far below the 10 s attempt timeout the tools used to
# wait out.
SIGINT_EXIT_BOUND_S = 3.0
# Watched after the refusals, with --poll-interval 1: two more polls, in which nothing may start.
MORE_POLLS_S = 2.5
# relay-restream kept alive this long (over a poll) after a too-deep answer, to show it survived.
SURVIVES_S = 1.5
# Once the tool holds its connection to the hung cloud, its request is in flight after this.
IN_FLIGHT_S = 0.3
# Give-up limits of the waits (none is a promise): the refusal lines, the publisher on nginx,
# the copy ffmpeg, the sink's first 10 kB, the FIFO refusal, a stop before the SIGKILL, the
# copy's connection attempts (with its backoff), the first poll, the tool's connection to the
# cloud, a tool run (openssl, relay-clean, relay-inspect).
LOG_GIVE_UP_S = 15
PUBLISHING_GIVE_UP_S = 15
COPY_GIVE_UP_S = 15
SINK_DATA_GIVE_UP_S = 20
STOP_GIVE_UP_S = 15
CONNECTIONS_GIVE_UP_S = 30
POLL_GIVE_UP_S = 15
CONNECT_GIVE_UP_S = 10
RUN_GIVE_UP_S = 60

USAGE, BAD_RESPONSE, INTERRUPTED = 2, 6, 130


def loopback_spellings(port: int) -> list[str]:
    """rtmp URLs of the loopback sink on `port`, each a host spelling ffmpeg connects to 127.0.0.1
    (or ::1) with, or a string two readers split differently."""
    return [
        f"rtmp://0x7f.1:{port}/sink/{KEY}",            # hex, short dotted
        f"rtmp://0x7f000001:{port}/sink/{KEY}",        # one hex number
        f"rtmp://2130706433:{port}/sink/{KEY}",        # one decimal number
        f"rtmp://0177.0.0.1:{port}/sink/{KEY}",        # octal part
        f"rtmp://127.1:{port}/sink/{KEY}",             # short dotted
        f"rtmp://[::ffff:127.0.0.1]:{port}/sink/{KEY}",  # IPv4-mapped IPv6
        f"rtmp://[::ffff:7f00:1]:{port}/sink/{KEY}",
        f"rtmp://[::1]:{port}/sink/{KEY}",
        f"rtmp://localhost:{port}/sink/{KEY}",
        f"rtmp://127.0.0.1:{port}:1935/sink/{KEY}",    # a second ':port' (ffmpeg takes the first)
        f"rtmp://a@b@127.0.0.1:{port}/sink/{KEY}",     # two '@' (ffmpeg takes the last, libcurl the first)
        f"rtmp://[::ffff:127.0.0.1%25lo]:{port}/sink/{KEY}",  # a zone
    ]


def tcp_peers(pid: int) -> set[int]:
    """Remote ports of the ESTABLISHED TCP connections `pid` holds (from /proc, no probe sent)."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return set()
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                cols = line.split()
                if cols[3] == "01" and cols[9] in inodes:
                    ports.add(int(cols[2].rsplit(":", 1)[1], 16))
    return ports


def copy_ffmpegs(relay_pid: int) -> list[int]:
    return [pid for pid in harness.descendants(relay_pid)
            if (info := harness.proc_info(pid)) is not None and info.comm == "ffmpeg" and info.state not in "ZX"]


class RestreamDestinationPolicyTest(HarnessTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.media = self.h.make_test_media(30)

    def start_restream(self, destinations: list[dict], *extra: str, env: dict[str, str] | None = None) -> harness.Proc:
        path = self.h.path("destinations.json")
        path.write_text(json.dumps({"destinations": destinations}))
        return self.h.spawn([self.h.bin("relay-restream"), "--source", str(self.media), "--destinations-file",
                             str(path), "--poll-interval", "1", "--status-interval", "1", *extra],
                            env={"CLOUD_API_TOKEN": TOKEN, **(env or {})}, name="relay-restream")

    def test_loopback_in_any_spelling_is_refused_and_no_ffmpeg_reaches_the_sink(self) -> None:
        sink = self.h.listen_sink(app="sink", key=KEY)
        port = sink.extra["port"]
        urls = loopback_spellings(port)
        relay = self.start_restream([{"url": u, "name": f"d{i}"} for i, u in enumerate(urls)])
        relay.wait_for_output(rf"refused destinations\[{len(urls) - 1}\]", timeout=LOG_GIVE_UP_S)
        time.sleep(MORE_POLLS_S)  # nothing may start later either
        self.assertEqual(copy_ffmpegs(relay.pid), [], "a copy ffmpeg was started for a loopback destination")
        self.assertTrue(sink.alive(), "the loopback sink got a connection and ended")
        self.assertFalse(sink.extra["out_path"].exists() and sink.extra["out_path"].stat().st_size > 0)
        log = relay.stderr_text()
        for i in range(len(urls)):
            self.assertRegex(log, rf"refused destinations\[{i}\] d{i} ")
        self.assertIn("host 0x7f.1 is 127.0.0.1, a loopback address", log)
        self.assertIn("host 2130706433 is 127.0.0.1", log)
        self.assertIn("host ::ffff:7f00:1 is ::ffff:127.0.0.1, a loopback", log)
        self.assertIn("second ':'", log)
        self.assertIn("more than one '@'", log)
        self.assertIn("zone", log)
        rc, _ = self.h.stop(relay, signal.SIGINT)
        self.assertEqual(rc, INTERRUPTED)
        harness.assert_no_secrets([relay], [TOKEN, KEY])

    def test_allowing_private_hosts_never_allows_metadata_or_unspecified_addresses(self) -> None:
        never = ["rtmp://169.254.169.254/app/k", "rtmp://0xa9fea9fe/app/k", "rtmp://2852039166/app/k",
                 "rtmp://0251.0376.0251.0376/app/k", "rtmp://[::ffff:169.254.169.254]/app/k", "rtmp://[fe80::1]/app/k",
                 "rtmp://0.0.0.0/app/k", "rtmp://0/app/k", "rtmp://[::]/app/k", "rtmp://224.0.0.1/app/k",
                 "rtmp://255.255.255.255/app/k"]
        relay = self.start_restream([{"url": u, "name": f"n{i}"} for i, u in enumerate(never)],
                                    "--allow-private-destinations")
        relay.wait_for_output(rf"refused destinations\[{len(never) - 1}\]", timeout=LOG_GIVE_UP_S)
        log = relay.stderr_text()
        for i in range(len(never)):
            self.assertRegex(log, rf"refused destinations\[{i}\] n{i} <[^>]*>: .*never a streaming destination")
        self.assertEqual(copy_ffmpegs(relay.pid), [])
        self.assertEqual(self.h.stop(relay, signal.SIGINT)[0], INTERRUPTED)

    def test_an_allowed_spelling_reaches_its_address_and_the_copy_gets_no_secrets(self) -> None:
        # With the switch, a hex spelling of loopback is a loopback destination like any other:
        # the copy is given the canonical address, and its environment holds no cloud token.
        ngx = self.h.start_nginx([{"name": "clean"}])
        self.h.publish(self.media, "clean", "s1", loop=True)
        ngx.wait_publishing("clean", "s1", timeout=PUBLISHING_GIVE_UP_S)
        sink = self.h.listen_sink(app="sink", key=KEY)
        port = sink.extra["port"]
        path = self.h.path("destinations.json")
        path.write_text(json.dumps({"destinations": [{"url": f"rtmp://0x7f.1:{port}/sink/{KEY}", "name": "hex"}]}))
        relay = self.h.spawn([self.h.bin("relay-restream"), "--source", ngx.rtmp_url("clean", "s1"),
                              "--destinations-file", str(path), "--poll-interval", "1", "--allow-private-destinations"],
                             env={"CLOUD_API_TOKEN": TOKEN, "MTX_QUERY": "key=pub-SENTINEL-q", "RELAY_EXTRA": "x"},
                             name="relay-restream")
        copies = wait_for(lambda: copy_ffmpegs(relay.pid), COPY_GIVE_UP_S, 0.1, "the copy ffmpeg")
        argv = harness.cmdline(copies[0])
        self.assertIn(f"rtmp://127.0.0.1:{port}/sink/", argv)
        self.assertNotIn("0x7f", argv)
        with open(f"/proc/{copies[0]}/environ", "rb") as f:
            environ = f.read().decode(errors="replace").split("\0")
        self.assertFalse([e for e in environ if e.startswith(("CLOUD_API_TOKEN=", "MTX_", "RELAY_", "G1="))], environ)
        self.assertTrue(any(e.startswith("PATH=") for e in environ))
        out = sink.extra["out_path"]
        wait_for(lambda: out.exists() and out.stat().st_size > 10000, SINK_DATA_GIVE_UP_S, 0.1,
                 "the sink to receive the copy")
        self.assertEqual(self.h.stop(relay, signal.SIGINT)[0], INTERRUPTED)

    def test_a_fifo_as_destinations_file_is_refused_and_sigint_still_ends_the_tool(self) -> None:
        fifo = self.h.path("destinations.fifo")
        os.mkfifo(fifo)
        relay = self.h.spawn([self.h.bin("relay-restream"), "--source", str(self.media), "--destinations-file",
                              str(fifo), "--poll-interval", "1"], name="relay-restream")
        relay.wait_for_output(r"is not a regular file", timeout=LOG_GIVE_UP_S)
        rc, took = self.h.stop(relay, signal.SIGINT, timeout=STOP_GIVE_UP_S)
        self.assertEqual(rc, INTERRUPTED)
        self.assertLess(took, SIGINT_EXIT_BOUND_S)


class TlsServer(threading.Thread):
    """A TLS service on loopback with a self-signed certificate for "localhost", like one of the
    relay's own TLS services a rebound name could lead to. Records, per connection, the bytes
    that arrived after the handshake."""

    def __init__(self, cert: str, key: str) -> None:
        super().__init__(daemon=True)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.sock = socket.create_server((harness.LOOPBACK, 0))
        self.port = self.sock.getsockname()[1]
        self.connections: list[int] = []  # bytes received after the handshake, -1 when it failed

    def run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(3)
            got = -1
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    got = 0
                    while chunk := tls.recv(65536):
                        got += len(chunk)
            except (OSError, ssl.SSLError):
                pass  # a failed handshake, or a client that went quiet: `got` says which
            finally:
                conn.close()
                self.connections.append(got)

    def close(self) -> None:
        self.sock.close()


class RtmpsVerificationTest(HarnessTestCase):
    @unittest.skipUnless(shutil.which("openssl"), "needs the openssl command to make a certificate")
    def test_an_rtmps_name_reaching_a_service_without_its_certificate_gets_no_stream(self) -> None:
        # rtmps keeps the name (SNI), so ffmpeg resolves it again; a name re-pointed at a local
        # TLS service meets a certificate that is not valid for it: the handshake must fail
        # before a single RTMP byte is sent.
        cert, key = self.h.path("tls", "cert.pem"), self.h.path("tls", "key.pem")
        self.h.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   timeout=RUN_GIVE_UP_S)
        server = TlsServer(str(cert), str(key))
        server.start()
        self.addCleanup(server.close)
        path = self.h.path("destinations.json")
        path.write_text(json.dumps({"destinations": [{"url": f"rtmps://localhost:{server.port}/live/{KEY}",
                                                      "name": "tls"}]}))
        relay = self.h.spawn([self.h.bin("relay-restream"), "--source", str(self.h.make_test_media(30)),
                              "--destinations-file", str(path), "--poll-interval", "1",
                              "--allow-private-destinations"], name="relay-restream")
        wait_for(lambda: len(server.connections) >= 2, CONNECTIONS_GIVE_UP_S, 0.1,
                 "two connection attempts of the copy")
        self.assertEqual(self.h.stop(relay, signal.SIGINT)[0], INTERRUPTED)
        self.assertTrue(all(got <= 0 for got in server.connections),
                        f"RTMP bytes reached a service whose certificate is not the name's: {server.connections}")


class CloudAnswerTest(HarnessTestCase):
    """Answers a hostile or broken cloud gives, through relay-devcloud's fault injection."""

    def setUp(self) -> None:
        super().setUp()
        self.cloud = self.h.start_devcloud({"token": TOKEN, "streams": {"alice/s1": {
            "cf_url": f"rtmps://live.example.test:443/live/{KEY}"}}})

    def cf_url(self, *args: str, env: dict[str, str] | None = None) -> harness.Proc:
        proc = self.h.run([self.h.bin("relay-cf-url"), "--user", "alice", "--stream", "s1", *args],
                          env={**self.cloud.env(), **(env or {})}, timeout=RUN_GIVE_UP_S, check=False)
        harness.assert_no_secrets([proc.stderr_text()], [TOKEN, KEY])
        return proc

    def answer(self, body: str, count: int = 1) -> None:
        self.cloud.add_faults("/api/relay/cf-url/", [{"status": 200, "body": body}] * count)

    def test_a_url_that_is_not_one_clean_line_is_never_printed(self) -> None:
        hostile = {
            "newline": ("rtmps://live.example.test/live/k\nrtmp://127.0.0.1/injected", "whitespace"),
            "option": ("-f lavfi -i testsrc", "starts with '-'"),
            "hex loopback": ("rtmps://0x7f.1/live/k", "RELAY_ALLOW_PRIVATE_DESTINATIONS=1"),
            "metadata": ("rtmp://169.254.169.254/live/k", "link-local"),
            "scheme": ("file:///etc/passwd", "scheme 'file'"),
            "second port": ("rtmps://live.example.test:443:1935/live/k", "second ':'"),
        }
        for name, (url, reason) in hostile.items():
            with self.subTest(name):
                self.answer(json.dumps({"url": url}))
                proc = self.cf_url()
                self.assertEqual(proc.returncode, BAD_RESPONSE, proc.tail())
                self.assertEqual(proc.stdout_text(), "")
                self.assertIn("the cloud's ingest URL is refused", proc.stderr_text())
                self.assertIn(reason, proc.stderr_text())
                self.assertNotIn("--allow-private-destinations", proc.stderr_text())  # relay-cf-url has no such flag

    def test_json_output_never_echoes_our_authorization_or_other_secrets(self) -> None:
        self.answer(json.dumps({"url": f"rtmps://live.example.test/live/{KEY}",
                                "request": {"headers": {"Authorization": f"Bearer {TOKEN}"}},
                                "note": f"token {TOKEN} seen", "streamKey": "sk-SENTINEL-other"}))
        proc = self.cf_url("--json")
        self.assertEqual(proc.returncode, 0, proc.tail())
        out = proc.stdout_text()
        self.assertEqual(out.count("\n"), 1)
        self.assertEqual(json.loads(out)["url"], f"rtmps://live.example.test/live/{KEY}")
        self.assertNotIn(TOKEN, out)
        self.assertNotIn("sk-SENTINEL-other", out)

    def test_an_answer_nested_100000_deep_is_a_clear_error_not_a_crash(self) -> None:
        deep = '{"url":"rtmps://live.example.test/live/k","x":' + "[" * 100000 + "]" * 100000 + "}"
        self.answer(deep)
        proc = self.cf_url()
        self.assertEqual(proc.returncode, BAD_RESPONSE, proc.tail())
        self.assertIn("nested deeper than 64 levels", proc.stderr_text())

    def test_relay_restream_survives_a_deep_answer_mid_stream(self) -> None:
        relay = self.h.spawn([self.h.bin("relay-restream"), "--source", str(self.h.make_test_media(5)),
                              "--poll-interval", "1", "--no-cf-url"],
                             env={**self.cloud.env(), "MTX_PATH": "clean/alice/s1"}, name="relay-restream")
        wait_for(lambda: any(r["path"].startswith("/api/rtmp-relay/restream-destinations/")
                             for r in self.cloud.requests()), POLL_GIVE_UP_S, 0.1, "a first poll")
        deep = '{"destinations":' + "[" * 100000 + "]" * 100000 + "}"
        self.cloud.add_faults("/api/rtmp-relay/restream-destinations/", [{"status": 200, "body": deep}] * 3)
        relay.wait_for_output(r"nested deeper than 64 levels", timeout=LOG_GIVE_UP_S)
        time.sleep(SURVIVES_S)
        self.assertTrue(relay.alive(), relay.tail())
        self.assertEqual(self.h.stop(relay, signal.SIGINT)[0], INTERRUPTED)

    def test_relay_clean_target_cloud_refuses_a_hex_loopback_ingest_and_names_its_own_switch(self) -> None:
        sink = self.h.listen_sink(app="live", key=KEY)
        self.answer(json.dumps({"url": f"rtmp://0x7f.1:{sink.extra['port']}/live/{KEY}"}))
        proc = self.h.run([self.h.bin("relay-clean"), "--target", "cloud", "--input", str(self.h.make_test_media(3))],
                          env={**self.cloud.env(), "MTX_PATH": "live/alice/s1"}, timeout=RUN_GIVE_UP_S, check=False)
        self.assertEqual(proc.returncode, BAD_RESPONSE, proc.tail())
        self.assertIn("RELAY_ALLOW_PRIVATE_DESTINATIONS=1", proc.stderr_text())
        self.assertNotIn("--allow-private-destinations", proc.stderr_text())
        self.assertTrue(sink.alive(), "relay-clean's ffmpeg reached the loopback sink")


class SigintDuringHungCloudCallTest(HarnessTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cloud = self.h.start_devcloud({"token": TOKEN, "streams": {"alice/s1": {
            "cf_url": f"rtmps://live.example.test:443/live/{KEY}"}}})
        self.cloud.add_faults("/api/relay/cf-url/", [{"hang_ms": 60000}] * 5)
        self.cloud_port = int(self.cloud.url.rsplit(":", 1)[1])

    def interrupt_while_hung(self, argv: list[str], env: dict[str, str]) -> tuple[harness.Proc, int, float]:
        tool = self.h.spawn(argv, env={**self.cloud.env(), **env})
        # The call is in flight once the tool holds a connection to the cloud.
        wait_for(lambda: self.cloud_port in tcp_peers(tool.pid), CONNECT_GIVE_UP_S, 0.02,
                 "the tool's connection to the cloud")
        time.sleep(IN_FLIGHT_S)
        rc, took = self.h.stop(tool, signal.SIGINT, timeout=STOP_GIVE_UP_S)
        return tool, rc, took

    def test_relay_cf_url(self) -> None:
        tool, rc, took = self.interrupt_while_hung([self.h.bin("relay-cf-url"), "--user", "alice", "--stream", "s1"], {})
        self.assertEqual(rc, INTERRUPTED, tool.tail())
        self.assertLess(took, SIGINT_EXIT_BOUND_S, f"relay-cf-url took {took:.2f} s to honour SIGINT")
        self.assertEqual(tool.stdout_text(), "")
        self.assertIn("interrupted", tool.stderr_text())

    def test_relay_clean_target_cloud(self) -> None:
        tool, rc, took = self.interrupt_while_hung(
            [self.h.bin("relay-clean"), "--target", "cloud", "--input", str(self.h.make_test_media(3))],
            {"MTX_PATH": "live/alice/s1"})
        self.assertEqual(rc, INTERRUPTED, tool.tail())
        self.assertLess(took, SIGINT_EXIT_BOUND_S, f"relay-clean took {took:.2f} s to honour SIGINT")
        self.assertEqual(copy_ffmpegs(tool.pid), [])


class NumericFlagTest(HarnessTestCase):
    def test_relay_inspect_duration_is_range_checked(self) -> None:
        media = self.h.make_test_media(2)
        for value in ("nan", "inf", "-inf", "1e308", "99999999", "0", "-1"):
            with self.subTest(value):
                proc = self.h.run([self.h.bin("relay-inspect"), str(media), f"--duration={value}"],
                                  timeout=RUN_GIVE_UP_S,
                                  check=False)
                self.assertEqual(proc.returncode, USAGE, proc.tail())
                self.assertIn("--duration", proc.stderr_text())


if __name__ == "__main__":
    harness.main()
