#pragma once

#include <fmt/format.h>

#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace mtxrelay::core::log {

enum class Level { debug, info, warn, error };
enum class Format { text, json };

// Sets the tool name and output format; called once by each tool's run function.
void configure(std::string tool, Format format, Level min_level = Level::info);

// The stream path shown in brackets on every line, e.g. "live/alice/s1".
void set_context(std::string path);

// Parses "text"/"json"; nullopt-like false when unknown.
bool parse_format(std::string_view text, Format& out);

// Replaces stderr as the destination (tests); nullptr restores stderr.
void set_sink(std::function<void(std::string_view line)> sink);

// Writes one redacted line: "tool[path] level: message" or one JSON object.
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
