"""relay-status against running hooks: two streams fanned out by relay-restream (as MediaMTX
runs it, hook environment of clean/<user>/<stream>) to several destinations, one of which
refuses the publish (nginx-rtmp `deny publish`), one a closed port, one a name that does not
resolve; alice's clean stream comes from relay-clean, bob's straight from a publisher. Then
alice's publisher is cut (relay-clean waits for its input, the destinations for the clean
source) and one hook is SIGKILLed. Checked by what an
operator sees: relay-status's table, its JSON, its /metrics read with a strict Prometheus
text-format parser, and that no stream key appears in anything it prints."""

from __future__ import annotations

import hashlib
import json
import signal
import urllib.request

import harness
import prometheus_text as prom
from backends import RelayTestCase, on_each_backend
from harness import wait_for

KEYS = {name: f"key-SENTINEL-{name}-51ab" for name in ("a-good", "a-deny", "a-closed", "a-dns", "b-good", "b-two")}
# Give-up limits of the waits (none is a promise): a publisher's path, relay-clean's clean path,
# alice's destinations settling (the refused ones after 3 failures, backoff 1+2+4 s at most),
# bob's streaming, the encoder's fps over 20, the destinations waiting after the publisher
# left, the killed hook's exit and its stale document, a relay-status run, its first line, an
# HTTP answer of --serve.
PUBLISHING_GIVE_UP_S = 15
CLEAN_PUBLISHING_GIVE_UP_S = 30
SETTLED_GIVE_UP_S = 60
STREAMING_GIVE_UP_S = 30
AT_SPEED_GIVE_UP_S = 15
SOURCE_GONE_GIVE_UP_S = 60
KILLED_GIVE_UP_S = 10
RUN_GIVE_UP_S = 20
FIRST_LINE_GIVE_UP_S = 10
HTTP_GIVE_UP_S = 10


def fingerprint(key: str) -> str:
    return "key#" + hashlib.sha256(key.encode()).hexdigest()[:4]


def publisher(h: harness.Harness, url: str, name: str) -> harness.Proc:
    """A live 2 s-GOP stream encoded in real time."""
    return h.spawn([harness.FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
                    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                    "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "60",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
                    *harness.ffmpeg_rtmp_args(url)], name=name)


