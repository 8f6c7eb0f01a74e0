"""Checks every mediamtx/*.yml before a MediaMTX v1.20 ever loads it.

MediaMTX refuses to start on an unknown key, silently treats a path key without "~" as a
literal name, and runs hook commands without a shell. Each of those turns a config that
looks right (the seeds' one did) into a relay that does nothing. This test reads the
configs the way MediaMTX will and reports every such defect by file, path and key:

- the YAML parses, with no duplicate keys;
- every key is a MediaMTX v1.20.1 setting (mediamtx/known-keys-v1.20.1.txt), none deprecated;
- path keys are anchored regexes ("~^...$") that compile under Go RE2 rules, capture
  (user, stream) from sample paths and reject the rest; clean/... never reaches the
  cleaner's regex (no transcoding loop);
- no runOnPublish / runOnReady / runOnNotReady;
- every hook command is one of our tools, by name, with flags its --help lists, and no
  shell syntax ($1, pipes, ";", "$(...)", redirections, "#!" scripts);
- publishers are checked by the cloud (authMethod: http) and the control API is on and
  bound to loopback.

With a MediaMTX binary (MTXRELAY_MEDIAMTX or mediamtx on PATH) each config is also loaded by
the real thing: it starts, opens the listeners the file turns on, and holds the file's
paths and hooks as written (skipped, with the reason, without a binary).

The installed-tool part needs the built tools: it reads them from MTXRELAY_BIN_DIR
(CTest sets it) or <repo>/build/bin, and is skipped, saying why, only when neither exists.
"""

import os
import re
import shlex
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO / "mediamtx"
KNOWN_KEYS_FILE = CONFIG_DIR / "known-keys-v1.20.1.txt"
OUR_TOOLS = ("relay-clean", "relay-restream", "relay-hls-ready", "relay-cf-url")
# Give-up limit of a tool's --help run (not a promise).
HELP_GIVE_UP_S = 30

# Lists of objects, and the known-keys section their items follow.
LIST_ITEM_SECTIONS = {
    ("global", "authInternalUsers"): "authInternalUser",
    ("global", "authHTTPExclude"): "authPermission",
    ("global", "authJWTExclude"): "authPermission",
    ("authInternalUser", "permissions"): "authPermission",
    ("path", "forward"): "forwardDest",
    ("path", "alwaysAvailableTracks"): "alwaysAvailableTrack",
}

# Hook keys that must never appear, with the reason shown to whoever wrote them.
FORBIDDEN_HOOKS = {
    "runOnPublish": "removed in MediaMTX v0.18.0: a config using it does not start; use runOnAvailable",
    "runOnPublishRestart": "removed in MediaMTX v0.18.0; use runOnAvailableRestart",
    "runOnReady": "deprecated since v1.19.3; use runOnAvailable (or runOnOnline)",
    "runOnReadyRestart": "deprecated since v1.19.3; use runOnAvailableRestart",
    "runOnNotReady": "deprecated since v1.19.3; use runOnUnavailable",
}
# runOn* keys that hold settings, not commands.
NON_COMMAND_HOOK_KEYS = {"runOnDemandStartTimeout", "runOnDemandCloseAfter"}

# MediaMTX's rule for literal path names.
LITERAL_PATH_NAME = re.compile(r"^[0-9a-zA-Z_\-/.~]+$")

# Sample path -> the (G1, G2) a path regex must capture from it.
LIVE_SAMPLES = {
    "live/alice/s1": ("alice", "s1"),
    "live/user-example-com/abc123": ("user-example-com", "abc123"),
    "live/u_1/s.2": ("u_1", "s.2"),
}
CLEAN_SAMPLES = {
    "clean/alice/s1": ("alice", "s1"),
    "clean/user-example-com/abc123": ("user-example-com", "abc123"),
}
# Paths that no key may match: extra or missing segments, dot segments, other prefixes.
REJECTED_SAMPLES = (
    "live/a/b/c", "live/../x", "live/./x", "live/alice/..", "live/alice", "live//s1",
    "live/alice/", "/live/alice/s1", "xlive/alice/s1", "live/alice/s1/x", "Live/alice/s1",
    "live/alice/s1\n", "clean/a/b/c", "clean/../x", "clean/alice", "foo/alice/s1",
)

