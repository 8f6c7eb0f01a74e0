"""The commands the docs show an operator still work as shown: every `relay-* ... --dry-run`,
`--help` and `--list-profiles` line in README.md and docs/*.md (code blocks and inline code,
with their VAR=value prefixes) is run against the built tools, with relay-devcloud standing
in for the cloud (its URL replaces http://127.0.0.1:8080), and must exit 0 with output and no
error line; every tool's --help documents the flags its page's table lists; and every tool's
--help names each environment variable docs/configuration.md says it reads (that table is
generated from the settings rows, and the unit tests keep the two equal). A renamed flag, a dry
run that started to need something new, a page that names a flag the tool lost, or a variable
read but not told in --help fails here, so a doc cannot drift silently. The troubleshooting
runbook's commands, which need a live stream, run in test_docs_runbook.py."""

from __future__ import annotations

import json
import re
import shlex

import harness
from harness import HarnessTestCase

TOKEN = "tok-SENTINEL-d0cs"
DOCS = [harness.REPO_ROOT / "README.md", *sorted((harness.REPO_ROOT / "docs").glob("*.md"))]
TOOLS = ("relay-clean", "relay-restream", "relay-hls-ready", "relay-cf-url", "relay-inspect", "relay-devcloud")
# An operator command: optional VAR=value words, a tool, and one of the flags that only look.
COMMAND = re.compile(r"^((?:[A-Z_]+=\S+\s+)*)(relay-[a-z-]+)\s(.*?(?:--dry-run|--help|--list-profiles).*)$")
# Where the docs put the cloud an operator runs (relay-devcloud --port 8080).
DOC_CLOUD = "http://127.0.0.1:8080"
# Give-up limit of one shown command (dry runs, --help: they take well under a second).
RUN_GIVE_UP_S = 30


def shown_commands() -> list[tuple[str, str]]:
    """(doc file name, command line) for every looking-only operator command the docs show."""
    found = []
    for doc in DOCS:
        in_block = False
        for line in doc.read_text().splitlines():
            if line.startswith("```"):
                in_block = not in_block
                continue
            candidates = [line.strip()] if in_block else re.findall(r"`([^`]+)`", line)
            for text in candidates:
                text = text.split("#", 1)[0].strip() if in_block else text.strip()
                if COMMAND.match(text) and "<" not in text:  # "<placeholder>" lines are templates
                    found.append((doc.name, text))
    return found


