#include "ffmpeg/log_relay.hpp"

#include "core/log.hpp"
#include "core/redact.hpp"

#include <cctype>

namespace mtxrelay::ffmpeg {

namespace {

// Lines that differ only in numbers and addresses count as repeats.
std::string shape_of(std::string_view text)
{
    std::string shape;
    for (const char c : text) {
        if (std::isdigit(static_cast<unsigned char>(c))) {
            if (shape.empty() || shape.back() != '#') {
                shape.push_back('#');
            }
        } else {
            shape.push_back(c);
        }
    }
    return shape;
}

} // namespace

LogRelay::LogRelay(std::string label, std::chrono::seconds window, int max_per_second,
                   std::function<Clock::time_point()> now)
    : m_label(std::move(label)), m_now(std::move(now)), m_window(window), m_max_per_second(max_per_second)
{
}

void LogRelay::line(std::string_view text)
{
    const auto now = m_now();
    m_last_line = core::redact(text);
    const auto shape = shape_of(text);
    if (now - m_second_start >= std::chrono::seconds(1)) {
        m_second_start = now;
        m_lines_this_second = 0;
    }
    if (shape == m_last_shape) {
        ++m_suppressed;
        if (now - m_window_start >= m_window) {
            flush();
            m_window_start = now;
        }
        return;
    }
    m_last_shape = shape;
    m_window_start = now;
    if (m_lines_this_second >= m_max_per_second) {
        // Over the cap: counted, and told once with the next line printed (a summary per
        // dropped line would be the flood again).
        ++m_suppressed;
        return;
    }
    flush();
    ++m_lines_this_second;
    core::log::warn("{}: {}", m_label, m_last_line);
}

void LogRelay::flush()
{
    if (m_suppressed > 0) {
        core::log::warn("{}: ({} similar line(s) suppressed)", m_label, m_suppressed);
        m_suppressed = 0;
    }
}

} // namespace mtxrelay::ffmpeg