# Regex syntax Python accepts but Go RE2 rejects or reads differently.
RE2_INCOMPATIBLE = (
    (re.compile(r"\(\?<?[=!]"), "lookaround"),
    (re.compile(r"\(\?>"), "atomic group"),
    (re.compile(r"\(\?\("), "conditional group"),
    (re.compile(r"\\[1-9]|\(\?P="), "backreference"),
    (re.compile(r"[*+?}][+]"), "possessive quantifier"),
    (re.compile(r"\\[Zz]"), r"\Z / \z (Python and RE2 disagree)"),
)

SHELL_SYNTAX = re.compile(r"[|;&<>`]|\$\(")
POSITIONAL_VAR = re.compile(r"\$\{?[0-9]")


class UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys instead of keeping the last one."""


def _construct_unique_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def load_known_keys(path=KNOWN_KEYS_FILE):
    """Returns (header line, {section: {key: tag or ""}}) from the known-keys file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    sections, current = {}, None
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, tag = line.partition(" ")
        current[key] = tag.strip()
    return lines[0], sections


def go_regex(pattern):
    """Compiles an RE2 pattern with Python so that both agree on our patterns.

    RE2's "$" (without the m flag) matches only at the end of the text; Python's also
    matches before a final newline, so a bare "$" becomes "\\Z". RE2 classes are ASCII.
    """
    out, in_class, i = [], False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        out.append("\\Z" if ch == "$" and not in_class else ch)
        i += 1
    return re.compile("".join(out), re.ASCII)


