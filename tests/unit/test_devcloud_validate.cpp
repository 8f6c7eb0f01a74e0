#include "devcloud/validate.hpp"

#include <catch2/catch.hpp>

#include <string>

using mtxrelay::devcloud::AuthDecision;
using mtxrelay::devcloud::DevCloudConfig;
using mtxrelay::devcloud::DevCloudState;
using mtxrelay::devcloud::StreamConfig;
using mtxrelay::devcloud::validate_publisher;
using nlohmann::json;

namespace {

const std::string k_key = "publish-key-31337";

DevCloudState make_state()
{
    DevCloudConfig config;
    StreamConfig stream;
    stream.stream_keys = {"other-key", k_key};
    config.streams["alice/s1"] = stream;
    config.streams["bob/nokeys"] = StreamConfig{};
    return DevCloudState(config);
}

// A MediaMTX authMethod: http request body.
std::string auth_body(const std::string& action, const std::string& path, const std::string& ip = "203.0.113.7",
                      json extra = json::object())
{
    json body = {{"ip", ip},     {"user", ""},         {"password", ""}, {"token", ""}, {"action", action},
                 {"path", path}, {"protocol", "rtmp"}, {"id", nullptr},  {"query", ""}};
    body.update(extra);
    return body.dump();
}

AuthDecision decide(const std::string& body)
{
    static const DevCloudState state = make_state();
    return validate_publisher(state, body);
}

} // namespace

TEST_CASE("publishing with the right key is allowed via password, token or query", "[devcloud][validate]")
{
    for (const auto& extra : {json{{"password", k_key}}, json{{"token", k_key}}, json{{"query", "key=" + k_key}},
                              json{{"query", "?token=" + k_key}}, json{{"query", "a=1&pass=" + k_key}},
                              json{{"query", "password=" + k_key + "&b=2"}}}) {
        CAPTURE(extra.dump());
        const auto decision = decide(auth_body("publish", "live/alice/s1", "203.0.113.7", extra));
        CHECK(decision.allowed);
        CHECK(decision.reason.find(k_key) == std::string::npos);
    }
}

TEST_CASE("publishing with a wrong or missing key is refused", "[devcloud][validate]")
{
    for (const auto& extra : {json::object(), json{{"password", "wrong-key-1"}}, json{{"query", "key=wrong-key-2"}},
                              json{{"query", "key=" + k_key.substr(1)}}, json{{"user", k_key}},
                              json{{"query", "other=" + k_key}}, json{{"password", 31337}}}) {
        CAPTURE(extra.dump());
        const auto decision = decide(auth_body("publish", "live/alice/s1", "203.0.113.7", extra));
        CHECK_FALSE(decision.allowed);
        CHECK(decision.reason.find("wrong-key") == std::string::npos);
    }
}

TEST_CASE("publishing to an unknown stream or outside live/ is refused", "[devcloud][validate]")
{
    const json with_key = {{"password", k_key}};
    auto refused = [&](const std::string& path) {
        CAPTURE(path);
        const auto decision = decide(auth_body("publish", path, "203.0.113.7", with_key));
        CHECK_FALSE(decision.allowed);
        return decision.reason;
    };
    CHECK_THAT(refused("live/alice/unknown"), Catch::Contains("unknown stream"));
    CHECK_THAT(refused("live/mallory/s1"), Catch::Contains("unknown stream"));
    CHECK_THAT(refused("other/alice/s1"), Catch::Contains("live/"));
    CHECK_THAT(refused("live/alice"), Catch::Contains("live/"));
    CHECK_THAT(refused("live/alice/s1/extra"), Catch::Contains("live/"));
    CHECK_FALSE(decide(auth_body("publish", "live/bob/nokeys", "203.0.113.7", {{"password", "anything"}})).allowed);
}

TEST_CASE("clean/ is published only from loopback", "[devcloud][validate]")
{
    for (const char* ip : {"127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1"}) {
        CAPTURE(ip);
        CHECK(decide(auth_body("publish", "clean/alice/s1", ip)).allowed);
    }
    for (const char* ip : {"10.0.0.5", "192.168.1.2", "::ffff:10.0.0.5", "", "1270.0.0.1"}) {
        CAPTURE(ip);
        const auto decision = decide(auth_body("publish", "clean/alice/s1", ip, {{"password", k_key}}));
        CHECK_FALSE(decision.allowed);
        CHECK_THAT(decision.reason, Catch::Contains("clean/"));
    }
}

