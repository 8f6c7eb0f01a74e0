#pragma once

#include "core/env.hpp"

#include <optional>
#include <string>

namespace mtxrelay::app {

struct StatusOptions {
    std::optional<std::string> runtime_dir; // RELAY_RUNTIME_DIR, $XDG_RUNTIME_DIR/mtxrelay, /tmp/mtxrelay-<uid>
    std::optional<std::string> mtx_api;     // RELAY_MTX_API, default 127.0.0.1:9997; "off" skips it
    bool json = false;
    bool watch = false;    // refresh every `interval` seconds until SIGINT
    double interval = 2.0; // seconds
    std::optional<std::string> serve;
    bool allow_remote = false; // --serve on a non-loopback address
    std::optional<std::string> log_format;
};

// relay-status: the state of every stream and destination on this relay, from the hooks' state
// documents and MediaMTX's path list. Prints a table (or --json) once, or every --watch seconds;
// with --serve, answers /metrics (Prometheus), /status (JSON) and / (the table) until SIGINT.
int run_status(const StatusOptions& options, const core::EnvLookup& env);

} // namespace mtxrelay::app