class ConfigChecker:
    """Collects every defect of one MediaMTX config as (code, where, message)."""

    def __init__(self, known, bin_dir=None):
        self.known = known
        self.bin_dir = bin_dir
        self.defects = []
        self._help_cache = {}

    def report(self, code, where, message):
        self.defects.append((code, where, message))

    def check_text(self, text):
        try:
            conf = yaml.load(text, Loader=UniqueKeyLoader)
        except yaml.YAMLError as err:
            self.report("yaml", "file", f"does not parse: {err}")
            return self.defects
        if not isinstance(conf, dict):
            self.report("yaml", "file", "top level must be a mapping of settings")
            return self.defects
        self.check_keys(conf, "global", "")
        self.check_paths(conf)
        self.check_hooks(conf)
        self.check_api_and_auth(conf)
        return self.defects

    # Keys -----------------------------------------------------------------

    def check_keys(self, mapping, section, where):
        allowed = self.known[section]
        for key, value in mapping.items():
            at = f"{where}{key}"
            if key in FORBIDDEN_HOOKS:
                self.report("removed-hook", at, FORBIDDEN_HOOKS[key])
            elif key not in allowed:
                self.report("unknown-key", at,
                            f"not a MediaMTX v1.20.1 setting of [{section}]: MediaMTX stops at startup")
            elif allowed[key]:
                self.report(f"{allowed[key]}-key", at,
                            f"marked {allowed[key]} in {KNOWN_KEYS_FILE.name}; do not use it")
            self.check_value_shape(section, key, value, at)

    def check_value_shape(self, section, key, value, at):
        item_section = LIST_ITEM_SECTIONS.get((section, key))
        if item_section is not None:
            if not isinstance(value, list):
                self.report("type", at, "must be a list")
                return
            for index, item in enumerate(value):
                if not isinstance(item, dict):
                    self.report("type", f"{at}[{index}]", "must be a mapping")
                else:
                    self.check_keys(item, item_section, f"{at}[{index}].")
        elif isinstance(value, dict) and not (section == "global" and key in ("pathDefaults", "paths")):
            self.report("type", at, "takes a value or a list, not a mapping of settings")

    # Paths ------------------------------------------------------------------

    def check_paths(self, conf):
        defaults = conf.get("pathDefaults") or {}
        if isinstance(defaults, dict):
            self.check_keys(defaults, "path", "pathDefaults.")
        paths = conf.get("paths") or {}
        if not isinstance(paths, dict):
            return
        regexes = {}
        for name, settings in paths.items():
            if settings is not None and not isinstance(settings, dict):
                self.report("type", f"paths.{name}", "must be a mapping of path settings")
                continue
            self.check_keys(settings or {}, "path", f"paths.{name}.")
            compiled = self.check_path_key(str(name))
            if compiled is not None:
                regexes[name] = compiled
        self.check_samples(paths, regexes)

    def check_path_key(self, name):
        where = f"paths.{name}"
        if name in ("all", "all_others"):
            return go_regex("^.*$")  # MediaMTX's catch-all: judged like any regex
        if not name.startswith("~"):
            if not LITERAL_PATH_NAME.match(name):
                self.report("path-key", where,
                            "has no leading '~', so MediaMTX reads it as a literal path name, "
                            "and a path name may only hold letters, digits, '_ . - / ~'")
            return None
        pattern = name[1:]
        if not self.re2_compatible(pattern, where):
            return None
        if not (pattern.startswith("^") and pattern.endswith("$")):
            self.report("anchors", where, "regex must be anchored as ^...$ (MediaMTX searches, it does not fullmatch)")
        try:
            return go_regex(pattern)
        except re.error as err:
            self.report("regex", where, f"does not compile: {err}")
            return None

    def re2_compatible(self, pattern, where):
        for construct, what in RE2_INCOMPATIBLE:
            if construct.search(pattern):
                self.report("re2", where, f"uses {what}, which Go RE2 does not support")
                return False
        return True

    def check_samples(self, paths, regexes):
        def matching(sample):
            return [name for name, rx in regexes.items() if rx.search(sample)]

        for sample in REJECTED_SAMPLES:
            for name in matching(sample):
                self.report("samples", f"paths.{name}", f"matches {sample!r}, which must be rejected")
        has_live = has_clean = False
        for samples, prefix in ((LIVE_SAMPLES, "live/"), (CLEAN_SAMPLES, "clean/")):
            for sample, groups in samples.items():
                names = matching(sample)
                if len(names) > 1:
                    self.report("overlap", "paths", f"{sample!r} matches several keys: {names}")
                for name in names:
                    got = regexes[name].search(sample).groups()[:2]
                    if got != groups:
                        self.report("samples", f"paths.{name}",
                                    f"captures {got} from {sample!r}, expected G1,G2 = {groups}")
                if prefix == "live/" and names:
                    has_live = True
                if prefix == "clean/" and names:
                    has_clean = True
        if not has_live:
            self.report("samples", "paths", "no path key accepts live/<user>/<stream> from the glasses")
        cleaner_keys = [name for name, settings in paths.items()
                        if any(_runs_tool(argv, "relay-clean") for argv in _hook_argvs(settings))]
        for name in cleaner_keys:
            for sample in CLEAN_SAMPLES:
                if name in regexes and regexes[name].search(sample):
                    self.report("loop", f"paths.{name}",
                                f"runs relay-clean and matches {sample!r}: the cleaner's own output "
                                "would start another cleaner (transcoding loop)")
        publishes_clean = any(
            _runs_tool(argv, "relay-clean") and "cloud" not in argv
            for settings in paths.values() for argv in _hook_argvs(settings))
        if publishes_clean and not has_clean:
            self.report("samples", "paths",
                        "relay-clean --target local publishes clean/<user>/<stream>, but no key accepts it")

    # Hooks --------------------------------------------------------------------

    def check_hooks(self, conf):
        scopes = [("", conf), ("pathDefaults.", conf.get("pathDefaults") or {})]
        paths = conf.get("paths") or {}
        if isinstance(paths, dict):
            scopes += [(f"paths.{n}.", s) for n, s in paths.items() if isinstance(s, dict)]
        for prefix, mapping in scopes:
            if not isinstance(mapping, dict):
                continue
            for key, command in _hook_commands(mapping):
                self.check_command(f"{prefix}{key}", command)

    def check_command(self, where, command):
        if not isinstance(command, str):
            self.report("type", where, "a hook command must be a string")
            return
        if command.lstrip().startswith("#!"):
            self.report("shebang", where, "is a '#!' script: MediaMTX execs one command, it runs no scripts")
        if "\n" in command.strip():
            self.report("multiline", where, "spans several lines: MediaMTX runs one command line")
        if POSITIONAL_VAR.search(command):
            self.report("positional", where,
                        "uses a $1-style variable: MediaMTX sets none; the tools read G1/G2 and MTX_PATH")
        if SHELL_SYNTAX.search(command):
            self.report("shell", where,
                        "uses shell syntax (| ; & < > ` $( ): hooks run without a shell")
        try:
            argv = shlex.split(command, comments=False, posix=True)
        except ValueError as err:
            self.report("shell", where, f"cannot be split into words: {err}")
            return
        if not argv:
            return
        tool = argv[0]
        if "/" in tool and os.path.basename(tool) in OUR_TOOLS:
            self.report("by-name", where, f"calls {tool!r} by path; name the tool, MediaMTX finds it on PATH")
            tool = os.path.basename(tool)
        if tool not in OUR_TOOLS:
            self.report("not-our-tool", where, f"runs {tool!r}; hooks may only run {', '.join(OUR_TOOLS)}")
            return
        if self.bin_dir is not None:
            self.check_flags(where, tool, argv[1:])

    def check_flags(self, where, tool, args):
        help_text = self.tool_help(tool)
        if help_text is None:
            self.report("missing-tool", where,
                        f"{tool} is not an executable in {self.bin_dir} (or its --help fails)")
            return
        for arg in args:
            if arg.startswith("-"):
                flag = arg.split("=", 1)[0]
                if not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", help_text):
                    self.report("unknown-flag", where, f"{tool} --help does not list {flag}")

    def tool_help(self, tool):
        if tool not in self._help_cache:
            exe = Path(self.bin_dir) / tool
            text = None
            if exe.is_file() and os.access(exe, os.X_OK):
                run = subprocess.run([str(exe), "--help"], stdin=subprocess.DEVNULL,
                                     capture_output=True, text=True, timeout=HELP_GIVE_UP_S)
                if run.returncode == 0:
                    text = run.stdout + run.stderr
            self._help_cache[tool] = text
        return self._help_cache[tool]

    # API and auth -------------------------------------------------------------

    def check_api_and_auth(self, conf):
        if conf.get("api") is not True:
            self.report("api", "api", "must be true: health checks use GET /v3/info")
        host = str(conf.get("apiAddress", ":9997")).rsplit(":", 1)[0]
        if host not in ("127.0.0.1", "localhost", "[::1]"):
            self.report("api", "apiAddress",
                        f"listens on {host or 'every interface'}; bind it to 127.0.0.1 (host only)")
        if conf.get("authMethod") != "http":
            self.report("auth", "authMethod", "must be http: the cloud validates every publisher")
            return
        address = str(conf.get("authHTTPAddress") or "")
        if not address.startswith(("http://", "https://")):
            self.report("auth", "authHTTPAddress", "must be an http(s) URL of the cloud's validate endpoint")
        excluded = conf.get("authHTTPExclude")
        if not isinstance(excluded, list):
            return
        actions = [e.get("action") for e in excluded if isinstance(e, dict)]
        if "api" not in actions:
            self.report("auth", "authHTTPExclude",
                        "must exclude 'api', or every health check depends on the cloud")
        if "publish" in actions:
            self.report("auth", "authHTTPExclude",
                        "excludes 'publish': anyone could publish into a path and reach every destination")
        for index, entry in enumerate(excluded):
            path = str(entry.get("path") or "") if isinstance(entry, dict) else ""
            if path.startswith("~") and self.re2_compatible(path[1:], f"authHTTPExclude[{index}].path"):
                try:
                    go_regex(path[1:])
                except re.error as err:
                    self.report("regex", f"authHTTPExclude[{index}].path", f"does not compile: {err}")


