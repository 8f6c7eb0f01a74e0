"""relay-inspect driven the way a CI script drives it: the exit code decides (0 every
requirement passes, 1 a requirement fails, 7 the input cannot be analysed, 2 usage), --json
is one document on stdout only when there is a report, and a SIGINT or SIGTERM while it reads a
live stream ends it with 130 and leaves no ffprobe behind."""

from __future__ import annotations

import json
import signal

import harness
from harness import HarnessTestCase, wait_for

# docs/relay-inspect.md, "Exit codes".
OK, FAILED, USAGE, UNREADABLE, INTERRUPTED = 0, 1, 2, 7, 130
CLEAN_SECONDS = 8  # four 2 s GOPs: enough for "fixed keyframe interval" to be judged
# A live read's --duration in the exit-code test (a short read of a 2 s-GOP stream), and the
# --duration of the interrupted reads (never reached: they are signalled first).
LIVE_READ_S, INTERRUPTED_READ_S = 5, 60
# Give-up limits (none is a promise): a relay-inspect or ffmpeg run, a live read, ffprobe's
# start and its connection to nginx, a stop before the SIGKILL.
RUN_GIVE_UP_S = 120
LIVE_RUN_GIVE_UP_S = 60
FFPROBE_GIVE_UP_S = 15
STOP_GIVE_UP_S = 10


