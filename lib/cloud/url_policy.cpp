#include "cloud/url_policy.hpp"

#include "core/strings.hpp"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <fmt/format.h>

namespace mtxrelay::cloud {

namespace {

bool private_v4(uint32_t a)
{
    const auto in = [a](uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
    return in(0x00000000, 8) || in(0x0A000000, 8) || in(0x7F000000, 8) || in(0xA9FE0000, 16) || in(0xAC100000, 12) ||
           in(0xC0A80000, 16) || in(0x64400000, 10) || in(0xC0000000, 24) || in(0xC6120000, 15) || a >= 0xE0000000;
}

} // namespace

bool is_private_host(std::string_view host_view)
{
    std::string host = core::to_lower(host_view);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (host == "localhost" || (host.size() > 10 && host.substr(host.size() - 10) == ".localhost")) {
        return true;
    }
    in_addr v4{};
    if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
        return private_v4(ntohl(v4.s_addr));
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
        const auto* b = v6.s6_addr;
        bool zero_prefix = true;
        for (int i = 0; i < 10; ++i) {
            zero_prefix = zero_prefix && b[i] == 0;
        }
        if (zero_prefix && b[10] == 0xff && b[11] == 0xff) { // IPv4-mapped
            return private_v4((uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) | b[15]);
        }
        const bool unspecified_or_loopback = zero_prefix && b[10] == 0 && b[11] == 0 && b[12] == 0 && b[13] == 0 &&
                                             b[14] == 0 && (b[15] == 0 || b[15] == 1);
        return unspecified_or_loopback || (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||
               b[0] == 0xff;
    }
    // Bare numbers and other forms inet_aton accepts ("2130706433", "127.1") are ambiguous: refuse.
    bool numeric = !host.empty();
    for (const char c : host) {
        numeric = numeric && (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'x');
    }
    return numeric;
}

std::optional<std::string> check_stream_url(std::string_view url, const UrlPolicy& policy)
{
    if (url.empty()) {
        return "empty URL";
    }
    if (url.size() > policy.max_length) {
        return fmt::format("URL is {} characters long (limit {})", url.size(), policy.max_length);
    }
    if (url.front() == '-') {
        return "URL starts with '-' (would be read as an ffmpeg option)";
    }
    for (const char c : url) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) {
            return "URL contains whitespace or control characters";
        }
        if (c == ';' || c == '|' || c == '`' || c == '$' || c == '\\' || c == '"' || c == '\'' || c == '<' ||
            c == '>') {
            return fmt::format("URL contains the character '{}'", c);
        }
    }
    const size_t sep = url.find("://");
    if (sep == std::string_view::npos) {
        return "not a URL (no scheme://)";
    }
    const auto scheme = core::to_lower(url.substr(0, sep));
    if (scheme != "rtmp" && scheme != "rtmps" && scheme != "srt") {
        return fmt::format("scheme '{}' is not allowed (rtmp, rtmps or srt only)", scheme.substr(0, 16));
    }
    auto rest = url.substr(sep + 3);
    auto authority = rest.substr(0, std::min(rest.find_first_of("/?#"), rest.size()));
    if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
        authority.remove_prefix(at + 1);
    }
    std::string_view host = authority;
    if (!host.empty() && host.front() == '[') {
        const size_t close = host.find(']');
        if (close == std::string_view::npos) {
            return "malformed IPv6 host";
        }
        host = host.substr(0, close + 1);
    } else if (const size_t colon = host.rfind(':'); colon != std::string_view::npos) {
        host = host.substr(0, colon);
    }
    if (host.empty()) {
        return "no host";
    }
    if (!policy.allow_private && is_private_host(host)) {
        return fmt::format("host {} is a loopback, link-local, private or unspecified address "
                           "(allowed only with --allow-private-destinations)",
                           std::string(host));
    }
    return std::nullopt;
}

} // namespace mtxrelay::cloud