def _hook_commands(mapping):
    for key, value in mapping.items():
        if (isinstance(key, str) and key.startswith("runOn") and not key.endswith("Restart")
                and key not in NON_COMMAND_HOOK_KEYS and value not in (None, "")):
            yield key, value


def _hook_argvs(settings):
    for _, command in _hook_commands(settings if isinstance(settings, dict) else {}):
        try:
            yield shlex.split(str(command), posix=True)
        except ValueError:
            continue


def _runs_tool(argv, tool):
    return bool(argv) and os.path.basename(argv[0]) == tool


def resolve_bin_dir():
    """Returns (bin dir or None, reason when None)."""
    from_env = os.environ.get("MTXRELAY_BIN_DIR")
    if from_env:
        return Path(from_env), None
    default = REPO / "build" / "bin"
    if default.is_dir():
        return default, None
    return None, (f"MTXRELAY_BIN_DIR is unset and {default} does not exist: build the tools "
                  "(cmake --build build) to check hook commands against them")


def format_defects(defects):
    return "\n".join(f"  [{code}] {where}: {message}" for code, where, message in defects)


def config_files():
    return sorted(CONFIG_DIR.glob("*.yml"))


class MediaMTXConfigTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.header, cls.known = load_known_keys()

    def test_known_keys_file_names_version_and_source(self):
        self.assertIn("v1.20", self.header)
        self.assertIn("conf.go", self.header)
        for section in ("global", "path", "authPermission", "authInternalUser"):
            self.assertIn(section, self.known)
        self.assertIn("runOnAvailable", self.known["path"])
        self.assertEqual(self.known["path"]["runOnReady"], "deprecated")
        self.assertNotIn("runOnPublish", self.known["path"])

    def test_there_are_configs_to_check(self):
        names = [p.name for p in config_files()]
        self.assertIn("mediamtx.yml", names)
        self.assertIn("mediamtx-direct.yml", names)

    def test_configs_have_no_defects(self):
        for path in config_files():
            with self.subTest(config=path.name):
                defects = ConfigChecker(self.known).check_text(path.read_text(encoding="utf-8"))
                if defects:
                    self.fail(f"{path.name} has defects:\n{format_defects(defects)}")

    def test_hooks_name_installed_tools_with_accepted_flags(self):
        bin_dir, reason = resolve_bin_dir()
        if bin_dir is None:
            print(f"skipping installed-tool check: {reason}", file=sys.stderr)
            self.skipTest(reason)
        for path in config_files():
            with self.subTest(config=path.name):
                checker = ConfigChecker(self.known, bin_dir=bin_dir)
                defects = checker.check_text(path.read_text(encoding="utf-8"))
                if defects:
                    self.fail(f"{path.name} with tools from {bin_dir}:\n{format_defects(defects)}")
                self.assertTrue(checker._help_cache, f"{path.name} runs none of our tools")


