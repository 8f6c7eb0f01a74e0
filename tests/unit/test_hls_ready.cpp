#include "app/hls_ready.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "process/signals.hpp"

#include "fakes.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <sstream>

using namespace mtxrelay;
using namespace std::chrono_literals;
using mtxrelay::testing::FakeClock;
using mtxrelay::testing::FakeTransport;
using mtxrelay::testing::http_response;
using mtxrelay::testing::map_env;

namespace {

const std::string k_token = "hls-test-token-8f3a";
const std::string k_local = "http://127.0.0.1:8888/clean/alice/s1/index.m3u8";

std::map<std::string, std::string> hook_env()
{
    return {{"CLOUD_API_URL", "http://cloud.test"},
            {"CLOUD_API_TOKEN", k_token},
            {"MTX_PATH", "clean/alice/s1"},
            {"G1", "alice"},
            {"G2", "s1"},
            {"RELAY_PUBLIC_HLS_BASE", "https://relay1.example.com"},
            {"RELAY_PUBLIC_WEBRTC_BASE", "https://relay1.example.com:8889"}};
}

const std::string k_two_segments = "#EXTM3U\n#EXTINF:2,\nseg0.ts\n#EXTINF:2,\nseg1.ts\n";

// Captures log lines and restores stderr logging afterwards.
struct LogCapture {
    std::vector<std::string> lines;
    LogCapture()
    {
        core::log::set_sink([this](std::string_view line) { lines.emplace_back(line); });
    }
    ~LogCapture() { core::log::set_sink(nullptr); }
    std::string all() const
    {
        std::string out;
        for (const auto& line : lines) {
            out += line + "\n";
        }
        return out;
    }
};

struct Fixture {
    FakeClock clock;
    FakeTransport transport{&clock};
    LogCapture log;
    app::HlsReadyOptions options;

    Fixture() { process::StopSignal::reset(); }

    int run(std::map<std::string, std::string> env = hook_env())
    {
        return app::run_hls_ready(options, map_env(std::move(env)), transport, clock.hooks());
    }

    std::vector<http::Request> posts() const
    {
        std::vector<http::Request> out;
        for (const auto& request : transport.requests) {
            if (request.method == "POST") {
                out.push_back(request);
            }
        }
        return out;
    }
};

} // namespace

