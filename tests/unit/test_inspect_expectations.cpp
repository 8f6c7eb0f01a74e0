// relay-inspect's --expect-* values: parsing, the ranges a usage error names, and how they
// replace a profile's defaults.
#include "test_inspect_streams.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace inspect_test;

TEST_CASE("--expect-size takes WIDTHxHEIGHT in pixels and nothing else", "[inspect][expectations]")
{
    const auto size = parse_frame_size("1280x720");
    REQUIRE(size);
    CHECK(size.value().width == 1280);
    CHECK(size.value().height == 720);
    for (const auto* bad : {"", "1280", "x720", "1280x", "1280X720", "-1x5", "+5x5", "1280x720x3", "1e3x720",
                            " 1280x720", "1280x 720", "0x0", "1x720", "9000x720", "99999999x1", "abcxdef"}) {
        INFO("'" << bad << "'");
        const auto parsed = parse_frame_size(bad);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().kind == mtxrelay::core::ErrorKind::invalid);
        CHECK(parsed.error().message.starts_with("--expect-size "));
    }
}

TEST_CASE("every expectation is range-checked, naming its flag", "[inspect][expectations]")
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    const auto message = [](const Expectations& e) {
        const auto bad = validate(e);
        return bad ? bad->message : std::string();
    };
    CHECK(message({}).empty());
    CHECK(message({.fps = 1}).empty());
    CHECK(message({.fps = 240}).empty());
    for (const double fps : {nan, inf, -inf, 0.0, -30.0, 0.5, 241.0, 1e308}) {
        INFO(fps);
        CHECK(message({.fps = fps}).starts_with("--expect-fps must be at least 1 and at most 240"));
    }
    CHECK(message({.duration = 86400}).empty());
    for (const double seconds : {nan, inf, 0.0, -1.0, 86401.0, 1e308}) {
        INFO(seconds);
        CHECK(message({.duration = seconds}).starts_with("--expect-duration must be above 0 and at most 86400"));
    }
    CHECK(message({.duration = 18, .duration_tolerance = 0}).empty());
    CHECK(message({.duration_tolerance = 1}) == "--expect-duration-tolerance needs --expect-duration");
    for (const double tolerance : {nan, -0.1, inf}) {
        INFO(tolerance);
        CHECK(message({.duration = 18, .duration_tolerance = tolerance}).starts_with("--expect-duration-tolerance "));
    }
    CHECK(message({.size = FrameSize{1, 720}}).starts_with("--expect-size sides must be 2-8192 pixels"));
    CHECK(message({.orientation = "square"}) == "--expect-orientation must be landscape or portrait (got 'square')");
    CHECK(message({.size = FrameSize{1280, 720}, .orientation = "portrait"}) ==
          "--expect-size 1280x720 is landscape, not portrait as --expect-orientation says");
    CHECK(message({.size = FrameSize{720, 1280}, .orientation = "portrait"}).empty());
}

TEST_CASE("expectations replace only the rows that check them", "[inspect][expectations]")
{
    const auto& base = *find_profile("cloudflare");
    const auto applied = apply(base, {.fps = 25,
                                      .size = FrameSize{1280, 720},
                                      .orientation = "landscape",
                                      .duration = 18,
                                      .duration_tolerance = 0.5});
    REQUIRE(applied.requirements.size() == base.requirements.size());
    for (size_t i = 0; i < base.requirements.size(); ++i) {
        const auto& before = base.requirements[i];
        const auto& after = applied.requirements[i];
        INFO(before.id);
        CHECK(after.id == before.id);
        if (before.expectation == Expectation::none) {
            CHECK(after.name == before.name);
            CHECK(after.threshold == before.threshold);
        }
    }
    const auto row = [&](const std::string& id) {
        for (const auto& r : applied.requirements) {
            if (r.id == id) {
                return r;
            }
        }
        FAIL("no requirement " << id);
        return Requirement{};
    };
    CHECK(row("frame_rate").threshold == 25);
    CHECK(row("frame_rate").tolerance == Approx(0.25));
    CHECK(row("frame_size").allowed == std::vector<std::string>{"1280x720"});
    CHECK(row("orientation").compare == Compare::one_of);
    CHECK(row("duration").name == "duration 18 s (within 0.5 s)");
}

TEST_CASE("the default sizes are relay-clean's presets in both orientations", "[inspect][expectations]")
{
    CHECK(preset_frame_sizes() ==
          std::vector<std::string>{"854x480", "480x854", "1280x720", "720x1280", "1920x1080", "1080x1920"});
}
