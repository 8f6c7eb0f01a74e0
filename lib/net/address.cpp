#include "net/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace mtxrelay::net {

namespace {

bool in_v4(uint32_t a, uint32_t network, int bits)
{
    return (a >> (32 - bits)) == (network >> (32 - bits));
}

AddressClass classify_v4(uint32_t a)
{
    if (in_v4(a, 0x00000000, 8)) {
        return AddressClass::unspecified;
    }
    if (in_v4(a, 0x7F000000, 8)) {
        return AddressClass::loopback;
    }
    if (in_v4(a, 0xA9FE0000, 16)) {
        return AddressClass::link_local;
    }
    if (in_v4(a, 0xE0000000, 4)) {
        return AddressClass::multicast;
    }
    if (in_v4(a, 0xF0000000, 4)) {
        return AddressClass::reserved; // 240/4, 255.255.255.255 included
    }
    const bool special = in_v4(a, 0x0A000000, 8) || in_v4(a, 0xAC100000, 12) || in_v4(a, 0xC0A80000, 16) ||
                         in_v4(a, 0x64400000, 10) || in_v4(a, 0xC0000000, 24) || in_v4(a, 0xC0000200, 24) ||
                         in_v4(a, 0xC6336400, 24) || in_v4(a, 0xCB007100, 24) || in_v4(a, 0xC6120000, 15) ||
                         in_v4(a, 0xC0586300, 24);
    return special ? AddressClass::private_network : AddressClass::public_unicast;
}

uint32_t v4_at(const std::array<uint8_t, 16>& b, size_t at)
{
    return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) | b[at + 3];
}

bool zeros(const std::array<uint8_t, 16>& b, size_t from, size_t to)
{
    return std::all_of(b.begin() + static_cast<std::ptrdiff_t>(from), b.begin() + static_cast<std::ptrdiff_t>(to),
                       [](uint8_t x) { return x == 0; });
}

// An IPv6 form that reaches an IPv4 address: its class when that is not public, else `otherwise`.
AddressClass embedded(uint32_t v4, AddressClass otherwise)
{
    const auto inner = classify_v4(v4);
    return inner == AddressClass::public_unicast ? otherwise : inner;
}

AddressClass classify_v6(const std::array<uint8_t, 16>& b)
{
    if (zeros(b, 0, 15) && b[15] <= 1) {
        return b[15] == 0 ? AddressClass::unspecified : AddressClass::loopback;
    }
    if (zeros(b, 0, 10) && b[10] == 0xff && b[11] == 0xff) {
        return classify_v4(v4_at(b, 12)); // IPv4-mapped: the socket connects over IPv4
    }
    if (zeros(b, 0, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0) {
        return embedded(v4_at(b, 12), AddressClass::reserved); // IPv4-translated (RFC 2765)
    }
    if (zeros(b, 0, 12)) {
        return embedded(v4_at(b, 12), AddressClass::reserved); // IPv4-compatible (deprecated)
    }
    if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) {
        if (zeros(b, 4, 12)) {
            return embedded(v4_at(b, 12), AddressClass::public_unicast); // NAT64 well-known prefix
        }
        if (b[4] == 0x00 && b[5] == 0x01) {
            return AddressClass::private_network; // local-use NAT64 64:ff9b:1::/48
        }
    }
    if (b[0] == 0x20 && b[1] == 0x02) {
        return embedded(v4_at(b, 2), AddressClass::public_unicast); // 6to4
    }
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) {
        return AddressClass::reserved; // Teredo: the client address is obfuscated inside
    }
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) {
        return AddressClass::private_network; // documentation
    }
    if (b[0] == 0x01 && zeros(b, 1, 8)) {
        return AddressClass::reserved; // discard-only 100::/64
    }
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) {
        return AddressClass::link_local;
    }
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) {
        return AddressClass::private_network; // site-local (deprecated)
    }
    if ((b[0] & 0xfe) == 0xfc) {
        return AddressClass::private_network; // unique local
    }
    if (b[0] == 0xff) {
        return AddressClass::multicast;
    }
    return AddressClass::public_unicast;
}

