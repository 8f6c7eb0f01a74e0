#include "ffmpeg/progress.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace mtxrelay::ffmpeg;
using namespace std::chrono_literals;

namespace {

// One -progress block as ffmpeg 5.1 prints it (fps= is ffmpeg's average since its start).
std::vector<std::string> block(long frame, double average_fps)
{
    return {"frame=" + std::to_string(frame),
            "fps=" + std::to_string(average_fps),
            "bitrate=3000.1kbits/s",
            "total_size=" + std::to_string(frame * 12500),
            "out_time_us=" + std::to_string(frame * 33333),
            "speed=1.0x",
            "progress=continue"};
}

Progress feed_block(ProgressParser& parser, long frame, double average_fps)
{
    std::optional<Progress> done;
    for (const auto& line : block(frame, average_fps)) {
        done = parser.feed(line);
    }
    REQUIRE(done);
    return *done;
}

} // namespace

TEST_CASE("a progress block is parsed field by field", "[ffmpeg][progress]")
{
    ProgressParser parser;
    const auto p = feed_block(parser, 90, 30.0);
    CHECK(p.frame == 90);
    CHECK(p.bitrate_kbps == Approx(3000.1));
    CHECK(p.total_size == 90 * 12500);
    CHECK(p.out_time_us == 90 * 33333);
    CHECK(p.speed == Approx(1.0));
    CHECK_FALSE(p.end);
}

TEST_CASE("fps is the rate over the last block, not ffmpeg's average since its start", "[ffmpeg][progress]")
{
    auto now = ProgressParser::Clock::time_point{} + 100s;
    ProgressParser parser([&] { return now; });
    // A start-up that read a backlog: 145 frames in the first second.
    CHECK(feed_block(parser, 145, 145.0).fps == Approx(145.0)); // nothing to compare with yet
    now += 1s;
    CHECK(feed_block(parser, 175, 87.5).fps == Approx(30.0)); // ffmpeg still says 87.5
    now += 2s;
    CHECK(feed_block(parser, 205, 51.2).fps == Approx(15.0)); // a slow-down shows at once
    now += 1s;
    CHECK(feed_block(parser, 205, 41.0).fps == Approx(0.0)); // stalled
}
