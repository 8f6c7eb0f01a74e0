"""Every dirty fixture, published at real time into the MediaMTX stand-in whose live/ path
runs relay-clean as a hook (env MTX_PATH, G1, G2; SIGINT on unpublish, as MediaMTX does):
the clean/ stream it publishes, recorded from its first byte, passes
`relay-inspect --profile cloudflare`; the seeds' command on the same fixture fails it."""

from __future__ import annotations

import json
import harness
from harness import HarnessTestCase, wait_for

TOKEN = "tok-SENTINEL-f1x7"
BATCH = 3  # cleaners at once: SPEC §8 measured four 720p cleaners realtime on 2 cores


def fixtures() -> list[str]:
    manifest = json.loads((harness.REPO_ROOT / "tests" / "fixtures" / "manifest.json").read_text())
    return [f["name"] for f in manifest["fixtures"]]


class CleanFixturesTest(HarnessTestCase):
    def inspect(self, media: str) -> tuple[int, str]:
        proc = self.h.run([self.h.bin("relay-inspect"), media, "--profile", "cloudflare"], timeout=120,
                          check=False, name="inspect")
        return proc.returncode, proc.stdout_text() + proc.stderr_text()

    def test_every_fixture_comes_out_clean_through_the_hook(self) -> None:
        fixture_dir = harness.generate_fixtures()
        cloud = self.h.start_devcloud({"token": TOKEN, "streams": {}})
        rtmp_port = self.h.free_port()
        env = {**cloud.env(), "RELAY_STATUS_INTERVAL": "5", "RELAY_RTMP_PORT": str(rtmp_port)}
        ngx = self.h.start_nginx([
            {"name": "live", "path_regex": r"^live/([^/]+)/([^/]+)$", "env": env,
             "exec_push": [self.h.bin("relay-clean"), "--target", "local"]},
            {"name": "clean", "record": True},
        ], rtmp_port=rtmp_port)
        failures = []
        names = fixtures()
        for start in range(0, len(names), BATCH):
            batch = names[start:start + BATCH]
            publishers = {}
            for name in batch:
                ngx.prepare_stream("clean", f"fx/{name}")
                publishers[name] = self.h.publish(fixture_dir / f"{name}.flv", "live", f"fx/{name}")
            for name, pub in publishers.items():
                pub.wait(120)
            # Unpublish sends SIGINT to each hook; they must be gone within 5 s.
            for rec in ngx.hook_starts("live"):
                wait_for(lambda: not harness.pid_alive(rec["pid"], rec.get("start_ticks")), 8, 0.1,
                         f"relay-clean pid {rec['pid']} to exit after unpublish")
            for name in batch:
                wait_for(lambda: not ngx.stream("clean", f"fx/{name}"), 10, 0.2, f"clean/fx/{name} to end")
                recording = ngx.root / "rec" / "clean" / f"fx%2F{name}.flv"
                rc, text = self.inspect(str(recording))
                if rc != 0:
                    failures.append(f"{name}: relay-inspect exit {rc}\n{text}")
        hook_log = ngx.hook_text("live")
        harness.assert_no_secrets([hook_log, json.dumps(cloud.events())], [TOKEN])
        self.assertNotIn("error:", hook_log)
        self.assertEqual(failures, [], "\n".join(failures))
        statuses = {}
        for e in cloud.events("stream-status"):
            statuses.setdefault(e["body"]["streamId"], []).append(e["body"]["status"])
        for name in names:
            seq = statuses.get(name, [])
            self.assertTrue(seq and seq[0] == "active" and seq[-1] == "stopped", f"{name}: {seq}")

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
