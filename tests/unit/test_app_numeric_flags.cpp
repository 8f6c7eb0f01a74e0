#include "app/inspect.hpp"
#include "app/relay_env.hpp"
#include "cloud/settings.hpp"

#include "fakes.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace mtxrelay;
using mtxrelay::testing::map_env;

namespace {

const std::vector<double>& hostile_numbers()
{
    static const std::vector<double> k_numbers = {std::numeric_limits<double>::quiet_NaN(),
                                                  std::numeric_limits<double>::infinity(),
                                                  -std::numeric_limits<double>::infinity(),
                                                  1e308,
                                                  99999999,
                                                  -1,
                                                  0};
    return k_numbers;
}

} // namespace

TEST_CASE("relay-inspect --duration: NaN, infinities and absurd values are usage errors", "[app][flags]")
{
    for (const double value : hostile_numbers()) {
        CAPTURE(value);
        app::InspectOptions options;
        options.input = "/nonexistent.flv";
        options.duration = value;
        CHECK_THROWS_AS(app::run_inspect(options), core::UsageError);
    }
}

TEST_CASE("every seconds flag rejects NaN and infinities, not only out-of-range numbers", "[app][flags]")
{
    for (const double value : hostile_numbers()) {
        CAPTURE(value);
        CHECK_THROWS_AS(app::seconds_setting(value, "--stall-timeout", map_env({}), "RELAY_STALL_TIMEOUT", 10, 2, 300),
                        core::UsageError);
        cloud::CloudFlags flags;
        flags.url = "http://cloud.test";
        flags.timeout_seconds = value;
        CHECK_THROWS_AS(cloud::load_cloud_settings(flags, map_env({})), core::UsageError);
    }
    for (const char* text : {"nan", "inf", "1e308", "-1"}) {
        CAPTURE(text);
        CHECK_THROWS_AS(app::seconds_setting(std::nullopt, "--stall-timeout", map_env({{"RELAY_STALL_TIMEOUT", text}}),
                                             "RELAY_STALL_TIMEOUT", 10, 2, 300),
                        core::UsageError);
    }
    CHECK(app::seconds_setting(2.5, "--stall-timeout", map_env({}), "RELAY_STALL_TIMEOUT", 10, 2, 300) == 2.5);
}
