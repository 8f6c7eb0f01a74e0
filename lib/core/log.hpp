#pragma once

#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace mtxrelay::core::log {

enum class Level { debug, info, warn, error };
enum class Format { text, json };

// Sets the tool name and output format; called once by each tool's run function.
void configure(std::string tool, Format format, Level min_level = Level::info);

// The stream path shown in brackets on every line, e.g. "live/alice/s1". The path is made of
// ids, not secrets: it is registered as public so redaction never masks it.
void set_context(std::string path);

// The time stamp every line starts with: "2026-12-01T19:00:45.123Z" (UTC).
std::string timestamp(std::chrono::system_clock::time_point when);

// Parses "text"/"json"; nullopt-like false when unknown.
bool parse_format(std::string_view text, Format& out);

// Replaces stderr as the destination (tests); nullptr restores stderr.
void set_sink(std::function<void(std::string_view line)> sink);

// Writes one redacted line: "<UTC time> tool[path] level: message" or one JSON object with
// ts_ms, time, tool, path, level and msg.
void write(Level level, std::string_view message);

template <class... Args>
void debug(fmt::format_string<Args...> format, Args&&... args)
{
    write(Level::debug, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> format, Args&&... args)
{
    write(Level::info, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> format, Args&&... args)
{
    write(Level::warn, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> format, Args&&... args)
{
    write(Level::error, fmt::format(format, std::forward<Args>(args)...));
}

} // namespace mtxrelay::core::log
