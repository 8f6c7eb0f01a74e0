#include "net/url.hpp"

#include "core/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace mtxrelay::net {

namespace {

using core::ErrorKind;
using core::Failure;

// Longer than any URL we hand to ffmpeg or libcurl; bounds the work on hostile input.
constexpr size_t k_max_url_length = 8192;
// ffmpeg copies the host into fixed buffers and cuts what does not fit: 255 bytes in rtmpproto,
// 199 in its TLS layer (rtmps). A longer host would be checked whole by us and connected to
// cut by ffmpeg (another name, or another number): refused, numeric or not.
constexpr size_t k_max_host_length = 199;
constexpr size_t k_max_label_length = 63;

Failure refuse(std::string_view what, const std::string& why)
{
    return Failure{ErrorKind::invalid, fmt::format("{} {}", what, why)};
}

std::optional<std::string> check_characters(std::string_view text)
{
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) {
            return "contains whitespace or a control character";
        }
        if (u >= 0x80) {
            return "contains a non-ASCII byte (internationalised names are read differently by each library: "
                   "give the punycode form)";
        }
        if (c == '\\') {
            return "contains a backslash (some readers take it for '/')";
        }
    }
    return std::nullopt;
}

std::optional<std::string> check_name(std::string_view name)
{
    for (const auto& label : core::split(name, '.')) {
        if (label.empty()) {
            return "has an empty label (a leading, doubled or trailing '.')";
        }
        if (label.size() > k_max_label_length) {
            return fmt::format("has a label longer than {} characters", k_max_label_length);
        }
        for (const char c : label) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
                return fmt::format("contains the character '{}' (host names are letters, digits, '-', '_' and '.')", c);
            }
        }
    }
    return std::nullopt;
}

core::Result<Host> host_from(std::string_view text, bool bracketed, std::string_view what)
{
    Host host;
    if (bracketed) {
        if (text.find('%') != std::string_view::npos) {
            return refuse(what, fmt::format("has a zone or percent sign in its IPv6 address [{}] (refused: which "
                                            "interface it names depends on the machine)",
                                            text));
        }
        host.address = parse_ipv6(text);
        if (!host.address) {
            return refuse(what, fmt::format("has [{}], which is not an IPv6 address", text));
        }
        host.kind = HostKind::ipv6;
        host.text = core::to_lower(text);
        return host;
    }
    if (text.empty()) {
        return refuse(what, "has no host");
    }
    if (text.size() > k_max_host_length) {
        return refuse(what, fmt::format("has a host {} characters long (at most {}: ffmpeg cuts longer hosts)",
                                        text.size(), k_max_host_length));
    }
    if (text.find('%') != std::string_view::npos) {
        return refuse(what, "has a percent sign in its host (percent-encoded or zoned hosts are read differently "
                            "by ffmpeg and libcurl)");
    }
    host.text = core::to_lower(text);
    if (ends_in_number(host.text)) {
        host.address = parse_ipv4(host.text);
        if (!host.address) {
            return refuse(what, fmt::format("has host '{}', which ends in a number but is not an IPv4 address", text));
        }
        host.kind = HostKind::ipv4;
        return host;
    }
    if (const auto problem = check_name(host.text)) {
        return refuse(what, fmt::format("has host '{}', which {}", text.substr(0, 80), *problem));
    }
    return host;
}

std::optional<uint16_t> parse_port(std::string_view digits)
{
    if (digits.empty() || digits.size() > 5 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    const int value = std::stoi(std::string(digits));
    if (value < 1 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<uint16_t>(value);
}

} // namespace

std::string Host::for_url() const
{
    return kind == HostKind::ipv6 ? "[" + text + "]" : text;
}

std::string Url::host_port() const
{
    return port ? fmt::format("{}:{}", host.for_url(), *port) : host.for_url();
}

std::string Url::to_string() const
{
    return to_string_with_host(host.for_url());
}

std::string Url::to_string_with_host(const std::string& url_host) const
{
    std::string out = scheme + "://";
    if (userinfo) {
        out += *userinfo + "@";
    }
    out += url_host;
    if (port) {
        out += fmt::format(":{}", *port);
    }
    out += path;
    if (query) {
        out += "?" + *query;
    }
    if (fragment) {
        out += "#" + *fragment;
    }
    return out;
}

core::Result<Url> parse_url(std::string_view text, std::string_view what)
{
    if (text.size() > k_max_url_length) {
        return refuse(what, fmt::format("is {} characters long (limit {})", text.size(), k_max_url_length));
    }
    if (const auto problem = check_characters(text)) {
        return refuse(what, *problem);
    }
    const auto parts = core::split_url(text);
    if (!parts) {
        return refuse(what, "is not an absolute URL (scheme://host...)");
    }
    Url url;
    url.scheme = core::to_lower(parts->scheme);
    if (parts->userinfo) {
        if (parts->userinfo->find('@') != std::string_view::npos) {
            return refuse(what, "has more than one '@' before its host (ffmpeg and libcurl pick different hosts)");
        }
        url.userinfo = std::string(*parts->userinfo);
    }
    auto host_port = parts->host_port;
    std::string_view host_text;
    std::optional<std::string_view> port_text;
    bool bracketed = false;
    if (!host_port.empty() && host_port.front() == '[') {
        const size_t close = host_port.find(']');
        if (close == std::string_view::npos) {
            return refuse(what, "has a '[' without its ']'");
        }
        bracketed = true;
        host_text = host_port.substr(1, close - 1);
        const auto after = host_port.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                return refuse(what, "has characters after its IPv6 address that are not ':port'");
            }
            port_text = after.substr(1);
        }
    } else {
        const size_t colon = host_port.find(':');
        host_text = host_port.substr(0, colon);
        if (colon != std::string_view::npos) {
            port_text = host_port.substr(colon + 1);
        }
        if (host_text.find_first_of("[]") != std::string_view::npos) {
            return refuse(what, "has a bracket in its host");
        }
    }
    if (port_text) {
        if (port_text->find(':') != std::string_view::npos) {
            return refuse(what, "has a second ':' in its authority (ffmpeg cuts the port at the first one, other "
                                "readers at the last)");
        }
        url.port = parse_port(*port_text);
        if (!url.port) {
            return refuse(what, fmt::format("has port '{}': use a number 1-65535", port_text->substr(0, 16)));
        }
    }
    auto host = host_from(host_text, bracketed, what);
    if (!host) {
        return host.error();
    }
    url.host = std::move(host.value());
    url.path = std::string(parts->path);
    if (parts->query) {
        url.query = std::string(*parts->query);
    }
    if (parts->fragment) {
        url.fragment = std::string(*parts->fragment);
    }
    return url;
}

core::Result<Host> parse_host(std::string_view text, std::string_view what)
{
    if (const auto problem = check_characters(text)) {
        return refuse(what, *problem);
    }
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
        return host_from(text.substr(1, text.size() - 2), true, what);
    }
    if (text.find(':') != std::string_view::npos) {
        return host_from(text, true, what); // a bare IPv6 literal
    }
    return host_from(text, false, what);
}

} // namespace mtxrelay::net
