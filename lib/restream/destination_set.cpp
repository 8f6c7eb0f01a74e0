#include "restream/destination_set.hpp"

#include "core/redact.hpp"
#include "core/strings.hpp"
#include "ffmpeg/pinned_output.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mtxrelay::restream {

namespace {

constexpr size_t k_display_limit = 120;
constexpr size_t k_name_limit = 64;
constexpr size_t k_min_secret_length = 6; // shorter path segments ("live", "app") are not keys

// What the cloud is told about a name that did not pass the resolution half: the same words
// whether it does not exist, does not answer or answers a private address, so status posts
// cannot be used to learn what the relay's DNS knows.
constexpr const char* k_unresolved_public_reason = "host name does not resolve to a public address";

std::string entry_label(const std::string& name, std::string_view url)
{
    // Angle brackets end the URL for the log's redaction, so it cannot swallow what follows.
    return name.empty() ? fmt::format("<{}>", display_url(url)) : fmt::format("{} <{}>", name, display_url(url));
}

// A name safe to print and to serialise: at most `limit` bytes cut at a UTF-8 character
// boundary (a cut inside a character would make the status payload invalid JSON), control
// characters (C0, DEL, C1) replaced.
std::string printable(std::string_view text, size_t limit = std::string_view::npos)
{
    if (text.size() > limit) {
        size_t cut = limit;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
            --cut;
        }
        text = text.substr(0, cut);
    }
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        const auto u = static_cast<unsigned char>(text[i]);
        if (u == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
            static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
            out.push_back('?');
            ++i;
        } else {
            out.push_back(u < 0x20 || u == 0x7f ? '?' : text[i]);
        }
    }
    return out;
}

// "dns" when the host name did not resolve (or has no address), else "policy": it resolved to
// an address the destination policy refuses.
std::string resolution_class(const core::Failure& failure)
{
    const auto& message = failure.message;
    const bool dns = message.find("cannot resolve host") != std::string::npos ||
                     message.find("has no IPv4 or IPv6 address") != std::string::npos ||
                     message.find("has no address") != std::string::npos ||
                     message.find("was not resolved yet") != std::string::npos;
    return dns ? "dns" : "policy";
}

} // namespace

std::string normalize_url(std::string_view url)
{
    const auto parsed = net::parse_url(url);
    return parsed ? parsed.value().to_string() : std::string(url);
}

std::string display_url(std::string_view url)
{
    auto shown = printable(core::redact_url(url));
    if (shown.size() > k_display_limit) {
        shown = fmt::format("{}... ({} characters)", printable(shown, k_display_limit), url.size());
    }
    return shown;
}

std::string key_fingerprint(std::string_view url)
{
    const auto masked = core::redact_url(url);
    for (size_t at = masked.find("key#"); at != std::string::npos; at = masked.find("key#", at + 1)) {
        if (core::is_fingerprint(std::string_view(masked).substr(at, 8))) {
            return masked.substr(at, 8);
        }
    }
    return {};
}

void register_url_secrets(std::string_view url)
{
    const auto parts = core::split_url(url);
    if (!parts) {
        return;
    }
    if (parts->userinfo) {
        if (const size_t colon = parts->userinfo->find(':'); colon != std::string_view::npos) {
            core::register_secret(std::string(parts->userinfo->substr(colon + 1)));
        }
    }
    auto segments = core::split(parts->path, '/');
    segments.erase(std::remove(segments.begin(), segments.end(), std::string()), segments.end());
    // The first segment is the RTMP application unless it is the only one (then it is the key).
    for (size_t i = segments.size() == 1 ? 0 : 1; i < segments.size(); ++i) {
        if (segments[i].size() >= k_min_secret_length) {
            core::register_secret(segments[i]);
        }
    }
    if (parts->query) {
        for (const auto& pair : core::split(*parts->query, '&')) {
            const size_t eq = pair.find('=');
            if (eq != std::string::npos && core::is_secret_parameter(pair.substr(0, eq)) &&
                pair.size() - eq - 1 >= k_min_secret_length) {
                core::register_secret(pair.substr(eq + 1));
            }
        }
    }
}

std::vector<std::string> names_to_resolve(const std::optional<std::string>& cf_url,
                                          const std::vector<cloud::DestinationEntry>& entries,
                                          const net::DestinationPolicy& policy)
{
    std::vector<std::string> names;
    auto consider = [&](const std::string& url) {
        const auto checked = net::check_destination(url, policy);
        if (checked && checked.value().host.kind == net::HostKind::name &&
            std::find(names.begin(), names.end(), checked.value().host.text) == names.end()) {
            names.push_back(checked.value().host.text);
        }
    };
    if (cf_url) {
        consider(*cf_url);
    }
    for (const auto& entry : entries) {
        if (entry.destination) {
            consider(entry.destination->url);
        }
    }
    return names;
}

Resolutions resolve_names(const std::vector<std::string>& names, const net::Resolver& resolve)
{
    Resolutions resolved;
    for (const auto& name : names) {
        resolved.emplace(name, resolve(name));
    }
    return resolved;
}

DestinationSet build_destination_set(const std::optional<std::string>& cf_url,
                                     const std::vector<cloud::DestinationEntry>& entries,
                                     const net::DestinationPolicy& policy, const Resolutions& resolved)
{
    DestinationSet set;
    const net::Resolver lookup = [&resolved](const std::string& name) -> core::Result<std::vector<net::IpAddress>> {
        const auto it = resolved.find(name);
        if (it == resolved.end()) {
            return core::Failure{core::ErrorKind::unreachable, fmt::format("host {} was not resolved yet", name)};
        }
        return it->second;
    };
    auto consider = [&](const std::string& url, const std::string& raw_name, const std::string& origin) {
        const auto name = printable(raw_name, k_name_limit);
        const auto label = fmt::format("{} {}", origin, entry_label(name, url));
        const auto checked = net::check_destination(url, policy);
        if (!checked) {
            set.refused.push_back({label, checked.error().message, checked.error().message, "policy", name});
            return;
        }
        const auto target = net::resolve_destination(checked.value(), policy, lookup);
        if (!target) {
            set.refused.push_back(
                {label, target.error().message, k_unresolved_public_reason, resolution_class(target.error()), name});
            return;
        }
        const auto key = checked.value().to_string();
        const auto same = std::find_if(set.destinations.begin(), set.destinations.end(),
                                       [&](const DesiredDestination& d) { return d.key == key; });
        if (same != set.destinations.end()) {
            const auto reason = fmt::format("duplicate of {}: merged", same->label);
            set.refused.push_back({label, reason, reason, "duplicate", name});
            return;
        }
        set.destinations.push_back({key, url, name, name.empty() ? fmt::format("<{}>", display_url(url)) : name,
                                    ffmpeg::pinned_output(target.value())});
    };
    if (cf_url) {
        consider(*cf_url, "Cloudflare", "cf-url");
    }
    for (const auto& entry : entries) {
        const auto origin = fmt::format("destinations[{}]", entry.index);
        if (!entry.destination) {
            set.refused.push_back({origin, entry.problem, entry.problem, "invalid", {}});
            continue;
        }
        consider(entry.destination->url, entry.destination->name, origin);
    }
    return set;
}

} // namespace mtxrelay::restream
