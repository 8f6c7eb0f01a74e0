#include "restream/destination_set.hpp"

#include "core/redact.hpp"
#include "core/strings.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace mtxrelay::restream {

namespace {

constexpr size_t k_display_limit = 120;
constexpr size_t k_name_limit = 64;
constexpr size_t k_min_secret_length = 6; // shorter path segments ("live", "app") are not keys

std::string entry_label(const std::string& name, std::string_view url)
{
    // Angle brackets end the URL for the log's redaction, so it cannot swallow what follows.
    return name.empty() ? fmt::format("<{}>", display_url(url)) : fmt::format("{} <{}>", name, display_url(url));
}

// The literal host of a URL already accepted by check_stream_url (so it has one), brackets
// of an IPv6 literal removed.
std::string host_of(std::string_view url)
{
    auto rest = url.substr(url.find("://") + 3);
    auto authority = rest.substr(0, std::min(rest.find_first_of("/?#"), rest.size()));
    if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
        authority.remove_prefix(at + 1);
    }
    if (!authority.empty() && authority.front() == '[') {
        return std::string(authority.substr(1, authority.find(']') - 1));
    }
    return std::string(authority.substr(0, std::min(authority.rfind(':'), authority.size())));
}

// Link-local (169.254/16 holds the cloud metadata service, the classic SSRF target) and
// unspecified addresses are never a streaming destination: refused even when private
// destinations are allowed, which exists for loopback sinks in tests and LAN relays.
bool never_a_destination(std::string_view url)
{
    const auto host = host_of(url);
    in_addr v4{};
    if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
        const uint32_t a = ntohl(v4.s_addr);
        return (a >> 16) == 0xA9FE || (a >> 24) == 0;
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
        const auto* b = v6.s6_addr;
        const bool mapped = std::all_of(b, b + 10, [](uint8_t x) { return x == 0; }) && b[10] == 0xff && b[11] == 0xff;
        if (mapped) {
            return (b[12] == 169 && b[13] == 254) || b[12] == 0;
        }
        return (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || std::all_of(b, b + 16, [](uint8_t x) { return x == 0; });
    }
    return false;
}

std::string printable(std::string_view text)
{
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
    }
    return out;
}

} // namespace

std::string normalize_url(std::string_view url)
{
    const size_t sep = url.find("://");
    if (sep == std::string_view::npos) {
        return std::string(url);
    }
    const auto rest = url.substr(sep + 3);
    const size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
    auto authority = rest.substr(0, authority_end);
    std::string userinfo;
    if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
        userinfo = std::string(authority.substr(0, at + 1));
        authority.remove_prefix(at + 1);
    }
    return core::to_lower(url.substr(0, sep)) + "://" + userinfo + core::to_lower(authority) +
           std::string(rest.substr(authority_end));
}

std::string display_url(std::string_view url)
{
    auto shown = printable(core::redact_url(url));
    if (shown.size() > k_display_limit) {
        shown = fmt::format("{}... ({} characters)", shown.substr(0, k_display_limit), url.size());
    }
    return shown;
}

void register_url_secrets(std::string_view url)
{
    const size_t sep = url.find("://");
    if (sep == std::string_view::npos) {
        return;
    }
    const auto rest = url.substr(sep + 3);
    const size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
    const auto authority = rest.substr(0, authority_end);
    if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
        const auto userinfo = authority.substr(0, at);
        const size_t colon = userinfo.find(':');
        if (colon != std::string_view::npos) {
            core::register_secret(std::string(userinfo.substr(colon + 1)));
        }
    }
    const auto path_and_query = rest.substr(authority_end);
    const auto path = path_and_query.substr(0, std::min(path_and_query.find_first_of("?#"), path_and_query.size()));
    auto segments = core::split(path, '/');
    segments.erase(std::remove(segments.begin(), segments.end(), std::string()), segments.end());
    // The first segment is the RTMP application unless it is the only one (then it is the key).
    for (size_t i = segments.size() == 1 ? 0 : 1; i < segments.size(); ++i) {
        if (segments[i].size() >= k_min_secret_length) {
            core::register_secret(segments[i]);
        }
    }
    if (const size_t q = path_and_query.find('?'); q != std::string_view::npos) {
        for (const auto& pair : core::split(path_and_query.substr(q + 1), '&')) {
            const size_t eq = pair.find('=');
            if (eq != std::string::npos && core::is_secret_parameter(pair.substr(0, eq)) &&
                pair.size() - eq - 1 >= k_min_secret_length) {
                core::register_secret(pair.substr(eq + 1));
            }
        }
    }
}

DestinationSet build_destination_set(const std::optional<std::string>& cf_url,
                                     const std::vector<cloud::DestinationEntry>& entries,
                                     const cloud::UrlPolicy& policy)
{
    DestinationSet set;
    auto consider = [&](const std::string& url, const std::string& raw_name, const std::string& origin) {
        const auto name = printable(raw_name.substr(0, k_name_limit));
        const auto label = fmt::format("{} {}", origin, entry_label(name, url));
        if (const auto problem = cloud::check_stream_url(url, policy)) {
            set.refused.push_back({label, *problem});
            return;
        }
        if (policy.allow_private && never_a_destination(url)) {
            set.refused.push_back({label, fmt::format("host {} is a link-local or unspecified address: never a "
                                                      "streaming destination, refused even with "
                                                      "--allow-private-destinations",
                                                      host_of(url))});
            return;
        }
        const auto key = normalize_url(url);
        const auto same = std::find_if(set.destinations.begin(), set.destinations.end(),
                                       [&](const DesiredDestination& d) { return d.key == key; });
        if (same != set.destinations.end()) {
            set.refused.push_back({label, fmt::format("duplicate of {}: merged", same->label)});
            return;
        }
        set.destinations.push_back({key, url, name, name.empty() ? fmt::format("<{}>", display_url(url)) : name});
    };
    if (cf_url) {
        consider(*cf_url, "Cloudflare", "cf-url");
    }
    for (const auto& entry : entries) {
        const auto origin = fmt::format("destinations[{}]", entry.index);
        if (!entry.destination) {
            set.refused.push_back({origin, entry.problem});
            continue;
        }
        consider(entry.destination->url, entry.destination->name, origin);
    }
    return set;
}

} // namespace mtxrelay::restream
