#pragma once

#include "core/env.hpp"
#include "ffmpeg/endpoint.hpp"

#include <optional>
#include <string>

namespace mtxrelay::app {

// The relay's own RTMP server (MediaMTX): where hooks read live/... and publish clean/...
struct RtmpServer {
    std::string host = "127.0.0.1"; // RELAY_RTMP_HOST, as it goes into a URL (IPv6 in brackets)
    int port = 1935;                // RELAY_RTMP_PORT
};

// Reads RELAY_RTMP_HOST/RELAY_RTMP_PORT, then flags; throws UsageError on bad values.
RtmpServer load_rtmp_server(const std::optional<std::string>& host_flag, const std::optional<int>& port_flag,
                            const core::EnvLookup& env);

// An integer setting from a flag, else env, else the default; range-checked with a clear error.
int int_setting(const std::optional<int>& flag, const char* flag_name, const core::EnvLookup& env, const char* env_name,
                int fallback, int min, int max);

// Seconds from a flag, else env, else the default; range-checked.
double seconds_setting(const std::optional<double>& flag, const char* flag_name, const core::EnvLookup& env,
                       const char* env_name, double fallback, double min, double max);

// A URL or file an operator gives (relay-inspect's input, relay-restream's --source). An rtmp
// URL on this machine with a path of 3 or more segments (rtmp://127.0.0.1:1935/clean/u/s) is
// split like local_rtmp (-rtmp_app clean -rtmp_playpath u/s, registered as a secret: it may hold
// a stream key): ffmpeg would send app "clean/u", which nginx-rtmp answers "application not found".
ffmpeg::Endpoint operator_endpoint(const std::string& url);

// A boolean env switch: 1/true/yes/on or 0/false/no/off.
bool bool_env(const core::EnvLookup& env, const char* env_name, bool fallback);

} // namespace mtxrelay::app
