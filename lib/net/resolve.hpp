#pragma once

#include "core/error.hpp"
#include "net/address.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace mtxrelay::net {

// Looks a host name up: every address it has, or why there is none (kind unreachable for a
// failure that may pass, invalid for a name that does not exist, interrupted when cancelled).
// A seam: unit tests answer from a table.
using Resolver = std::function<core::Result<std::vector<IpAddress>>(const std::string& name)>;

// getaddrinfo as ffmpeg and libcurl call it (any family, stream sockets), run on a helper
// thread so that `cancelled` (polled every 50 ms) or `limit` ends the wait: a DNS server that
// never answers must not hold a hook past SIGINT.
Resolver system_resolver(std::function<bool()> cancelled = {},
                         std::chrono::milliseconds limit = std::chrono::milliseconds(10000));

} // namespace mtxrelay::net
