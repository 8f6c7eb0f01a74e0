#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace mtxrelay::ffmpeg {

// Relays a child's stderr lines into our log, masked, with repeats rate-limited: a line that
// only differs in numbers from the previous one is counted, not printed, and the count is
// reported once per window. A hard cap bounds lines per second so a looping error cannot
// flood MediaMTX's log.
class LogRelay {
public:
    using Clock = std::chrono::steady_clock;
    // `now` times the windows (a seam for tests).
    explicit LogRelay(std::string label, std::chrono::seconds window = std::chrono::seconds(10),
                      int max_per_second = 20, std::function<Clock::time_point()> now = Clock::now);

    void line(std::string_view text);
    // Prints the pending "suppressed" summary, if any.
    void flush();
    // The last line relayed (masked), for error reasons.
    const std::string& last_line() const { return m_last_line; }

private:
    std::string m_label;
    std::function<Clock::time_point()> m_now;
    std::chrono::seconds m_window;
    int m_max_per_second;
    std::string m_last_shape;
    std::string m_last_line;
    int m_suppressed = 0;
    Clock::time_point m_window_start;
    Clock::time_point m_second_start;
    int m_lines_this_second = 0;
};

} // namespace mtxrelay::ffmpeg
