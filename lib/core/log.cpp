#include "core/log.hpp"

#include "core/redact.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
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

} // namespace

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
    std::string line;
    if (s.format == Format::json) {
        const auto now = std::chrono::system_clock::now().time_since_epoch();
        nlohmann::json object = {
            {"ts_ms", std::chrono::duration_cast<std::chrono::milliseconds>(now).count()},
            {"tool", s.tool},
            {"path", s.context},
            {"level", level_name(level)},
            {"msg", clean},
        };
        line = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else if (s.context.empty()) {
        line = fmt::format("{} {}: {}", s.tool, level_name(level), clean);
    } else {
        line = fmt::format("{}[{}] {}: {}", s.tool, s.context, level_name(level), clean);
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