class RealMediaMTXLoadsTheConfigsTest(unittest.TestCase):
    """Each config loaded by a real MediaMTX (when a binary is given, else skipped with the
    reason): it starts, opens the listeners the file turns on, and holds the file's paths
    with their hooks as written."""

    def test_mediamtx_loads_every_config_as_written(self):
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import backends  # noqa: PLC0415 - only here: the checker above needs no harness
        import harness  # noqa: PLC0415
        binary, reason = backends.mediamtx_binary()
        if binary is None:
            self.skipTest(reason)
        for path in config_files():
            with self.subTest(config=path.name), harness.Harness(f"config-{path.stem}") as h:
                conf = yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueKeyLoader)
                cloud = h.start_devcloud({"token": "config-test-token", "streams": {}})
                mtx = h.start_mediamtx(config=path, cloud=cloud)
                self.assertIn(f"configuration loaded from {path}", mtx.log_text())
                opened = set(mtx.listen_ports())
                expected = {"api"} | {name for name in ("rtmp", "hls", "webrtc") if conf.get(name, True)}
                self.assertEqual(opened, expected)
                loaded = {item["name"]: item for item in mtx.api("GET", "/v3/config/paths/list")["items"]}
                self.assertEqual(set(loaded), set(conf["paths"]))
                for name, settings in conf["paths"].items():
                    for key, value in settings.items():
                        self.assertEqual(loaded[name][key], value, f"{path.name} paths.{name}.{key}")
                loaded_global = mtx.api("GET", "/v3/config/global/get")
                self.assertEqual(loaded_global["authMethod"], conf["authMethod"])
                self.assertEqual([(e["action"], e["path"]) for e in loaded_global["authHTTPExclude"]],
                                 [(e["action"], e.get("path", "")) for e in conf["authHTTPExclude"]])
                rc, _ = mtx.stop()
                self.assertEqual(rc, 0)


