#include "app/settings.hpp"

#include "app/relay_env.hpp"
#include "core/strings.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace mtxrelay::app {

namespace {

// "30" -> 30, "0.25" -> 0.25: a row's default as a number (rows are checked by the unit tests).
double number(std::string_view text)
{
    const auto value = core::parse_seconds(text);
    if (!value) {
        throw std::logic_error(fmt::format("settings row default '{}' is not a number", text));
    }
    return *value;
}

// 2 -> "2", 0.25 -> "0.25".
std::string shown(double value)
{
    return fmt::format("{}", value);
}

bool has_range(const Setting& setting)
{
    return setting.min != setting.max;
}

// "15-60", "2-300 s", "over 0, up to 3600 s"; empty when the row has no range.
std::string range_text(const Setting& setting)
{
    if (!has_range(setting)) {
        return {};
    }
    const std::string unit = setting.unit.empty() ? "" : fmt::format(" {}", setting.unit);
    if (setting.min_open) {
        return fmt::format("over {}, up to {}{}", shown(setting.min), shown(setting.max), unit);
    }
    return fmt::format("{}-{}{}", shown(setting.min), shown(setting.max), unit);
}

// "30", "the local base (with a warning)", or empty.
std::string default_text(const Setting& setting)
{
    return std::string(setting.default_note.empty() ? setting.fallback : setting.default_note);
}

std::string tool_names(Tools tools)
{
    std::string names;
    for (const auto& [tool, name] : all_tools()) {
        if (tools.has(tool)) {
            names += names.empty() ? "" : ", ";
            names += name;
        }
    }
    return names.empty() ? "none" : names;
}

// A Markdown table cell: '|' escaped, and '<' where it is text (not code).
std::string cell(std::string_view text, bool in_code = false)
{
    std::string out;
    for (const char c : text) {
        if (c == '|') {
            out += "\\|";
        } else if (c == '<' && !in_code) {
            out += "&lt;";
        } else {
            out += c;
        }
    }
    return out;
}

// A code span for what an operator types; a dash for nothing.
std::string code(std::string_view text)
{
    return text.empty() ? "—" : fmt::format("`{}`", cell(text, true));
}

} // namespace

const std::vector<std::pair<Tool, std::string_view>>& all_tools()
{
    static const std::vector<std::pair<Tool, std::string_view>> k_tools = {
        {Tool::clean, "clean"},      {Tool::restream, "restream"}, {Tool::hls_ready, "hls-ready"},
        {Tool::cf_url, "cf-url"},    {Tool::status, "status"},     {Tool::inspect, "inspect"},
        {Tool::devcloud, "devcloud"}};
    return k_tools;
}

const std::vector<const Setting*>& all_settings()
{
    static const std::vector<const Setting*> k_all =
        std::apply([](const auto&... row) { return std::vector<const Setting*>{&row...}; }, settings::k_rows);
    return k_all;
}

int read_int(const Setting& setting, const std::optional<int>& flag, const core::EnvLookup& env)
{
    return int_setting(flag, setting.flag, env, setting.env, static_cast<int>(number(setting.fallback)),
                       static_cast<int>(setting.min), static_cast<int>(setting.max));
}

double read_seconds(const Setting& setting, const std::optional<double>& flag, const core::EnvLookup& env)
{
    return seconds_setting(flag, setting.flag, env, setting.env, number(setting.fallback), setting.min, setting.max);
}

std::optional<std::string> read_text(const Setting& setting, const std::optional<std::string>& flag,
                                     const core::EnvLookup& env)
{
    if (flag) {
        return flag;
    }
    if (auto value = setting.env.empty() ? std::nullopt : env(setting.env)) {
        return value;
    }
    if (setting.fallback.empty()) {
        return std::nullopt;
    }
    return std::string(setting.fallback);
}

bool read_switch(const Setting& setting, const core::EnvLookup& env)
{
    return bool_env(env, setting.env, setting.fallback == "1");
}

std::string help_text(const Setting& setting)
{
    std::string details = range_text(setting);
    const auto fallback = default_text(setting);
    std::string source;
    if (!setting.env.empty()) {
        source = fallback.empty() ? fmt::format("default: env {}", setting.env)
                                  : fmt::format("default: env {}, else {}", setting.env, fallback);
    } else if (!fallback.empty()) {
        source = fmt::format("default: {}", fallback);
    }
    if (!source.empty()) {
        details += details.empty() ? source : "; " + source;
    }
    return details.empty() ? std::string(setting.help) : fmt::format("{} ({})", setting.help, details);
}

std::string env_footer(Tool tool)
{
    std::string names;
    for (const auto* setting : all_settings()) {
        if (!setting->env.empty() && setting->tools.has(tool) && names.find(setting->env) == std::string::npos) {
            names += names.empty() ? "" : ", ";
            names += setting->env;
        }
    }
    return names.empty() ? std::string() : fmt::format("\nEnv: {}.", names);
}

std::string settings_markdown()
{
    std::string table = "| variable | flag | used by | default | range | meaning |\n|---|---|---|---|---|---|\n";
    for (const auto* setting : all_settings()) {
        if (setting->env.empty()) {
            continue;
        }
        const auto with_flag = setting->tools.without(setting->env_only);
        const bool flagged = !setting->flag.empty() && !with_flag.empty();
        std::string flag = flagged ? code(setting->flag) : "—";
        if (flagged && !setting->env_only.empty()) {
            flag += fmt::format(" ({} only)", tool_names(with_flag));
        }
        // A plain value is what an operator types (code); a note is prose.
        const auto fallback = setting->default_note.empty() ? code(setting->fallback) : cell(setting->default_note);
        table += fmt::format("| {} | {} | {} | {} | {} | {} |\n", code(setting->env), flag, tool_names(setting->tools),
                             fallback, cell(range_text(*setting)), cell(setting->help));
    }
    return table;
}

std::optional<std::string> with_settings_table(const std::string& document)
{
    const auto begin = document.find(k_table_begin);
    const auto end = document.find(k_table_end);
    if (begin == std::string::npos || end == std::string::npos || end < begin) {
        return std::nullopt;
    }
    const auto body = begin + k_table_begin.size();
    return document.substr(0, body) + "\n" + settings_markdown() + document.substr(end);
}

} // namespace mtxrelay::app
