#include "cloud/client.hpp"

#include "fakes.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace std::chrono_literals;
using mtxrelay::cloud::CloudClient;
using mtxrelay::cloud::CloudSettings;
using mtxrelay::cloud::HlsReady;
using mtxrelay::cloud::StreamStatus;
using mtxrelay::core::ErrorKind;
using mtxrelay::http::TransportError;
using mtxrelay::testing::FakeClock;
using mtxrelay::testing::FakeTransport;
using mtxrelay::testing::find_header;
using mtxrelay::testing::http_response;
using mtxrelay::testing::transport_error;
using nlohmann::json;

namespace {

const std::string k_token = "client-test-token-5f3a";

CloudSettings settings()
{
    CloudSettings s;
    s.base_url = "http://cloud.test:8080";
    s.token = k_token;
    s.max_attempts = 3;
    return s;
}

// A client over a scripted transport and a fake clock (no real sleeping).
struct Fixture {
    FakeClock clock;
    FakeTransport transport{&clock};
    CloudClient client{settings(), transport, clock.hooks()};
};

void check_common_headers(const mtxrelay::http::Request& request)
{
    CHECK(find_header(request.headers, "Authorization") == std::optional<std::string>("Bearer " + k_token));
    CHECK(find_header(request.headers, "Accept") == std::optional<std::string>("application/json"));
}

} // namespace