class InspectCliTest(HarnessTestCase):
    def inspect(self, *args: str, timeout: float = RUN_GIVE_UP_S) -> harness.Proc:
        return self.h.run([self.h.bin("relay-inspect"), *args], timeout=timeout, check=False, name="inspect")

    def make_clean(self) -> str:
        """An 8 s file that keeps the whole clean contract: 1280x720 at 30 fps, a keyframe every
        2 s, no B-frames, AAC-LC 48 kHz starting and ending with the video, 3 Mbit/s."""
        out = self.h.path("media", "clean.flv")
        self.h.run([harness.FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=s=1280x720:r=30:d={CLEAN_SECONDS}",
                    "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:d={CLEAN_SECONDS}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-threads", "1", "-pix_fmt", "yuv420p",
                    "-b:v", "3000k", "-g", "1000", "-sc_threshold", "0",
                    "-force_key_frames", "expr:gte(t,n_forced*2)",
                    "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-f", "flv", str(out)],
                   timeout=RUN_GIVE_UP_S, name="make-clean")
        return str(out)

    def report(self, proc: harness.Proc) -> dict:
        doc = json.loads(proc.stdout_text())
        self.assertEqual(doc["result"], "pass" if proc.returncode == OK else "fail")
        return doc

    def assert_usage(self, *args: str, names: str) -> None:
        proc = self.inspect(*args)
        self.assertEqual(proc.returncode, USAGE, f"{args}: {proc.tail()}")
        self.assertEqual(proc.stdout_text(), "", f"{args}: a usage error prints no report")
        self.assertIn(names, proc.stderr_text(), f"{args}")

    def test_a_clean_file_is_0_and_its_json_says_pass(self) -> None:
        clean = self.make_clean()
        proc = self.inspect(clean, "--json")
        self.assertEqual(proc.returncode, OK, proc.stdout_text())
        doc = self.report(proc)
        self.assertEqual({r["status"] for r in doc["requirements"]}, {"pass", "note"})
        self.assertEqual(proc.stderr_text(), "")
        # The caller's expectations of this output hold too.
        proc = self.inspect(clean, "--json", "--expect-size", "1280x720", "--expect-orientation", "landscape",
                            "--expect-fps", "30", "--expect-duration", str(CLEAN_SECONDS))
        self.assertEqual(proc.returncode, OK, proc.stdout_text())
        judged = {r["id"]: r["status"] for r in self.report(proc)["requirements"]}
        for rid in ("frame_size", "orientation", "frame_rate", "duration", "av_start_offset", "av_end_offset"):
            self.assertEqual(judged[rid], "pass", rid)
        text = self.inspect(clean)
        self.assertEqual(text.returncode, OK)
        self.assertTrue(text.stdout_text().splitlines()[-1].startswith("result: PASS"), text.stdout_text())

    def test_an_expectation_the_file_misses_is_1_naming_the_requirement(self) -> None:
        clean = self.make_clean()
        cases = {
            ("--expect-size", "1920x1080"): "frame_size",
            ("--expect-orientation", "portrait"): "orientation",
            ("--expect-fps", "25"): "frame_rate",
            # An 18 s input whose output holds only four GOPs.
            ("--expect-duration", "18"): "duration",
            ("--expect-duration", "9", "--expect-duration-tolerance", "0.5"): "duration",
        }
        for args, failing in cases.items():
            with self.subTest(args=args):
                proc = self.inspect(clean, "--json", *args)
                self.assertEqual(proc.returncode, FAILED, proc.stdout_text())
                doc = self.report(proc)
                self.assertEqual([r["id"] for r in doc["requirements"] if r["status"] == "fail"], [failing])
                self.assertEqual(proc.stderr_text(), "")

    def test_an_input_that_cannot_be_analysed_is_7_with_no_report(self) -> None:
        empty = self.h.path("empty.flv")
        empty.write_bytes(b"")
        notes = self.h.path("notes.txt")
        notes.write_text("not media\n")
        audio_only = self.h.path("audio.flv")
        self.h.run([harness.FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi",
                    "-i", "sine=d=2", "-c:a", "aac", "-f", "flv", str(audio_only)], name="make-audio")
        refused = f"rtmp://127.0.0.1:{harness.free_port()}/live/nobody"
        cases = {
            str(self.h.path("missing.flv")): "No such file",
            str(self.h.workdir): "directory",
            str(empty): "empty",
            str(notes): "is it a media file?",
            str(audio_only): "no video stream",
            refused: "check the URL",
        }
        for target, reason in cases.items():
            with self.subTest(target=target):
                proc = self.inspect(target, "--json", timeout=LIVE_RUN_GIVE_UP_S)
                self.assertEqual(proc.returncode, UNREADABLE, proc.tail())
                self.assertEqual(proc.stdout_text(), "", "no JSON report for an input that was not analysed")
                self.assertRegex(proc.stderr_text(), r"(?m)^\S+Z relay-inspect error: ")
                self.assertIn(reason, proc.stderr_text())

    def test_usage_errors_are_2_and_name_the_flag(self) -> None:
        clean = self.make_clean()
        self.assert_usage(names="INPUT")
        self.assert_usage(clean, "--profile", "youtube", names="unknown profile 'youtube'")
        self.assert_usage(clean, "--no-such-flag", names="--no-such-flag")
        for value in ("nan", "inf", "-inf", "0", "-30", "241", "1e308", "abc"):
            self.assert_usage(clean, "--expect-fps", value, names="--expect-fps")
        for value in ("1280", "1280X720", "x720", "0x0", "1x720", "9000x720", "-1280x720", "1e3x720"):
            self.assert_usage(clean, f"--expect-size={value}", names="--expect-size")
        self.assert_usage(clean, "--expect-orientation", "sideways", names="--expect-orientation")
        self.assert_usage(clean, "--expect-size", "1280x720", "--expect-orientation", "portrait",
                          names="--expect-size 1280x720 is landscape")
        for value in ("0", "-1", "nan", "inf", "1e308", "86401"):
            self.assert_usage(clean, f"--expect-duration={value}", names="--expect-duration")
        self.assert_usage(clean, "--expect-duration-tolerance", "1", names="needs --expect-duration")
        self.assert_usage(clean, "--duration", "5", "--expect-duration", "18",
                          names="--expect-duration 18 cannot be met by a read of 5 s")
        for value in ("-0.1", "nan", "inf"):
            self.assert_usage(clean, "--expect-duration", "8", f"--expect-duration-tolerance={value}",
                              names="--expect-duration-tolerance")

    def test_a_live_read_reports_in_json_and_fails_on_what_it_read(self) -> None:
        ngx = self.h.start_nginx([{"name": "live"}])
        media = self.h.make_test_media(10, gop_seconds=1.0)
        self.h.publish(media, "live", "alice/s1", loop=True)
        ngx.wait_publishing("live", "alice/s1")
        proc = self.inspect(ngx.rtmp_url("live", "alice/s1"), "--duration", str(LIVE_READ_S), "--json",
                            timeout=LIVE_RUN_GIVE_UP_S)
        self.assertEqual(proc.returncode, FAILED, proc.tail())
        doc = self.report(proc)
        self.assertTrue(doc["input"]["live"])
        failed = {r["id"] for r in doc["requirements"] if r["status"] == "fail"}
        # 320x240 with a keyframe every second: neither a preset size nor a 2 s GOP.
        self.assertLessEqual({"keyframe_interval_min", "frame_size"}, failed, proc.stdout_text())
        self.assertIn("reading 5 s of rtmp://127.0.0.1", proc.stderr_text())

    def test_a_signal_during_a_live_read_is_130_and_stops_ffprobe(self) -> None:
        ngx = self.h.start_nginx([{"name": "live"}])
        self.h.publish(self.h.make_test_media(10), "live", "alice/s1", loop=True)
        ngx.wait_publishing("live", "alice/s1")
        # kill -INT <pid> from a script, Ctrl-C in a terminal (the whole group), a supervisor's SIGTERM.
        for sig, group in ((signal.SIGINT, False), (signal.SIGINT, True), (signal.SIGTERM, False)):
            with self.subTest(signal=sig.name, group=group):
                proc = self.h.spawn([self.h.bin("relay-inspect"), ngx.rtmp_url("live", "alice/s1"), "--duration",
                                     str(INTERRUPTED_READ_S), "--json"], name=f"inspect-{sig.name}")
                ffprobe = wait_for(lambda: [p for p in harness.descendants(proc.pid)
                                            if "ffprobe" in harness.cmdline(p)], FFPROBE_GIVE_UP_S, 0.05,
                                   "relay-inspect's ffprobe to start")[0]
                ticks = harness.proc_info(ffprobe).start_ticks
                # ffprobe is connected and playing: nginx counts it beside the publisher.
                wait_for(lambda: (ngx.stream("live", "alice/s1") or {}).get("nclients", 0) >= 2, FFPROBE_GIVE_UP_S, 0.1,
                         "ffprobe to play live/alice/s1")
                rc, _ = self.h.stop(proc, sig, timeout=STOP_GIVE_UP_S, group=group)
                self.assertEqual(rc, INTERRUPTED, proc.tail())
                # Gone and reaped by relay-inspect: not even a zombie left for someone else to collect.
                left = harness.proc_info(ffprobe)
                self.assertTrue(left is None or left.start_ticks != ticks,
                                f"ffprobe pid {ffprobe} outlived relay-inspect (state {left and left.state})")
                self.assertIn("interrupted", proc.stderr_text())
                self.assertEqual(proc.stdout_text(), "", "an interrupted read prints no report")


if __name__ == "__main__":
    harness.main()
