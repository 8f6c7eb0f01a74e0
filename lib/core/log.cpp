#include "core/log.hpp"

#include "core/redact.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace mtxrelay::core::log {

namespace {

struct State {
    std::mutex mutex;
    std::string tool = "mtxrelay";
    std::string context;
    Format format = Format::text;
    Level min_level = Level::info;
    std::function<void(std::string_view)> sink;
};

State& state()
{
    static State s;
    return s;
}

const char* level_name(Level level)
{
    switch (level) {
    case Level::debug:
        return "debug";
    case Level::info:
        return "info";
    case Level::warn:
        return "warn";
    case Level::error:
        return "error";
    }
    return "info";
}

// "2026-12-01T19:00:45.123Z": UTC, millisecond precision, sortable.
std::string utc_timestamp(std::chrono::system_clock::time_point when)
{
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", parts.tm_year + 1900, parts.tm_mon + 1,
                       parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, ms % 1000);
}

} // namespace

std::string timestamp(std::chrono::system_clock::time_point when)
{
    return utc_timestamp(when);
}

void configure(std::string tool, Format format, Level min_level)
{
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.tool = std::move(tool);
    s.format = format;
    s.min_level = min_level;
}

void set_context(std::string path)
{
    core::register_public_path(path);
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.context = std::move(path);
}

bool parse_format(std::string_view text, Format& out)
{
    if (text == "text") {
        out = Format::text;
        return true;
    }
    if (text == "json") {
        out = Format::json;
        return true;
    }
    return false;
}

void set_sink(std::function<void(std::string_view line)> sink)
{
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.sink = std::move(sink);
}

void write(Level level, std::string_view message)
{
    auto& s = state();
    std::lock_guard lock(s.mutex);
    if (level < s.min_level) {
        return;
    }
    const std::string clean = redact(message);
    const auto now = std::chrono::system_clock::now();
    std::string line;
    if (s.format == Format::json) {
        nlohmann::json object = {
            {"ts_ms", std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()},
            {"time", utc_timestamp(now)},
            {"tool", s.tool},
            {"path", s.context},
            {"level", level_name(level)},
            {"msg", clean},
        };
        line = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else if (s.context.empty()) {
        line = fmt::format("{} {} {}: {}", utc_timestamp(now), s.tool, level_name(level), clean);
    } else {
        line = fmt::format("{} {}[{}] {}: {}", utc_timestamp(now), s.tool, s.context, level_name(level), clean);
    }
    if (s.sink) {
        s.sink(line);
        return;
    }
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

} // namespace mtxrelay::core::log
