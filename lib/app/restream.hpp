#pragma once

#include "app/cli.hpp"
#include "core/env.hpp"

#include <optional>
#include <string>

namespace mtxrelay::app {

struct RestreamOptions {
    CommonOptions common;
    std::optional<std::string> source;            // default rtmp://HOST:PORT/$MTX_PATH (or clean/<user>/<stream>)
    std::optional<std::string> destinations_file; // instead of GET restream-destinations, re-read every poll
    std::optional<double> poll_interval;          // RELAY_RESTREAM_POLL_INTERVAL, default 10 s
    std::optional<double> status_interval;        // RELAY_STATUS_INTERVAL, default 10 s
    std::optional<double> stall_timeout;          // RELAY_STALL_TIMEOUT, default 10 s
    bool no_cf_url = false;                       // or RELAY_RESTREAM_CF_URL=0
    bool allow_private = false;                   // or RELAY_ALLOW_PRIVATE_DESTINATIONS=1
    std::optional<std::string> rtmp_host;
    std::optional<int> rtmp_port;
};

// relay-restream: copies the clean stream to every destination the cloud (or a file) lists, one
// supervised `-c copy` ffmpeg each, reconciled at every poll. Runs until SIGINT/SIGTERM (130).
int run_restream(const RestreamOptions& options, const core::EnvLookup& env);

} // namespace mtxrelay::app
