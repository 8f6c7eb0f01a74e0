"""relay-cf-url against a running relay-devcloud on loopback: the lookups an operator or a
hook makes, the cloud's failures (404, 401, 5xx, 429, hangs, floods, garbage), and that no
token or stream key ever reaches stderr."""

from __future__ import annotations

import time

import harness
from harness import HarnessTestCase

TOKEN = "tok-SENTINEL-7f3a9c"
CF_KEY = "cfkey-SENTINEL-b81d"
CF_URL = f"rtmps://live.cloudflare.com:443/live/{CF_KEY}"
SECRETS = [TOKEN, CF_KEY]

CONFIG = {
    "token": TOKEN,
    "streams": {"alice/s1": {"cf_url": CF_URL, "stream_keys": ["pub-SENTINEL-key"]}},
}

# Exit codes documented in relay-cf-url --help and docs/cloud-api.md.
NOT_FOUND, AUTH, UNREACHABLE, BAD_RESPONSE, USAGE = 3, 4, 5, 6, 2
# Give-up limit of one relay-cf-url run (it is then killed and the test fails naming it).
RUN_GIVE_UP_S = 60.0
# --cloud-timeout of the tests against a cloud that hangs or is down: the overall deadline of
# one lookup with its retries (docs/configuration.md, CLOUD_API_TIMEOUT).
DEADLINE_S = 3
# A lookup against a cloud that hangs every attempt ends at that deadline: from spawn to exit
# measured 3.06-3.07 s (3 runs). The bound is below two deadlines, so a tool that waited out a
# second attempt (or ignored the deadline: 10 s per attempt) fails it; its room over the
# deadline, 3 s, is over 40x the measured 0.07 s of start, retries and exit.
HUNG_BOUND_S = 2 * DEADLINE_S
# The Retry-After the cloud sends with its 429: the client must wait at least that long.
RETRY_AFTER_S = 2


