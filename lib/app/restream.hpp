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
