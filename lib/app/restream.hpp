#pragma once

#include "app/cli.hpp"
#include "core/env.hpp"

#include <optional>
#include <string>

namespace mtxrelay::app {

// relay-restream's command line. Each field is the flag of a row in app/settings.hpp (its
// environment variable, default, range and help are there): source, destinations_file,
// restream_poll_interval, status_interval, stall_timeout, restream_cf_url (--no-cf-url),
// allow_private, rtmp_host, rtmp_port.
struct RestreamOptions {
    CommonOptions common;
    std::optional<std::string> source;
    std::optional<std::string> destinations_file;
    std::optional<double> poll_interval;
    std::optional<double> status_interval;
    std::optional<double> stall_timeout;
    bool no_cf_url = false;
    bool allow_private = false;
    std::optional<std::string> rtmp_host;
    std::optional<int> rtmp_port;
};

// relay-restream: copies the clean stream to every destination the cloud (or a file) lists, one
// supervised `-c copy` ffmpeg each, reconciled at every poll. Runs until SIGINT/SIGTERM (130).
int run_restream(const RestreamOptions& options, const core::EnvLookup& env);

} // namespace mtxrelay::app
