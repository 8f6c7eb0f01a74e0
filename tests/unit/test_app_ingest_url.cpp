#include "app/ingest_url.hpp"
#include "app/relay_env.hpp"

#include "fakes.hpp"

#include <catch2/catch.hpp>

using namespace mtxrelay;
using mtxrelay::testing::map_env;

namespace {

std::string refusal(const std::string& url, std::map<std::string, std::string> env = {})
{
    try {
        app::check_ingest_url(url, map_env(std::move(env)));
    } catch (const core::Error& e) {
        CHECK(e.code() == core::ExitCode::bad_response);
        return e.what();
    }
    return "(accepted)";
}

} // namespace

TEST_CASE("the cf-url ingest URL is held to the destination policy, naming the switch these tools have", "[app]")
{
    // relay-clean and relay-cf-url have no --allow-private-destinations: the refusal names the
    // environment switch they read.
    const auto message = refusal("rtmps://0x7f.1:443/live/key-123456");
    CHECK_THAT(message, Catch::StartsWith("the cloud's ingest URL is refused: host 0x7f.1 is 127.0.0.1"));
    CHECK_THAT(message, Catch::Contains("RELAY_ALLOW_PRIVATE_DESTINATIONS=1"));
    CHECK_THAT(message, !Catch::Contains("--allow-private-destinations"));
    CHECK(refusal("rtmps://127.0.0.1/live/k", {{"RELAY_ALLOW_PRIVATE_DESTINATIONS", "1"}}) == "(accepted)");
    CHECK_THAT(refusal("rtmps://169.254.169.254/live/k", {{"RELAY_ALLOW_PRIVATE_DESTINATIONS", "1"}}),
               Catch::Contains("never a streaming destination"));
    CHECK_THAT(refusal("-rtmps://x"), Catch::Contains("starts with '-'"));
    CHECK_THAT(refusal("rtmps://live.example/live/key\nrtmp://127.0.0.1/x"), Catch::Contains("whitespace"));
    CHECK_THAT(refusal("rtmps://a.example:443:1935/live/k"), Catch::Contains("second ':'"));
    CHECK(refusal("rtmps://live.cloudflare.com:443/live/key-123456") == "(accepted)");
}

TEST_CASE("the connect-time half pins the checked address for rtmp", "[app]")
{
    const auto output = app::ingest_output("rtmp://localhost:1935/live/key-123456",
                                           map_env({{"RELAY_ALLOW_PRIVATE_DESTINATIONS", "1"}}));
    CHECK((output.url == "rtmp://127.0.0.1:1935/live/key-123456" || output.url == "rtmp://[::1]:1935/live/key-123456"));
    CHECK(output.options == std::vector<std::string>{"-rtmp_tcurl", "rtmp://localhost:1935/live"});
    CHECK_THROWS_WITH(app::ingest_output("rtmp://localhost:1935/live/key-123456", map_env({})),
                      Catch::Contains("this machine"));
}

TEST_CASE("the relay's RTMP host is read by the URL model", "[app]")
{
    CHECK(app::load_rtmp_server(std::string("::1"), std::nullopt, map_env({})).host == "[::1]");
    CHECK(app::load_rtmp_server(std::nullopt, std::nullopt, map_env({{"RELAY_RTMP_HOST", "[::1]"}})).host == "[::1]");
    CHECK(app::load_rtmp_server(std::nullopt, std::nullopt, map_env({})).host == "127.0.0.1");
    for (const char* bad : {"a b", "h/x", "fe80::1%eth0", "1.2.3.4.5", "h:1935"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(app::load_rtmp_server(std::string(bad), std::nullopt, map_env({})), core::UsageError);
    }
}
