"""The troubleshooting runbook of docs/operations.md, run the way an operator runs it against
the stand-in relay: a live publisher on live/alice/s1, relay-clean and relay-restream started
as MediaMTX starts them, relay-devcloud for the cloud, a destination that takes the stream
("Cloudflare", the cf-url) and one that refuses the key ("YouTube": nginx-rtmp's `deny
publish`, what a platform does with a wrong key). Each command the runbook shows is taken
from the page and run with the test's own ports in place of the documented ones, and its
output is checked against what the page says the operator sees:

- `relay-status`: every line of the page's example session, with its figures, times, pids
  and the `...` of the text as placeholders (the `path` rows and the API's path count need
  MediaMTX: on nginx-rtmp those lines are reported skipped, with the reason);
- `relay-status --json` and `relay-status --serve` (`/metrics` holds every metric of the
  page's table, `/status`, `/`);
- the `KEY` fingerprint against `printf %s 'KEY' | sha256sum | cut -c1-4`;
- `relay-inspect` of the live and the clean path (their keyframe lines), the hand run of the
  hook with `--output` and its exit line as the page's Exit codes section writes it, then
  `relay-inspect` of its file;
- with MediaMTX only: `curl -s 127.0.0.1:9997/v3/paths/list` and the `/v3/info` health check
  of docs/deploy.md.

A step the docs change (a renamed flag, an output that no longer looks as shown) fails here.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import signal
import subprocess
import urllib.request

import harness
from backends import RelayTestCase, on_each_backend
from harness import wait_for

OPERATIONS = harness.REPO_ROOT / "docs" / "operations.md"
DEPLOY = harness.REPO_ROOT / "docs" / "deploy.md"
TOKEN = "tok-SENTINEL-runb00k"
KEYS = {"cf": "cfkey-SENTINEL-runb00k", "yt": "ytkey-SENTINEL-runb00k"}
SECRETS = [TOKEN, *KEYS.values()]
# The documented addresses, replaced by the test's own listeners.
DOC_RTMP, DOC_MTX_API, DOC_SERVE = "127.0.0.1:1935", "127.0.0.1:9997", "127.0.0.1:9108"
# The runbook's placeholder stream and file, and the stream the test runs.
DOC_PATH_IDS, DOC_FILE, IDS = "u/s", "/tmp/x.flv", "alice/s1"
# The runbook's live reads run 20-30 s (`--duration`); the test reads this long instead: four
# 2 s GOPs, enough for the keyframe line's interval min/max, and read while the destinations
# settle, so the reads cost no time of their own.
READ_S = 8
# The hand run of the hook (`--output /tmp/x.flv`) is stopped once its file holds this much of
# the clean output: more than two 2 s keyframe intervals, which relay-inspect needs to judge
# the GOP (below that it reports UNKNOWN and exits 1).
HAND_RUN_OUTPUT_S = 6.0
# The clean output's keyframe interval (docs: exactly RELAY_GOP_SECONDS, default 2, by time),
# read from relay-inspect's 3-decimal figures; the publisher's GOP (-g 60 at 30 fps) is 2 s too.
GOP_S, GOP_TOLERANCE_S = 2.0, 0.05
# Give-up limits of the waits (not bounds of anything the runbook promises): the publisher's
# path, the clean path's first publish, the refused destination reaching `error` after its 3
# failures (backoff up to 1+2+4 s), a process printing its first line, an HTTP answer, a live
# read or a run of the tools.
PUBLISHING_GIVE_UP_S = 15
CLEAN_UP_GIVE_UP_S = 30
SETTLED_GIVE_UP_S = 60
FIRST_LINE_GIVE_UP_S = 10
HTTP_GIVE_UP_S = 10
RUN_GIVE_UP_S = 60


def code_blocks(text: str) -> list[list[str]]:
    blocks, current = [], None
    for line in text.splitlines():
        if line.startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def sessions(text: str) -> list[tuple[str, list[str]]]:
    """(command, output lines) of every code block that shows a shell session: `$ command`."""
    return [(block[0][2:], block[1:]) for block in code_blocks(text) if block and block[0].startswith("$ ")]


def inline(text: str, pattern: str) -> list[str]:
    """Inline code spans of the page that match pattern from their start."""
    return [span for span in re.findall(r"`([^`\n]+)`", text) if re.match(pattern, span)]


# What varies from run to run in an example line, and what it may be instead.
_VARIABLE = [
    (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"),  # a log/generation time
    (r"\d\d:\d\d:\d\d", r"\d\d:\d\d:\d\d"),  # a time of day
    (r"key#[0-9a-f]{4}", r"key#[0-9a-f]{4}"),  # a key's fingerprint
    (r"\.\.\.", r".*"),  # the example's own ellipsis
    (r"(?<=\d )[kMG]?B\b", r"[kMG]?B"),  # a size's unit
    (r"(?<![\w/])/[\w/.-]+", r"/\S+"),  # a directory (the runtime dir)
    (r"\d+(?:\.\d+)?|\b[NK]\b", r"\d+(?:\.\d+)?"),  # a figure, a pid, the text's N and K
    (r"\s+", r"\s+"),  # column padding
]
_VARIABLE_RE = re.compile("|".join(f"({p})" for p, _ in _VARIABLE))


def example_pattern(line: str) -> re.Pattern:
    """A regex a real output line must match in full to be the example line of the docs."""
    out, pos = [], 0
    for m in _VARIABLE_RE.finditer(line):
        out.append(re.escape(line[pos:m.start()]))
        out.append(_VARIABLE[m.lastindex - 1][1])
        pos = m.end()
    out.append(re.escape(line[pos:]))
    return re.compile("".join(out).rstrip())


def keyframe_intervals(report: str) -> tuple[float, float]:
    """(min, max) of relay-inspect's `keyframes N, interval min A / max B` line."""
    m = re.search(r"keyframes \d+, interval min ([\d.]+) / max ([\d.]+)", report)
    if m is None:
        raise AssertionError(f"no keyframe interval line in relay-inspect's report:\n{report}")
    return float(m.group(1)), float(m.group(2))


