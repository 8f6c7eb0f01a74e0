"""Every dirty fixture, published at real time into the relay whose live/ path runs
relay-clean as a hook (env MTX_PATH, G1, G2; SIGINT on unpublish): the clean/ stream it
publishes passes `relay-inspect --profile cloudflare`; the seeds' command on the same
fixture fails it.

On MediaMTX (when a binary is given) the relay is the shipped mediamtx.yml: publishers are
authorised by relay-devcloud's validate endpoint with a stream key, and clean/ also runs
relay-restream and relay-hls-ready. MediaMTX drops the first 2 s of every RTMP publisher
(it reads them to find the tracks) and a reader of clean/ gets audio at once but video from
the next keyframe: each fixture is published twice in a row (it is 15-24 s long, and the
glasses' own keyframe gaps delay relay-clean's join), clean/ is recorded by a reader started
as soon as the path is available, and the recording is inspected from its first video
keyframe. On the nginx-rtmp stand-in, nginx records clean/ from its first byte."""

from __future__ import annotations

import json

import harness
from backends import RelayTestCase, on_each_backend
from harness import HarnessTestCase, wait_for

TOKEN = "tok-SENTINEL-f1x7"
STREAM_KEY = "pub-SENTINEL-f1x7"
BATCH = 3  # cleaners at once: SPEC §8 measured four 720p cleaners realtime on 2 cores


def fixtures() -> list[str]:
    manifest = json.loads((harness.REPO_ROOT / "tests" / "fixtures" / "manifest.json").read_text())
    return [f["name"] for f in manifest["fixtures"]]


@on_each_backend
class CleanFixturesTest(RelayTestCase):
    def inspect(self, media: str) -> tuple[int, str]:
        proc = self.h.run([self.h.bin("relay-inspect"), media, "--profile", "cloudflare"], timeout=120,
                          check=False, name="inspect")
        return proc.returncode, proc.stdout_text() + proc.stderr_text()

    def start_relay(self, cloud: harness.DevCloud, names: list[str]):
        env = {"RELAY_STATUS_INTERVAL": "5"}
        if self.backend == "mediamtx":
            return self.h.start_mediamtx(cloud=cloud, env=env)
        rtmp_port = self.h.free_port()
        env.update(cloud.env(), RELAY_RTMP_PORT=str(rtmp_port))
        ngx = self.h.start_nginx([
            {"name": "live", "path_regex": r"^live/([^/]+)/([^/]+)$", "env": env,
             "exec_push": [self.h.bin("relay-clean"), "--target", "local"]},
            {"name": "clean", "record": True},
        ], rtmp_port=rtmp_port)
        for name in names:
            ngx.prepare_stream("clean", f"fx/{name}")
        return ngx

    def record_when_available(self, relay, batch: list[str]) -> dict[str, harness.Proc]:
        """One reader of clean/fx/<name> per fixture, each started as soon as its path is available."""
        readers: dict[str, harness.Proc] = {}

        def start_ready() -> bool:
            for name in batch:
                if name not in readers and (relay.stream(f"clean/fx/{name}") or {}).get("publishing"):
                    readers[name] = self.h.record("clean", f"fx/{name}", self.h.path("rec", f"{name}.flv"),
                                                  proc_name=f"record-{name}")
            return len(readers) == len(batch)
        wait_for(start_ready, 60, 0.1, f"clean/fx/{{{','.join(batch)}}} to become available")
        return readers

    def test_every_fixture_comes_out_clean_through_the_hook(self) -> None:
        fixture_dir = harness.generate_fixtures()
        names = fixtures()
        cloud = self.h.start_devcloud({"token": TOKEN, "streams": {
            f"fx/{name}": {"stream_keys": [STREAM_KEY]} for name in names}})
        relay = self.start_relay(cloud, names)
        failures = []
        for start in range(0, len(names), BATCH):
            batch = names[start:start + BATCH]
            publishers, readers = {}, {}
            for name in batch:
                publishers[name] = self.h.publish(fixture_dir / f"{name}.flv", "live", f"fx/{name}?key={STREAM_KEY}",
                                                  loop=1 if relay.kind == "mediamtx" else False)
            if relay.kind == "mediamtx":
                readers = self.record_when_available(relay, batch)
            for name, pub in publishers.items():
                pub.wait(120)
            # Unpublish sends SIGINT to each hook; they must be gone within 5 s.
            for rec in relay.hook_runs("relay-clean"):
                wait_for(lambda: not harness.pid_alive(rec["pid"], rec.get("start_ticks")), 8, 0.1,
                         f"relay-clean pid {rec['pid']} to exit after unpublish")
            for name in batch:
                wait_for(lambda: not (relay.stream(f"clean/fx/{name}") or {}).get("publishing"), 10, 0.2,
                         f"clean/fx/{name} to end")
                if relay.kind == "mediamtx":
                    # MediaMTX closes the readers of a path whose publisher left.
                    self.assertEqual(readers[name].wait(10), 0, readers[name].tail())
                    recording = harness.trim_to_first_keyframe(self.h, readers[name].extra["out_path"])
                else:
                    recording = relay.root / "rec" / "clean" / f"fx%2F{name}.flv"
                rc, text = self.inspect(str(recording))
                if rc != 0:
                    failures.append(f"{name}: relay-inspect exit {rc}\n{text}")
        hook_log = relay.hook_output("relay-clean")
        # MediaMTX's whole log (every hook prints into it); nginx's own log is the stand-in's
        # (it logs publish arguments), so there only the hooks' output counts.
        relay_log = relay.log_text() if relay.kind == "mediamtx" else hook_log
        harness.assert_no_secrets([relay_log, json.dumps(cloud.events())], [TOKEN, STREAM_KEY])
        self.assertNotIn("error:", hook_log)
        self.assertEqual(failures, [], "\n".join(failures))
        statuses = {}
        for e in cloud.events("stream-status"):
            if "destinations" not in e["body"]:  # relay-clean's (relay-restream's list destinations)
                statuses.setdefault(e["body"]["streamId"], []).append(e["body"]["status"])
        for name in names:
            seq = statuses.get(name, [])
            self.assertTrue(seq and seq[0] == "active" and seq[-1] == "stopped", f"{name}: {seq}")



class SeedCommandFixturesTest(HarnessTestCase):
    """No relay server involved: the seeds' command on the files themselves."""

    def inspect(self, media: str) -> tuple[int, str]:
        return CleanFixturesTest.inspect(self, media)  # type: ignore[arg-type]

    def test_the_seeds_command_fails_the_same_fixtures(self) -> None:
        fixture_dir = harness.generate_fixtures()
        passed = []
        for name in fixtures():
            out = self.h.path("seed", f"{name}.flv")
            out.parent.mkdir(parents=True, exist_ok=True)
            proc = self.h.run([self.h.bin("relay-clean"), "--recipe", "seed", "--input", str(fixture_dir / f"{name}.flv"),
                               "--output", str(out)], timeout=180, check=False, name=f"seed-{name}")
            self.assertEqual(proc.returncode, 0, proc.tail())
            rc, text = self.inspect(str(out))
            self.assertEqual(rc, 1, text)  # 1: requirements failed (not an unreadable file)
            if rc == 0:
                passed.append(name)
            self.assertIn("FAIL", text)
        self.assertEqual(passed, [], "the seeds' command should fail the Cloudflare profile")


if __name__ == "__main__":
    harness.main()
