#include "cloud/types.hpp"

#include <catch2/catch.hpp>

#include <string>

using mtxrelay::cloud::HlsReady;
using mtxrelay::cloud::parse_cf_url;
using mtxrelay::cloud::parse_destinations;
using mtxrelay::cloud::parse_destinations_json;
using mtxrelay::cloud::StreamStatus;
using mtxrelay::cloud::to_json;
using mtxrelay::core::ErrorKind;
using nlohmann::json;

TEST_CASE("parse_cf_url returns the url and keeps the whole answer", "[cloud][types]")
{
    const auto result = parse_cf_url(R"({"url":"rtmps://live.cloudflare.com:443/live/k1","expiresAt":123})");
    REQUIRE(result.ok());
    CHECK(result.value().url == "rtmps://live.cloudflare.com:443/live/k1");
    CHECK(result.value().raw["expiresAt"] == 123);
}

TEST_CASE("parse_cf_url names what is wrong with the answer", "[cloud][types]")
{
    struct Case {
        const char* body;
        const char* expected;
    };
    for (const auto& c :
         {Case{"not json", "not valid JSON"}, Case{"", "not valid JSON"}, Case{R"(["rtmps://x/live/k"])", "array"},
          Case{R"("rtmps://x/live/k")", "string"}, Case{"{}", "no field 'url'"},
          Case{R"({"URL":"x"})", "no field 'url'"}, Case{R"({"url":42})", "field 'url' is a number"},
          Case{R"({"url":null})", "field 'url' is a null"}, Case{R"({"url":{"a":1}})", "field 'url' is a object"},
          Case{R"({"url":""})", "field 'url' is empty"}}) {
        CAPTURE(c.body);
        const auto result = parse_cf_url(c.body);
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().kind == ErrorKind::bad_response);
        CHECK_THAT(result.error().message, Catch::Contains(c.expected));
    }
}

TEST_CASE("parse_destinations reads url and optional name", "[cloud][types]")
{
    const auto result = parse_destinations(
        R"({"destinations":[{"url":"rtmp://a.rtmp.youtube.com/live2/k","name":"YouTube"},
                            {"url":"rtmp://live.twitch.tv/app/k2"},
                            {"url":"rtmp://x/app/k3","name":null}]})");
    REQUIRE(result.ok());
    const auto& entries = result.value().entries;
    REQUIRE(entries.size() == 3);
    for (size_t i = 0; i < entries.size(); ++i) {
        CHECK(entries[i].index == i);
        CHECK(entries[i].problem.empty());
        REQUIRE(entries[i].destination.has_value());
    }
    CHECK(entries[0].destination->url == "rtmp://a.rtmp.youtube.com/live2/k");
    CHECK(entries[0].destination->name == "YouTube");
    CHECK(entries[1].destination->name.empty());
    CHECK(entries[2].destination->name.empty());

    const auto empty = parse_destinations(R"({"destinations":[]})");
    REQUIRE(empty.ok());
    CHECK(empty.value().entries.empty());
}

TEST_CASE("parse_destinations rejects a document of the wrong shape", "[cloud][types]")
{
    struct Case {
        const char* body;
        const char* expected;
    };
    for (const auto& c : {Case{"<html>", "not valid JSON"}, Case{"[]", "array"}, Case{"{}", "'destinations'"},
                          Case{R"({"destinations":{}})", "field 'destinations' is a object, expected an array"},
                          Case{R"({"destinations":"rtmp://x/a/k"})", "field 'destinations' is a string"},
                          Case{R"({"destinations":null})", "field 'destinations' is a null"}}) {
        CAPTURE(c.body);
        const auto result = parse_destinations(c.body);
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().kind == ErrorKind::bad_response);
        CHECK_THAT(result.error().message, Catch::Contains(c.expected));
    }
    CHECK_FALSE(parse_destinations_json(json::array()).ok());
}

