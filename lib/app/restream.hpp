#pragma once

#include "app/cli.hpp"
#include "app/event_loop.hpp"
#include "cloud/settings.hpp"
#include "core/env.hpp"
#include "ffmpeg/endpoint.hpp"
#include "mtx/hook_context.hpp"
#include "net/policy.hpp"
#include "restream/fanout.hpp"
#include "restream/lists.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

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

// Everything a run needs, resolved and validated before any ffmpeg starts.
struct RestreamPlan {
    std::optional<mtx::HookContext> context;
    std::optional<cloud::CloudSettings> cloud; // status posts
    restream::ListSources lists;
    ffmpeg::Endpoint source;
    net::DestinationPolicy policy;
    std::chrono::milliseconds poll_interval{10000};
    std::chrono::milliseconds status_interval{10000};
    restream::FanoutSettings fanout;
};

// Resolves and validates a run from flags and env (throws UsageError naming the setting to fix).
RestreamPlan make_plan(const RestreamOptions& options, const core::EnvLookup& env);

// The argv of one destination's copy (a seam: unit tests run a stand-in ffmpeg).
using CopyCommand =
    std::function<std::vector<std::string>(const RestreamPlan& plan, const restream::DesiredDestination& destination)>;

// The `-c copy` ffmpeg of lib/restream.
CopyCommand ffmpeg_copy_command();

// What relay-restream takes from outside: HTTP (lists, status posts), time, the copy command.
struct RestreamDeps : ToolDeps {
    CopyCommand command = ffmpeg_copy_command();
};

// relay-restream: copies the clean stream to every destination the cloud (or a file) lists, one
// supervised `-c copy` ffmpeg each, reconciled at every poll. Runs until SIGINT/SIGTERM (130).
int run_restream(const RestreamOptions& options, const core::EnvLookup& env);
int run_restream(const RestreamOptions& options, const core::EnvLookup& env, RestreamDeps deps);

} // namespace mtxrelay::app
