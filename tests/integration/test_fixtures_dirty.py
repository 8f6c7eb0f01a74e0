"""Every fixture is proven dirty before anything proves it clean. Each RAW fixture, as
tests/fixtures/make_dirty.sh generates it, (a) fails `relay-inspect --profile cloudflare` on
the requirements its manifest's defects name (requirement ids from --json), and on nothing its
defects do not explain, and (b) really has the parameters its manifest states (size, frame
rate, frame count, keyframe times, hole, jump, audio drift, audio presence, durations),
measured with ffprobe. No relay server is involved: a fixture that silently stops being dirty,
or a manifest that stops being true, fails here before a "comes out clean" test can pass on it."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass

import harness
from harness import HarnessTestCase

MANIFEST = json.loads((harness.REPO_ROOT / "tests" / "fixtures" / "manifest.json").read_text())
VOCABULARY = MANIFEST["defect_vocabulary"]
FIXTURES = MANIFEST["fixtures"]

# FLV timestamps are whole milliseconds: a time is "at or after" another within this rounding.
MS = 0.0015
# AAC frames are 1024 samples; at 48 kHz one lasts 21.3 ms (also the muxer's priming shift).
AAC_FRAME = 1024 / 48000
# Both tracks may end up to one AAC frame apart from the content they were made from.
SPAN_TOLERANCE = 0.03
# Largest step a jump or a hole may add to its nominal size: a dropped frame next to it
# (at most 4 frame intervals of the slowest rate, 15 fps).
EDGE_SLACK = 4 / 15
STATUS_NOT_PASSING = ("fail", "unknown")
# Give-up limit of one relay-inspect run of a fixture (not a promise).
INSPECT_GIVE_UP_S = 120


@dataclass
class Track:
    """One track's packets as ffprobe reads them: PTS sorted, DTS in read order."""
    pts: list[float]
    dts: list[float]
    sizes: list[int]
    keyframes: list[float]
    end: float  # latest PTS + duration (the last step when the duration is missing)

    def steps(self) -> list[float]:
        return [b - a for a, b in zip(self.pts, self.pts[1:])]

    def big_steps(self, over: float) -> list[tuple[float, float]]:
        """(previous, next) PTS pairs further apart than `over`."""
        return [(a, b) for a, b in zip(self.pts, self.pts[1:]) if b - a > over]


def number(packet: dict, key: str) -> float | None:
    value = packet.get(key)
    return None if value in (None, "N/A") else float(value)


def read_track(path, select: str) -> Track | None:
    packets = harness.ffprobe_packets(path, select)
    if not packets:
        return None
    pts = sorted(number(p, "pts_time") for p in packets)
    dts = [number(p, "dts_time") for p in packets]
    steps = [b - a for a, b in zip(pts, pts[1:])]
    last = max(packets, key=lambda p: number(p, "pts_time"))
    duration = number(last, "duration_time") or statistics.median(steps)
    return Track(pts=pts, dts=dts, sizes=[int(p["size"]) for p in packets],
                 keyframes=sorted(number(p, "pts_time") for p in packets if p["flags"].startswith("K")),
                 end=pts[-1] + duration)


def nominal_step(steps: list[float]) -> float:
    """The mean of the steps within 25 % of their median: whole-ms timestamps at 30 fps step
    33, 33, 34 ms, and drops or holes are left out."""
    median = statistics.median(steps)
    return statistics.mean(s for s in steps if 0.75 * median <= s <= 1.25 * median)


def requested_keyframes(fx: dict) -> list[float]:
    if "keyframes_s" in fx:
        return fx["keyframes_s"]
    interval = fx["keyframe_interval_s"]
    return [k * interval for k in range(int(fx["content_s"] / interval + 0.5)) if k * interval < fx["content_s"]]


def expected_fails(defects: list[str]) -> tuple[set[str], set[str]]:
    must: set[str] = set()
    may: set[str] = set()
    for defect in defects:
        must |= set(VOCABULARY[defect]["fails"])
        may |= set(VOCABULARY[defect]["may_also_fail"])
    return must, may