class DocsTest(HarnessTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cloud = self.h.start_devcloud({"token": TOKEN, "streams": {
            key: {"cf_url": "rtmps://live.example.com:443/live/cfkey-SENTINEL-d0cs", "destinations": []}
            for key in ("alice/s1", "u/s")}})

    def run_shown(self, text: str) -> harness.Proc:
        m = COMMAND.match(text.replace(DOC_CLOUD, self.cloud.url))
        env = {"CLOUD_API_URL": self.cloud.url, "CLOUD_API_TOKEN": TOKEN}
        env.update(dict(word.split("=", 1) for word in m.group(1).split()))
        argv = [self.h.bin(m.group(2)), *shlex.split(m.group(3))]
        return self.h.run(argv, env=env, timeout=RUN_GIVE_UP_S, check=False, name=m.group(2))

    def test_every_command_shown_runs_as_shown(self) -> None:
        commands = shown_commands()
        shown_tools = {COMMAND.match(text).group(2) for _, text in commands}
        self.assertTrue({"relay-clean", "relay-restream", "relay-hls-ready", "relay-inspect"} <= shown_tools,
                        f"the docs no longer show these commands: {commands}")
        wrong = []
        for doc, text in commands:
            proc = self.run_shown(text)
            if proc.returncode != 0 or not proc.stdout_text().strip() or "error:" in proc.stderr_text():
                wrong.append(f"{doc}: `{text}` exit {proc.returncode}: {proc.tail()}")
        self.assertEqual(wrong, [], "\n".join(wrong))

    def test_every_flag_a_page_lists_is_in_its_tools_help(self) -> None:
        missing, checked = [], 0
        for tool in TOOLS:
            page = harness.REPO_ROOT / "docs" / f"{tool}.md"
            if not page.exists():
                continue
            help_text = self.h.run([self.h.bin(tool), "--help"], timeout=RUN_GIVE_UP_S,
                                   name=f"{tool}-help").stdout_text()
            # The flags table: rows starting "| `--flag`" (several flags per row are split).
            for row in re.findall(r"^\|\s*(`--[^|]+)\|", page.read_text(), re.M):
                for flag in re.findall(r"`(--[a-z0-9-]+)", row):
                    checked += 1
                    if not re.search(rf"(^|[\s,]){re.escape(flag)}(\b|=)", help_text, re.M):
                        missing.append(f"{tool}: {flag} ({page.name}) is not in --help")
        self.assertGreater(checked, 40, "the pages' flag tables were not found")
        self.assertEqual(missing, [], "\n".join(missing))

    def test_a_usage_error_ends_with_the_lines_the_logs_section_shows(self) -> None:
        """docs/operations.md, Logs: a usage error is an `error` line followed by the exit line
        it quotes, in the configured format, with the path from MTX_PATH as soon as the tool
        starts; a JSON line holds the fields the page lists."""
        text = (harness.REPO_ROOT / "docs" / "operations.md").read_text()
        exit_text = re.search(r"\(`(exiting \(2\): [^`]+)`\)", text)
        fields = re.search(r"one JSON object per line.*?:\s*((?:`[a-z_]+`,?\s*)+)", text, re.S)
        self.assertIsNotNone(exit_text, "the Logs section no longer quotes the usage error's exit line")
        self.assertIsNotNone(fields, "the Logs section no longer lists the JSON fields")
        exit_line = " ".join(exit_text.group(1).split())  # the inline code wraps in the page
        argv = [self.h.bin("relay-clean"), "--quality", "999p"]
        env = {"MTX_PATH": "live/alice/s1"}
        proc = self.h.run(argv, env=env, timeout=RUN_GIVE_UP_S, check=False, name="relay-clean-usage")
        self.assertEqual(proc.returncode, 2, proc.tail())
        lines = proc.stderr_text().strip().splitlines()
        stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z relay-clean\[live/alice/s1\]"
        self.assertRegex(lines[-1], rf"^{stamp} info: {re.escape(exit_line)}$")
        self.assertRegex(lines[-2], rf"^{stamp} error: --quality")
        proc = self.h.run(argv, env={**env, "RELAY_LOG_FORMAT": "json"}, timeout=RUN_GIVE_UP_S, check=False,
                          name="relay-clean-usage-json")
        self.assertEqual(proc.returncode, 2, proc.tail())
        objects = [json.loads(line) for line in proc.stderr_text().strip().splitlines()]
        listed = set(re.findall(r"`([a-z_]+)`", fields.group(1)))
        self.assertEqual([set(o) for o in objects], [listed] * len(objects), objects)
        self.assertEqual((objects[-1]["level"], objects[-1]["msg"], objects[-1]["path"]),
                         ("info", exit_line, "live/alice/s1"))
        self.assertEqual(objects[-2]["level"], "error")

    def test_every_variable_a_tool_reads_is_in_its_help(self) -> None:
        text = (harness.REPO_ROOT / "docs" / "configuration.md").read_text()
        table = text.split("<!-- settings table:", 1)[1].split("<!-- end of the settings table -->", 1)[0]
        readers: dict[str, list[str]] = {}
        # Rows: | `VARIABLE` | flag | used by (clean, hls-ready, ...) | default | range | meaning |
        for variable, used_by in re.findall(r"^\|\s*`([A-Z0-9_]+)`\s*\|[^|]*\|([^|]*)\|", table, re.M):
            for name in used_by.split(","):
                if name.strip() != "none":
                    readers.setdefault(f"relay-{name.strip()}", []).append(variable)
        self.assertGreater(sum(map(len, readers.values())), 60, "the configuration table was not found")
        missing = []
        for tool, variables in sorted(readers.items()):
            help_text = self.h.run([self.h.bin(tool), "--help"], timeout=RUN_GIVE_UP_S, name=f"{tool}-help").stdout_text()
            missing += [f"{tool} --help does not name {v}" for v in variables
                        if not re.search(rf"(?<![A-Z0-9_]){v}(?![A-Z0-9_])", help_text)]
        self.assertEqual(missing, [], "\n".join(missing))


if __name__ == "__main__":
    harness.main()
