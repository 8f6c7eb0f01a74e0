#include "hls/probe.hpp"

#include "fakes.hpp"

#include <catch2/catch.hpp>

#include <deque>
#include <map>
#include <string>
#include <vector>

using namespace mtxrelay;
using namespace std::chrono_literals;
using mtxrelay::testing::FakeClock;
using mtxrelay::testing::http_response;

namespace {

const std::string k_index = "http://127.0.0.1:8888/clean/alice/s1/index.m3u8";
const std::string k_dir = "http://127.0.0.1:8888/clean/alice/s1/";

// Answers by URL, like an HLS server: each URL has a script of answers (the last repeats),
// unknown URLs get 404. A request may take time on the fake clock.
class HlsServer : public http::Transport {
public:
    explicit HlsServer(FakeClock& clock) : m_clock(clock) {}

    void on(const std::string& url, http::Outcome outcome) { m_routes[url].push_back(std::move(outcome)); }
    void on(const std::string& url, long status, std::string body = "x") { on(url, http_response(status, body)); }

    http::Outcome perform(const http::Request& request) override
    {
        requests.push_back(request);
        m_clock.now_value += request_duration;
        if (mimic_mediamtx_cookie_check && !(request.cookies && request.max_redirects > 0)) {
            return http_response(302, "", {{"location", request.url}, {"set-cookie", "s=1"}});
        }
        auto it = m_routes.find(request.url);
        if (it == m_routes.end()) {
            return http_response(404, "404 page not found");
        }
        auto outcome = it->second.front();
        if (it->second.size() > 1) {
            it->second.pop_front();
        }
        return outcome;
    }

    std::vector<std::string> urls() const
    {
        std::vector<std::string> out;
        for (const auto& request : requests) {
            out.push_back(request.url);
        }
        return out;
    }

    std::vector<http::Request> requests;
    bool mimic_mediamtx_cookie_check = false;
    std::chrono::milliseconds request_duration{0};

private:
    FakeClock& m_clock;
    std::map<std::string, std::deque<http::Outcome>> m_routes;
};

std::string media_playlist(int segments, int first = 0)
{
    std::string body = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n";
    for (int i = first; i < first + segments; ++i) {
        body += "#EXTINF:2.000,\nseg" + std::to_string(i) + ".ts\n";
    }
    return body;
}

struct Fixture {
    FakeClock clock;
    HlsServer server{clock};
    hls::ProbeSettings settings;

    hls::WaitResult wait(std::chrono::milliseconds timeout = 10s)
    {
        hls::PlayabilityProbe probe(server, settings, clock.hooks());
        return probe.wait(k_index, timeout, 1s);
    }
};

} // namespace

TEST_CASE_METHOD(Fixture, "a playlist with two answering segments is playable at the first look", "[hls][probe]")
{
    server.on(k_index, 200, media_playlist(3));
    server.on(k_dir + "seg1.ts", 206);
    server.on(k_dir + "seg2.ts", 200);
    const auto result = wait();
    CHECK(result.outcome == hls::WaitOutcome::playable);
    CHECK(result.polls == 1);
    CHECK(result.last.segments == 3);
    // The last N segments, read by a ranged GET of their first bytes.
    CHECK(server.urls() == std::vector<std::string>{k_index, k_dir + "seg1.ts", k_dir + "seg2.ts"});
    CHECK(server.requests[1].headers.at("Range") == "bytes=0-65535");
    CHECK(server.requests[0].headers.count("Range") == 0);
}

TEST_CASE_METHOD(Fixture, "MediaMTX's 302 cookie check is passed by keeping cookies across redirects", "[hls][probe]")
{
    server.mimic_mediamtx_cookie_check = true;
    server.on(k_index, 200, media_playlist(2));
    server.on(k_dir + "seg0.ts", 200);
    server.on(k_dir + "seg1.ts", 200);
    CHECK(wait().outcome == hls::WaitOutcome::playable);
    for (const auto& request : server.requests) {
        CHECK(request.cookies);
        CHECK(request.max_redirects > 0);
    }
}