class CheckerCatchesBrokenConfigsTest(unittest.TestCase):
    """The checker itself must report the seeds' mistakes; a silent checker proves nothing."""

    SEED_STYLE = textwrap.dedent("""\
        logLevel: info
        api:
          address: :9997
        paths:
          live/(.+)/(.+):
            source: publisher
            sourceProtocol: rtmp
            runOnPublish: |
              #!/bin/bash
              USER_ID=$1
              STREAM_ID=$2
              CF_URL=$(curl -s $CLOUD_API_URL/api/relay/cf-url/$USER_ID/$STREAM_ID)
              ffmpeg -i rtmp://localhost:1935/live/$USER_ID/$STREAM_ID -g 30 -f flv $CF_URL
            runOnPublishRestart: yes
        """)

    SUBTLE = textwrap.dedent("""\
        api: true
        apiAddress: :9997
        authMethod: http
        authHTTPAddress: http://127.0.0.1:9/validate
        authHTTPExclude:
          - action: publish
        rtmpPort: 1935
        paths:
          "~^(live|clean)/(.+)/(.+)$":
            runOnReady: relay-restream
            runOnAvailable: /usr/local/bin/relay-clean --target local --bogus-flag
          "~^live/([a-z]+)/([a-z0-9]+)$":
            runOnAvailable: relay-restream
          "~live/(?=x)(.*)":
            runOnAvailable: relay-hls-ready | tee /tmp/log
        """)

    @classmethod
    def setUpClass(cls):
        cls.header, cls.known = load_known_keys()
        cls.tmp = tempfile.TemporaryDirectory(prefix="mtxrelay-config-test-")
        fake = Path(cls.tmp.name) / "relay-clean"
        fake.write_text("#!/bin/sh\necho 'Usage: relay-clean [--target local|cloud] [--input URL]'\n")
        fake.chmod(0o755)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def codes(self, text, bin_dir=None):
        defects = ConfigChecker(self.known, bin_dir=bin_dir).check_text(text)
        return {code for code, _, _ in defects}, format_defects(defects)

    def assert_reported(self, codes, expected, listing):
        for code in expected:
            self.assertIn(code, codes, f"defect '{code}' not reported; got:\n{listing}")

    def test_seed_config_defects_are_all_reported(self):
        codes, listing = self.codes(self.SEED_STYLE)
        self.assert_reported(codes, [
            "path-key",        # live/(.+)/(.+) without "~"
            "removed-hook",    # runOnPublish, runOnPublishRestart
            "positional",      # $1 / $2
            "shebang",         # #!/bin/bash
            "multiline",       # a script, not a command
            "shell",           # $( ... )
            "not-our-tool",    # the script runs curl/ffmpeg, not our tools
            "deprecated-key",  # sourceProtocol
            "type",            # api: {address: ...}
            "api",             # api not enabled
            "auth",            # no authMethod: http
        ], listing)

    def test_subtle_defects_are_reported(self):
        codes, listing = self.codes(self.SUBTLE, bin_dir=self.tmp.name)
        self.assert_reported(codes, [
            "unknown-key",    # rtmpPort
            "removed-hook",   # runOnReady
            "overlap",        # live/alice/s1 matches two keys
            "loop",           # relay-clean on a key that matches clean/...
            "samples",        # (.+) accepts live/a/b/c
            "by-name",        # /usr/local/bin/relay-clean
            "unknown-flag",   # --bogus-flag
            "re2",            # lookahead
            "shell",          # | tee
            "api",            # apiAddress on every interface
            "auth",           # publish excluded from the cloud's check
        ], listing)

    def test_missing_tool_is_reported(self):
        text = self.SUBTLE.replace("relay-hls-ready | tee /tmp/log", "relay-hls-ready")
        codes, listing = self.codes(text, bin_dir=self.tmp.name)
        self.assert_reported(codes, ["missing-tool"], listing)

    def test_duplicate_keys_and_bad_yaml_are_reported(self):
        codes, listing = self.codes("api: true\napi: false\n")
        self.assert_reported(codes, ["yaml"], listing)
        codes, listing = self.codes("paths: [unclosed\n")
        self.assert_reported(codes, ["yaml"], listing)

    def test_go_regex_end_anchor_does_not_accept_trailing_newline(self):
        self.assertIsNone(go_regex(r"^live/([a-z]+)$").search("live/abc\n"))
        self.assertIsNotNone(go_regex(r"^live/[$]x$").search("live/$x"))


if __name__ == "__main__":
    unittest.main()
