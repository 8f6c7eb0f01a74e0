#pragma once

#include "app/clean_session.hpp"
#include "app/cli.hpp"
#include "core/env.hpp"

#include <optional>
#include <string>

namespace mtxrelay::app {

struct CleanOptions {
    CommonOptions common;
    std::optional<std::string> target;      // local|cloud (RELAY_CLEAN_TARGET, default local)
    std::optional<std::string> input;       // default rtmp://HOST:PORT/$MTX_PATH
    std::optional<std::string> output;      // default from the target
    std::optional<std::string> quality;     // 480p|720p|1080p (RELAY_QUALITY, default 720p)
    std::optional<int> fps;                 // RELAY_FPS, default 30
    std::optional<int> gop_seconds;         // RELAY_GOP_SECONDS, 2-10, default 2
    std::optional<double> stall_timeout;    // RELAY_STALL_TIMEOUT, default 10 s
    std::optional<double> status_interval;  // RELAY_STATUS_INTERVAL, default 10 s
    std::optional<double> input_gone_after; // RELAY_INPUT_GONE_AFTER, default 15 s
    std::optional<std::string> rtmp_host;
    std::optional<int> rtmp_port;
    std::optional<std::string> mtx_api; // RELAY_MTX_API, default 127.0.0.1:9997; "off"
    std::string recipe = "clean";       // "seed": the seeds' command, for comparisons only
    bool realtime = false;              // read the input at its own pace (-re), for files
    bool overwrite = false;             // replace an existing output file
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
