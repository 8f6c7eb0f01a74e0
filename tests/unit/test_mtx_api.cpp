#include "mtx/api.hpp"

#include "core/error.hpp"
#include "fakes.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>

using namespace mtxrelay;
using namespace mtxrelay::mtx;
using namespace std::chrono;

namespace {

// Recorded from MediaMTX v1.20.1 (GET /v3/paths/get/live/u/a) with an ffmpeg publisher of
// 640x360 H.264 + AAC; the one below is a 360x640 video-only publisher.
const std::string k_path_with_audio =
    R"j({"name":"live/u/a","confName":"~^live/([A-Za-z0-9_-][A-Za-z0-9_.-]{0,63})/([A-Za-z0-9_-][A-Za-z0-9_.-]{0,63})$",)j"
    R"j("ready":true,"readyTime":"2026-12-01T15:51:53.36096267Z","available":true,"availableTime":"2026-12-01T15:51:53.36096267Z",)j"
    R"j("online":true,"onlineTime":"2026-12-01T15:51:53.360968346Z","source":{"type":"rtmpConn","id":"90d933d0-dc59-432e-be66-404c0463fb0b"},)j"
    R"j("tracks":["H264","MPEG-4 Audio"],"tracks2":[{"codec":"H264","codecProps":{"width":640,"height":360,"profile":"Baseline","level":"3"}},)j"
    R"j({"codec":"MPEG-4 Audio","codecProps":{"sampleRate":44100,"channelCount":1}}],"readers":[],"inboundBytes":787202,)j"
    R"j("outboundBytes":0,"inboundFramesInError":0,"bytesReceived":787202,"bytesSent":0})j";

const std::string k_path_video_only =
    R"j({"name":"live/u/na","confName":"~^live/x$","ready":true,"readyTime":"2026-12-01T15:51:53.230888088Z","available":true,)j"
    R"j("availableTime":"2026-12-01T15:51:53.230888088Z","online":true,"onlineTime":"2026-12-01T15:51:53.230893138Z",)j"
    R"j("source":{"type":"rtmpConn","id":"39b71194-659a-46e3-8305-0282ba569b9d"},"tracks":["H264"],)j"
    R"j("tracks2":[{"codec":"H264","codecProps":{"width":360,"height":640,"profile":"Baseline","level":"3"}}],"readers":[],)j"
    R"j("inboundBytes":834363,"outboundBytes":0,"inboundFramesInError":0,"bytesReceived":834363,"bytesSent":0})j";

const std::string k_not_found = R"({"status":"error","error":"path not found"})";

const std::string k_rtmp_conn =
    R"j({"id":"90d933d0-dc59-432e-be66-404c0463fb0b","created":"2026-12-01T15:51:51.187021206Z","remoteAddr":"127.0.0.1:48618",)j"
    R"j("state":"publish","path":"live/u/a","query":"","user":"","userAgent":"FMLE/3.0 (compatible; Lavf59.27.100)",)j"
    R"j("inboundBytes":793099,"outboundBytes":3467,"outboundFramesDiscarded":0,"bytesReceived":793099,"bytesSent":3467})j";

system_clock::time_point utc(int y, unsigned mo, unsigned d, int h, int mi, int s)
{
    return sys_days(year{y} / month{mo} / day{d}) + hours(h) + minutes(mi) + seconds(s);
}

} // namespace

TEST_CASE("a MediaMTX v1.20.1 path with audio: tracks, props, available time, source", "[mtx][api]")
{
    const auto parsed = parse_path_info(k_path_with_audio);
    REQUIRE(parsed.ok());
    const auto& path = parsed.value();
    CHECK(path.name == "live/u/a");
    CHECK(path.available);
    REQUIRE(path.tracks.size() == 2);
    CHECK(path.has_audio());
    REQUIRE(path.video());
    CHECK(path.video()->codec == "H264");
    CHECK(path.video()->width == 640);
    CHECK(path.video()->height == 360);
    CHECK(path.tracks[1].audio);
    CHECK(path.tracks[1].sample_rate == 44100);
    CHECK(path.tracks[1].channels == 1);
    REQUIRE(path.available_time);
    CHECK(*path.available_time - utc(2026, 12, 1, 15, 51, 53) == nanoseconds(360962670));
    CHECK(path.source_type == "rtmpConn");
    CHECK(path.source_id == "90d933d0-dc59-432e-be66-404c0463fb0b");
}

TEST_CASE("a video-only path has no audio and a portrait video", "[mtx][api]")
{
    const auto parsed = parse_path_info(k_path_video_only);
    REQUIRE(parsed.ok());
    CHECK_FALSE(parsed.value().has_audio());
    CHECK(parsed.value().video()->height == 640);
}

TEST_CASE("bodies that are not a path name what is wrong", "[mtx][api]")
{
    CHECK(parse_path_info("<html>").error().message.find("JSON") != std::string::npos);
    CHECK(parse_path_info(k_not_found).error().message.find("'name'") != std::string::npos);
    CHECK(parse_path_info(R"({"name":"x","tracks":["H264"]})").error().message.find("tracks2") != std::string::npos);
    // A path without a publisher yet: tracks2 null (Go's nil slice), not available.
    const auto idle = parse_path_info(R"({"name":"x","available":false,"tracks2":null,"source":null})");
    REQUIRE(idle.ok());
    CHECK_FALSE(idle.value().available);
    CHECK(idle.value().tracks.empty());
    // Wrongly typed props are ignored, not trusted.
    const auto odd = parse_path_info(R"({"name":"x","tracks2":[{"codec":"H264","codecProps":{"width":"640"}},7]})");
    REQUIRE(odd.ok());
    CHECK(odd.value().tracks.size() == 1);
    CHECK(odd.value().tracks[0].width == 0);
}

