#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mtxrelay::cloud {

struct UrlPolicy {
    bool allow_private = false; // loopback, link-local, private and unspecified hosts
    size_t max_length = 2048;
};

// Checks a cloud-supplied stream URL before any ffmpeg sees it: scheme rtmp, rtmps or srt; a
// host; no whitespace or control characters; no leading '-'; a length limit; no private or
// local address unless allowed. Returns the reason it is refused, or nullopt when it is fine.
// Host names are not resolved here (ffmpeg resolves them later), only literal addresses and
// "localhost" are classified.
std::optional<std::string> check_stream_url(std::string_view url, const UrlPolicy& policy);

// True for literal IPv4/IPv6 addresses (and localhost) that are loopback, link-local, private,
// carrier-grade NAT, unique-local or unspecified.
bool is_private_host(std::string_view host);

} // namespace mtxrelay::cloud
