"""A real player on the URLs relay-hls-ready announces: headless Chromium (Debian's) with
hls.js (pinned, from the npm registry, scripts/hlsjs.sh) on a small local page.

What a viewer would notice: the hlsUrl of the hls-ready announcement plays, with the frame
count of the <video> growing, within 2 s of the announcement reaching the cloud. On MediaMTX
the announced webrtcUrl (WHEP) answers a browser's WebRTC offer with an SDP answer (201).

The relay is the whole chain: glasses RTMP -> relay-clean (hook on live/) -> clean/ ->
relay-hls-ready (hook on clean/). On MediaMTX, the shipped mediamtx.yml (LL-HLS, fMP4, the
302 cookie check); on nginx-rtmp, its MPEG-TS HLS with the hooks wired the same way.
Skipped, with the reason, without Chromium/chromedriver or hls.js.
"""

from __future__ import annotations

import json
import time

import harness
from backends import RelayTestCase, on_each_backend
from browser import Browser, PageServer, hls_js, require_chromium
from harness import wait_for

TOKEN = "tok-SENTINEL-play-91c0"
STREAM_KEY = "glasskey-SENTINEL-play-3b"
# The announced URL plays at once: frames grow in Chromium within one 2 s segment of the
# announcement (docs/relay-hls-ready.md). This is relay-hls-ready's promise ("really playable"
# when announced), kept as the bound: an announcement one segment early would miss it. Measured
# 1.08 s on nginx-rtmp, 1.31 s on MediaMTX (under 2x: on a loaded machine it is the first bound
# to re-run before concluding anything).
PLAYS_WITHIN_S = 2.0
# Give-up limits: the hls-ready announcement, frames growing, WebRTC frames.
ANNOUNCED_GIVE_UP_S = 90
FRAMES_GIVE_UP_S = 15
RTC_FRAMES_GIVE_UP_S = 10

PAGE = r"""<!doctype html>
<html><head><meta charset="utf-8"><title>mtxrelay player</title></head>
<body>
<video id="hls" muted playsinline></video>
<video id="rtc" muted playsinline autoplay></video>
<script src="/hls.min.js"></script>
<script>
window.state = {errors: [], manifest: false};
window.play = function (url) {
  const video = document.getElementById('hls');
  const hls = new Hls({lowLatencyMode: true});
  hls.on(Hls.Events.ERROR, (_, d) => state.errors.push(`${d.type}:${d.details}${d.fatal ? ':fatal' : ''}`));
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    state.manifest = true;
    video.play().catch(e => state.errors.push(`play:${e}`));
  });
  hls.loadSource(url);
  hls.attachMedia(video);
  window.player = hls;
};
window.frames = function (id) {
  const v = document.getElementById(id);
  return {frames: v.getVideoPlaybackQuality().totalVideoFrames, time: v.currentTime,
          width: v.videoWidth, height: v.videoHeight, errors: state.errors, manifest: state.manifest};
};
window.whep = async function (url) {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', {direction: 'recvonly'});
  pc.addTransceiver('audio', {direction: 'recvonly'});
  pc.ontrack = (e) => { const v = document.getElementById('rtc'); if (!v.srcObject) { v.srcObject = e.streams[0]; } };
  await pc.setLocalDescription(await pc.createOffer());
  const res = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/sdp'},
                                body: pc.localDescription.sdp});
  const answer = await res.text();
  let applied = '';
  if (res.status === 201) {
    try { await pc.setRemoteDescription({type: 'answer', sdp: answer}); applied = 'yes'; }
    catch (e) { applied = `${e}`; }
  }
  window.pc = pc;
  return {status: res.status, type: res.headers.get('Content-Type'), location: res.headers.get('Location'),
          answer: answer, applied: applied};
};
</script>
</body></html>
"""