TEST_CASE("the plan polls the local URL and announces the public ones", "[hls][app]")
{
    LogCapture log;
    app::HlsReadyOptions options;
    SECTION("hook defaults: MediaMTX's URL shape, no dashUrl")
    {
        const auto plan = app::make_hls_ready_plan(options, map_env(hook_env()));
        CHECK(plan.local_url == k_local);
        CHECK(plan.hls_url == "https://relay1.example.com/clean/alice/s1/index.m3u8");
        CHECK(plan.webrtc_url == std::optional<std::string>("https://relay1.example.com:8889/clean/alice/s1/whep"));
        CHECK_FALSE(plan.dash_url);
        CHECK(plan.min_segments == 2);
        CHECK(plan.timeout == 60s);
    }
    SECTION("a template for another server's shape, a DASH template, flags over env")
    {
        options.hls_template = "{base}/hls/{user}_{stream}/index.m3u8";
        options.dash_template = "{base}/dash/{path}.mpd";
        options.hls_local_base = "http://127.0.0.1:9000/";
        options.min_segments = 3;
        options.timeout = 5;
        const auto plan = app::make_hls_ready_plan(options, map_env(hook_env()));
        CHECK(plan.local_url == "http://127.0.0.1:9000/hls/alice_s1/index.m3u8");
        CHECK(plan.hls_url == "https://relay1.example.com/hls/alice_s1/index.m3u8");
        CHECK(plan.dash_url == std::optional<std::string>("https://relay1.example.com/dash/clean/alice/s1.mpd"));
        CHECK(plan.min_segments == 3);
        CHECK(plan.timeout == 5s);
    }
    SECTION("a manual run: path clean/<user>/<stream>, public base = local base, WebRTC off")
    {
        options.common.context.user_id = "bob";
        options.common.context.stream_id = "s2";
        options.public_webrtc_base = "off";
        const auto plan = app::make_hls_ready_plan(options, map_env({{"CLOUD_API_URL", "http://c"}}));
        CHECK(plan.local_url == "http://127.0.0.1:8888/clean/bob/s2/index.m3u8");
        CHECK(plan.hls_url == plan.local_url);
        CHECK_FALSE(plan.webrtc_url);
        CHECK_THAT(log.all(), Catch::Contains("RELAY_PUBLIC_HLS_BASE is not set"));
    }
    SECTION("bad settings are usage errors naming the setting")
    {
        auto env = hook_env();
        env["RELAY_HLS_TEMPLATE"] = "{base}/{app}/index.m3u8";
        CHECK_THROWS_WITH(app::make_hls_ready_plan(options, map_env(env)),
                          Catch::Contains("unknown placeholder '{app}'"));
        env = hook_env();
        env["RELAY_PUBLIC_HLS_BASE"] = "relay1.example.com:8888";
        CHECK_THROWS_AS(app::make_hls_ready_plan(options, map_env(env)), core::UsageError);
        env = hook_env();
        env["RELAY_HLS_MIN_SEGMENTS"] = "0";
        CHECK_THROWS_WITH(app::make_hls_ready_plan(options, map_env(env)), Catch::Contains("out of range"));
        env = hook_env();
        env.erase("CLOUD_API_URL");
        CHECK_THROWS_WITH(app::make_hls_ready_plan(options, map_env(env)), Catch::Contains("CLOUD_API_URL"));
    }
    SECTION("bases are read by the one URL model: what libcurl would read differently is refused")
    {
        for (const char* base :
             {"http://relay1.example.com:8888:9999", "http://a@b@relay1.example.com", "http://[fe80::1%25eth0]:8888",
              "http://relay1.example.com\\@127.0.0.1", "http://%72elay1.example.com", "http://1.2.3.4.5:8888"}) {
            CAPTURE(base);
            auto env = hook_env();
            env["RELAY_PUBLIC_HLS_BASE"] = base;
            CHECK_THROWS_WITH(app::make_hls_ready_plan(options, map_env(env)),
                              Catch::Contains("RELAY_PUBLIC_HLS_BASE"));
        }
        auto env = hook_env();
        env["RELAY_PUBLIC_HLS_BASE"] = "HTTPS://Relay1.Example.COM:8443/";
        CHECK(app::make_hls_ready_plan(options, map_env(env)).hls_url ==
              "https://relay1.example.com:8443/clean/alice/s1/index.m3u8");
    }
    SECTION("a loopback WebRTC base is recognised in every spelling")
    {
        for (const char* base :
             {"http://127.1:8889", "http://[::1]:8889", "http://LOCALHOST:8889", "http://0x7f.1:8889"}) {
            CAPTURE(base);
            auto env = hook_env();
            env["RELAY_PUBLIC_WEBRTC_BASE"] = base;
            LogCapture spelled;
            app::make_hls_ready_plan(options, map_env(env));
            CHECK_THAT(spelled.all(), Catch::Contains("the WebRTC base"));
        }
    }
}

