#include "ffmpeg/endpoint.hpp"

#include "core/strings.hpp"
#include "core/url_split.hpp"

#include <fmt/format.h>

namespace mtxrelay::ffmpeg {

std::vector<std::string> live_read_options()
{
    const auto microseconds = std::to_string(k_live_read_wait_seconds * 1000000);
    return {"-rw_timeout", microseconds, "-analyzeduration", microseconds};
}

Endpoint local_rtmp(const std::string& host, int port, const std::string& path)
{
    Endpoint endpoint;
    endpoint.url = fmt::format("rtmp://{}:{}/{}", host, port, path);
    endpoint.network = true;
    const size_t slash = path.find('/');
    if (slash != std::string::npos) {
        endpoint.options = {"-rtmp_app", path.substr(0, slash), "-rtmp_playpath", path.substr(slash + 1)};
    }
    return endpoint;
}

Endpoint from_url(const std::string& url)
{
    Endpoint endpoint;
    endpoint.url = url;
    const auto parts = core::split_url(url);
    endpoint.network = parts && core::to_lower(parts->scheme) != "file";
    return endpoint;
}

std::string output_format(const Endpoint& endpoint)
{
    return core::starts_with_ci(endpoint.url, "srt://") ? "mpegts" : "flv";
}

} // namespace mtxrelay::ffmpeg
