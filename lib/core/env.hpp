#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mtxrelay::core {

// Reads one environment variable; empty values count as unset. A seam so tests pass a map.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment.
EnvLookup process_env();

// Wraps POSIX failures: "<what>: <strerror(errno)>".
std::string errno_message(std::string_view what);

} // namespace mtxrelay::core