TEST_CASE("cf_url sends GET /api/relay/cf-url/<user>/<stream> with the bearer token", "[cloud][client]")
{
    Fixture f;
    f.transport.push(http_response(200, R"({"url":"rtmps://live.cloudflare.com:443/live/cf-k"})"));
    const auto result = f.client.cf_url("alice", "s1");
    REQUIRE(result.ok());
    CHECK(result.value().url == "rtmps://live.cloudflare.com:443/live/cf-k");
    REQUIRE(f.transport.requests.size() == 1);
    const auto& request = f.transport.requests[0];
    CHECK(request.method == "GET");
    CHECK(request.url == "http://cloud.test:8080/api/relay/cf-url/alice/s1");
    CHECK(request.body.empty());
    check_common_headers(request);
    CHECK(request.connect_timeout == settings().connect_timeout);
    CHECK(request.total_timeout == settings().request_timeout);
}

TEST_CASE("destinations sends GET /api/rtmp-relay/restream-destinations/<user>/<stream>", "[cloud][client]")
{
    Fixture f;
    f.transport.push(http_response(200, R"({"destinations":[{"url":"rtmp://live.twitch.tv/app/k","name":"Twitch"}]})"));
    const auto result = f.client.destinations("bob", "main-2");
    REQUIRE(result.ok());
    REQUIRE(result.value().entries.size() == 1);
    CHECK(result.value().entries[0].destination->name == "Twitch");
    REQUIRE(f.transport.requests.size() == 1);
    const auto& request = f.transport.requests[0];
    CHECK(request.method == "GET");
    CHECK(request.url == "http://cloud.test:8080/api/rtmp-relay/restream-destinations/bob/main-2");
    check_common_headers(request);
}

TEST_CASE("post_hls_ready sends POST /api/rtmp-relay/hls-ready with a JSON body", "[cloud][client]")
{
    Fixture f;
    f.transport.push(http_response(204));
    const auto result =
        f.client.post_hls_ready(HlsReady{"alice", "s1", "https://cdn.example/live/alice/s1/index.m3u8", std::nullopt,
                                         std::string("https://cdn.example/live/alice/s1/whep"), "run-key-1"});
    REQUIRE(result.ok());
    REQUIRE(f.transport.requests.size() == 1);
    const auto& request = f.transport.requests[0];
    CHECK(request.method == "POST");
    CHECK(request.url == "http://cloud.test:8080/api/rtmp-relay/hls-ready");
    check_common_headers(request);
    CHECK(find_header(request.headers, "Content-Type") == std::optional<std::string>("application/json"));
    CHECK(find_header(request.headers, "Idempotency-Key") == std::optional<std::string>("run-key-1"));
    const auto body = json::parse(request.body);
    CHECK_FALSE(body.contains("idempotencyKey"));
    CHECK(body["userId"] == "alice");
    CHECK(body["streamId"] == "s1");
    CHECK(body["hlsUrl"] == "https://cdn.example/live/alice/s1/index.m3u8");
    CHECK(body["webrtcUrl"] == "https://cdn.example/live/alice/s1/whep");
    CHECK_FALSE(body.contains("dashUrl"));
}

TEST_CASE("post_stream_status sends a redacted JSON body", "[cloud][client]")
{
    Fixture f;
    f.transport.push(http_response(200, "{}"));
    StreamStatus status{"alice",
                        "s1",
                        "error",
                        {{"destinations",
                          {{{"url", "rtmp://a.rtmp.youtube.com/live2/status-yt-key-1"}, {"state", "failed"}},
                           {{"url", "rtmps://live.cloudflare.com:443/live/status-cf-key-2"}, {"state", "ok"}}}},
                         {"error", "[flv @ 0x55] Opening 'rtmp://live.twitch.tv/app/live_77_status' failed"},
                         {"restarts", 2}}};
    const auto result = f.client.post_stream_status(status);
    REQUIRE(result.ok());
    REQUIRE(f.transport.requests.size() == 1);
    const auto& request = f.transport.requests[0];
    CHECK(request.method == "POST");
    CHECK(request.url == "http://cloud.test:8080/api/rtmp-relay/stream-status");
    check_common_headers(request);
    CHECK(find_header(request.headers, "Content-Type") == std::optional<std::string>("application/json"));
    for (const char* secret : {"status-yt-key-1", "status-cf-key-2", "live_77_status"}) {
        CAPTURE(secret);
        CHECK(request.body.find(secret) == std::string::npos);
    }
    const auto body = json::parse(request.body); // still valid JSON after masking
    CHECK(body["userId"] == "alice");
    CHECK(body["status"] == "error");
    CHECK(body["restarts"] == 2);
    CHECK_THAT(body["destinations"][0]["url"].get<std::string>(),
               Catch::StartsWith("rtmp://a.rtmp.youtube.com/live2/"));
    CHECK(body["destinations"][1]["state"] == "ok");
}

TEST_CASE("build_request omits Authorization without a token", "[cloud][client]")
{
    FakeTransport transport;
    auto s = settings();
    s.token.clear();
    CloudClient client(s, transport, FakeClock().hooks());
    const auto request = client.build_request("GET", CloudClient::cf_url_path("alice", "s1"));
    CHECK_FALSE(find_header(request.headers, "Authorization").has_value());
    CHECK(request.url == "http://cloud.test:8080/api/relay/cf-url/alice/s1");
    CHECK(CloudClient::destinations_path("a.b", "c_d-1") == "/api/rtmp-relay/restream-destinations/a.b/c_d-1");
}

TEST_CASE("cf_url answers that break the JSON contract are bad responses", "[cloud][client]")
{
    struct Case {
        const char* body;
        const char* expected;
    };
    for (const auto& c :
         {Case{"not json", "not valid JSON"}, Case{R"(["rtmps://x/live/k"])", "array"}, Case{"{}", "'url'"},
          Case{R"({"url":12})", "'url' is a number"}, Case{R"({"url":""})", "'url' is empty"}}) {
        CAPTURE(c.body);
        Fixture f;
        f.transport.push(http_response(200, c.body));
        const auto result = f.client.cf_url("alice", "s1");
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().kind == ErrorKind::bad_response);
        CHECK_THAT(result.error().message, Catch::Contains("cf-url lookup for alice/s1"));
        CHECK_THAT(result.error().message, Catch::Contains(c.expected));
        CHECK(f.transport.requests.size() == 1); // a bad body is not retried
    }
}

TEST_CASE("destinations answers that break the JSON contract", "[cloud][client]")
{
    SECTION("whole-document problems are bad responses")
    {
        struct Case {
            const char* body;
            const char* expected;
        };
        for (const auto& c :
             {Case{"not json", "not valid JSON"}, Case{"[]", "array"}, Case{R"({"dests":[]})", "'destinations'"},
              Case{R"({"destinations":{"url":"x"}})", "expected an array"}}) {
            CAPTURE(c.body);
            Fixture f;
            f.transport.push(http_response(200, c.body));
            const auto result = f.client.destinations("alice", "s1");
            REQUIRE_FALSE(result.ok());
            CHECK(result.error().kind == ErrorKind::bad_response);
            CHECK_THAT(result.error().message, Catch::Contains("restream-destinations lookup for alice/s1"));
            CHECK_THAT(result.error().message, Catch::Contains(c.expected));
        }
    }
    SECTION("bad entries are reported one by one and valid ones survive")
    {
        Fixture f;
        f.transport.push(http_response(200, R"({"destinations":[
            "rtmp://x/app/k", {"name":"n"}, {"url":5}, {"url":"rtmp://ok/app/k1","name":9},
            {"url":"rtmp://a.rtmp.youtube.com/live2/k2","name":"YouTube"}]})"));
        const auto result = f.client.destinations("alice", "s1");
        REQUIRE(result.ok());
        const auto& entries = result.value().entries;
        REQUIRE(entries.size() == 5);
        CHECK_THAT(entries[0].problem, Catch::Contains("destinations[0]") && Catch::Contains("string"));
        CHECK_THAT(entries[1].problem, Catch::Contains("destinations[1]") && Catch::Contains("url"));
        CHECK_THAT(entries[2].problem, Catch::Contains("destinations[2].url"));
        CHECK_THAT(entries[3].problem, Catch::Contains("destinations[3].name"));
        for (size_t i = 0; i < 4; ++i) {
            CHECK_FALSE(entries[i].destination.has_value());
        }
        REQUIRE(entries[4].destination.has_value());
        CHECK(entries[4].destination->url == "rtmp://a.rtmp.youtube.com/live2/k2");
    }
}

TEST_CASE("HTTP statuses map to failure kinds", "[cloud][client]")
{
    SECTION("404 is not_found, without retries")
    {
        Fixture f;
        f.transport.push(http_response(404, R"({"error":"unknown stream"})"));
        const auto result = f.client.cf_url("alice", "nope");
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().kind == ErrorKind::not_found);
        CHECK_THAT(result.error().message, Catch::Contains("404"));
        CHECK(f.transport.requests.size() == 1);
    }
    SECTION("401 and 403 are auth, without retries")
    {
        for (const long status : {401L, 403L}) {
            CAPTURE(status);
            Fixture f;
            f.transport.push(http_response(status));
            const auto result = f.client.destinations("alice", "s1");
            REQUIRE_FALSE(result.ok());
            CHECK(result.error().kind == ErrorKind::auth);
            CHECK_THAT(result.error().message, Catch::Contains("CLOUD_API_TOKEN"));
            CHECK_THAT(result.error().message, !Catch::Contains(k_token));
            CHECK(f.transport.requests.size() == 1);
        }
    }
    SECTION("5xx after every retry is unreachable")
    {
        Fixture f;
        f.transport.push(http_response(503));
        const auto result = f.client.cf_url("alice", "s1");
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().kind == ErrorKind::unreachable);
        CHECK_THAT(result.error().message, Catch::Contains("HTTP 503"));
        CHECK(f.transport.requests.size() == 3);
        CHECK(f.clock.sleeps.size() == 2);
    }
    SECTION("429 after every retry is unreachable")
    {
        Fixture f;
        f.transport.push(http_response(429, "", {{"retry-after", "1"}}));
        const auto result = f.client.post_hls_ready(HlsReady{"alice", "s1", "https://cdn/x.m3u8", {}, {}, "run-key-2"});
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().kind == ErrorKind::unreachable);
        CHECK(f.clock.sleeps == std::vector<std::chrono::milliseconds>{1000ms, 1000ms});
        // Every attempt of the one announcement carries the same key.
        REQUIRE(f.transport.requests.size() == 3);
        for (const auto& request : f.transport.requests) {
            CHECK(find_header(request.headers, "Idempotency-Key") == std::optional<std::string>("run-key-2"));
        }
    }
    SECTION("500 then 200 succeeds")
    {
        Fixture f;
        f.transport.push(http_response(500));
        f.transport.push(http_response(200, R"({"url":"rtmps://h/live/k"})"));
        const auto result = f.client.cf_url("alice", "s1");
        REQUIRE(result.ok());
        CHECK(f.transport.requests.size() == 2);
    }
    SECTION("other 4xx is a bad response quoting the body")
    {
        Fixture f;
        f.transport.push(http_response(422, "field userId is invalid"));
        const auto result = f.client.post_stream_status(StreamStatus{"alice", "s1", "active", json::object()});
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().kind == ErrorKind::bad_response);
        CHECK_THAT(result.error().message, Catch::Contains("422") && Catch::Contains("field userId is invalid"));
    }
}

TEST_CASE("transport failures map to failure kinds", "[cloud][client]")
{
    SECTION("connection refused after retries is unreachable and names the cloud URL")
    {
        Fixture f;
        f.transport.push(transport_error(TransportError::connect, "Couldn't connect to server"));
        const auto result = f.client.cf_url("alice", "s1");
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().kind == ErrorKind::unreachable);
        CHECK_THAT(result.error().message, Catch::Contains("http://cloud.test:8080"));
        CHECK_THAT(result.error().message, Catch::Contains("CLOUD_API_URL"));
        CHECK_THAT(result.error().message, !Catch::Contains(k_token));
        CHECK(f.transport.requests.size() == 3);
    }
    SECTION("a body over the size cap is a bad response, not retried")
    {
        Fixture f;
        f.transport.push(transport_error(TransportError::too_large, "response body larger than 1048576 bytes"));
        const auto result = f.client.destinations("alice", "s1");
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().kind == ErrorKind::bad_response);
        CHECK_THAT(result.error().message, Catch::Contains("larger than"));
        CHECK(f.transport.requests.size() == 1);
    }
    SECTION("a stop signal during a retry wait is interrupted")
    {
        Fixture f;
        f.clock.interrupt_sleep = true;
        f.transport.push(http_response(502));
        const auto result = f.client.cf_url("alice", "s1");
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().kind == ErrorKind::interrupted);
        CHECK(f.transport.requests.size() == 1);
    }
}

TEST_CASE("set_deadline shortens later calls", "[cloud][client]")
{
    Fixture f;
    f.client.set_deadline(1500ms);
    CHECK(f.client.settings().deadline == 1500ms);
    f.transport.push(http_response(503, "", {{"retry-after", "1"}}));
    const auto result = f.client.post_stream_status(StreamStatus{"alice", "s1", "active", json::object()});
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().kind == ErrorKind::unreachable);
    CHECK(f.transport.requests.size() == 2); // at 0 s and 1 s; a second 1 s wait would pass 1.5 s
    CHECK(f.clock.total_slept() <= 1500ms);
}
