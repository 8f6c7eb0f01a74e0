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

TEST_CASE("values ffmpeg cannot give yet read as zero, not as garbage", "[ffmpeg][progress]")
{
    // The first blocks of a run before any packet was muxed.
    ProgressParser parser;
    std::optional<Progress> done;
    for (const auto* line : {"frame=0", "fps=0.00", "bitrate=N/A", "total_size=N/A", "out_time_us=N/A", "dup_frames=0",
                             "drop_frames=0", "speed=N/A", "progress=continue"}) {
        done = parser.feed(line);
    }
    REQUIRE(done);
    CHECK(done->bitrate_kbps == 0);
    CHECK(done->total_size == 0);
    CHECK(done->out_time_us == 0);
    CHECK(done->speed == 0);
}

TEST_CASE("lines that are not key=value, and unknown keys, change nothing", "[ffmpeg][progress]")
{
    ProgressParser parser;
    CHECK_FALSE(parser.feed("frame=42"));
    CHECK_FALSE(parser.feed("garbage without an equals sign"));
    CHECK_FALSE(parser.feed(""));
    CHECK_FALSE(parser.feed("stream_0_0_q=28.0"));
    CHECK_FALSE(parser.feed("=3"));
    CHECK_FALSE(parser.feed("total_size=not a number"));
    CHECK_FALSE(parser.feed("out_time_ms=1500000")); // ffmpeg 5.1 prints microseconds here too
    CHECK_FALSE(parser.feed("speed= 1.02x"));
    const auto p = parser.feed("progress=continue");
    REQUIRE(p);
    CHECK(p->frame == 42);
    CHECK(p->total_size == 0);
    CHECK(p->out_time_us == 1500000);
    CHECK(p->speed == Approx(1.02));
    CHECK_FALSE(p->end);
}

TEST_CASE("blocks are independent and the last one says the end", "[ffmpeg][progress]")
{
    ProgressParser parser;
    parser.feed("frame=10");
    parser.feed("dup_frames=3");
    REQUIRE(parser.feed("progress=continue"));
    // A field missing from the next block does not carry over from the previous one.
    parser.feed("frame=20");
    const auto last = parser.feed("progress=end");
    REQUIRE(last);
    CHECK(last->frame == 20);
    CHECK(last->dup_frames == 0);
    CHECK(last->end);
}
