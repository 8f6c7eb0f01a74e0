#pragma once

#include "core/env.hpp"
#include "ffmpeg/endpoint.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace mtxrelay::app {

// The relay's own RTMP server (MediaMTX): where hooks read live/... and publish clean/...
struct RtmpServer {
    std::string host; // settings::rtmp_host, as it goes into a URL (IPv6 in brackets)
    int port = 0;     // settings::rtmp_port
};

// Reads --rtmp-host/--rtmp-port, else RELAY_RTMP_HOST/RELAY_RTMP_PORT, else the rows' defaults;
// throws UsageError on bad values.
RtmpServer load_rtmp_server(const std::optional<std::string>& host_flag, const std::optional<int>& port_flag,
                            const core::EnvLookup& env);

// An integer setting from a flag, else env, else the default; range-checked with a clear error.
// Tools read their settings through the rows (app/settings.hpp: read_int), which call this.
int int_setting(const std::optional<int>& flag, std::string_view flag_name, const core::EnvLookup& env,
                std::string_view env_name, int fallback, int min, int max);

// Seconds from a flag, else env, else the default; range-checked (read_seconds calls this).
double seconds_setting(const std::optional<double>& flag, std::string_view flag_name, const core::EnvLookup& env,
                       std::string_view env_name, double fallback, double min, double max);

// A URL or file an operator gives (relay-inspect's input, relay-restream's --source). An rtmp
// URL on this machine with a path of 3 or more segments (rtmp://127.0.0.1:1935/clean/u/s) is
// split like local_rtmp (-rtmp_app clean -rtmp_playpath u/s, registered as a secret: it may hold
// a stream key): ffmpeg would send app "clean/u", which nginx-rtmp answers "application not found".
ffmpeg::Endpoint operator_endpoint(const std::string& url);

// A boolean env switch: 1/true/yes/on or 0/false/no/off (read_switch calls this).
bool bool_env(const core::EnvLookup& env, std::string_view env_name, bool fallback);

} // namespace mtxrelay::app
