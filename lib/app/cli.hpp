#pragma once

#include "cloud/settings.hpp"
#include "core/env.hpp"
#include "core/error.hpp"
#include "mtx/hook_context.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

namespace mtxrelay::app {

// Options every tool shares: the stream identity, the cloud, logging, dry-run.
struct CommonOptions {
    mtx::ContextFlags context;
    cloud::CloudFlags cloud;
    std::optional<std::string> log_format; // text|json, default from RELAY_LOG_FORMAT
    bool dry_run = false;
    std::optional<std::string> runtime_dir; // state documents for relay-status (hooks with state only)
};

// Adds --user/--stream (and --path), --log-format, and, when with_cloud, --cloud-url/--cloud-timeout.
void add_common_options(CLI::App& app, CommonOptions& options, bool with_cloud = true, bool with_dry_run = true);

// Adds --runtime-dir: where the hook keeps its state document for relay-status.
void add_runtime_dir_option(CLI::App& app, std::optional<std::string>& runtime_dir);

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
