#include "ffmpeg/progress.hpp"

#include "core/strings.hpp"

#include <cstdlib>
#include <string>

namespace mtxrelay::ffmpeg {

namespace {

double to_double(std::string_view text)
{
    const std::string value(core::trim(text));
    return value == "N/A" ? 0.0 : std::strtod(value.c_str(), nullptr);
}

long long to_int(std::string_view text)
{
    const std::string value(core::trim(text));
    return value == "N/A" ? 0 : std::strtoll(value.c_str(), nullptr, 10);
}

} // namespace

std::optional<Progress> ProgressParser::feed(std::string_view line)
{
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
        return std::nullopt;
    }
    const auto key = core::trim(line.substr(0, eq));
    const auto value = line.substr(eq + 1);
    if (key == "frame") {
        m_current.frame = static_cast<long>(to_int(value));
    } else if (key == "fps") {
        m_current.fps = to_double(value);
    } else if (key == "bitrate") {
        m_current.bitrate_kbps = to_double(value); // "2500.3kbits/s": strtod stops at the unit
    } else if (key == "total_size") {
        m_current.total_size = to_int(value);
    } else if (key == "out_time_us" || key == "out_time_ms") {
        m_current.out_time_us = to_int(value); // ffmpeg 5.1 prints microseconds under both names
    } else if (key == "dup_frames") {
        m_current.dup_frames = static_cast<long>(to_int(value));
    } else if (key == "drop_frames") {
        m_current.drop_frames = static_cast<long>(to_int(value));
    } else if (key == "speed") {
        m_current.speed = to_double(value);
    } else if (key == "progress") {
        m_current.end = core::trim(value) == "end";
        Progress done = m_current;
        m_current = Progress{};
        const auto now = m_now();
        if (m_previous && now > m_previous->second && done.frame >= m_previous->first) {
            const std::chrono::duration<double> elapsed = now - m_previous->second;
            done.fps = static_cast<double>(done.frame - m_previous->first) / elapsed.count();
        }
        m_previous.emplace(done.frame, now);
        return done;
    }
    return std::nullopt;
}

} // namespace mtxrelay::ffmpeg
