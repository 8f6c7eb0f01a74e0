#pragma once

#include "app/clean_session.hpp"
#include "app/cli.hpp"
#include "core/env.hpp"

#include <optional>
#include <string>

namespace mtxrelay::app {

// relay-clean's command line. Each field is the flag of a row in app/settings.hpp (its
// environment variable, default, range and help are there): clean_target, clean_input,
// clean_output, quality, fps, gop_seconds, stall_timeout, status_interval, input_gone_after,
// rtmp_host, rtmp_port, mtx_api, recipe, realtime, overwrite.
struct CleanOptions {
    CommonOptions common;
    std::optional<std::string> target;
    std::optional<std::string> input;
    std::optional<std::string> output;
    std::optional<std::string> quality;
    std::optional<int> fps;
    std::optional<int> gop_seconds;
    std::optional<double> stall_timeout;
    std::optional<double> status_interval;
    std::optional<double> input_gone_after;
    std::optional<std::string> rtmp_host;
    std::optional<int> rtmp_port;
    std::optional<std::string> mtx_api;
    std::string recipe = "clean"; // a CLI11 choice, never unset
    bool realtime = false;
    bool overwrite = false;
};

// Resolves and validates a relay-clean run from flags and env before anything starts (throws
// UsageError naming the setting to fix). Registers the stream's paths as public for redaction.
CleanPlan make_plan(const CleanOptions& options, const core::EnvLookup& env);

// relay-clean: supervises one ffmpeg that turns the dirty input into the clean contract and
// reports status. The exit code follows the run's Outcome: 0 when the input ended or its
// publisher is gone, 1 when the input never appeared or a file output failed, 130 on
// SIGINT/SIGTERM. `deps` carries HTTP, time and the programs run (unit tests pass fakes).
int run_clean(const CleanOptions& options, const core::EnvLookup& env);
int run_clean(const CleanOptions& options, const core::EnvLookup& env, CleanDeps deps);

} // namespace mtxrelay::app
