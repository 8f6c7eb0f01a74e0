#include "ffmpeg/live_input.hpp"

#include "core/strings.hpp"

namespace mtxrelay::ffmpeg {

bool is_rtmp(const Endpoint& endpoint)
{
    return endpoint.network &&
           (core::starts_with_ci(endpoint.url, "rtmp://") || core::starts_with_ci(endpoint.url, "rtmps://"));
}

std::vector<std::string> pump_command(const Endpoint& input)
{
    std::vector<std::string> args = {"ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "warning", "-nostats"};
    args.insert(args.end(), input.options.begin(), input.options.end());
    args.insert(args.end(), {"-f", "data", "-i", input.url, "-map", "0", "-c", "copy", "-flush_packets", "1", "-f",
                             "data", "pipe:1"});
    return args;
}

Endpoint pipe_input()
{
    Endpoint endpoint;
    endpoint.url = "pipe:0";
    endpoint.options = {"-f", "flv", "-analyzeduration", "1000000", "-fpsprobesize", "0"};
    return endpoint;
}

} // namespace mtxrelay::ffmpeg
