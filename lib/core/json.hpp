#pragma once

#include "core/error.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace mtxrelay::core {

// Limits for JSON read from outside (the cloud, files, request bodies). nlohmann::json copies,
// prints and compares documents recursively: an array nested 100 000 deep (200 KB of '[')
// overflows the stack of whoever touches it, so depth is checked before parsing.
struct JsonLimits {
    size_t max_depth = 64;
    size_t max_bytes = 1024 * 1024;
};

// Parses with the limits. The Failure (kind invalid) is a phrase to follow "<what> is ": "not
// valid JSON", "JSON nested deeper than 64 levels", "JSON of N bytes (limit M)". Never throws.
Result<nlohmann::json> parse_json(std::string_view text, const JsonLimits& limits = {});

// The deepest nesting of arrays and objects in a JSON text (strings are skipped), counting
// no further than `stop_at`.
size_t json_depth(std::string_view text, size_t stop_at);

// Serialises for the wire or the terminal; invalid UTF-8 (a cut name, bytes from ffmpeg's
// stderr) is replaced instead of throwing. Never throws.
std::string dump_json(const nlohmann::json& value, int indent = -1);

} // namespace mtxrelay::core
