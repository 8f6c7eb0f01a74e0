#pragma once

#include "core/env.hpp"

#include <optional>
#include <string>

namespace mtxrelay::app {

// relay-status's command line. Each field is the flag of a row in app/settings.hpp (its
// environment variable, default, range and help are there): runtime_dir, mtx_api, status_json,
// watch, watch_interval, serve, allow_remote, log_format.
struct StatusOptions {
    std::optional<std::string> runtime_dir;
    std::optional<std::string> mtx_api;
    bool json = false;
    bool watch = false;
    double interval = 2.0; // seconds; the row's default (checked by the unit tests)
    std::optional<std::string> serve;
    bool allow_remote = false;
    std::optional<std::string> log_format;
};

// relay-status: the state of every stream and destination on this relay, from the hooks' state
// documents and MediaMTX's path list. Prints a table (or --json) once, or every --watch seconds;
// with --serve, answers /metrics (Prometheus), /status (JSON) and / (the table) until SIGINT.
int run_status(const StatusOptions& options, const core::EnvLookup& env);

} // namespace mtxrelay::app