TEST_CASE_METHOD(Fixture, "once playable, hls-ready is POSTed once with the public URLs", "[hls][app]")
{
    transport.push(http_response(200, k_two_segments));
    transport.push(http_response(206, "seg"));
    transport.push(http_response(206, "seg"));
    transport.push(http_response(200, "{}"));
    CHECK(run() == 0);
    REQUIRE(transport.requests.size() == 4);
    CHECK(transport.requests[0].url == k_local);
    const auto sent = posts();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].url == "http://cloud.test/api/rtmp-relay/hls-ready");
    CHECK(testing::find_header(sent[0].headers, "Authorization") == "Bearer " + k_token);
    const auto body = nlohmann::json::parse(sent[0].body);
    CHECK(body == nlohmann::json{{"userId", "alice"},
                                 {"streamId", "s1"},
                                 {"hlsUrl", "https://relay1.example.com/clean/alice/s1/index.m3u8"},
                                 {"webrtcUrl", "https://relay1.example.com:8889/clean/alice/s1/whep"}});
    CHECK_THAT(log.all(), Catch::Contains("hls-ready sent"));
    CHECK_THAT(log.all(), !Catch::Contains(k_token));
}

TEST_CASE_METHOD(Fixture, "the hls-ready POST is retried on 500", "[hls][app]")
{
    transport.push(http_response(200, k_two_segments));
    transport.push(http_response(200, "seg"));
    transport.push(http_response(200, "seg"));
    transport.push(http_response(500, "oops"));
    transport.push(http_response(503, "busy"));
    transport.push(http_response(200, "{}"));
    CHECK(run() == 0);
    CHECK(posts().size() == 3);
    CHECK(clock.retries.size() == 2);
}

TEST_CASE_METHOD(Fixture, "a POST that keeps failing ends with the cloud's exit code", "[hls][app]")
{
    transport.push(http_response(200, k_two_segments));
    transport.push(http_response(200, "seg"));
    transport.push(http_response(200, "seg"));
    transport.push(http_response(401, "no"));
    try {
        run();
        FAIL("run_hls_ready returned");
    } catch (const core::Error& e) {
        CHECK(e.code() == core::ExitCode::auth_refused);
        CHECK_THAT(e.what(), Catch::Contains("CLOUD_API_TOKEN") && !Catch::Contains(k_token));
    }
    CHECK(posts().size() == 1);
}

TEST_CASE_METHOD(Fixture, "no stream within the timeout: a clear error, exit 1, no POST", "[hls][app]")
{
    transport.push(http_response(404, "not found"));
    options.timeout = 5;
    const auto start = clock.now_value;
    try {
        run();
        FAIL("run_hls_ready returned");
    } catch (const core::Error& e) {
        CHECK(e.code() == core::ExitCode::failure);
        CHECK_THAT(e.what(), Catch::Contains("no playable HLS at " + k_local + " within 5 s") &&
                                 Catch::Contains("answered HTTP 404") && Catch::Contains("hls-ready not sent"));
    }
    CHECK(posts().empty());
    CHECK(clock.elapsed_since(start) == 5s);
}

TEST_CASE_METHOD(Fixture, "a stop signal while waiting: exit 130, no POST", "[hls][app]")
{
    transport.push(http_response(200, "#EXTM3U\n#EXTINF:2,\nseg0.ts\n"));
    clock.interrupt_sleep = true;
    CHECK(run() == 130);
    CHECK(posts().empty());
    CHECK_THAT(log.all(), Catch::Contains("hls-ready not sent"));
}

TEST_CASE_METHOD(Fixture, "--dry-run prints what it would poll and POST, token masked, and sends nothing", "[hls][app]")
{
    options.common.dry_run = true;
    std::ostringstream out;
    auto* saved = std::cout.rdbuf(out.rdbuf());
    const int code = run();
    std::cout.rdbuf(saved);
    CHECK(code == 0);
    CHECK(transport.requests.empty());
    const auto text = out.str();
    CHECK_THAT(text, Catch::Contains("would poll: GET " + k_local));
    CHECK_THAT(text, Catch::Contains("would send: POST http://cloud.test/api/rtmp-relay/hls-ready"));
    CHECK_THAT(text, Catch::Contains("Bearer ***"));
    CHECK_THAT(text, Catch::Contains("\"hlsUrl\":\"https://relay1.example.com/clean/alice/s1/index.m3u8\""));
    CHECK_THAT(text, !Catch::Contains(k_token));
}
