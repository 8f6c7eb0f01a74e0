#pragma once

#include "app/cli.hpp"
#include "core/env.hpp"
#include "http/transport.hpp"

namespace mtxrelay::app {

// relay-cf-url's command line: the common rows of app/settings.hpp and cf_url_json.
struct CfUrlOptions {
    CommonOptions common;
    bool json = false;
};

// relay-cf-url: prints the upstream ingest URL for (user, stream) on stdout, nothing else.
// Exit codes: 3 unknown stream, 4 auth refused, 5 cloud unreachable, 6 bad response.
int run_cf_url(const CfUrlOptions& options, const core::EnvLookup& env, http::Transport& transport);

} // namespace mtxrelay::app
