"""Headless Chromium for the playback tests, driven through chromedriver's W3C WebDriver HTTP
API with urllib (Python stdlib only), and a tiny local page server.

    player = Browser.start(h)              # chromedriver + Chromium, ended by PID like the rest
    player.open(page_url)
    player.run("return document.title")    # executeScript
    player.run_async("fetch(...).then(r => done(r.status))")

Chromium runs as root here, so --no-sandbox; the machine's network is closed, so every
background service Chromium would call is off, with a fresh profile each time.
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import threading
import unittest
from pathlib import Path
from typing import Any

import harness
from harness import LOOPBACK, REPO_ROOT, Harness, HarnessError, http_request, wait_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-default-apps", "--disable-extensions", "--disable-dev-shm-usage",
                  "--mute-audio", "--autoplay-policy=no-user-gesture-required", "--no-default-browser-check"]


def hls_js() -> Path:
    """hls.min.js from the pinned npm package (scripts/hlsjs.sh installs it once, then it is
    offline); unittest.SkipTest with the reason when it cannot be had."""
    done = subprocess.run([str(REPO_ROOT / "scripts" / "hlsjs.sh")], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise unittest.SkipTest(f"hls.js is not installed and scripts/hlsjs.sh could not install it: "
                                f"{done.stderr.strip()[-300:]}")
    return Path(done.stdout.strip().splitlines()[-1])


def require_chromium() -> None:
    for exe, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(exe, os.X_OK):
            raise unittest.SkipTest(f"{exe} not found: install Debian's {package} (scripts/deps.sh)")


class PageServer:
    """Serves a few in-memory files on 127.0.0.1 from a thread (the page and hls.js)."""

    def __init__(self, files: dict[str, tuple[bytes, str]]) -> None:
        pages = files

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                body, kind = pages.get(self.path.split("?", 1)[0], (b"not found", "text/plain"))
                self.send_response(200 if self.path.split("?", 1)[0] in pages else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.base = f"http://{LOOPBACK}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Browser:
    """One chromedriver process and one Chromium session."""

    def __init__(self, h: Harness, driver: harness.Proc, url: str) -> None:
        self.h = h
        self.driver = driver
        self.url = url
        self.session = ""

    @classmethod
    def start(cls, h: Harness, timeout: float = 60.0) -> "Browser":
        require_chromium()
        port = h.free_port()
        driver = h.spawn([CHROMEDRIVER, f"--port={port}", "--allowed-ips=127.0.0.1",
                          f"--log-path={h.path('chromedriver.log')}"], name="chromedriver")
        browser = cls(h, driver, f"http://{LOOPBACK}:{port}")
        wait_for(lambda: browser._status_ready(), 20, 0.1, "chromedriver to answer /status")
        # Resolved: Chromium hangs at start-up on a --user-data-dir with ".." in it.
        profile = h.path("chromium-profile").resolve()
        profile.mkdir(exist_ok=True)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]},
            "goog:loggingPrefs": {"browser": "ALL"}}}}
        value = browser._call("POST", "/session", caps, timeout=timeout)
        browser.session = value["sessionId"]
        return browser

    def _status_ready(self) -> bool:
        if self.driver.poll() is not None:
            raise HarnessError(f"chromedriver exited (rc {self.driver.returncode}): {self.driver.tail()}")
        resp = http_request("GET", f"{self.url}/status", timeout=2)
        return resp.status == 200 and resp.json()["value"].get("ready", False)

    def _call(self, method: str, path: str, body: Any = None, timeout: float = 30.0) -> Any:
        resp = http_request(method, self.url + path, body if body is not None else ({} if method == "POST" else None),
                            timeout=timeout)
        data = resp.json() if resp.body else {}
        if resp.status != 200:
            raise HarnessError(f"WebDriver {method} {path} answered {resp.status}: {str(data)[:800]}")
        return data.get("value")

    def open(self, url: str) -> None:
        self._call("POST", f"/session/{self.session}/url", {"url": url})

    def run(self, script: str, *args: Any) -> Any:
        """Runs `script` as a function body in the page (executeScript); returns its value."""
        return self._call("POST", f"/session/{self.session}/execute/sync", {"script": script, "args": list(args)})

    def run_async(self, script: str, *args: Any, timeout: float = 30.0) -> Any:
        """Runs `script` with `done` (the last argument) to call with the result (executeAsyncScript)."""
        self._call("POST", f"/session/{self.session}/timeouts", {"script": int(timeout * 1000)})
        body = "const done = arguments[arguments.length - 1];\n" + script
        return self._call("POST", f"/session/{self.session}/execute/async", {"script": body, "args": list(args)},
                          timeout=timeout + 10)

    def console(self) -> list[str]:
        """The page's console messages so far (goog:loggingPrefs browser)."""
        try:
            entries = self._call("POST", f"/session/{self.session}/se/log", {"type": "browser"})
        except HarnessError:
            return []
        return [e.get("message", "") for e in entries or []]

    def quit(self) -> None:
        if self.session:
            try:
                self._call("DELETE", f"/session/{self.session}", timeout=15)
            except (HarnessError, OSError):
                pass
            self.session = ""
        self.h.stop(self.driver, check=False)