TEST_CASE("RFC 3339 times as Go writes them", "[mtx][api]")
{
    CHECK(parse_rfc3339("2026-12-01T15:51:51Z") == utc(2026, 12, 1, 15, 51, 51));
    CHECK(parse_rfc3339("2026-12-01T15:51:51.5Z") == utc(2026, 12, 1, 15, 51, 51) + milliseconds(500));
    CHECK(parse_rfc3339("2026-12-01T17:51:51+02:00") == utc(2026, 12, 1, 15, 51, 51));
    CHECK(parse_rfc3339("2026-12-01T10:21:51-05:30") == utc(2026, 12, 1, 15, 51, 51));
    CHECK_FALSE(parse_rfc3339(""));
    CHECK_FALSE(parse_rfc3339("2026-13-01T15:51:51Z"));
    CHECK_FALSE(parse_rfc3339("2026-02-30T15:51:51Z"));
    CHECK_FALSE(parse_rfc3339("2026-12-01T15:51:51"));
    CHECK_FALSE(parse_rfc3339("2026-12-01T15:51:51.Z"));
    CHECK_FALSE(parse_rfc3339("2026-12-01T25:51:51Z"));
    CHECK_FALSE(parse_rfc3339("2026-12-01T15:51:51Zjunk"));
}

TEST_CASE("the client asks the path, then its publisher's connection", "[mtx][api]")
{
    testing::FakeTransport transport;
    transport.push(testing::http_response(200, k_path_with_audio));
    transport.push(testing::http_response(200, k_rtmp_conn));
    ApiClient client("http://127.0.0.1:9997", transport, milliseconds(300));
    const auto path = client.path("live/u/a");
    REQUIRE(path.ok());
    const auto created = client.source_created(path.value());
    REQUIRE(created.ok());
    CHECK(created.value() - utc(2026, 12, 1, 15, 51, 51) == nanoseconds(187021206));
    REQUIRE(transport.requests.size() == 2);
    CHECK(transport.requests[0].url == "http://127.0.0.1:9997/v3/paths/get/live/u/a");
    CHECK(transport.requests[0].total_timeout == milliseconds(300));
    CHECK(transport.requests[0].max_redirects == 0);
    CHECK(transport.requests[1].url == "http://127.0.0.1:9997/v3/rtmpconns/get/90d933d0-dc59-432e-be66-404c0463fb0b");
}

TEST_CASE("the client fails fast and says why", "[mtx][api]")
{
    testing::FakeTransport transport;
    ApiClient client("http://127.0.0.1:9997", transport);
    transport.push(testing::http_response(404, k_not_found));
    transport.push(testing::transport_error(http::TransportError::connect, "Couldn't connect to server"));
    transport.push(testing::http_response(401, ""));
    CHECK(client.path("live/u/none").error().kind == core::ErrorKind::not_found);
    const auto refused = client.path("live/u/a");
    CHECK(refused.error().kind == core::ErrorKind::unreachable);
    CHECK(refused.error().message.find("Couldn't connect") != std::string::npos);
    CHECK(client.path("live/u/a").error().message.find("401") != std::string::npos);
    const auto requests = transport.requests.size();
    // Names that are not MediaMTX paths never reach a URL.
    CHECK(client.path("live/../x?y").error().kind == core::ErrorKind::invalid);
    CHECK(transport.requests.size() == requests);
    PathInfo odd;
    odd.source_type = "rtmpConn";
    odd.source_id = "../../v3/config";
    CHECK_FALSE(client.source_created(odd).ok());
    odd.source_type = "redirect";
    CHECK(client.source_created(odd).error().kind == core::ErrorKind::not_found);
    CHECK(transport.requests.size() == requests);
}

TEST_CASE("the API setting", "[mtx][api]")
{
    CHECK(api_base_url("127.0.0.1:9997", "x") == "http://127.0.0.1:9997");
    CHECK(api_base_url("http://mtx:9997/", "x") == "http://mtx:9997");
    CHECK_FALSE(api_base_url("off", "x"));
    CHECK_FALSE(api_base_url("OFF", "x"));
    CHECK_THROWS_AS(api_base_url("ftp://h:1", "x"), core::UsageError);
    CHECK_THROWS_AS(api_base_url("http://user:pw@h:1", "x"), core::UsageError);
    CHECK_THROWS_AS(api_base_url("http://h:1/v3", "x"), core::UsageError);
    CHECK_THROWS_AS(api_base_url("", "x"), core::UsageError);
}

TEST_CASE("random and mutated API bodies never crash", "[mtx][api][fuzz]")
{
    std::mt19937 rng(3);
    for (int round = 0; round < 1000; ++round) {
        auto body = round % 2 == 0 ? k_path_with_audio : k_rtmp_conn;
        for (int i = 0; i < 3; ++i) {
            body[rng() % body.size()] = static_cast<char>(rng() & 0xFF);
        }
        body.resize(rng() % (body.size() + 1));
        (void)parse_path_info(body);
        (void)parse_created(body);
        (void)parse_rfc3339(body.substr(0, 40));
    }
}
