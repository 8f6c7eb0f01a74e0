#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mtxrelay::ffmpeg {

// One block of ffmpeg's `-progress` output (key=value lines ending with progress=...).
struct Progress {
    long frame = 0;
    // Frames per second over the last block (ffmpeg's own fps= is the average since it
    // started: 145 at a start-up that read a backlog, and slow to show a later slow-down).
    // The first block of a run has nothing to compare with: ffmpeg's average until then.
    double fps = 0;
    double bitrate_kbps = 0;
    long long total_size = 0;  // bytes written to the output
    long long out_time_us = 0; // output timestamp reached
    long dup_frames = 0;
    long drop_frames = 0;
    double speed = 0;
    bool end = false; // progress=end: ffmpeg is finishing
};

// Accumulates -progress lines; returns a Progress when a block completes. `now` times each
// completed block for the current frame rate (a seam for tests).
class ProgressParser {
public:
    using Clock = std::chrono::steady_clock;
    explicit ProgressParser(std::function<Clock::time_point()> now = Clock::now) : m_now(std::move(now)) {}
    std::optional<Progress> feed(std::string_view line);

private:
    std::function<Clock::time_point()> m_now;
    Progress m_current;
    std::optional<std::pair<long, Clock::time_point>> m_previous; // frame count and when
};

} // namespace mtxrelay::ffmpeg