@on_each_backend
class RunbookTest(RelayTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.text = OPERATIONS.read_text()
        # The destinations' server: an app that takes the stream, one that refuses the publish.
        self.dest = self.h.start_nginx([{"name": "sink"}, {"name": "deny", "extra": ["deny publish all;"]}])
        if self.backend == "mediamtx":
            self.server = self.h.start_mediamtx(hooks=False)
            self.api = f"127.0.0.1:{self.server.api_port}"
        else:
            self.server = self.h.start_nginx([{"name": "live"}, {"name": "clean"}])
            self.api = "off"  # nginx-rtmp has no control API
        self.cloud = self.h.start_devcloud({"token": TOKEN, "streams": {IDS: {
            "cf_url": f"{self.dest.rtmp_base}/sink/{KEYS['cf']}",
            "destinations": [{"name": "YouTube", "url": f"{self.dest.rtmp_base}/deny/{KEYS['yt']}"}]}}})
        self.runtime = self.h.path("runtime")
        # What a hook and an operator's shell on the relay host share.
        self.env = {**self.cloud.env(), "RELAY_RTMP_PORT": str(self.server.rtmp_port),
                    "RELAY_RUNTIME_DIR": str(self.runtime), "RELAY_MTX_API": self.api,
                    "RELAY_ALLOW_PRIVATE_DESTINATIONS": "1",
                    # Two encoders at once (the hook and the hand run) on a shared 2-core machine.
                    "RELAY_QUALITY": "480p"}
        self.outputs: list[str] = []

    # -- helpers -----------------------------------------------------------
    def shown(self, command: str) -> list[str]:
        """A command of the docs as argv, on this relay: its ports, its stream, its files."""
        command = (command.replace(DOC_RTMP, f"127.0.0.1:{self.server.rtmp_port}")
                   .replace(f"/{DOC_PATH_IDS}", f"/{IDS}").replace(f"={DOC_PATH_IDS}", f"={IDS}")
                   .replace(DOC_FILE, str(self.h.path("x.flv"))))
        if self.backend == "mediamtx":
            command = command.replace(DOC_MTX_API, self.api)
        return shlex.split(command)

    def tool_argv(self, argv: list[str]) -> tuple[list[str], dict[str, str]]:
        """VAR=value words become environment; the tool is the one built here."""
        env = dict(self.env)
        while "=" in argv[0]:
            key, value = argv.pop(0).split("=", 1)
            env[key] = value
        return [self.h.bin(argv[0]), *argv[1:]], env

    def run_tool(self, argv: list[str], name: str, check: bool = True) -> harness.Proc:
        argv, env = self.tool_argv(argv)
        proc = self.h.run(argv, env=env, timeout=RUN_GIVE_UP_S, check=check, name=name)
        self.outputs += [proc.stdout_text(), proc.stderr_text()]
        return proc

    def spawn_tool(self, argv: list[str], name: str) -> harness.Proc:
        argv, env = self.tool_argv(argv)
        return self.h.spawn(argv, env=env, name=name)

    def status_json(self) -> dict:
        return json.loads(self.run_tool(["relay-status", "--json"], "relay-status-json").stdout_text())

    def destinations(self) -> dict[str, dict]:
        stream = next((s for s in self.status_json()["streams"] if f"{s['user']}/{s['stream']}" == IDS), {})
        return {d["name"]: d for hook in stream.get("hooks", []) for d in hook.get("destinations", [])}

    def settled(self) -> dict[str, dict] | None:
        now = self.destinations()
        cf, yt = now.get("Cloudflare", {}), now.get("YouTube", {})
        done = cf.get("state") == "streaming" and cf.get("bytesOut", 0) > 0 and \
            (yt.get("state"), yt.get("reason")) == ("error", "auth")
        return now if done else None

    def get(self, url: str) -> tuple[str, str]:
        with urllib.request.urlopen(url, timeout=HTTP_GIVE_UP_S) as resp:  # noqa: S310 - loopback
            body = resp.read().decode()
            self.outputs.append(body)
            return resp.headers.get("Content-Type", ""), body

    # -- the runbook -------------------------------------------------------
    def test_the_runbook_commands_show_what_the_page_says(self) -> None:
        publisher = self.h.spawn([harness.FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
                                  "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
                                  "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                                  "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "60",
                                  "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
                                  *harness.ffmpeg_rtmp_args(self.server.rtmp_url(f"live/{IDS}"))], name="publisher")
        self.server.wait_publishing(f"live/{IDS}", timeout=PUBLISHING_GIVE_UP_S)
        clean = self.spawn_tool([f"MTX_PATH=live/{IDS}", "relay-clean"], "relay-clean-hook")
        self.server.wait_publishing(f"clean/{IDS}", timeout=CLEAN_UP_GIVE_UP_S)
        restream = self.spawn_tool([f"MTX_PATH=clean/{IDS}", "relay-restream", "--poll-interval", "2",
                                    "--status-interval", "2"], "relay-restream-hook")

        # While the destinations settle: the live reads and the hand run of the hook.
        reads = {}
        for app in ("live", "clean"):
            shown = inline(self.text, rf"relay-inspect rtmp://{re.escape(DOC_RTMP)}/{app}/")
            self.assertTrue(shown, f"the runbook no longer shows a relay-inspect of the {app} path")
            argv = self.shown(shown[0])
            argv[argv.index("--duration") + 1] = str(READ_S)
            reads[app] = self.spawn_tool(argv, f"relay-inspect-{app}")
        hand = re.search(r"`(MTX_PATH=\S+ relay-clean) --dry-run`, then\s+without `--dry-run` and with `([^`]+)`, then"
                         r" `(relay-inspect [^`]+)`", self.text)
        self.assertIsNotNone(hand, "the runbook's hand run of the hook (dry run, --output, relay-inspect) is gone")
        hand_env = f"RELAY_RUNTIME_DIR={self.h.path('hand-runtime')}"  # its state document apart from the hooks'
        hand_run = self.spawn_tool([hand_env, *self.shown(hand.group(1)), *self.shown(hand.group(2))],
                                   "relay-clean-by-hand")

        doc = wait_for(self.settled, SETTLED_GIVE_UP_S, 0.5, "Cloudflare streaming and YouTube refused (auth)")

        # "relay-status": the example session, line by line.
        (command, example), = [s for s in sessions(self.text) if s[0].startswith("relay-status")]
        table = self.run_tool(self.shown(command), "relay-status").stdout_text().splitlines()
        remaining = list(table)
        for line in example:
            if not line.strip():
                continue
            if self.backend != "mediamtx" and (line.startswith("  path ") or line.startswith("relay-status ")):
                with self.subTest(example=line):
                    if line.startswith("relay-status "):  # the header without the API's path count
                        pattern = example_pattern(line.split("  MediaMTX ")[0])
                        self.assertTrue(any(pattern.match(t) for t in table), f"{line!r} not in:\n" + "\n".join(table))
                    self.skipTest("MediaMTX's path list needs MediaMTX: runs in RunbookTestMediaMtx when "
                                  "MTXRELAY_MEDIAMTX names a binary")
                continue
            pattern = example_pattern(line)
            at = next((i for i, t in enumerate(remaining) if pattern.fullmatch(t.rstrip())), None)
            self.assertIsNotNone(at, f"the runbook shows\n{line}\nbut relay-status printed (after the lines above)\n"
                                     + "\n".join(remaining) + f"\n(pattern {pattern.pattern})")
            remaining = remaining[at + 1:]

        # "--json prints the same as JSON".
        stream = next(s for s in self.status_json()["streams"] if f"{s['user']}/{s['stream']}" == IDS)
        self.assertEqual(stream["state"], "degraded", stream)

        # The KEY column against the page's sha256sum line, for the refused key.
        fingerprint_cmds = set(re.findall(r"`(printf %s '[A-Z-]+' \| sha256sum \| cut -c1-4)`", self.text))
        self.assertTrue(fingerprint_cmds, "the page no longer shows how to compute a key's fingerprint")
        youtube_row = next(t for t in table if t.strip().startswith("YouTube "))
        for fingerprint_cmd in fingerprint_cmds:
            placeholder = re.search(r"'([A-Z-]+)'", fingerprint_cmd).group(0)
            printed = subprocess.run(["sh", "-c", fingerprint_cmd.replace(placeholder, shlex.quote(KEYS["yt"]))],
                                     capture_output=True, text=True, timeout=RUN_GIVE_UP_S, check=True).stdout.strip()
            self.assertEqual(printed, hashlib.sha256(KEYS["yt"].encode()).hexdigest()[:4], fingerprint_cmd)
            self.assertIn(f" key#{printed} ", youtube_row)
            self.assertEqual(doc["YouTube"]["keyFingerprint"], f"key#{printed}")

        # "relay-status --serve 127.0.0.1:9108": /metrics holds every metric of the page's table.
        serve_cmd = inline(self.text, rf"relay-status --serve {re.escape(DOC_SERVE)}")[0]
        argv = self.shown(serve_cmd.replace(DOC_SERVE, "127.0.0.1:0"))
        server = self.spawn_tool(argv, "relay-status-serve")
        base = server.wait_for_output(r"^(http://127\.0\.0\.1:\d+)\s*$", FIRST_LINE_GIVE_UP_S, stream="stdout").group(1)
        content_type, metrics = self.get(base + "/metrics")
        self.assertTrue(content_type.startswith("text/plain; version=0.0.4"), content_type)
        section = self.text.split("### Metrics", 1)[1].split("\n### ", 1)[0]
        documented = set()
        for row in re.findall(r"^\| (`mtxrelay_[^|]+)\|", section, re.M):
            names = re.findall(r"`([a-z_]+)`", row)
            documented |= {names[0], *(names[0].rsplit("_", 1)[0] + n for n in names[1:] if n.startswith("_"))}
            documented |= {n for n in names[1:] if n.startswith("mtxrelay_")}
        self.assertGreater(len(documented), 15, documented)
        exposed = set(re.findall(r"^# TYPE (\S+) ", metrics, re.M))
        from_paths = {name for name in documented if name.startswith("mtxrelay_path_")}  # MediaMTX's path list
        self.assertEqual(sorted(documented - from_paths - exposed), [], "metrics the page lists that /metrics lacks")
        with self.subTest(metrics=sorted(from_paths)):
            if self.backend != "mediamtx":
                self.skipTest("the path metrics come from MediaMTX's path list: run in RunbookTestMediaMtx when "
                              "MTXRELAY_MEDIAMTX names a binary")
            self.assertEqual(sorted(from_paths - exposed), [], "metrics the page lists that /metrics lacks")
        self.assertIn(IDS, {f"{s['user']}/{s['stream']}" for s in json.loads(self.get(base + "/status")[1])["streams"]})
        self.assertRegex(self.get(base + "/")[1], rf"(?m)^{re.escape(IDS)}  degraded$")
        self.h.stop(server)

        # "relay-inspect rtmp://127.0.0.1:1935/live/u/s --duration 30" shows the keyframe interval
        # max; "relay-inspect .../clean/u/s --duration 20" the clean output's 2 s keyframe lines.
        for app, proc in reads.items():
            proc.wait(READ_S + RUN_GIVE_UP_S)
            self.outputs += [proc.stdout_text(), proc.stderr_text()]
            low, high = keyframe_intervals(proc.stdout_text())
            self.assertAlmostEqual(high, GOP_S, delta=GOP_TOLERANCE_S, msg=f"{app}: {proc.stdout_text()}")
            if app == "clean":
                self.assertAlmostEqual(low, GOP_S, delta=GOP_TOLERANCE_S, msg=proc.stdout_text())

        # The log line that "shows how long the join waited for its first keyframe".
        join_lines = inline(self.text, r"input: h264 ")
        self.assertTrue(join_lines, "the runbook no longer shows relay-clean's input line")
        for shown_line in join_lines:
            self.assertRegex(clean.stderr_text(), "(?m)" + example_pattern(shown_line).pattern + "$")

        # The hand run: its file, its exit line as the page's Exit codes section writes it, and
        # relay-inspect of the file.
        out = self.h.path("x.flv")
        def written() -> bool:
            packets = harness.ffprobe_packets(out, "v:0") if out.exists() else []
            times = [float(p["pts_time"]) for p in packets if p.get("pts_time") not in (None, "N/A")]
            return len(times) > 1 and times[-1] - times[0] >= HAND_RUN_OUTPUT_S
        wait_for(written, RUN_GIVE_UP_S, 0.5, f"{HAND_RUN_OUTPUT_S} s of clean output in the hand run's file")
        rc, _ = self.h.stop(hand_run, signal.SIGINT)
        self.assertEqual(rc, 130, hand_run.tail())
        exit_example = re.search(r"^`(\S+ relay-clean\[live/alice/s1\] info: exiting \(130\): [^`]+)`", self.text, re.M)
        self.assertIsNotNone(exit_example, "the Exit codes section no longer shows relay-clean's exit line")
        last = hand_run.stderr_text().strip().splitlines()[-1]
        self.assertRegex(last, example_pattern(exit_example.group(1)).pattern + "$")
        self.outputs += [hand_run.stderr_text()]
        report = self.run_tool(self.shown(hand.group(3)), "relay-inspect-file", check=False)
        self.assertEqual(report.returncode, 0, report.stdout_text() + report.tail())
        self.assertRegex(report.stdout_text(), r"(?m)^result: PASS, all \d+ requirements met$")

        # MediaMTX's API as docs/deploy.md has an operator ask it.
        with self.subTest(step="curl the MediaMTX API"):
            if self.backend != "mediamtx":
                self.skipTest("MediaMTX's control API needs MediaMTX: runs in RunbookTestMediaMtx when "
                              "MTXRELAY_MEDIAMTX names a binary")
            deploy = DEPLOY.read_text()
            paths_cmd, = set(re.findall(r"`docker exec \S+ (curl -s \S+/v3/paths/list)`", deploy))
            listed = subprocess.run(self.shown(paths_cmd), capture_output=True, text=True, timeout=HTTP_GIVE_UP_S,
                                    check=True)
            ready = {p["name"] for p in json.loads(listed.stdout)["items"] if p.get("ready")}
            self.assertLessEqual({f"live/{IDS}", f"clean/{IDS}"}, ready, listed.stdout)
            self.assertIn(f"`{DOC_MTX_API}/v3/info`".replace(DOC_MTX_API, "http://" + DOC_MTX_API), deploy)
            info = subprocess.run(["curl", "-sf", f"http://{self.api}/v3/info"], capture_output=True, text=True,
                                  timeout=HTTP_GIVE_UP_S)
            self.assertEqual(info.returncode, 0, info.stderr)
            self.assertIn("version", json.loads(info.stdout))

        for proc in (restream, clean):
            self.h.stop(proc)
        self.h.stop(publisher)
        harness.assert_no_secrets(self.outputs + [clean, restream, hand_run], SECRETS)


if __name__ == "__main__":
    harness.main()