TEST_CASE_METHOD(Fixture, "a 302 that was not followed is not a playlist: polling goes on", "[hls][probe]")
{
    server.on(k_index, http_response(302, "", {{"location", k_index}}));
    server.on(k_index, 200, media_playlist(2));
    server.on(k_dir + "seg0.ts", 200);
    server.on(k_dir + "seg1.ts", 200);
    const auto result = wait();
    CHECK(result.outcome == hls::WaitOutcome::playable);
    CHECK(result.polls == 2);
}

TEST_CASE_METHOD(Fixture, "URIs resolve against the URL reached after redirects", "[hls][probe]")
{
    auto redirected = http_response(200, media_playlist(2));
    redirected.response->effective_url = "http://127.0.0.1:8888/session/42/index.m3u8";
    server.on(k_index, redirected);
    server.on("http://127.0.0.1:8888/session/42/seg0.ts", 200);
    server.on("http://127.0.0.1:8888/session/42/seg1.ts", 200);
    CHECK(wait().outcome == hls::WaitOutcome::playable);
}

TEST_CASE_METHOD(Fixture, "a multivariant playlist is followed to its first variant", "[hls][probe]")
{
    server.on(k_index, 200,
              "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",URI=\"audio2_stream.m3u8?u=1\"\n"
              "#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1.64001f,mp4a.40.2\",AUDIO=\"a\"\r\n"
              "video1_stream.m3u8?u=1\r\n");
    server.on(k_dir + "video1_stream.m3u8?u=1", 200,
              "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4?u=1\"\n#EXT-X-PART:DURATION=0.2,URI=\"p0.mp4\"\n"
              "#EXTINF:2,\ns0.mp4?u=1\n#EXTINF:2,\ns1.mp4?u=1\n#EXT-X-PART:DURATION=0.2,URI=\"p1.mp4\"\n");
    server.on(k_dir + "init.mp4?u=1", 200);
    server.on(k_dir + "s0.mp4?u=1", 200);
    server.on(k_dir + "s1.mp4?u=1", 200);
    const auto result = wait();
    CHECK(result.outcome == hls::WaitOutcome::playable);
    CHECK(result.last.media_url == k_dir + "video1_stream.m3u8?u=1");
    CHECK(server.urls() == std::vector<std::string>{k_index, k_dir + "video1_stream.m3u8?u=1", k_dir + "init.mp4?u=1",
                                                    k_dir + "s0.mp4?u=1", k_dir + "s1.mp4?u=1"});
}

TEST_CASE_METHOD(Fixture, "fewer than N full segments (LL-HLS parts do not count) keeps polling", "[hls][probe]")
{
    server.on(k_index, 200,
              "#EXTM3U\n#EXT-X-PART:DURATION=0.2,URI=\"p0.mp4\"\n#EXT-X-PART:DURATION=0.2,URI=\"p1.mp4\"\n");
    server.on(k_index, 200, media_playlist(1));
    server.on(k_index, 200, media_playlist(2));
    server.on(k_dir + "seg0.ts", 200);
    server.on(k_dir + "seg1.ts", 200);
    std::vector<std::string> details;
    hls::PlayabilityProbe probe(server, settings, clock.hooks());
    const auto result = probe.wait(k_index, 10s, 1s, [&](const hls::Probe& p) { details.push_back(p.detail); });
    CHECK(result.outcome == hls::WaitOutcome::playable);
    CHECK(result.polls == 3);
    CHECK(result.waited == 2s);
    REQUIRE(details.size() == 2);
    CHECK_THAT(details[0], Catch::Contains("lists 0 of 2 segments (2 LL-HLS parts)"));
    CHECK_THAT(details[1], Catch::Contains("lists 1 of 2 segments"));
}

TEST_CASE_METHOD(Fixture, "a listed segment answering 404 keeps polling", "[hls][probe]")
{
    server.on(k_index, 200, media_playlist(2));
    server.on(k_dir + "seg0.ts", 200);
    server.on(k_dir + "seg1.ts", 404);
    server.on(k_dir + "seg1.ts", 200);
    const auto result = wait();
    CHECK(result.outcome == hls::WaitOutcome::playable);
    CHECK(result.polls == 2);
}