@on_each_backend
class StatusTest(RelayTestCase):
    def setUp(self) -> None:
        super().setUp()
        # The destinations' server: an app that takes the stream, one that denies publishing.
        self.dest = self.h.start_nginx([{"name": "sink"}, {"name": "deny", "extra": ["deny publish all;"]}])
        if self.backend == "mediamtx":
            self.server = self.h.start_mediamtx(hooks=False)
            self.api = f"127.0.0.1:{self.server.api_port}"  # HOST:PORT, as RELAY_MTX_API's default is written
        else:
            self.server = self.h.start_nginx([{"name": "live"}, {"name": "clean"}])
            self.api = f"http://127.0.0.1:{harness.free_port()}"  # nothing answers there (the URL form)
        self.runtime = self.h.path("runtime")
        self.outputs: list[str] = []  # everything relay-status printed

    # -- helpers -----------------------------------------------------------
    def start_restream(self, path: str, destinations: list[dict]) -> harness.Proc:
        dest_file = self.h.path(f"{path.replace('/', '-')}.json")
        dest_file.write_text(json.dumps({"destinations": destinations}))
        env = {"MTX_PATH": path, "RELAY_RTMP_PORT": str(self.server.rtmp_port),
               "RELAY_RUNTIME_DIR": str(self.runtime)}
        argv = [self.h.bin("relay-restream"), "--destinations-file", str(dest_file), "--allow-private-destinations",
                "--poll-interval", "2", "--status-interval", "2"]
        return self.h.spawn(argv, env=env, name=f"relay-restream-{path.split('/')[1]}")

    def start_clean(self, path: str) -> harness.Proc:
        env = {"MTX_PATH": path, "RELAY_RTMP_PORT": str(self.server.rtmp_port), "RELAY_RUNTIME_DIR": str(self.runtime),
               "RELAY_MTX_API": self.api if self.backend == "mediamtx" else "off"}
        argv = [self.h.bin("relay-clean"), "--target", "local", "--input-gone-after", "60", "--quality", "480p"]
        return self.h.spawn(argv, env=env, name=f"relay-clean-{path.split('/')[1]}")

    def status(self, *args: str) -> str:
        proc = self.h.run([self.h.bin("relay-status"), "--runtime-dir", str(self.runtime), "--mtx-api", self.api,
                           *args], timeout=RUN_GIVE_UP_S, name="relay-status")
        self.outputs += [proc.stdout_text(), proc.stderr_text()]
        return proc.stdout_text()

    def status_json(self) -> dict:
        return json.loads(self.status("--json"))

    @staticmethod
    def stream(doc: dict, user: str, stream: str) -> dict:
        return next(s for s in doc["streams"] if s["user"] == user and s["stream"] == stream)

    @staticmethod
    def destinations(stream: dict) -> dict[str, dict]:
        return {d["name"]: d for hook in stream["hooks"] for d in hook.get("destinations", [])}

    def wait_destinations(self, user: str, stream: str, expected: dict[str, tuple[str, str]],
                          timeout: float) -> dict:
        """Until relay-status shows each destination (name containing the key) in (state, reason)."""
        last: dict = {}

        def reached() -> dict | None:
            nonlocal last
            doc = self.status_json()
            try:
                found = self.destinations(self.stream(doc, user, stream))
            except StopIteration:
                return None
            last = {n: (d["state"], d["reason"]) for n, d in found.items()}
            for part, want in expected.items():
                match = [v for n, v in last.items() if part in n]
                if match != [want]:
                    return None
            return doc
        try:
            return wait_for(reached, timeout, 0.5, f"destinations of {user}/{stream}: {expected}")
        except harness.WaitTimeout as exc:
            raise AssertionError(f"{exc}; relay-status showed {last}") from None

    def serve(self) -> tuple[harness.Proc, str]:
        proc = self.h.spawn([self.h.bin("relay-status"), "--runtime-dir", str(self.runtime), "--mtx-api", self.api,
                             "--serve", "127.0.0.1:0"], name="relay-status-serve")
        m = proc.wait_for_output(r"^(http://127\.0\.0\.1:\d+)\s*$", FIRST_LINE_GIVE_UP_S, stream="stdout")
        return proc, m.group(1)

    def get(self, url: str) -> tuple[str, str]:
        with urllib.request.urlopen(url, timeout=HTTP_GIVE_UP_S) as resp:  # noqa: S310 - loopback
            body = resp.read().decode()
            self.outputs.append(body)
            return resp.headers.get("Content-Type", ""), body

    # -- the test ----------------------------------------------------------
    def test_status_shows_whose_fault_each_failure_is(self) -> None:
        closed = harness.free_port()
        sink = f"{self.dest.rtmp_base}/sink"
        alice = [{"name": "Good", "url": f"{sink}/{KEYS['a-good']}"},
                 {"name": "Denied", "url": f"{self.dest.rtmp_base}/deny/{KEYS['a-deny']}"},
                 {"name": "Closed", "url": f"rtmp://127.0.0.1:{closed}/app/{KEYS['a-closed']}"},
                 {"name": "NoDNS", "url": f"rtmp://nonexistent.invalid/app/{KEYS['a-dns']}"}]
        bob = [{"name": "BobOne", "url": f"{sink}/{KEYS['b-good']}"},
               {"name": "BobTwo", "url": f"{sink}/{KEYS['b-two']}"}]
        pub_a = publisher(self.h, self.server.rtmp_url("live/alice/s1"), "publisher-alice")
        publisher(self.h, self.server.rtmp_url("clean/bob/s2"), "publisher-bob")
        self.server.wait_publishing("live/alice/s1", timeout=PUBLISHING_GIVE_UP_S)
        clean_a = self.start_clean("live/alice/s1")
        self.server.wait_publishing("clean/alice/s1", timeout=CLEAN_PUBLISHING_GIVE_UP_S)
        self.server.wait_publishing("clean/bob/s2", timeout=PUBLISHING_GIVE_UP_S)
        relay_a = self.start_restream("clean/alice/s1", alice)
        relay_b = self.start_restream("clean/bob/s2", bob)

        # Each failure with whose fault it is: the key refused, the port closed, the name unknown.
        doc = self.wait_destinations("alice", "s1", {
            "Good": ("streaming", ""), "Denied": ("error", "auth"), "Closed": ("error", "unreachable"),
            "NoDNS": ("refused", "dns")}, SETTLED_GIVE_UP_S)
        self.wait_destinations("bob", "s2", {"BobOne": ("streaming", ""), "BobTwo": ("streaming", "")},
                               STREAMING_GIVE_UP_S)
        a = self.destinations(self.stream(doc, "alice", "s1"))
        self.assertEqual(self.stream(doc, "alice", "s1")["state"], "degraded")
        # relay-clean's encoder: streaming, fps over the last second near the 30 it makes.
        encoder = wait_for(lambda: next((h["encoder"] for h in self.stream(self.status_json(), "alice", "s1")["hooks"]
                                         if h.get("encoder") and h["encoder"]["fps"] > 20), None),
                           AT_SPEED_GIVE_UP_S, 0.5, "relay-clean's encoder at speed")
        self.assertEqual(encoder["state"], "streaming", encoder)
        self.assertLess(encoder["fps"], 40, encoder)
        self.assertGreater(encoder["startupSeconds"], 0, encoder)
        self.assertEqual(encoder["restarts"], 0, encoder)
        for name, key in (("Good", "a-good"), ("Denied", "a-deny"), ("Closed", "a-closed")):
            self.assertEqual(a[name]["keyFingerprint"], fingerprint(KEYS[key]), a[name])
        self.assertGreaterEqual(a["Denied"]["retries"], 2, a["Denied"])
        self.assertIn("Broken pipe", a["Denied"]["lastError"])
        self.assertIn("Connection refused", a["Closed"]["lastError"])
        self.assertGreater(a["Good"]["bytesOut"], 0)
        self.assertEqual(doc["mediamtx"]["answered"], self.backend == "mediamtx", doc["mediamtx"])
        if self.backend == "mediamtx":
            paths = {p["name"]: p for p in self.stream(doc, "alice", "s1")["paths"]}
            self.assertTrue(paths["clean/alice/s1"]["available"], paths)
            self.assertGreaterEqual(paths["clean/alice/s1"]["readers"], 1, paths)  # the Good copy at least

        # The table: one block per stream, one row per destination, the key as its fingerprint.
        table = self.status()
        self.assertRegex(table, r"(?m)^alice/s1  degraded$")
        self.assertRegex(table, r"(?m)^bob/s2  active$")
        self.assertRegex(table, rf"(?m)^    Denied\s+error\s+auth\s+\S+\s+\d+\s+0 B\s+{fingerprint(KEYS['a-deny'])}\s+")
        self.assertRegex(table, rf"(?m)^    Closed\s+error\s+unreachable\s+.*{fingerprint(KEYS['a-closed'])}")
        self.assertRegex(table, r"(?m)^    NoDNS\s+refused\s+dns\s+.*cannot resolve host nonexistent\.invalid")
        self.assertRegex(table, rf"(?m)^    Good\s+streaming\s+-\s+.*{fingerprint(KEYS['a-good'])}")
        self.assertRegex(table, rf"(?m)^  encoder  relay-clean pid {clean_a.pid}  streaming  fps \d")

        # The metrics, read by a strict parser of the exposition format.
        server, base = self.serve()
        content_type, text = self.get(base + "/metrics")
        self.assertTrue(content_type.startswith("text/plain; version=0.0.4"), content_type)
        metrics = prom.parse(text)
        state = "mtxrelay_destination_state"
        self.assertEqual(metrics[state].type, "gauge")
        self.assertEqual(prom.value(metrics, state, user="alice", stream="s1", destination="Denied", state="error"), 1)
        self.assertEqual(prom.value(metrics, state, user="alice", stream="s1", destination="Denied",
                                    state="streaming"), 0)
        self.assertEqual(prom.value(metrics, state, user="alice", stream="s1", destination="Good", state="streaming"),
                         1)
        self.assertEqual(prom.value(metrics, "mtxrelay_destination_failure_reason", destination="Denied",
                                    reason="auth"), 1)
        self.assertEqual(prom.value(metrics, "mtxrelay_destination_failure_reason", destination="Closed",
                                    reason="unreachable"), 1)
        self.assertEqual(prom.value(metrics, state, destination="NoDNS", state="refused"), 1)
        self.assertEqual(metrics["mtxrelay_destination_retries_total"].type, "counter")
        self.assertGreaterEqual(prom.value(metrics, "mtxrelay_destination_retries_total", destination="Denied"), 2)
        self.assertEqual(prom.value(metrics, "mtxrelay_stream_state", user="bob", stream="s2", state="active"), 1)
        self.assertEqual(prom.value(metrics, "mtxrelay_stream_state", user="alice", stream="s1", state="degraded"), 1)
        self.assertEqual(prom.value(metrics, "mtxrelay_mediamtx_api_up"), 1 if self.backend == "mediamtx" else 0)
        self.assertEqual(prom.value(metrics, "mtxrelay_encoder_up", tool="relay-clean", user="alice", stream="s1"), 1)
        self.assertGreater(prom.value(metrics, "mtxrelay_encoder_fps", tool="relay-clean", user="alice", stream="s1"), 0)
        self.assertEqual(len(prom.samples(metrics, "mtxrelay_hook_up", tool="relay-restream")), 2)
        self.assertEqual(len(prom.samples(metrics, "mtxrelay_hook_up", tool="relay-clean")), 1)
        _, status_body = self.get(base + "/status")
        self.assertEqual({(s["user"], s["stream"]) for s in json.loads(status_body)["streams"]},
                         {("alice", "s1"), ("bob", "s2")})

        # alice's publisher leaves: relay-clean waits for its input, the destinations for the
        # clean source. Both are states of the stream, not errors of the destinations.
        self.h.stop(pub_a)
        doc = self.wait_destinations("alice", "s1", {
            "Good": ("waiting", "source_gone"), "Denied": ("waiting", "source_gone"),
            "Closed": ("waiting", "source_gone"), "NoDNS": ("refused", "dns")}, SOURCE_GONE_GIVE_UP_S)
        self.assertEqual(self.stream(doc, "alice", "s1")["state"], "source_gone")
        encoder = next(h["encoder"] for h in self.stream(doc, "alice", "s1")["hooks"] if h.get("encoder"))
        self.assertEqual(encoder["state"], "waiting", encoder)
        self.assertEqual(self.stream(doc, "bob", "s2")["state"], "active")
        self.assertEqual({n: d["state"] for n, d in self.destinations(self.stream(doc, "bob", "s2")).items()},
                         {"BobOne": "streaming", "BobTwo": "streaming"})
        self.assertRegex(self.status(), r"(?m)^alice/s1  source_gone$")
        metrics = prom.parse(self.get(base + "/metrics")[1])
        self.assertEqual(prom.value(metrics, "mtxrelay_stream_state", user="alice", stream="s1", state="source_gone"),
                         1)
        self.assertEqual(prom.value(metrics, state, destination="Good", state="waiting"), 1)
        self.assertIn("the clean source", relay_a.stderr_text())

        # A hook killed outright leaves its document: relay-status names it stale, by its pid.
        relay_b.send_signal(signal.SIGKILL)
        relay_b.wait(KILLED_GIVE_UP_S)
        doc = wait_for(lambda: (d := self.status_json())["stale"] and d, KILLED_GIVE_UP_S, 0.5, "a stale document")
        self.assertEqual([(s["tool"], s["pid"], s["path"]) for s in doc["stale"]],
                         [("relay-restream", relay_b.pid, "clean/bob/s2")])
        self.assertRegex(self.status(), rf"stale: relay-restream pid {relay_b.pid} \(clean/bob/s2\) is gone")
        self.assertEqual(prom.value(prom.parse(self.get(base + "/metrics")[1]), "mtxrelay_stale_documents"), 1)

        # An orderly stop removes the document.
        self.h.stop(relay_a)
        self.h.stop(clean_a)
        self.assertEqual([d.name for d in self.runtime.glob("*.json") if str(relay_a.pid) in d.name
                          or str(clean_a.pid) in d.name], [])
        self.h.stop(server)
        harness.assert_no_secrets(self.outputs + [relay_a, clean_a, *self.runtime.glob("*.json")], list(KEYS.values()))


if __name__ == "__main__":
    harness.main()