@on_each_backend
class BrowserPlaybackTest(RelayTestCase):
    def setUp(self) -> None:
        super().setUp()
        require_chromium()
        script = hls_js()
        self.page = PageServer({"/": (PAGE.encode(), "text/html; charset=utf-8"),
                                "/hls.min.js": (script.read_bytes(), "application/javascript")})
        self.addCleanup(self.page.close)

    def start_relay(self, cloud: harness.DevCloud):
        env = {"RELAY_QUALITY": "480p", "RELAY_STATUS_INTERVAL": "5"}
        if self.backend == "mediamtx":
            return self.h.start_mediamtx(cloud=cloud, env=env)
        rtmp_port, http_port = self.h.free_port(), self.h.free_port()
        base = f"http://127.0.0.1:{http_port}"
        env.update(cloud.env(), RELAY_RTMP_PORT=str(rtmp_port))
        ngx = self.h.start_nginx([
            {"name": "live", "path_regex": r"^live/([^/]+)/([^/]+)$", "env": env,
             "exec_push": [self.h.bin("relay-clean"), "--target", "local"]},
            {"name": "clean", "path_regex": r"^clean/([^/]+)/([^/]+)$", "env": env, "hls": True,
             "exec_push": [self.h.bin("relay-hls-ready"), "--hls-local-base", base, "--public-hls-base", base,
                           "--public-webrtc-base", "off"]},
        ], rtmp_port=rtmp_port, http_port=http_port)
        ngx.prepare_stream("clean", "alice/s1")
        return ngx

    def test_the_announced_hls_url_plays_in_chromium_within_2_s(self) -> None:
        cloud = self.h.start_devcloud({"token": TOKEN, "streams": {"alice/s1": {"stream_keys": [STREAM_KEY]}}})
        relay = self.start_relay(cloud)
        browser = Browser.start(self.h)
        self.addCleanup(browser.quit)
        browser.open(self.page.base + "/")
        self.assertTrue(browser.run("return typeof Hls === 'function' && Hls.isSupported()"),
                        "hls.js does not load or finds no MediaSource in this Chromium")
        self.assertTrue(browser.run("return MediaSource.isTypeSupported('video/mp4; codecs=\"avc1.64001f\"')"),
                        "this Chromium cannot decode H.264 in MSE")

        media = self.h.make_test_media(40, size="640x360", gop_seconds=2)
        self.h.publish(media, "live", f"alice/s1?key={STREAM_KEY}", loop=True)
        event = cloud.wait_event("hls-ready", timeout=ANNOUNCED_GIVE_UP_S, interval=0.02)
        announced_s = event["received_at_ms"] / 1000
        url = event["body"]["hlsUrl"]
        browser.run("window.play(arguments[0])", url)

        samples: list[tuple[float, dict]] = []

        def moving() -> bool:
            now = browser.run("return window.frames('hls')")
            samples.append((time.time() - announced_s, now))
            fatal = [e for e in now["errors"] if e.endswith(":fatal")]
            if fatal:
                raise harness.HarnessError(f"hls.js gave up on {url}: {fatal}")
            grown = [s for s in samples if s[1]["frames"] > 0]
            return len(grown) >= 2 and grown[-1][1]["frames"] > grown[0][1]["frames"]
        wait_for(moving, FRAMES_GIVE_UP_S, 0.05,
                 f"frames of {url} to grow in Chromium ({samples[-3:] if samples else ''})")
        first = next(s for s in samples if s[1]["frames"] > 0)
        moving_at, last = samples[-1]
        print(f"\n  {self.backend}: first frame {first[0]:.2f} s and growing frames {moving_at:.2f} s after the"
              f" announcement ({last['frames']} frames, {last['width']}x{last['height']})", flush=True)
        self.assertLessEqual(moving_at, PLAYS_WITHIN_S,
                             f"frames grew {moving_at:.2f} s after the announcement: {samples}")
        self.assertGreater(last["width"], 0)
        self.assertEqual([e for e in last["errors"] if e.endswith(":fatal")], [])

        if self.backend == "mediamtx":
            whep = event["body"]["webrtcUrl"]
            self.assertEqual(whep, f"{relay.webrtc_base}/clean/alice/s1/whep")
            answer = browser.run_async("window.whep(arguments[0]).then(done, e => done({error: `${e}`}))", whep)
            self.assertEqual(answer.get("status"), 201, answer)
            self.assertEqual(answer["type"], "application/sdp")
            self.assertTrue(answer["answer"].startswith("v=0"), answer["answer"][:200])
            self.assertIn("m=video", answer["answer"])
            self.assertEqual(answer["applied"], "yes", "Chromium refused the SDP answer")
            self.assertIn("/clean/alice/s1/whep/", answer["location"] or "")
            # Beyond the answer: whether media flows over WebRTC on loopback (reported, not asserted).
            try:
                wait_for(lambda: browser.run("return window.frames('rtc')")["frames"] > 0, RTC_FRAMES_GIVE_UP_S, 0.2,
                         "WebRTC frames")
                print("  WebRTC: frames are decoded from the WHEP session too", flush=True)
            except harness.WaitTimeout:
                print("  WebRTC: SDP answer received, but no frame decoded within 10 s", flush=True)
        else:
            self.assertNotIn("webrtcUrl", event["body"], "nginx-rtmp has no WebRTC: nothing to announce")
        harness.assert_no_secrets([json.dumps(cloud.events()), json.dumps(samples)], [TOKEN, STREAM_KEY])


if __name__ == "__main__":
    harness.main()