TEST_CASE("reading and playback are open to anyone", "[devcloud][validate]")
{
    for (const char* action : {"read", "playback"}) {
        CAPTURE(action);
        CHECK(decide(auth_body(action, "live/alice/s1", "10.0.0.5")).allowed);
        CHECK(decide(auth_body(action, "clean/alice/s1", "198.51.100.1")).allowed);
    }
}

TEST_CASE("API and metrics access only from loopback", "[devcloud][validate]")
{
    for (const char* action : {"api", "metrics", "pprof"}) {
        CAPTURE(action);
        CHECK(decide(auth_body(action, "", "127.0.0.1")).allowed);
        const auto decision = decide(auth_body(action, "", "10.0.0.5"));
        CHECK_FALSE(decision.allowed);
        CHECK_THAT(decision.reason, Catch::Contains(action));
    }
}

TEST_CASE("a body that is not a JSON object is refused", "[devcloud][validate]")
{
    for (const char* body : {"", "not json", "[]", "\"publish\""}) {
        CAPTURE(body);
        CHECK_FALSE(decide(body).allowed);
    }
}

TEST_CASE("a body nested 100 000 deep is refused, not a crash", "[devcloud][validate]")
{
    const auto deep = "{\"action\":\"publish\",\"x\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
    const auto decision = decide(deep);
    CHECK_FALSE(decision.allowed);
    CHECK(decision.reason == "body is not a JSON object");
}

TEST_CASE("the loopback rule reads addresses, not prefixes", "[devcloud][validate]")
{
    CHECK(decide(auth_body("api", "", "::ffff:127.0.0.1")).allowed);
    CHECK(decide(auth_body("api", "", "::1")).allowed);
    CHECK_FALSE(decide(auth_body("api", "", "127.example.com")).allowed); // a name is not an address
    CHECK_FALSE(decide(auth_body("api", "", "::ffff:10.0.0.1")).allowed);
}

TEST_CASE("the key is found in a query MediaMTX passes as it came, stray '%' and all", "[devcloud][validate]")
{
    for (const std::string& query : {"key=" + k_key + "&x=%", "x=%zz&key=" + k_key, "&&key=" + k_key + "&&",
                                     "u=\xc3\xbc&key=" + k_key, "%=1&key=" + k_key + "&flag"}) {
        CAPTURE(query);
        CHECK(decide(auth_body("publish", "live/alice/s1", "203.0.113.7", {{"query", query}})).allowed);
    }
    CHECK_FALSE(decide(auth_body("publish", "live/alice/s1", "203.0.113.7", {{"query", "key=%zz&x=%"}})).allowed);
}

TEST_CASE("a publisher query over 4 KiB is refused: it would keep every hook from starting", "[devcloud][validate]")
{
    const std::string at_limit = "key=" + k_key + "&pad=" + std::string(4096 - 9 - k_key.size(), '%');
    REQUIRE(at_limit.size() == 4096);
    CHECK(decide(auth_body("publish", "live/alice/s1", "203.0.113.7", {{"query", at_limit}})).allowed);
    const auto decision = decide(auth_body("publish", "live/alice/s1", "203.0.113.7", {{"query", at_limit + "%"}}));
    CHECK_FALSE(decision.allowed);
    CHECK_THAT(decision.reason, Catch::Contains("query longer than 4096 bytes"));
}

TEST_CASE("the validate record keeps the decision and never a credential or the query", "[devcloud][validate]")
{
    const auto body =
        auth_body("publish", "live/alice/s1", "203.0.113.7",
                  {{"user", "u-" + k_key}, {"password", k_key}, {"token", k_key}, {"query", "key=" + k_key}});
    const auto record = mtxrelay::devcloud::validate_record(body, decide(body));
    CHECK(record["allowed"] == true);
    CHECK(record["action"] == "publish");
    CHECK(record["path"] == "live/alice/s1");
    CHECK(record["ip"] == "203.0.113.7");
    CHECK(record["protocol"] == "rtmp");
    CHECK(record.dump().find(k_key) == std::string::npos);
    CHECK(mtxrelay::devcloud::validate_record("not json", {false, "body is not a JSON object"})["allowed"] == false);
}
