#include "cloud/settings.hpp"

#include "core/error.hpp"
#include "core/redact.hpp"
#include "fakes.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace std::chrono_literals;
using mtxrelay::cloud::CloudFlags;
using mtxrelay::cloud::load_cloud_settings;
using mtxrelay::core::UsageError;
using mtxrelay::testing::map_env;

namespace {

std::string usage_error(const CloudFlags& flags, std::map<std::string, std::string> env, bool required = true)
{
    try {
        load_cloud_settings(flags, map_env(std::move(env)), required);
    } catch (const UsageError& e) {
        CHECK(e.code() == mtxrelay::core::ExitCode::usage);
        return e.what();
    }
    FAIL("expected a UsageError");
    return {};
}

} // namespace

TEST_CASE("cloud settings come from CLOUD_API_* with defaults", "[cloud][settings]")
{
    const auto s = load_cloud_settings(
        {}, map_env({{"CLOUD_API_URL", "https://api.example.com"}, {"CLOUD_API_TOKEN", "settings-token-default-1"}}));
    CHECK(s.base_url == "https://api.example.com");
    CHECK(s.token == "settings-token-default-1");
    CHECK(s.connect_timeout == 3000ms);
    CHECK(s.request_timeout == 10000ms);
    CHECK(s.deadline == 30000ms);
    CHECK(s.max_attempts == 5);
}

TEST_CASE("cloud settings: flags override the environment", "[cloud][settings]")
{
    CloudFlags flags;
    flags.url = "http://127.0.0.1:9999/";
    flags.timeout_seconds = 2.5;
    const auto s = load_cloud_settings(
        flags, map_env({{"CLOUD_API_URL", "https://api.example.com"}, {"CLOUD_API_TIMEOUT", "60"}}));
    CHECK(s.base_url == "http://127.0.0.1:9999");
    CHECK(s.deadline == 2500ms);
}

TEST_CASE("cloud settings parse timeouts and retries", "[cloud][settings]")
{
    const auto s = load_cloud_settings({}, map_env({{"CLOUD_API_URL", "HTTP://cloud.local///"},
                                                    {"CLOUD_API_CONNECT_TIMEOUT", "0.5"},
                                                    {"CLOUD_API_REQUEST_TIMEOUT", "20"},
                                                    {"CLOUD_API_TIMEOUT", "90"},
                                                    {"CLOUD_API_RETRIES", "0"}}));
    CHECK(s.base_url == "HTTP://cloud.local");
    CHECK(s.connect_timeout == 500ms);
    CHECK(s.request_timeout == 20000ms);
    CHECK(s.deadline == 90000ms);
    CHECK(s.max_attempts == 1);
    CHECK(load_cloud_settings({}, map_env({{"CLOUD_API_URL", "http://c"}, {"CLOUD_API_RETRIES", "20"}})).max_attempts ==
          21);
}

TEST_CASE("cloud settings: a missing URL is an error only when required", "[cloud][settings]")
{
    CHECK_THAT(usage_error({}, {}), Catch::Contains("CLOUD_API_URL") && Catch::Contains("--cloud-url"));
    CHECK_THAT(usage_error({}, {{"CLOUD_API_URL", ""}}), Catch::Contains("CLOUD_API_URL"));
    const auto s = load_cloud_settings({}, map_env({}), false);
    CHECK(s.base_url.empty());
}

TEST_CASE("cloud settings: a URL that is not http(s) is refused, masked", "[cloud][settings]")
{
    CHECK_THAT(usage_error({}, {{"CLOUD_API_URL", "ftp://cloud.example"}}),
               Catch::Contains("ftp://cloud.example") && Catch::Contains("http://"));
    const auto message = usage_error({}, {{"CLOUD_API_URL", "rtmp://user:url-pass-9@cloud.example/app/url-key-9"}});
    CHECK_THAT(message, Catch::Contains("cloud.example"));
    CHECK_THAT(message, !Catch::Contains("url-pass-9"));
    CHECK_THAT(message, !Catch::Contains("url-key-9"));
    CloudFlags flags;
    flags.url = "cloud.example:8080";
    CHECK_THAT(usage_error(flags, {}), Catch::Contains("cloud.example:8080"));
}

TEST_CASE("cloud settings: malformed numbers name the variable and value", "[cloud][settings]")
{
    struct Case {
        const char* name;
        const char* value;
    };
    for (const auto& c :
         {Case{"CLOUD_API_CONNECT_TIMEOUT", "0"}, Case{"CLOUD_API_CONNECT_TIMEOUT", "-1"},
          Case{"CLOUD_API_CONNECT_TIMEOUT", "61"}, Case{"CLOUD_API_CONNECT_TIMEOUT", "3s"},
          Case{"CLOUD_API_REQUEST_TIMEOUT", "301"}, Case{"CLOUD_API_REQUEST_TIMEOUT", "abc"},
          Case{"CLOUD_API_TIMEOUT", "3601"}, Case{"CLOUD_API_TIMEOUT", "nan"}, Case{"CLOUD_API_RETRIES", "21"},
          Case{"CLOUD_API_RETRIES", "1.5"}, Case{"CLOUD_API_RETRIES", "-1"}, Case{"CLOUD_API_RETRIES", "many"}}) {
        CAPTURE(c.name, c.value);
        const auto message = usage_error({}, {{"CLOUD_API_URL", "http://c"}, {c.name, c.value}});
        CHECK_THAT(message, Catch::Contains(c.name) && Catch::Contains(std::string("'") + c.value + "'"));
    }
}

TEST_CASE("cloud settings: --cloud-timeout must be in (0, 3600]", "[cloud][settings]")
{
    for (const double bad : {0.0, -5.0, 3600.5}) {
        CAPTURE(bad);
        CloudFlags flags;
        flags.timeout_seconds = bad;
        CHECK_THAT(usage_error(flags, {{"CLOUD_API_URL", "http://c"}}), Catch::Contains("--cloud-timeout"));
    }
}

TEST_CASE("cloud settings register the token as a secret", "[cloud][settings]")
{
    load_cloud_settings({}, map_env({{"CLOUD_API_URL", "http://c"}, {"CLOUD_API_TOKEN", "settings-token-zq81"}}));
    const auto out = mtxrelay::core::redact("curl -H 'X-Token: settings-token-zq81' http://c");
    CHECK(out.find("settings-token-zq81") == std::string::npos);
}
