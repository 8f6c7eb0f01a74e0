#include "devcloud/config.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

using mtxrelay::core::ErrorKind;
using mtxrelay::core::UsageError;
using mtxrelay::devcloud::load_devcloud_config;
using mtxrelay::devcloud::parse_devcloud_config;
using nlohmann::json;

namespace {

std::string config_error(const std::string& text)
{
    const auto result = parse_devcloud_config(json::parse(text));
    if (result.ok()) {
        FAIL("expected the config to be refused: " << text);
    }
    CHECK(result.error().kind == ErrorKind::invalid);
    return result.error().message;
}

// A config file that is removed when the test ends.
struct TempFile {
    std::string path;
    explicit TempFile(const std::string& text)
    {
        char name[] = "/tmp/mtxrelay-devcloud-XXXXXX";
        const int fd = ::mkstemp(name);
        REQUIRE(fd >= 0);
        ::close(fd);
        path = name;
        std::ofstream(path) << text;
    }
    ~TempFile() { ::unlink(path.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
};

std::string load_error(const std::string& path)
{
    try {
        load_devcloud_config(path);
    } catch (const UsageError& e) {
        CHECK(e.code() == mtxrelay::core::ExitCode::usage);
        return e.what();
    }
    FAIL("expected a UsageError for " << path);
    return {};
}

const char* const k_full_config = R"({
    "_comment": "reference cloud for tests",
    "token": "api-token",
    "admin_token": "admin-token",
    "streams": {
        "alice/s1": {
            "cf_url": "rtmps://live.cloudflare.com:443/live/cf-alice",
            "destinations": [{"url": "rtmp://a.rtmp.youtube.com/live2/yt", "name": "YouTube"}, 5],
            "stream_keys": ["key-1", "key-2"]
        },
        "bob/s2": {}
    }
})";

} // namespace

TEST_CASE("a full devcloud config parses", "[devcloud][config]")
{
    const auto result = parse_devcloud_config(json::parse(k_full_config));
    REQUIRE(result.ok());
    const auto& config = result.value();
    CHECK(config.token == "api-token");
    CHECK(config.admin_token == "admin-token");
    REQUIRE(config.streams.size() == 2);
    const auto& alice = config.streams.at("alice/s1");
    CHECK(alice.cf_url == "rtmps://live.cloudflare.com:443/live/cf-alice");
    CHECK(alice.destinations.size() == 2); // served as-is, hostile entries included
    CHECK(alice.stream_keys == std::vector<std::string>{"key-1", "key-2"});
    const auto& bob = config.streams.at("bob/s2");
    CHECK(bob.cf_url.empty());
    CHECK(bob.destinations == json::array());
    CHECK(bob.stream_keys.empty());
}

TEST_CASE("an empty devcloud config means no auth and no streams", "[devcloud][config]")
{
    const auto result = parse_devcloud_config(json::object());
    REQUIRE(result.ok());
    CHECK(result.value().token.empty());
    CHECK(result.value().admin_token.empty());
    CHECK(result.value().streams.empty());
}

TEST_CASE("every devcloud config error names the field", "[devcloud][config]")
{
    struct Case {
        const char* text;
        const char* field;
    };
    for (const auto& c : {
             Case{"[]", "JSON object"},
             Case{R"({"token": 5})", "'token'"},
             Case{R"({"admin_token": ["x"]})", "'admin_token'"},
             Case{R"({"streams": []})", "'streams'"},
             Case{R"({"streams": {"alice": {}}})", R"(streams["alice"])"},
             Case{R"({"streams": {"alice/s1/x": {}}})", R"(streams["alice/s1/x"])"},
             Case{R"({"streams": {"../s1": {}}})", R"(streams["../s1"])"},
             Case{R"({"streams": {"alice/": {}}})", R"(streams["alice/"])"},
             Case{R"({"streams": {"alice/s1": []}})", R"(streams["alice/s1"] is a array)"},
             Case{R"({"streams": {"alice/s1": {"cf_url": 1}}})", R"(streams["alice/s1"].cf_url)"},
             Case{R"({"streams": {"alice/s1": {"destinations": {}}}})", R"(streams["alice/s1"].destinations)"},
             Case{R"({"streams": {"alice/s1": {"stream_keys": "k"}}})", R"(streams["alice/s1"].stream_keys)"},
             Case{R"({"streams": {"alice/s1": {"stream_keys": ["k", 2]}}})", R"(streams["alice/s1"].stream_keys)"},
             Case{R"({"tokn": "x"})", "unknown key 'tokn'"},
         }) {
        CAPTURE(c.text);
        CHECK_THAT(config_error(c.text), Catch::Contains(c.field));
    }
}

TEST_CASE("load_devcloud_config reads a file", "[devcloud][config]")
{
    TempFile file(k_full_config);
    const auto config = load_devcloud_config(file.path);
    CHECK(config.token == "api-token");
    CHECK(config.streams.count("alice/s1") == 1);
}

TEST_CASE("load_devcloud_config errors name the file and the field", "[devcloud][config]")
{
    CHECK_THAT(load_error("/nonexistent/devcloud.json"), Catch::Contains("/nonexistent/devcloud.json"));
    {
        TempFile file("{not json");
        CHECK_THAT(load_error(file.path), Catch::Contains(file.path) && Catch::Contains("not valid JSON"));
    }
    {
        TempFile file(R"({"streams": {"alice/s1": {"cf_url": false}}})");
        CHECK_THAT(load_error(file.path), Catch::Contains(file.path) && Catch::Contains("cf_url"));
    }
}

TEST_CASE("a config that is not a regular file, too deep or too big is refused at once", "[devcloud][config]")
{
    // /dev/zero was read until memory ran out; a FIFO would block start-up forever.
    CHECK_THAT(load_error("/dev/zero"), Catch::Contains("/dev/zero is not a regular file"));
    CHECK_THAT(load_error("/tmp"), Catch::Contains("not a regular file"));
    {
        TempFile file("{\"_x\":" + std::string(100000, '[') + std::string(100000, ']') + "}");
        CHECK_THAT(load_error(file.path), Catch::Contains("nested deeper than 64 levels"));
    }
    {
        TempFile file("{\"_x\":\"" + std::string(5 * 1024 * 1024, 'x') + "\"}");
        CHECK_THAT(load_error(file.path), Catch::Contains("larger than"));
    }
}
