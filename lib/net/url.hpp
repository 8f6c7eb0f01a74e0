#pragma once

#include "core/error.hpp"
#include "core/url_split.hpp"
#include "net/address.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mtxrelay::net {

enum class HostKind { name, ipv4, ipv6 };

// A host as written, validated, and what it means when it is numeric.
struct Host {
    std::string text; // lower-cased; IPv6 without brackets
    HostKind kind = HostKind::name;
    std::optional<IpAddress> address; // numeric hosts: the address ("0x7f.1" -> 127.0.0.1)

    // As it goes into a URL authority: IPv6 in brackets.
    std::string for_url() const;
};

// A URL parsed once, so every tool agrees with ffmpeg and libcurl on what it connects to.
struct Url {
    std::string scheme; // lower-case
    std::optional<std::string> userinfo;
    Host host;
    std::optional<uint16_t> port;
    std::string path;
    std::optional<std::string> query;
    std::optional<std::string> fragment;

    // The host as it goes into a URL (IPv6 in brackets), with ":port" when there is one.
    std::string host_port() const;
    // The canonical string: lower-case scheme and host, the rest as given.
    std::string to_string() const;
    // The same URL with its host replaced (e.g. by the checked address to connect to).
    std::string to_string_with_host(const std::string& url_host) const;
};

// Parses an absolute URL strictly and refuses what two readers could take differently:
// anything but "scheme://" at the start; whitespace, control characters, backslashes or
// non-ASCII bytes anywhere; more than one '@' (ffmpeg takes the last, libcurl the first);
// a port that is not 1-65535 in plain digits (ffmpeg reads "h:80:90" as port 80, atoi-style);
// anything after "]" but ":port"; '%' in the host (zones, percent-encoded names); a host that
// ends in a number but is not an IPv4 address inet_aton accepts; names with empty or
// over-long labels or characters outside [A-Za-z0-9_-]. The Failure says which rule, with
// `what` naming the setting or field ("destination URL", "--cloud-url").
core::Result<Url> parse_url(std::string_view text, std::string_view what = "URL");

// Validates and classifies a bare host ("example.com", "127.1", "::1" or "[::1]") with the
// same host rules as parse_url.
core::Result<Host> parse_host(std::string_view text, std::string_view what = "host");

} // namespace mtxrelay::net