TEST_CASE("a bad destination entry names destinations[i].field and spares the good ones", "[cloud][types]")
{
    const auto result = parse_destinations(R"({"destinations":[
        5,
        {"name":"no url"},
        {"url":7},
        {"url":"rtmp://ok.example/app/k1","name":3},
        {"url":"rtmp://a.rtmp.youtube.com/live2/k2","name":"YouTube"},
        ["rtmp://x/a/k"],
        {"url":"rtmp://live.twitch.tv/app/k3"}
    ]})");
    REQUIRE(result.ok());
    const auto& entries = result.value().entries;
    REQUIRE(entries.size() == 7);
    auto problem = [&](size_t i) {
        CHECK(entries[i].index == i);
        CHECK_FALSE(entries[i].destination.has_value());
        return entries[i].problem;
    };
    CHECK_THAT(problem(0), Catch::Contains("destinations[0]") && Catch::Contains("number"));
    CHECK_THAT(problem(1), Catch::Contains("destinations[1]") && Catch::Contains("url"));
    CHECK_THAT(problem(2), Catch::Contains("destinations[2].url") && Catch::Contains("number"));
    CHECK_THAT(problem(3), Catch::Contains("destinations[3].name") && Catch::Contains("number"));
    CHECK_THAT(problem(5), Catch::Contains("destinations[5]") && Catch::Contains("array"));
    REQUIRE(entries[4].destination.has_value());
    CHECK(entries[4].problem.empty());
    CHECK(entries[4].destination->url == "rtmp://a.rtmp.youtube.com/live2/k2");
    CHECK(entries[4].destination->name == "YouTube");
    REQUIRE(entries[6].destination.has_value());
    CHECK(entries[6].destination->url == "rtmp://live.twitch.tv/app/k3");
}

TEST_CASE("a destination problem never quotes the URL it rejects", "[cloud][types]")
{
    const auto result = parse_destinations(R"({"destinations":[{"url":"rtmp://x/app/k-secret-1","name":{}}]})");
    REQUIRE(result.ok());
    REQUIRE(result.value().entries.size() == 1);
    CHECK_THAT(result.value().entries[0].problem, !Catch::Contains("k-secret-1"));
}

TEST_CASE("hls-ready JSON has camelCase fields and optional URLs only when set", "[cloud][types]")
{
    HlsReady event{"alice", "s1", "https://cdn.example/live/alice/s1/index.m3u8", std::nullopt, std::nullopt, "k"};
    auto body = to_json(event);
    CHECK(body ==
          json{{"userId", "alice"}, {"streamId", "s1"}, {"hlsUrl", "https://cdn.example/live/alice/s1/index.m3u8"}});
    event.dash_url = "https://cdn.example/d.mpd";
    event.webrtc_url = "https://cdn.example/live/alice/s1/whep";
    body = to_json(event);
    CHECK(body["dashUrl"] == "https://cdn.example/d.mpd");
    CHECK(body["webrtcUrl"] == "https://cdn.example/live/alice/s1/whep");
}

TEST_CASE("stream-status JSON merges details under the fixed fields", "[cloud][types]")
{
    StreamStatus status{"alice", "s1", "active", {{"bitrate", 2500}, {"status", "spoofed"}, {"userId", "mallory"}}};
    const auto body = to_json(status);
    CHECK(body["userId"] == "alice");
    CHECK(body["streamId"] == "s1");
    CHECK(body["status"] == "active");
    CHECK(body["bitrate"] == 2500);

    StreamStatus odd{"bob", "s2", "error", json::array({1, 2})};
    CHECK(to_json(odd) == json{{"userId", "bob"}, {"streamId", "s2"}, {"status", "error"}});
}

TEST_CASE("an answer nested 100 000 deep is a bad response, not a crash", "[cloud][types]")
{
    const std::string deep =
        "{\"url\":\"rtmps://x.example/live/k\",\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
    const auto cf = mtxrelay::cloud::parse_cf_url(deep);
    REQUIRE_FALSE(cf);
    CHECK(cf.error().kind == mtxrelay::core::ErrorKind::bad_response);
    CHECK(cf.error().message == "response is JSON nested deeper than 64 levels");
    const auto list = mtxrelay::cloud::parse_destinations("{\"destinations\":" + std::string(100000, '[') +
                                                          std::string(100000, ']') + "}");
    REQUIRE_FALSE(list);
    CHECK(list.error().message == "response is JSON nested deeper than 64 levels");
}