class FixturesDirtyTest(HarnessTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.fixture_dir = harness.generate_fixtures()

    def inspect(self, fx: dict, *extra: str) -> tuple[int, dict]:
        proc = self.h.run([self.h.bin("relay-inspect"), str(self.fixture_dir / fx["file"]), "--json", *extra],
                          timeout=INSPECT_GIVE_UP_S, check=False, name=f"inspect-{fx['name']}")
        self.assertIn(proc.returncode, (0, 1), f"{fx['name']}: relay-inspect could not analyse it:\n{proc.tail()}")
        return proc.returncode, json.loads(proc.stdout_text())

    def test_the_manifest_names_defects_relay_inspect_knows(self) -> None:
        _, doc = self.inspect(FIXTURES[0])
        ids = {r["id"] for r in doc["requirements"]}
        for name, defect in VOCABULARY.items():
            unknown = (set(defect["fails"]) | set(defect["may_also_fail"])) - ids
            self.assertEqual(unknown, set(), f"defect {name} names requirement ids the cloudflare profile lacks")
            self.assertTrue(defect["fails"], f"defect {name} names nothing relay-inspect would report")
        for fx in FIXTURES:
            self.assertTrue(fx["defects"], f"{fx['name']} lists no defect: every fixture must be dirty")
            self.assertEqual(set(fx["defects"]) - set(VOCABULARY), set(), f"{fx['name']}: defects outside the vocabulary")
            self.assertTrue((self.fixture_dir / fx["file"]).is_file(), f"{fx['file']} was not generated")

    def test_every_raw_fixture_fails_cloudflare_on_exactly_its_defects(self) -> None:
        for fx in FIXTURES:
            with self.subTest(fixture=fx["name"]):
                rc, doc = self.inspect(fx, "--expect-duration", str(fx["content_s"]),
                                       "--expect-orientation", fx["orientation"])
                self.assertEqual(rc, 1, f"{fx['name']} passes the cloudflare profile: it is not dirty")
                self.assertEqual(doc["result"], "fail")
                reported = {r["id"] for r in doc["requirements"] if r["status"] in STATUS_NOT_PASSING}
                must, may = expected_fails(fx["defects"])
                lines = "\n".join(f"  {r['id']}: {r['status']} ({r['measured']})" for r in doc["requirements"]
                                  if r["id"] in reported | must)
                self.assertEqual(must - reported, set(),
                                 f"{fx['name']} no longer shows its defects {fx['defects']}:\n{lines}")
                self.assertEqual(reported - must - may, set(),
                                 f"{fx['name']} fails requirements none of its defects {fx['defects']} explains "
                                 f"(the manifest is not true of the file):\n{lines}")

    def test_every_manifest_parameter_holds_on_the_raw_file(self) -> None:
        for fx in FIXTURES:
            with self.subTest(fixture=fx["name"]):
                self.check_parameters(fx)

    # -- (b): the manifest's parameters, measured with ffprobe ---------------------------------
    def check_parameters(self, fx: dict) -> None:
        path = self.fixture_dir / fx["file"]
        name = fx["name"]
        streams = harness.ffprobe_json(path)["streams"]
        video_stream = next(s for s in streams if s["codec_type"] == "video")
        audio_streams = [s for s in streams if s["codec_type"] == "audio"]
        v = fx["video"]
        self.assertEqual((video_stream["width"], video_stream["height"]), (v["width"], v["height"]), name)
        self.assertEqual(video_stream.get("profile"), v["profile"], name)
        self.assertEqual(video_stream.get("has_b_frames", 0) > 0, v["bframes"], name)
        orientation = "portrait" if v["height"] > v["width"] else "landscape"
        self.assertEqual(fx["orientation"], orientation, f"{name}: orientation disagrees with the size")
        self.assertEqual(bool(audio_streams), fx["audio"], f"{name}: audio presence")
        if audio_streams:
            self.assertEqual((audio_streams[0]["codec_name"], int(audio_streams[0]["sample_rate"])), ("aac", 48000))

        video = read_track(path, "v:0")
        audio = read_track(path, "a:0") if fx["audio"] else None
        shift = fx["pts_shift_s"]
        self.assertEqual(len(video.pts), v["frames"], f"{name}: video frame count")
        self.check_frame_rate(fx, video)
        self.check_keyframes(fx, video)
        self.check_durations(fx, video, audio)
        self.check_hole(fx, video, audio)
        self.check_jump(fx, video, audio)
        if audio:
            self.check_drift(fx, audio)
        elif fx["audio"]:
            self.fail(f"{name}: the manifest says audio but the file has no audio packets")
        # x264's ABR spends its bits per second of timestamps, jumps included.
        kbps = sum(video.sizes) * 8 / (video.end - video.pts[0]) / 1000
        self.assertAlmostEqual(kbps, v["kbps"], delta=0.15 * v["kbps"], msg=f"{name}: video bitrate")
        self.assertAlmostEqual(video.pts[0], shift, delta=0.15, msg=f"{name}: video starts near the shift")

    def check_frame_rate(self, fx: dict, video: Track) -> None:
        v, name, steps = fx["video"], fx["name"], video.steps()
        if v["fps"] is not None:
            fps = 1 / nominal_step(steps)
            self.assertAlmostEqual(fps, v["fps"], delta=0.01 * v["fps"], msg=f"{name}: frame rate")
            if not any(k in fx for k in ("drop_ratio", "hole", "jump")):
                # Constant: every step is one frame interval, up to the millisecond rounding.
                self.assertLessEqual(max(steps) - min(steps), MS, f"{name}: frame steps vary")
            if "drop_ratio" in fx:
                hole = fx.get("hole", {}).get("length_s", 0)
                expected = (fx["content_s"] - hole) * v["fps"]
                self.assertAlmostEqual(1 - len(video.pts) / expected, fx["drop_ratio"], delta=0.03,
                                       msg=f"{name}: share of dropped frames")
            return
        low, high = v["fps_range"]
        inside = [s for s in steps if 1 / high - MS <= s <= 1 / low + MS]
        share = len(inside) / len(steps)
        # Drops join two frame durations into one step: only they may leave the range.
        self.assertGreaterEqual(share, 1 - 2 * fx.get("drop_ratio", 0) - 0.01,
                                f"{name}: frame durations outside {low}-{high} fps")
        self.assertGreater(len({round(s, 3) for s in inside}), 20, f"{name}: frame durations barely vary")
        if "mean_fps" in v:
            self.assertAlmostEqual(len(video.pts) / (video.end - video.pts[0]), v["mean_fps"], delta=0.5,
                                   msg=f"{name}: mean frame rate")

    def check_keyframes(self, fx: dict, video: Track) -> None:
        """Each keyframe is on the first frame at or after its requested time, and there is no other."""
        expected = []
        for t in requested_keyframes(fx):
            at = t + fx["pts_shift_s"] - MS
            expected.append(next(p for p in video.pts if p >= at))
        self.assertEqual([round(k, 3) for k in video.keyframes], [round(k, 3) for k in expected],
                         f"{fx['name']}: keyframes (requested {requested_keyframes(fx)})")

    def check_durations(self, fx: dict, video: Track, audio: Track | None) -> None:
        name = fx["name"]
        start = min(video.pts[0], audio.pts[0] if audio else video.pts[0])
        end = max(video.end, audio.end if audio else video.end)
        self.assertAlmostEqual(end - start, fx["timeline_s"], delta=SPAN_TOLERANCE, msg=f"{name}: timeline")
        jumped = fx["jump"]["forward_s"] if "jump" in fx else 0
        content = video.end - fx["pts_shift_s"] - jumped
        frame = 1 / (fx["video"]["fps"] or fx["video"]["fps_range"][0])
        self.assertAlmostEqual(content, fx["content_s"], delta=frame, msg=f"{name}: seconds of picture")

    def check_hole(self, fx: dict, video: Track, audio: Track | None) -> None:
        name = fx["name"]
        if "hole" not in fx:
            return
        begin = fx["hole"]["from_s"] + fx["pts_shift_s"]
        end = begin + fx["hole"]["length_s"]
        self.assertEqual([p for p in video.pts if begin - MS <= p < end - MS], [], f"{name}: frames inside the hole")
        spanning = [(a, b) for a, b in zip(video.pts, video.pts[1:]) if a < begin and b >= end - MS]
        self.assertEqual(len(spanning), 1, f"{name}: no single step spans the hole")
        a, b = spanning[0]
        self.assertLessEqual(b - a, fx["hole"]["length_s"] + EDGE_SLACK, f"{name}: the hole is longer than stated")
        if audio:
            steps = [y - x for x, y in zip(audio.pts, audio.pts[1:]) if a <= x <= b]
            self.assertLessEqual(max(steps), AAC_FRAME + MS, f"{name}: audio stops in the video hole")

    def check_jump(self, fx: dict, video: Track, audio: Track | None) -> None:
        name = fx["name"]
        if "jump" not in fx:
            self.assertLess(max(video.steps()), 1.0, f"{name}: a video timestamp jump the manifest does not list")
            if audio:
                self.assertLess(max(audio.steps()), 2 * AAC_FRAME, f"{name}: an audio gap the manifest does not list")
            return
        forward = fx["jump"]["forward_s"]
        tracks = [("video", video, fx["jump"]["at_s"], EDGE_SLACK)]
        if audio:
            # The audio clock runs audio_clock_ratio fast, so its jump is at that much later a time.
            tracks.append(("audio", audio, fx["jump"]["at_s"] * fx.get("audio_clock_ratio", 1), 2 * AAC_FRAME))
        for label, track, at, slack in tracks:
            jumps = track.big_steps(0.9 * forward)
            self.assertEqual(len(jumps), 1, f"{name}: {label} should jump once by ~{forward} s: {jumps}")
            before, after = jumps[0]
            shift = fx["pts_shift_s"]
            self.assertTrue(at - slack <= before - shift < at and at - MS <= after - shift - forward < at + slack,
                            f"{name}: {label} jumps {before:.3f} -> {after:.3f}, not at {at} s by {forward} s")

    def check_drift(self, fx: dict, audio: Track) -> None:
        jump = audio.big_steps(1.0)
        excess = sum(b - a - AAC_FRAME for a, b in jump)
        # The priming frame before 0 is not content; the last frame may be padded.
        seconds = audio.end - audio.pts[0] - AAC_FRAME - excess
        ratio = fx.get("audio_clock_ratio", 1.0)
        self.assertAlmostEqual(seconds / fx["content_s"], ratio, delta=0.002,
                               msg=f"{fx['name']}: audio seconds per content second")


if __name__ == "__main__":
    harness.main()