class CfUrlTest(HarnessTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cloud = self.h.start_devcloud(CONFIG)

    def lookup(self, *args: str, env: dict[str, str] | None = None, token: str = TOKEN,
               timeout: float = RUN_GIVE_UP_S) -> harness.Proc:
        full_env = {"CLOUD_API_URL": self.cloud.url, "CLOUD_API_TOKEN": token}
        full_env.update(env or {})
        proc = self.h.run([self.h.bin("relay-cf-url"), *args], env=full_env, timeout=timeout, check=False)
        harness.assert_no_secrets([proc.stderr_text()], SECRETS)
        return proc

    def test_found_prints_only_the_url(self) -> None:
        proc = self.lookup("--user", "alice", "--stream", "s1")
        self.assertEqual(proc.returncode, 0, proc.tail())
        self.assertEqual(proc.stdout_text(), CF_URL + "\n")

    def test_hook_environment_gives_the_ids(self) -> None:
        proc = self.lookup(env={"MTX_PATH": "live/alice/s1", "G1": "alice", "G2": "s1"})
        self.assertEqual(proc.returncode, 0, proc.tail())
        self.assertEqual(proc.stdout_text().strip(), CF_URL)

    def test_json_prints_the_whole_answer(self) -> None:
        proc = self.lookup("--user", "alice", "--stream", "s1", "--json")
        self.assertEqual(proc.returncode, 0, proc.tail())
        self.assertEqual(harness.json.loads(proc.stdout_text()), {"url": CF_URL})

    def test_unknown_stream_is_404(self) -> None:
        proc = self.lookup("--user", "alice", "--stream", "nope")
        self.assertEqual(proc.returncode, NOT_FOUND, proc.tail())
        self.assertIn("404", proc.stderr_text())
        self.assertEqual(proc.stdout_text(), "")

    def test_wrong_token_is_auth_refused(self) -> None:
        proc = self.lookup("--user", "alice", "--stream", "s1", token="wrong-token")
        self.assertEqual(proc.returncode, AUTH, proc.tail())
        self.assertIn("CLOUD_API_TOKEN", proc.stderr_text())

    def test_two_500s_then_success_after_two_logged_retries(self) -> None:
        self.cloud.add_faults("/api/relay/cf-url/", [{"status": 500}, {"status": 500}])
        proc = self.lookup("--user", "alice", "--stream", "s1")
        self.assertEqual(proc.returncode, 0, proc.tail())
        self.assertEqual(proc.stdout_text().strip(), CF_URL)
        retries = [line for line in proc.stderr_text().splitlines() if "retry" in line]
        self.assertEqual(len(retries), 2, proc.stderr_text())
        self.assertTrue(all("HTTP 500" in line for line in retries), retries)
        statuses = [r["status"] for r in self.cloud.requests() if r["path"].startswith("/api/relay/cf-url/")]
        self.assertEqual(statuses, [500, 500, 200])

    def test_429_retry_after_is_honoured(self) -> None:
        self.cloud.add_faults("/api/relay/cf-url/", [{"status": 429, "headers": {"Retry-After": str(RETRY_AFTER_S)}}])
        started = time.monotonic()
        proc = self.lookup("--user", "alice", "--stream", "s1")
        elapsed = time.monotonic() - started
        self.assertEqual(proc.returncode, 0, proc.tail())
        self.assertGreaterEqual(elapsed, RETRY_AFTER_S,
                                f"the client did not wait the {RETRY_AFTER_S} s the cloud asked for")
        times = [r["received_at_ms"] for r in self.cloud.requests() if r["path"].startswith("/api/relay/cf-url/")]
        self.assertEqual(len(times), 2)
        self.assertGreaterEqual(times[1] - times[0], RETRY_AFTER_S * 1000 - 100)  # the cloud's ms clock
        self.assertIn(f"in {RETRY_AFTER_S:.1f} s", proc.stderr_text())

    def test_a_cloud_that_never_answers_fails_within_the_deadline(self) -> None:
        self.cloud.add_faults("/api/relay/cf-url/", [{"hang_ms": 60000}] * 5)
        started = time.monotonic()
        proc = self.lookup("--user", "alice", "--stream", "s1", "--cloud-timeout", str(DEADLINE_S))
        elapsed = time.monotonic() - started
        self.assertEqual(proc.returncode, UNREACHABLE, proc.tail())
        self.assertLess(elapsed, HUNG_BOUND_S, f"took {elapsed:.1f} s with a {DEADLINE_S} s deadline")
        self.assertIn("CLOUD_API_URL", proc.stderr_text())

    def test_a_cloud_that_is_down_fails_with_unreachable(self) -> None:
        port = self.h.free_port()
        proc = self.lookup("--user", "alice", "--stream", "s1", "--cloud-url", f"http://127.0.0.1:{port}",
                           "--cloud-timeout", str(DEADLINE_S))
        self.assertEqual(proc.returncode, UNREACHABLE, proc.tail())
        self.assertIn("cannot reach the cloud", proc.stderr_text())

    def test_a_10_mib_body_is_refused(self) -> None:
        self.cloud.add_faults("/api/relay/cf-url/", [{"body_bytes": 10 * 1024 * 1024}])
        proc = self.lookup("--user", "alice", "--stream", "s1")
        self.assertEqual(proc.returncode, BAD_RESPONSE, proc.tail())
        self.assertIn("larger than 1048576 bytes", proc.stderr_text())
        self.assertEqual(proc.stdout_text(), "")

    def test_invalid_json_is_a_clear_error(self) -> None:
        self.cloud.add_faults("/api/relay/cf-url/", [{"status": 200, "body": "<html>oops</html>"}])
        proc = self.lookup("--user", "alice", "--stream", "s1")
        self.assertEqual(proc.returncode, BAD_RESPONSE, proc.tail())
        self.assertIn("not valid JSON", proc.stderr_text())

    def test_a_missing_field_is_named(self) -> None:
        self.cloud.add_faults("/api/relay/cf-url/", [{"status": 200, "body": '{"ingest": "x"}'}])
        proc = self.lookup("--user", "alice", "--stream", "s1")
        self.assertEqual(proc.returncode, BAD_RESPONSE, proc.tail())
        self.assertIn("no field 'url'", proc.stderr_text())

    def test_dry_run_sends_nothing_and_masks_the_token(self) -> None:
        proc = self.lookup("--user", "alice", "--stream", "s1", "--dry-run")
        self.assertEqual(proc.returncode, 0, proc.tail())
        self.assertIn("GET ", proc.stdout_text())
        self.assertIn("Bearer ***", proc.stdout_text())
        harness.assert_no_secrets([proc.stdout_text()], SECRETS)
        self.assertEqual([r for r in self.cloud.requests() if r["path"].startswith("/api/")], [])

    def test_bad_ids_are_usage_errors_naming_the_value(self) -> None:
        for user in ["a b", "..", "x" * 129, "al/ice"]:
            proc = self.lookup("--user", user, "--stream", "s1")
            self.assertEqual(proc.returncode, USAGE, f"{user!r}: {proc.tail()}")
            self.assertIn("invalid user id", proc.stderr_text())
        proc = self.lookup()
        self.assertEqual(proc.returncode, USAGE, proc.tail())
        self.assertIn("--user", proc.stderr_text())


if __name__ == "__main__":
    harness.main()
