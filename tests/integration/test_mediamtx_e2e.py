"""The whole relay under real MediaMTX, run from the shipped mediamtx/mediamtx.yml: what a
user of the relay would notice, end to end, on loopback.

- Dirty glasses RTMP published to live/<user>/<stream>?key=<stream key> is authorised by
  relay-devcloud's validate endpoint; a wrong or missing key is refused and starts nothing;
  a publisher from outside loopback never publishes clean/... (the endpoint's rule, and a
  real publisher in a network namespace this test creates, when it can).
- relay-clean starts from runOnAvailable and publishes clean/<user>/<stream>; relay-restream
  fans it out to the cf-url ingest and the user's destinations, added and removed while live;
  relay-hls-ready POSTs hls-ready once; the hooks' own reads and publishes pass the endpoint.
- A hook that crashes is restarted by MediaMTX (after its fixed 5 s) and recovers.
- The publisher leaving stops every hook and every ffmpeg within seconds, with the final
  `stopped` status posts.
- Whatever the publisher's query holds, every hook starts; no key reaches MediaMTX's log.

Destinations are streams of a private nginx-rtmp (many connections, /stat per stream).
Without a MediaMTX binary every MediaMTX test here reports itself skipped, with the reason.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
import urllib.parse
import uuid

import harness
from backends import requires_mediamtx
from harness import HarnessTestCase, wait_for

TOKEN = "tok-SENTINEL-e2e-5c1d"
STREAM_KEY = "glasskey-SENTINEL-77b2"
KEYS = {name: f"destkey-SENTINEL-{name}-41aa" for name in ("cf", "b", "c", "d")}
NAMES = {"cf": "Cloudflare", "b": "B", "c": "C", "d": "D"}
SECRETS = [TOKEN, STREAM_KEY, *KEYS.values()]
HOOK_SETTINGS = {"RELAY_ALLOW_PRIVATE_DESTINATIONS": "1", "RELAY_STATUS_INTERVAL": "2",
                 "RELAY_RESTREAM_POLL_INTERVAL": "2", "RELAY_QUALITY": "480p"}
# From the publisher's departure to every hook and ffmpeg gone: docs/relay-clean.md's promise
# (a hook stops within 5 s of MediaMTX's SIGINT), kept, plus 0.5 s for MediaMTX to notice the
# departure and signal its hooks (it does so at once: every hook and ffmpeg measured gone 0.1 s
# after the publisher left; the test prints the figure).
HOOKS_GONE_BOUND_S = 5.0 + 0.5
# From SIGKILL of relay-restream to its copies gone: PR_SET_PDEATHSIG acts at once (measured
# 0.05 s here); the bound only rejects a survivor.
PDEATHSIG_BOUND_S = 2.0
# Give-up limits of the waits (none is a promise): a publisher's path, relay-clean's clean path,
# the "active" post, destinations receiving, a removed copy stopping and its ingest stream
# ending, the hls-ready post, a hook (re)started by MediaMTX (after its fixed 5 s), a hook's
# encoder started, the restarted relay-restream's destinations, the final posts, a refused
# publisher's end, an `ip` command.
PUBLISHING_GIVE_UP_S = 20
CLEAN_PUBLISHING_GIVE_UP_S = 60
ACTIVE_GIVE_UP_S = 30
RECEIVING_GIVE_UP_S = 20
REMOVED_GIVE_UP_S = 15
HLS_READY_GIVE_UP_S = 60
HOOK_RUN_GIVE_UP_S = 20
ENCODER_GIVE_UP_S = 40
RESTARTED_GIVE_UP_S = 30
FINAL_POSTS_GIVE_UP_S = 10
REFUSED_GIVE_UP_S = 30
IP_GIVE_UP_S = 10


def validate_body(ip: str, action: str, path: str, query: str = "") -> dict:
    """What MediaMTX v1.20.1 POSTs to authHTTPAddress (internal/auth/manager.go)."""
    return {"ip": ip, "user": "", "password": "", "token": "", "action": action, "path": path,
            "protocol": "rtmp", "id": str(uuid.uuid4()), "query": query,
            "userAgent": "FMLE/3.0 (compatible; Lavf59.27.100)"}


def copies(hook_pid: int) -> dict[str, int]:
    """Destination name -> PID of the relay-restream copy ffmpeg writing to it."""
    found = {}
    for pid in harness.descendants(hook_pid):
        info = harness.proc_info(pid)
        if info is None or info.comm != "ffmpeg" or info.state in ("Z", "X"):
            continue
        line = harness.cmdline(pid)
        for name, key in KEYS.items():
            if key in line:
                found[name] = pid
    return found


class ValidateEndpointTest(HarnessTestCase):
    """relay-devcloud's validate endpoint answering MediaMTX's own request body (no MediaMTX needed)."""

    def test_only_loopback_may_publish_clean_whatever_it_presents(self) -> None:
        cloud = self.h.start_devcloud({"token": TOKEN, "streams": {"alice/s1": {"stream_keys": [STREAM_KEY]}}})
        url = f"{cloud.url}/api/v1/streaming/validate"

        def allowed(ip: str, action: str, path: str, query: str = "") -> bool:
            resp = harness.http_request("POST", url, validate_body(ip, action, path, query))
            self.assertIn(resp.status, (200, 401), resp.text)
            return resp.status == 200

        for ip in ("203.0.113.7", "10.0.0.2", "192.168.1.20", "::ffff:10.0.0.2", "fe80::1", "0.0.0.0"):
            with self.subTest(ip=ip):
                self.assertFalse(allowed(ip, "publish", "clean/alice/s1", f"key={STREAM_KEY}"))
                self.assertTrue(allowed(ip, "publish", "live/alice/s1", f"key={STREAM_KEY}"))
        for ip in ("127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1"):
            with self.subTest(ip=ip):
                self.assertTrue(allowed(ip, "publish", "clean/alice/s1"))
        events = cloud.events("validate")
        self.assertTrue(events and all(set(e["body"]) == {"action", "path", "ip", "protocol", "allowed", "reason"}
                                       for e in events), events[:2])
        harness.assert_no_secrets([json.dumps(events), cloud.proc], SECRETS)


@requires_mediamtx
class MediaMtxRelayTest(HarnessTestCase):
    def start(self, streams: dict, **env: str):
        cloud = self.h.start_devcloud({"token": TOKEN, "streams": streams})
        mtx = self.h.start_mediamtx(cloud=cloud, env={**HOOK_SETTINGS, **env})
        return cloud, mtx

    @staticmethod
    def statuses(cloud: harness.DevCloud, tool: str) -> list[dict]:
        """stream-status bodies of relay-restream (they list destinations) or relay-clean."""
        bodies = [e["body"] for e in cloud.events("stream-status")]
        return [b for b in bodies if ("destinations" in b) == (tool == "relay-restream")]

    def states(self, cloud: harness.DevCloud) -> dict[str, str]:
        posts = self.statuses(cloud, "relay-restream")
        return {d["name"]: d["state"] for d in posts[-1]["destinations"]} if posts else {}

    def wait_states(self, cloud: harness.DevCloud, expected: dict[str, str], timeout: float) -> None:
        wait_for(lambda: all(self.states(cloud).get(k) == v for k, v in expected.items()), timeout, 0.2,
                 f"destination states {expected} (now {self.states(cloud)})")

    def assert_clean_log(self, mtx, cloud: harness.DevCloud) -> None:
        harness.assert_no_secrets([mtx.proc, json.dumps(cloud.events()), cloud.proc], SECRETS)

    # ------------------------------------------------------------------------------------------
    def test_glasses_to_every_destination_then_a_hook_crash_then_the_publisher_leaves(self) -> None:
        ingest = self.h.start_nginx([{"name": "sink"}])  # Cloudflare, B, C, D
        dest = {name: f"{ingest.rtmp_base}/sink/{key}" for name, key in KEYS.items()}

        def destination(name: str) -> dict:
            return {"url": dest[name], "name": NAMES[name]}

        def receiving(name: str) -> bool:
            s = ingest.stream("sink", KEYS[name])
            return bool(s and s["publishing"] and s["bytes_in"] > 100_000)

        cloud, mtx = self.start({"alice/s1": {"cf_url": dest["cf"], "stream_keys": [STREAM_KEY],
                                              "destinations": [destination("b"), destination("c")]}})
        glasses = harness.generate_fixtures() / "glasses_mix.flv"
        publisher = self.h.publish(glasses, "live", f"alice/s1?key={STREAM_KEY}", loop=True)

        # The key was checked by the cloud; relay-clean started on runOnAvailable with the ids.
        mtx.wait_publishing("live/alice/s1", timeout=PUBLISHING_GIVE_UP_S)
        check = cloud.wait_event("validate", lambda b: b["action"] == "publish" and b["path"] == "live/alice/s1")
        self.assertEqual((check["body"]["allowed"], check["body"]["reason"]), (True, "stream key accepted"))
        clean = mtx.wait_hook_run("relay-clean", path="live/alice/s1")
        self.assertEqual(clean["argv"], ["relay-clean", "--target", "local"])
        self.assertEqual((clean["env"]["G1"], clean["env"]["G2"]), ("alice", "s1"))
        self.assertEqual(clean["query"], urllib.parse.quote_plus(f"key={STREAM_KEY}", safe=""))

        # relay-clean publishes clean/alice/s1, which runs relay-restream and relay-hls-ready.
        mtx.wait_publishing("clean/alice/s1", timeout=CLEAN_PUBLISHING_GIVE_UP_S)
        # One join of the live input per run (the input pump, MediaMTX's only reader of
        # live/alice/s1) and one encoder publishing clean/.
        encoder = harness.ffmpeg_descendants(clean["pid"], "libx264")
        self.assertEqual(len(encoder), 1)
        self.assertIn("-rtmp_app clean", harness.cmdline(encoder[0]))
        pump = harness.ffmpeg_descendants(clean["pid"], "-f data")
        self.assertEqual(len(pump), 1)
        self.assertIn("-rtmp_playpath alice/s1", harness.cmdline(pump[0]))
        self.assertEqual(mtx.readers("live/alice/s1"), 1)
        # It learnt the input's tracks from MediaMTX's API and counts its start-up from the publish.
        self.assertRegex(mtx.hook_output("relay-clean"), r"MediaMTX API: H264 \d+x\d+, with audio")
        active = cloud.wait_event("stream-status", lambda b: b["status"] == "active", timeout=ACTIVE_GIVE_UP_S)["body"]
        self.assertEqual(active["startupFrom"], "publish")
        restream = mtx.wait_hook_run("relay-restream", path="clean/alice/s1")
        mtx.wait_hook_run("relay-hls-ready", path="clean/alice/s1")

        # Fan-out: the cf-url ingest and both destinations receive.
        self.wait_states(cloud, {"Cloudflare": "streaming", "B": "streaming", "C": "streaming"}, 40)
        wait_for(lambda: all(receiving(n) for n in ("cf", "b", "c")), RECEIVING_GIVE_UP_S, 0.2,
                 "cf, B and C to receive")
        before = copies(restream["pid"])
        self.assertEqual(set(before), {"cf", "b", "c"})

        # D added while live: one more ffmpeg, the others untouched.
        cloud.set_destinations("alice", "s1", [destination("b"), destination("c"), destination("d")])
        self.wait_states(cloud, {"D": "streaming"}, 20)
        wait_for(lambda: receiving("d"), RECEIVING_GIVE_UP_S, 0.2, "D to receive")
        # C removed while live: its ffmpeg and its ingest stream end, the others untouched.
        cloud.set_destinations("alice", "s1", [destination("b"), destination("d")])
        wait_for(lambda: "c" not in copies(restream["pid"]), REMOVED_GIVE_UP_S, 0.1, "C's copy to stop")
        wait_for(lambda: not receiving("c"), REMOVED_GIVE_UP_S, 0.2, "C's ingest stream to end")
        after = copies(restream["pid"])
        self.assertEqual({n: after[n] for n in ("cf", "b")}, {n: before[n] for n in ("cf", "b")})
        self.assertFalse(harness.pid_alive(before["c"]))

        # hls-ready, once, with the URLs of clean/alice/s1 on this relay.
        ready = cloud.wait_event("hls-ready", timeout=HLS_READY_GIVE_UP_S)["body"]
        self.assertEqual(ready, {"userId": "alice", "streamId": "s1",
                                 "hlsUrl": f"{mtx.http_base}/clean/alice/s1/index.m3u8",
                                 "webrtcUrl": f"{mtx.webrtc_base}/clean/alice/s1/whep"})

        # A crash: relay-restream SIGKILLed takes its copies along; MediaMTX restarts it after
        # its fixed 5 s, and the new one brings every destination back.
        running = copies(restream["pid"])
        self.h.snapshot()
        os.kill(restream["pid"], signal.SIGKILL)
        killed_at = time.time()
        wait_for(lambda: not any(harness.pid_alive(p) for p in running.values()), PDEATHSIG_BOUND_S, 0.05,
                 "the copies to die with relay-restream")
        again = mtx.wait_hook_run("relay-restream", 2, timeout=HOOK_RUN_GIVE_UP_S, path="clean/alice/s1")
        self.assertGreaterEqual(again["time"] - killed_at, 4.9, "MediaMTX restarts a hook after 5 s")
        wait_for(lambda: set(copies(again["pid"])) == {"cf", "b", "d"}, RESTARTED_GIVE_UP_S, 0.2, "the new copies")
        self.assertIn("[path clean/alice/s1] runOnAvailable command exited", mtx.log_text())
        posts_before = len(self.statuses(cloud, "relay-restream"))
        wait_for(lambda: len(self.statuses(cloud, "relay-restream")) > posts_before
                 and all(s == "streaming" for s in self.states(cloud).values())
                 and set(self.states(cloud)) == {"Cloudflare", "B", "D"}, RESTARTED_GIVE_UP_S, 0.2,
                 f"the restarted relay-restream to report every destination streaming (now {self.states(cloud)})")
        sizes = {n: ingest.stream("sink", KEYS[n])["bytes_in"] for n in ("cf", "b", "d")}
        wait_for(lambda: all(ingest.stream("sink", KEYS[n])["bytes_in"] > sizes[n] + 50_000 for n in sizes),
                 15, 0.2, "every destination to keep receiving after the restart")

        # The publisher leaves: MediaMTX SIGINTs every hook; hooks and ffmpegs are gone within
        # seconds and both long-running hooks post a final `stopped`.
        self.h.snapshot()
        ffmpegs = [p for p in harness.descendants(mtx.pid) if harness.proc_info(p).comm == "ffmpeg"]
        self.assertGreaterEqual(len(ffmpegs), 4, "relay-clean's encoder and 3 copies")
        self.h.stop(publisher)
        left_at = time.monotonic()
        # docs/relay-clean.md: a hook is gone within 5 s of MediaMTX's SIGINT, which follows
        # the publisher's departure at once.
        for run in mtx.hook_runs():
            wait_for(lambda: not harness.pid_alive(run["pid"], run["start_ticks"]),
                     max(0.1, left_at + HOOKS_GONE_BOUND_S - time.monotonic()), 0.05,
                     f"{run['tool']} (pid {run['pid']}) to exit within 5 s of the publisher leaving")
        gone_after = time.monotonic() - left_at
        self.assertFalse([p for p in ffmpegs if harness.pid_alive(p)], "an ffmpeg outlived its hook")
        self.assertEqual(harness.descendants(mtx.pid), [])
        wait_for(lambda: self.statuses(cloud, "relay-clean")[-1]["status"] == "stopped"
                 and self.statuses(cloud, "relay-restream")[-1]["status"] == "stopped", FINAL_POSTS_GIVE_UP_S, 0.2,
                 "the final stopped status posts")
        self.assertEqual(len(cloud.events("hls-ready")), 1, "hls-ready is sent once")
        print(f"\n  every hook and ffmpeg gone {gone_after:.1f} s after the publisher left", flush=True)

        # The hooks' own reads and publishes went through the endpoint, from loopback.
        checks = {(e["body"]["action"], e["body"]["path"], e["body"]["ip"], e["body"]["allowed"])
                  for e in cloud.events("validate")}
        self.assertIn(("read", "live/alice/s1", "127.0.0.1", True), checks)
        self.assertIn(("publish", "clean/alice/s1", "127.0.0.1", True), checks)
        self.assertEqual(harness.error_lines(mtx.hook_output("relay-clean")), [])
        self.assert_clean_log(mtx, cloud)

    def test_a_wrong_or_missing_key_is_refused_and_starts_nothing(self) -> None:
        cloud, mtx = self.start({"alice/s1": {"stream_keys": [STREAM_KEY]}})
        media = self.h.make_test_media(6)
        wrong = "wrongkey-SENTINEL-0d9e"
        for query in (f"key={wrong}", "", f"pass={wrong}", f"key={STREAM_KEY[:-1]}"):
            with self.subTest(query=query):
                pub = self.h.publish(media, "live", "alice/s1" + (f"?{query}" if query else ""))
                self.assertNotEqual(pub.wait(REFUSED_GIVE_UP_S), 0, "MediaMTX took a publisher with a wrong key")
                self.assertIn("authentication failed", pub.stderr_text())
        self.assertIsNone(mtx.stream("live/alice/s1"))
        self.assertEqual(mtx.hook_runs(), [], "a refused publisher started a hook")
        refused = [e["body"] for e in cloud.events("validate")]
        self.assertEqual(len(refused), 4, refused)
        self.assertTrue(all(not b["allowed"] and b["reason"] == "missing or wrong stream key" for b in refused))
        self.assertEqual(len([ln for ln in mtx.log_text().splitlines()
                              if " WAR " in ln and "failed to authenticate: server replied with code 401" in ln]), 4)
        # A publisher that is refused does not get its key or query echoed anywhere.
        harness.assert_no_secrets([mtx.proc, json.dumps(cloud.events())], [*SECRETS, wrong])

    def test_whatever_the_query_holds_every_hook_starts(self) -> None:
        odd = {"s1": f"key={STREAM_KEY}&x=%", "s2": f"key={STREAM_KEY}&%zz=%zz", "s3": f"&&key={STREAM_KEY}&&&=&",
               "s4": f"key={STREAM_KEY}&u=\u00fc\u20ac\u6f22", "s5": f"key={STREAM_KEY}&pad=" + "%" * 4000}
        too_long = f"key={STREAM_KEY}&pad=" + "%" * 50000
        streams = {f"alice/{s}": {"stream_keys": [STREAM_KEY]} for s in [*odd, "s6"]}
        cloud, mtx = self.start(streams, RELAY_QUALITY="480p")
        media = self.h.make_test_media(30, gop_seconds=1)
        publishers = {s: self.h.publish(media, "live", f"alice/{s}?{q}", loop=True, proc_name=f"publish-{s}")
                      for s, q in odd.items()}
        for stream, query in odd.items():
            with self.subTest(stream=stream):
                run = mtx.wait_hook_run("relay-clean", path=f"live/alice/{stream}", timeout=HOOK_RUN_GIVE_UP_S)
                self.assertEqual(run["query"], urllib.parse.quote_plus(query, safe=""))
                # Past the hook context: it probed its input and started the encoder.
                wait_for(lambda: "started ffmpeg pid" in mtx.hook_output("relay-clean", f"live/alice/{stream}"),
                         ENCODER_GIVE_UP_S, 0.2, f"relay-clean on live/alice/{stream} to start its ffmpeg")
                self.assertTrue(harness.pid_alive(run["pid"], run["start_ticks"]))
                self.h.stop(publishers[stream])
        # 50 KB of '%' would be 150 KB in MTX_QUERY: over Linux's 128 KiB per environment string,
        # no hook could be started. The cloud refuses such a publisher with the reason.
        pub = self.h.publish(media, "live", f"alice/s6?{too_long}", proc_name="publish-s6")
        self.assertNotEqual(pub.wait(REFUSED_GIVE_UP_S), 0)
        refusal = cloud.wait_event("validate", lambda b: b["path"] == "live/alice/s6")["body"]
        self.assertFalse(refusal["allowed"])
        self.assertIn("query longer than 4096 bytes", refusal["reason"])
        self.assertEqual(mtx.hook_runs(path="live/alice/s6"), [])
        output = mtx.hook_output("relay-clean")
        self.assertNotIn("MTX_QUERY", output)
        self.assertEqual(harness.error_lines(output), [])
        self.assertNotIn("argument list too long", mtx.log_text())
        self.assert_clean_log(mtx, cloud)


@requires_mediamtx
class NonLoopbackPublisherTest(HarnessTestCase):
    """A publisher in a network namespace this test creates (a veth pair, 10.x.y.0/30) reaches
    a MediaMTX whose RTMP listens on the host end: it may publish live/... with its key, and
    never clean/... Needs root and `ip netns`; skipped with the reason otherwise."""

    def setUp(self) -> None:
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("needs root to create a network namespace (ip netns add)")
        tag = f"{os.getpid() % 10000:04d}{random.randint(0, 99):02d}"
        self.ns, self.host_if, self.ns_if = f"mtxrelay-{tag}", f"mtxh{tag}", f"mtxn{tag}"
        in_use = subprocess.run(["ip", "-4", "addr"], capture_output=True, text=True, timeout=IP_GIVE_UP_S).stdout
        while True:  # a /30 nobody on this machine uses
            net = f"10.{random.randint(64, 254)}.{random.randint(0, 255)}.{random.randint(0, 63) * 4}"
            prefix = net.rsplit(".", 1)[0] + "."
            if prefix not in in_use:
                break
        last = int(net.rsplit(".", 1)[1])
        self.host_ip, self.ns_ip = f"{prefix}{last + 1}", f"{prefix}{last + 2}"
        steps = [["ip", "netns", "add", self.ns],
                 ["ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if],
                 ["ip", "link", "set", self.ns_if, "netns", self.ns],
                 ["ip", "addr", "add", f"{self.host_ip}/30", "dev", self.host_if],
                 ["ip", "link", "set", self.host_if, "up"],
                 ["ip", "-n", self.ns, "addr", "add", f"{self.ns_ip}/30", "dev", self.ns_if],
                 ["ip", "-n", self.ns, "link", "set", self.ns_if, "up"]]
        self.addCleanup(self._remove_namespace)
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, timeout=IP_GIVE_UP_S)
            if done.returncode != 0:
                self.skipTest(f"cannot create a network namespace here: {' '.join(step)}: {done.stderr.strip()}")

    def _remove_namespace(self) -> None:
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True, timeout=IP_GIVE_UP_S)
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True, timeout=IP_GIVE_UP_S)

    def publish_from_namespace(self, media, path: str) -> harness.Proc:
        url = f"rtmp://{self.host_ip}:{self.mtx.rtmp_port}/{path}"
        return self.h.spawn(["ip", "netns", "exec", self.ns, harness.FFMPEG, "-hide_banner", "-nostdin",
                             "-loglevel", "warning", "-re", "-i", str(media), "-c", "copy",
                             *harness.ffmpeg_rtmp_args(url)], name="publish-from-namespace")

    def test_a_publisher_from_outside_loopback_never_publishes_clean(self) -> None:
        cloud = self.h.start_devcloud({"token": TOKEN, "streams": {"alice/s1": {"stream_keys": [STREAM_KEY]}}})
        # Hooks off: they would reach the host address, not 127.0.0.1, and be refused in turn.
        self.mtx = self.h.start_mediamtx(cloud=cloud, hooks=False, rtmp_host=self.host_ip)
        media = self.h.make_test_media(8)
        refused = self.publish_from_namespace(media, f"clean/alice/s1?key={STREAM_KEY}")
        self.assertNotEqual(refused.wait(REFUSED_GIVE_UP_S), 0, "a publisher from outside loopback published clean/")
        self.assertIn("authentication failed", refused.stderr_text())
        self.assertIsNone(self.mtx.stream("clean/alice/s1"))
        allowed = self.publish_from_namespace(media, f"live/alice/s1?key={STREAM_KEY}")
        self.mtx.wait_publishing("live/alice/s1", timeout=PUBLISHING_GIVE_UP_S)  # the same network path works for live/
        allowed.wait(REFUSED_GIVE_UP_S)
        checks = [(e["body"]["path"], e["body"]["ip"], e["body"]["allowed"], e["body"]["reason"])
                  for e in cloud.events("validate")]
        self.assertIn(("clean/alice/s1", self.ns_ip, False, "clean/ is published by the relay only"), checks)
        self.assertIn(("live/alice/s1", self.ns_ip, True, "stream key accepted"), checks)
        harness.assert_no_secrets([self.mtx.proc, json.dumps(cloud.events())], SECRETS)


if __name__ == "__main__":
    harness.main()
