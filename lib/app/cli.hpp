#pragma once

#include "cloud/settings.hpp"
#include "core/env.hpp"
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
};

// Adds --user/--stream (and --path), --log-format, and, when with_cloud, --cloud-url/--cloud-timeout.
void add_common_options(CLI::App& app, CommonOptions& options, bool with_cloud = true, bool with_dry_run = true);

// The exit-code table printed at the end of every --help.
std::string exit_code_footer(const std::string& extra = {});

// Configures logging for a tool from flags and env (RELAY_LOG_FORMAT).
void setup_logging(const std::string& tool, const CommonOptions& options, const core::EnvLookup& env);

// Parses argv; returns an exit code when the program must end now (help, version, usage error).
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);

// Runs a tool body; turns exceptions into "<tool>: error: ..." on stderr and the exit code.
int guarded_main(const std::string& tool, const std::function<int()>& body);

} // namespace mtxrelay::app
