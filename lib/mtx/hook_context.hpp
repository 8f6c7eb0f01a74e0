#pragma once

#include "core/env.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace mtxrelay::mtx {

// Who and what a hook runs for: the stream's ids and MediaMTX path. MTX_QUERY is not read:
// it is the publisher's own query (it may carry the stream key, in any encoding the
// publisher chose), no hook needs it, and a hook must start whatever it holds.
struct HookContext {
    std::string user_id;
    std::string stream_id;
    std::string path; // MTX_PATH, or "<user>/<stream>" for manual runs
};

// Values given on the command line; they win over the environment.
struct ContextFlags {
    std::optional<std::string> user_id;
    std::optional<std::string> stream_id;
    std::optional<std::string> path;
};

// True for ids MediaMTX paths and the cloud both accept: [A-Za-z0-9_.-]{1,128}, not "." or "..".
bool is_valid_id(std::string_view id);

// True for a MediaMTX path of valid id segments ("live/alice/s1").
bool is_valid_path(std::string_view path);

// Resolves ids from flags, else G1/G2, else the last two segments of MTX_PATH
// ("<prefix>/<user>/<stream>"). Throws UsageError naming the bad or missing value.
HookContext resolve_context(const ContextFlags& flags, const core::EnvLookup& env);

// Like resolve_context but returns nullopt instead of throwing when no ids are given at all
// (tools that can also run without a stream identity, e.g. with --source and --output).
std::optional<HookContext> try_resolve_context(const ContextFlags& flags, const core::EnvLookup& env);

} // namespace mtxrelay::mtx
