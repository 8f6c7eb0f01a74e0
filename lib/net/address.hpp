#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mtxrelay::net {

// An IPv4 or IPv6 address, as a socket would connect to it.
struct IpAddress {
    bool v6 = false;
    std::array<uint8_t, 16> bytes{}; // IPv4: the first 4 bytes, network order

    static IpAddress v4(uint32_t host_order);
    uint32_t v4_value() const; // host order; IPv4 only
    // Canonical text: dotted quad, or RFC 5952 IPv6 (what inet_ntop prints).
    std::string to_string() const;
    // For a URL authority: IPv6 in brackets.
    std::string to_url_host() const;
    bool operator==(const IpAddress&) const = default;
};

// What an address reaches, from the relay's point of view. The order is not a ranking.
enum class AddressClass {
    public_unicast,  // the internet
    loopback,        // 127/8, ::1: this machine (MediaMTX, its API, our own hooks)
    private_network, // RFC 1918, CGNAT 100.64/10, ULA fc00::/7, site-local, documentation/benchmark ranges
    link_local,      // 169.254/16 (cloud metadata services), fe80::/10
    unspecified,     // 0/8, ::: Linux connects 0.0.0.0 to this machine
    multicast,       // 224/4, ff00::/8
    reserved,        // 240/4 (and broadcast), Teredo, discard-only and other never-routed ranges
};

// "a loopback address", "a link-local address"...: for refusal messages.
const char* describe(AddressClass address_class);

// Classifies an address by where a connection to it goes. IPv6 forms that carry an IPv4
// address (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, IPv4-translated,
// NAT64 64:ff9b::/96, 6to4 2002::/16) are classified by that IPv4 address when it is not
// public, so no IPv6 spelling reaches what the IPv4 rule refuses.
AddressClass classify(const IpAddress& address);

// Parses an IPv4 host exactly as glibc's inet_aton (and so getaddrinfo, which ffmpeg calls)
// reads it: 1-4 parts, each decimal, octal (leading 0) or hex (0x); the last part fills the
// remaining bytes ("127.1", "0x7f.1", "0177.0.0.1", "2130706433" are all 127.0.0.1).
// Nothing may follow (getaddrinfo uses the exact variant).
std::optional<IpAddress> parse_ipv4(std::string_view text);

// Parses a bracket-less IPv6 literal (inet_pton); zones ("%eth0") are refused.
std::optional<IpAddress> parse_ipv6(std::string_view text);

// Either form; nullopt for anything else.
std::optional<IpAddress> parse_address(std::string_view text);

// True when a host "ends in a number" (its last dot-separated label is all digits or 0x-hex):
// such a host is read as an IPv4 address by every URL reader, never looked up as a name, so
// it must parse as one (WHATWG URL rule; "1.2.3.4.5" or "127.0.0.1.09" are then refused).
bool ends_in_number(std::string_view host);

} // namespace mtxrelay::net