TEST_CASE_METHOD(Fixture, "an fMP4 init segment that does not answer keeps polling", "[hls][probe]")
{
    server.on(k_index, 200, "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:2,\na.mp4\n#EXTINF:2,\nb.mp4\n");
    server.on(k_dir + "a.mp4", 200);
    server.on(k_dir + "b.mp4", 200);
    const auto result = wait(3s);
    CHECK(result.outcome == hls::WaitOutcome::timed_out);
    CHECK_THAT(result.last.detail, Catch::Contains("init.mp4 answered HTTP 404"));
}

TEST_CASE_METHOD(Fixture, "a 200 with HTML, an empty segment or a refused connection is not playable", "[hls][probe]")
{
    SECTION("HTML")
    {
        server.on(k_index, 200, "<html><body>MediaMTX</body></html>");
        CHECK_THAT(wait(2s).last.detail, Catch::Contains("not an HLS playlist"));
    }
    SECTION("empty segment body")
    {
        server.on(k_index, 200, media_playlist(2));
        server.on(k_dir + "seg0.ts", 200, "");
        CHECK_THAT(wait(2s).last.detail, Catch::Contains("empty body"));
    }
    SECTION("connection refused")
    {
        server.on(k_index, testing::transport_error(http::TransportError::connect, "Couldn't connect to server"));
        const auto result = wait(2s);
        CHECK(result.outcome == hls::WaitOutcome::timed_out);
        CHECK_THAT(result.last.detail, Catch::Contains("Couldn't connect"));
    }
}

TEST_CASE_METHOD(Fixture, "no stream: times out after the timeout, no request past the deadline", "[hls][probe]")
{
    server.request_duration = 300ms;
    const auto start = clock.now_value;
    const auto result = wait(5s);
    CHECK(result.outcome == hls::WaitOutcome::timed_out);
    CHECK(result.waited >= 5s);
    CHECK(clock.elapsed_since(start) <= 5300ms);
    CHECK(result.polls >= 4);
    CHECK_THAT(result.last.detail, Catch::Contains("answered HTTP 404"));
    for (const auto& request : server.requests) {
        CHECK(request.total_timeout <= 5s);
        CHECK(request.total_timeout.count() > 0);
    }
}

TEST_CASE_METHOD(Fixture, "a stop signal ends the wait at once", "[hls][probe]")
{
    SECTION("during the sleep between looks")
    {
        clock.interrupt_sleep = true;
        const auto result = wait();
        CHECK(result.outcome == hls::WaitOutcome::interrupted);
        CHECK(result.polls == 1);
    }
    SECTION("during a request (the transport reports it cancelled)")
    {
        server.on(k_index, testing::transport_error(http::TransportError::cancelled, "aborted by callback"));
        CHECK(wait().outcome == hls::WaitOutcome::interrupted);
    }
    SECTION("the cancel predicate is handed to every request")
    {
        bool stop = false;
        settings.cancelled = [&] { return stop; };
        server.on(k_index, 200, media_playlist(1));
        hls::PlayabilityProbe probe(server, settings, clock.hooks());
        const auto result = probe.wait(k_index, 10s, 1s, [&](const hls::Probe&) { stop = true; });
        CHECK(result.outcome == hls::WaitOutcome::interrupted);
        REQUIRE(server.requests.size() == 1);
        REQUIRE(server.requests[0].cancelled);
        CHECK(server.requests[0].cancelled());
    }
}

TEST_CASE_METHOD(Fixture, "a look cut short by the deadline does not hide the last real reason", "[hls][probe]")
{
    server.request_duration = 700ms;
    server.on(k_index, 200, media_playlist(2));
    server.on(k_dir + "seg0.ts", 404);
    const auto result = wait(3s);
    CHECK(result.outcome == hls::WaitOutcome::timed_out);
    CHECK_THAT(result.last.detail, Catch::Contains("seg0.ts answered HTTP 404"));
    CHECK_THAT(result.last.detail, !Catch::Contains("no time left"));
}
