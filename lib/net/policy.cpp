#include "net/policy.hpp"

#include "core/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace mtxrelay::net {

namespace {

using core::ErrorKind;
using core::Failure;

// SRT options ffmpeg reads from the query that only tune a caller's connection. Anything else
// is refused: mode=listener or rendezvous would open a port on the relay and serve the stream
// to whoever connects, and unknown future options could do the same.
constexpr std::array<std::string_view, 30> k_srt_options = {"streamid",
                                                            "passphrase",
                                                            "pbkeylen",
                                                            "latency",
                                                            "rcvlatency",
                                                            "peerlatency",
                                                            "tsbpddelay",
                                                            "tlpktdrop",
                                                            "nakreport",
                                                            "maxbw",
                                                            "inputbw",
                                                            "oheadbw",
                                                            "payload_size",
                                                            "pkt_size",
                                                            "mss",
                                                            "ffs",
                                                            "enforced_encryption",
                                                            "kmrefreshrate",
                                                            "kmpreannounce",
                                                            "snddropdelay",
                                                            "connect_timeout",
                                                            "timeout",
                                                            "sndbuf",
                                                            "rcvbuf",
                                                            "send_buffer_size",
                                                            "recv_buffer_size",
                                                            "lossmaxttl",
                                                            "minversion",
                                                            "transtype",
                                                            "mode"};

std::string join(const std::vector<std::string>& items)
{
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        out += (i == 0 ? "" : i + 1 == items.size() ? " or " : ", ") + items[i];
    }
    return out;
}

std::optional<std::string> check_srt_query(std::string_view query)
{
    for (const auto& pair : core::split(query, '&')) {
        if (pair.empty()) {
            continue;
        }
        const size_t eq = pair.find('=');
        const auto name = core::to_lower(pair.substr(0, eq));
        const auto value = eq == std::string::npos ? std::string() : core::to_lower(pair.substr(eq + 1));
        if (std::find(k_srt_options.begin(), k_srt_options.end(), name) == k_srt_options.end()) {
            return fmt::format("SRT option '{}' is not allowed in a destination (only caller options such as "
                               "streamid, passphrase, latency)",
                               name.substr(0, 32));
        }
        if (name == "mode" && value != "caller") {
            return fmt::format("SRT mode '{}' is not allowed: a destination is always called, never listened for",
                               value.substr(0, 16));
        }
        if (name == "transtype" && value != "live") {
            return "SRT transtype must be live";
        }
    }
    return std::nullopt;
}

Failure refused(std::string reason)
{
    return Failure{ErrorKind::invalid, std::move(reason)};
}

} // namespace

bool is_localhost_name(std::string_view name)
{
    const auto lower = core::to_lower(name);
    return lower == "localhost" || (lower.size() > 10 && lower.substr(lower.size() - 10) == ".localhost");
}

std::optional<std::string> check_address(const IpAddress& address, std::string_view host,
                                         const DestinationPolicy& policy)
{
    const auto address_class = classify(address);
    if (address_class == AddressClass::public_unicast) {
        return std::nullopt;
    }
    const auto text = address.to_string();
    const auto what = text == host ? fmt::format("host {} is {}", host, describe(address_class))
                                   : fmt::format("host {} is {}, {}", host, text, describe(address_class));
    if (address_class == AddressClass::loopback || address_class == AddressClass::private_network) {
        if (policy.allow_private) {
            return std::nullopt;
        }
        return fmt::format("{} (allowed only with {})", what, policy.allow_hint);
    }
    return fmt::format("{}: never a streaming destination, refused even with {}", what, policy.allow_hint);
}

core::Result<Url> check_destination(std::string_view text, const DestinationPolicy& policy)
{
    if (text.empty()) {
        return refused("empty URL");
    }
    if (text.size() > policy.max_length) {
        return refused(fmt::format("URL is {} characters long (limit {})", text.size(), policy.max_length));
    }
    if (text.front() == '-') {
        return refused("URL starts with '-' (would be read as an ffmpeg option)");
    }
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) {
            return refused("URL contains whitespace or control characters");
        }
        if (std::string_view(";|`$\\\"'<>").find(c) != std::string_view::npos) {
            return refused(fmt::format("URL contains the character '{}'", c));
        }
    }
    const auto parts = core::split_url(text);
    if (!parts) {
        return refused("not a URL (no scheme://)");
    }
    const auto scheme = core::to_lower(parts->scheme);
    if (std::find(policy.schemes.begin(), policy.schemes.end(), scheme) == policy.schemes.end()) {
        return refused(fmt::format("scheme '{}' is not allowed ({} only)", scheme.substr(0, 16), join(policy.schemes)));
    }
    auto parsed = parse_url(text, "URL");
    if (!parsed) {
        return parsed.error();
    }
    auto& url = parsed.value();
    if (url.scheme == "srt" && url.query) {
        if (const auto problem = check_srt_query(*url.query)) {
            return refused(*problem);
        }
    }
    if (url.host.kind == HostKind::name && is_localhost_name(url.host.text)) {
        if (!policy.allow_private) {
            return refused(
                fmt::format("host {} is this machine (allowed only with {})", url.host.text, policy.allow_hint));
        }
    }
    if (url.host.address) {
        if (const auto problem = check_address(*url.host.address, url.host.text, policy)) {
            return refused(*problem);
        }
    }
    return std::move(url);
}

core::Result<Target> resolve_destination(const Url& url, const DestinationPolicy& policy, const Resolver& resolve)
{
    if (url.host.address) {
        if (const auto problem = check_address(*url.host.address, url.host.text, policy)) {
            return refused(*problem);
        }
        return Target{url, *url.host.address};
    }
    auto addresses = resolve(url.host.text);
    if (!addresses) {
        return addresses.error();
    }
    if (addresses.value().empty()) {
        return refused(fmt::format("host {} has no address", url.host.text));
    }
    for (const auto& address : addresses.value()) {
        const auto address_class = classify(address);
        if (address_class == AddressClass::public_unicast) {
            continue;
        }
        const bool allowable =
            address_class == AddressClass::loopback || address_class == AddressClass::private_network;
        if (allowable && policy.allow_private) {
            continue;
        }
        return refused(fmt::format(
            "host {} resolves to {}, {}{}", url.host.text, address.to_string(), describe(address_class),
            allowable ? fmt::format(" (allowed only with {})", policy.allow_hint)
                      : fmt::format(": never a streaming destination, refused even with {}", policy.allow_hint)));
    }
    return Target{url, addresses.value().front()};
}

} // namespace mtxrelay::net