// One number of an IPv4 part as strtoul(..., 0) reads it from a leading digit: hex after "0x"
// followed by a hex digit, octal after a leading 0, else decimal. Advances `at`.
std::optional<uint64_t> parse_part(std::string_view text, size_t& at)
{
    if (at >= text.size() || !std::isdigit(static_cast<unsigned char>(text[at]))) {
        return std::nullopt;
    }
    int base = 10;
    if (text[at] == '0') {
        base = 8;
        if (at + 2 < text.size() && (text[at + 1] == 'x' || text[at + 1] == 'X') &&
            std::isxdigit(static_cast<unsigned char>(text[at + 2]))) {
            base = 16;
            at += 2;
        }
    }
    uint64_t value = 0;
    while (at < text.size()) {
        const char c = text[at];
        int digit = -1;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            digit = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            digit = c - 'A' + 10;
        }
        if (digit < 0 || digit >= base) {
            break;
        }
        value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
        if (value > 0xffffffffULL) {
            return std::nullopt;
        }
        ++at;
    }
    return value;
}

bool is_hex_label(std::string_view label)
{
    if (label.size() < 2 || label[0] != '0' || (label[1] != 'x' && label[1] != 'X')) {
        return false;
    }
    return std::all_of(label.begin() + 2, label.end(),
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

} // namespace

IpAddress IpAddress::v4(uint32_t host_order)
{
    IpAddress address;
    address.bytes[0] = static_cast<uint8_t>(host_order >> 24);
    address.bytes[1] = static_cast<uint8_t>(host_order >> 16);
    address.bytes[2] = static_cast<uint8_t>(host_order >> 8);
    address.bytes[3] = static_cast<uint8_t>(host_order);
    return address;
}

uint32_t IpAddress::v4_value() const
{
    return v4_at(bytes, 0);
}

std::string IpAddress::to_string() const
{
    char buffer[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buffer, sizeof buffer);
    return buffer;
}

std::string IpAddress::to_url_host() const
{
    return v6 ? "[" + to_string() + "]" : to_string();
}

const char* describe(AddressClass address_class)
{
    switch (address_class) {
    case AddressClass::public_unicast:
        return "a public address";
    case AddressClass::loopback:
        return "a loopback address (this machine)";
    case AddressClass::private_network:
        return "a private or special-purpose address";
    case AddressClass::link_local:
        return "a link-local address";
    case AddressClass::unspecified:
        return "an unspecified address (this machine)";
    case AddressClass::multicast:
        return "a multicast address";
    case AddressClass::reserved:
        return "a reserved address";
    }
    return "an unknown address";
}

AddressClass classify(const IpAddress& address)
{
    return address.v6 ? classify_v6(address.bytes) : classify_v4(address.v4_value());
}

std::optional<IpAddress> parse_ipv4(std::string_view text)
{
    static constexpr uint64_t k_last_part_max[4] = {0xffffffffULL, 0xffffffULL, 0xffffULL, 0xffULL};
    uint32_t leading = 0;
    size_t parts = 0;
    size_t at = 0;
    while (true) {
        const auto value = parse_part(text, at);
        if (!value) {
            return std::nullopt;
        }
        if (at < text.size() && text[at] == '.') {
            if (parts >= 3 || *value > 0xff) {
                return std::nullopt;
            }
            leading |= static_cast<uint32_t>(*value) << (24 - 8 * parts);
            ++parts;
            ++at;
            continue;
        }
        if (at != text.size() || *value > k_last_part_max[parts]) {
            return std::nullopt;
        }
        return IpAddress::v4(leading | static_cast<uint32_t>(*value));
    }
}

std::optional<IpAddress> parse_ipv6(std::string_view text)
{
    if (text.empty() || text.size() > 45 || text.find('%') != std::string_view::npos) {
        return std::nullopt;
    }
    const std::string copy(text);
    IpAddress address;
    address.v6 = true;
    if (::inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) != 1) {
        return std::nullopt;
    }
    return address;
}

std::optional<IpAddress> parse_address(std::string_view text)
{
    if (auto v4 = parse_ipv4(text)) {
        return v4;
    }
    return parse_ipv6(text);
}

bool ends_in_number(std::string_view host)
{
    if (!host.empty() && host.back() == '.') {
        host.remove_suffix(1);
    }
    const size_t dot = host.rfind('.');
    const auto last = dot == std::string_view::npos ? host : host.substr(dot + 1);
    if (last.empty()) {
        return false;
    }
    const bool digits = std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; });
    return digits || is_hex_label(last);
}

} // namespace mtxrelay::net
