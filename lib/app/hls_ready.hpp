#pragma once

#include "app/cli.hpp"
#include "app/event_loop.hpp"
#include "cloud/settings.hpp"
#include "core/env.hpp"
#include "http/retry.hpp"
#include "http/transport.hpp"
#include "mtx/hook_context.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace mtxrelay::app {

// relay-hls-ready's command line. Each field is the flag of a row in app/settings.hpp (its
// environment variable, default, range and help are there): hls_local_base, public_hls_base,
// public_webrtc_base, hls_template, dash_template, hls_min_segments, hls_timeout,
// hls_poll_interval.
struct HlsReadyOptions {
    CommonOptions common;
    std::optional<std::string> hls_local_base;
    std::optional<std::string> public_hls_base;
    std::optional<std::string> public_webrtc_base;
    std::optional<std::string> hls_template;
    std::optional<std::string> dash_template;
    std::optional<int> min_segments;
    std::optional<double> timeout;
    std::optional<double> poll_interval;
};

// Everything a run needs, resolved from flags and env and validated before any waiting.
struct HlsReadyPlan {
    mtx::HookContext context;
    std::string local_url;                 // polled here, on the relay
    std::string hls_url;                   // announced: same template on the public base
    std::optional<std::string> webrtc_url; // announced: {public webrtc base}/{path}/whep
    std::optional<std::string> dash_url;   // announced only when a DASH template is configured
    int min_segments = 2;
    std::chrono::milliseconds timeout{60000};
    std::chrono::milliseconds poll_interval{250};
    cloud::CloudSettings cloud;
    std::string idempotency_key; // the same on every retry of this run's hls-ready POST
};

// Expands {base} {path} {user} {stream} in a URL template; throws UsageError naming an unknown
// placeholder or a result that is not an http(s) URL. `what` names the setting in errors.
std::string expand_url_template(const std::string& url_template, const std::string& base,
                                const mtx::HookContext& context, const std::string& what);

// Resolves and validates the plan (throws UsageError with the setting to fix). Without
// MTX_PATH or --path the MediaMTX path is clean/<user>/<stream>, the path the hook runs for.
HlsReadyPlan make_hls_ready_plan(const HlsReadyOptions& options, const core::EnvLookup& env);

// relay-hls-ready: waits until the path's HLS is playable, then POSTs hls-ready once (with
// retries). 0 sent; 1 not playable within the timeout (nothing sent); 130 SIGINT/SIGTERM
// (nothing sent); 3-6 as relay-cf-url when the POST fails. All HTTP goes through `transport`;
// `hooks` is the clock (the waits between looks and retries).
int run_hls_ready(const HlsReadyOptions& options, const core::EnvLookup& env, http::Transport& transport,
                  const http::RetryHooks& hooks = loop_clock());
// The same with its transport made by deps.transport.
int run_hls_ready(const HlsReadyOptions& options, const core::EnvLookup& env, const ToolDeps& deps);

} // namespace mtxrelay::app
