#include "ffmpeg/log_relay.hpp"

#include "core/log.hpp"
#include "core/redact.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using mtxrelay::ffmpeg::LogRelay;

namespace {

// Captures the relayed lines (what follows "warn: ") on a clock the test moves.
struct Relay {
    LogRelay::Clock::time_point now{std::chrono::hours(1000)};
    std::vector<std::string> lines;
    LogRelay relay{"ffmpeg", 10s, 20, [this] { return now; }};

    Relay()
    {
        mtxrelay::core::log::set_sink([this](std::string_view line) {
            const auto at = line.find("warn: ");
            lines.emplace_back(at == std::string_view::npos ? line : line.substr(at + 6));
        });
    }
    ~Relay() { mtxrelay::core::log::set_sink(nullptr); }
    Relay(const Relay&) = delete;
    Relay& operator=(const Relay&) = delete;

    size_t count(const std::string& text) const
    {
        return static_cast<size_t>(std::count(lines.begin(), lines.end(), text));
    }
};

} // namespace

TEST_CASE("relayed stderr lines are masked and labelled", "[ffmpeg][log_relay]")
{
    Relay r;
    r.relay.line("[rtmp @ 0x55] Opening 'rtmp://live.twitch.tv/app/live_77_secretkey' failed");
    REQUIRE(r.lines.size() == 1);
    const auto fingerprint = mtxrelay::core::fingerprint("live_77_secretkey");
    CHECK(r.lines[0] == "ffmpeg: [rtmp @ 0x55] Opening 'rtmp://live.twitch.tv/app/" + fingerprint + "' failed");
    CHECK(r.relay.last_line().find("live_77_secretkey") == std::string::npos);
    CHECK(r.relay.last_line().find(fingerprint) != std::string::npos);
}

TEST_CASE("lines that differ only in numbers are counted, and the count is told", "[ffmpeg][log_relay]")
{
    Relay r;
    for (int i = 0; i < 50; ++i) {
        r.relay.line("[flv @ 0x" + std::to_string(5500 + i) +
                     "] Non-monotonous DTS; previous: " + std::to_string(i + 1) + ", current: " + std::to_string(i));
        r.now += 100ms;
    }
    // The first is printed; the window (10 s) had not passed when the last came (4.9 s).
    REQUIRE(r.lines.size() == 1);
    CHECK(r.lines[0] == "ffmpeg: [flv @ 0x5500] Non-monotonous DTS; previous: 1, current: 0");
    CHECK(r.relay.last_line() == "[flv @ 0x5549] Non-monotonous DTS; previous: 50, current: 49");
    // A different line reports the repeats first.
    r.relay.line("Conversion failed!");
    CHECK(r.lines == std::vector<std::string>{"ffmpeg: [flv @ 0x5500] Non-monotonous DTS; previous: 1, current: 0",
                                              "ffmpeg: (49 similar line(s) suppressed)", "ffmpeg: Conversion failed!"});
}

TEST_CASE("an endless repeat is summarised once per window", "[ffmpeg][log_relay]")
{
    Relay r;
    for (int i = 0; i < 300; ++i) { // 30 s of a line every 100 ms
        r.relay.line("frame " + std::to_string(i) + " dropped");
        r.now += 100ms;
    }
    r.relay.flush();
    CHECK(r.lines.front() == "ffmpeg: frame 0 dropped");
    // One summary per 10 s window, and the rest at the flush: every repeat counted once.
    size_t counted = 0;
    size_t summaries = 0;
    for (const auto& line : r.lines) {
        if (line.find("similar line(s) suppressed") != std::string::npos) {
            ++summaries;
            counted += std::stoul(line.substr(line.find('(') + 1));
        }
    }
    CHECK(summaries == 3);
    CHECK(counted == 299);
}

TEST_CASE("a flood of different lines is capped per second", "[ffmpeg][log_relay]")
{
    Relay r;
    const std::vector<std::string> words = {"alpha",  "bravo",   "charlie", "delta",  "echo",   "foxtrot", "golf",
                                            "hotel",  "india",   "juliet",  "kilo",   "lima",   "mike",    "november",
                                            "oscar",  "papa",    "quebec",  "romeo",  "sierra", "tango",   "uniform",
                                            "victor", "whiskey", "xray",    "yankee", "zulu"};
    for (int second = 0; second < 3; ++second) {
        for (const auto& word : words) { // 26 different lines within one second
            r.relay.line("error " + word);
            r.now += 10ms;
        }
        r.now += 1s;
    }
    r.relay.line("the end");
    // 20 a second are printed; the 6 over the cap are counted, then told in one line.
    CHECK(r.count("ffmpeg: error alpha") == 3);
    CHECK(r.count("ffmpeg: error tango") == 3);   // the 20th
    CHECK(r.count("ffmpeg: error uniform") == 0); // the 21st
    CHECK(r.count("ffmpeg: error zulu") == 0);
    CHECK(r.count("ffmpeg: (6 similar line(s) suppressed)") == 3);
    CHECK(r.lines.size() == 3 * 20 + 3 + 1);
    CHECK(r.lines.back() == "ffmpeg: the end");
}
