// The URL and host model: parse_url never crashes, its canonical form is a fixpoint, a numeric
// host means exactly what glibc's getaddrinfo reads (differential), the destination policy
// never lets a refused class or an ambiguous string through, and the lenient split and the
// redaction accept anything.
#include "core/redact.hpp"
#include "core/url_split.hpp"
#include "ffmpeg/pinned_output.hpp"
#include "net/policy.hpp"
#include "net/url.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

using namespace mtxrelay;

void require(bool condition)
{
    if (!condition) {
        std::abort();
    }
}

// glibc's reading of a numeric IPv4 host (AI_NUMERICHOST: never DNS), as text; "" for none.
std::string libc_ipv4(const std::string& host)
{
    if (host.empty() || host.find('\0') != std::string::npos) {
        return "";
    }
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_flags = AI_NUMERICHOST;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) {
        return "";
    }
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr, text, sizeof text);
    ::freeaddrinfo(found);
    return text;
}

void check_host_differential(const std::string& host)
{
    const auto ours = net::parse_ipv4(host);
    const auto theirs = libc_ipv4(host);
    require((ours ? ours->to_string() : std::string()) == theirs);
}

void check_policy(const std::string& text, const net::DestinationPolicy& policy)
{
    const auto checked = net::check_destination(text, policy);
    if (!checked) {
        return;
    }
    const auto& url = checked.value();
    require(!text.empty() && text.front() != '-' && text.size() <= policy.max_length);
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        require(u > 0x20 && u < 0x7f && std::strchr(";|`$\\\"'<>", c) == nullptr);
    }
    if (url.host.address) {
        const auto address_class = net::classify(*url.host.address);
        const bool allowable = address_class == net::AddressClass::public_unicast ||
                               (policy.allow_private && (address_class == net::AddressClass::loopback ||
                                                         address_class == net::AddressClass::private_network));
        require(allowable);
        const auto output = ffmpeg::pinned_output(net::Target{url, *url.host.address});
        require(output.url.rfind(url.scheme + "://", 0) == 0);
        require(!output.url.empty() && output.url.front() != '-');
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    (void)core::split_url(text);
    (void)core::redact_url(text);
    check_host_differential(text);

    const auto url = net::parse_url(text);
    if (url) {
        const auto canonical = url.value().to_string();
        const auto again = net::parse_url(canonical);
        require(again.ok());
        require(again.value().to_string() == canonical);
        require(again.value().host.address == url.value().host.address);
        if (url.value().host.kind == net::HostKind::ipv4) {
            require(url.value().host.address->to_string() == libc_ipv4(url.value().host.text));
        }
        const auto path = url.value().path + (url.value().query ? "?" + *url.value().query : std::string());
        (void)ffmpeg::rtmp_app(path);
    }
    (void)net::parse_host(text);

    net::DestinationPolicy strict;
    check_policy(text, strict);
    net::DestinationPolicy open = strict;
    open.allow_private = true;
    check_policy(text, open);
    return 0;
}
