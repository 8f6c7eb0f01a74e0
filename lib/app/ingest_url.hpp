#pragma once

#include "core/env.hpp"
#include "ffmpeg/endpoint.hpp"
#include "net/policy.hpp"

#include <string>

namespace mtxrelay::app {

// The ingest URL the cf-url lookup returns is cloud data: relay-cf-url and relay-clean
// --target cloud hold it to the destination policy, as relay-restream does. Private hosts are
// allowed only with RELAY_ALLOW_PRIVATE_DESTINATIONS=1 (the only switch those tools have).
net::DestinationPolicy ingest_policy(const core::EnvLookup& env);

// The static half (syntax, scheme, a numeric host's class in any spelling): for relay-cf-url,
// which prints the URL and connects to nothing. Throws core::Error (bad_response) naming the
// rule the URL breaks.
net::Url check_ingest_url(const std::string& url, const core::EnvLookup& env);

// Both halves, for a tool that connects: the host resolved, every address checked, and the
// ffmpeg output with the checked address pinned (ffmpeg::pinned_output). Throws core::Error:
// bad_response when refused, unreachable when the name does not resolve, interrupted on
// SIGINT/SIGTERM during the lookup.
ffmpeg::Endpoint ingest_output(const std::string& url, const core::EnvLookup& env);

} // namespace mtxrelay::app
