#include "ffmpeg/pinned_output.hpp"

#include <fmt/format.h>

namespace mtxrelay::ffmpeg {

namespace {

constexpr int k_rtmp_default_port = 1935;
constexpr size_t k_app_max_length = 1023; // APP_MAX_LENGTH - 1 in rtmpproto.c

} // namespace

std::string rtmp_app(std::string_view path)
{
    if (path.substr(0, 10) == "/ondemand/") {
        return "ondemand";
    }
    const auto next = path.empty() ? path : path.substr(1);
    const size_t slash = next.find('/');
    if (slash == std::string_view::npos) {
        return std::string(next.substr(0, k_app_max_length));
    }
    const auto after = next.substr(slash + 1);
    const size_t colon = after.find(':');
    const size_t second = after.find('/');
    if (second == std::string_view::npos || (colon != std::string_view::npos && colon < second)) {
        return std::string(next.substr(0, std::min(slash, k_app_max_length)));
    }
    return std::string(next.substr(0, std::min(slash + 1 + second, k_app_max_length)));
}

Endpoint pinned_output(const net::Target& target)
{
    const auto& url = target.url;
    Endpoint endpoint;
    endpoint.network = true;
    if (url.host.kind == net::HostKind::name && url.scheme == "rtmps") {
        // The name stays (SNI), so ffmpeg resolves it again: the certificate must then be valid
        // for that name (system CAs), which a service the name was re-pointed at cannot show.
        endpoint.url = url.to_string();
        endpoint.options = {"-tls_verify", "1"};
        return endpoint;
    }
    // A numeric host in any spelling goes out as its canonical address.
    endpoint.url = url.to_string_with_host(target.address.to_url_host());
    if (url.host.kind != net::HostKind::name) {
        return endpoint;
    }
    if (url.scheme == "rtmp") {
        const auto path = url.path + (url.query ? "?" + *url.query : std::string());
        endpoint.options = {"-rtmp_tcurl", fmt::format("rtmp://{}:{}/{}", url.host.for_url(),
                                                       url.port.value_or(k_rtmp_default_port), rtmp_app(path))};
    }
    return endpoint;
}

} // namespace mtxrelay::ffmpeg
