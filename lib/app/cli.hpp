#pragma once

#include "app/settings.hpp"
#include "cloud/settings.hpp"
#include "core/env.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"
#include "mtx/hook_context.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>

namespace mtxrelay::app {

// Options every hook shares: the stream identity, the cloud, logging, dry-run, the state
// documents. Each field is a row of app/settings.hpp (user, stream, path, cloud_url,
// cloud_timeout, log_format, dry_run, runtime_dir): its env, default and range are there.
struct CommonOptions {
    mtx::ContextFlags context;
    cloud::CloudFlags cloud;
    std::optional<std::string> log_format;
    bool dry_run = false;
    std::optional<std::string> runtime_dir; // hooks with a state document only
};

namespace detail {

// Registers one row's flag on `app`, filling `field`: help from the row, choices checked.
template <class Field>
void add_setting_option(CLI::App& app, const Setting& setting, Field& field)
{
    CLI::Option* option = nullptr;
    if constexpr (std::is_same_v<Field, bool>) {
        option = app.add_flag(std::string(setting.flag), field, help_text(setting));
    } else {
        option = app.add_option(std::string(setting.flag), field, help_text(setting));
    }
    if (setting.kind == SettingKind::choice) {
        option->check(CLI::IsMember(core::split(setting.choices, '|')));
    }
    if (setting.required) {
        option->required();
    }
}

} // namespace detail

// Registers every row `tool` takes a flag for (settings::k_rows), each filling its field of
// `options`, and puts the tool's environment variables at the end of --help's footer (call it
// after cli.footer()). Throws std::logic_error when a row names the tool but its options lack the
// row's field: a programming error the unit tests catch for every tool.
template <class Options>
void add_settings(CLI::App& app, Tool tool, Options& options)
{
    const auto add = [&](const auto& row) {
        if constexpr (requires { row.field; }) {
            if (!row.tools.has(tool) || row.env_only.has(tool)) {
                return;
            }
            if constexpr (std::is_invocable_v<decltype(row.field), Options&>) {
                detail::add_setting_option(app, row, row.field(options));
            } else {
                throw std::logic_error("settings row " + std::string(row.flag) +
                                       " has no field in this tool's options");
            }
        }
    };
    std::apply([&](const auto&... row) { (add(row), ...); }, settings::k_rows);
    app.footer(app.get_footer() + env_footer(tool));
}

// The exit-code table printed at the end of every --help.
std::string exit_code_footer(const std::string& extra = {});

// Configures logging for a tool from flags and env (RELAY_LOG_FORMAT).
void setup_logging(const std::string& tool, const CommonOptions& options, const core::EnvLookup& env);
// The same for tools without CommonOptions (relay-inspect, relay-devcloud, relay-status).
void setup_logging(const std::string& tool, const std::optional<std::string>& log_format, const core::EnvLookup& env);

// Configures logging before argv is parsed: the tool name, --log-format or RELAY_LOG_FORMAT, and
// the path from --path or MTX_PATH, so that even a usage error is a full log line.
void early_logging(const std::string& tool, int argc, char** argv);

// Logs the final line of a run: "exiting (2): usage or configuration error[: detail]".
void log_exit(core::ExitCode code, const std::string& detail);

// Parses argv (adding --version: version and git revision); returns an exit code when the
// program must end now (help, version, usage error, the last two logged).
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);

// Runs a tool body; turns exceptions into an error log line ("<time> tool[path] error: ...", or
// JSON), the exit line, and the exit code.
int guarded_main(const std::string& tool, const std::function<int()>& body);

} // namespace mtxrelay::app
