#include "net/address.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using mtxrelay::net::AddressClass;
using mtxrelay::net::classify;
using mtxrelay::net::ends_in_number;
using mtxrelay::net::IpAddress;
using mtxrelay::net::parse_address;
using mtxrelay::net::parse_ipv4;
using mtxrelay::net::parse_ipv6;

namespace {

// What glibc's getaddrinfo makes of a numeric host (AI_NUMERICHOST: no DNS), as dotted text;
// "" when it is not numeric. ffmpeg's tcp and libcurl both call getaddrinfo.
std::string libc_numeric(const std::string& host)
{
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

std::string v4_text(const std::string& host)
{
    const auto parsed = parse_ipv4(host);
    return parsed ? parsed->to_string() : "";
}

} // namespace

TEST_CASE("IPv4 hosts are read exactly as getaddrinfo reads them, in every spelling")
{
    struct Case {
        std::string host;
        std::string expected; // "" = not an IPv4 address
    };
    const std::vector<Case> cases = {
        {"127.0.0.1", "127.0.0.1"},
        {"127.1", "127.0.0.1"},        // short dotted: the last part fills the rest
        {"127.0.1", "127.0.0.1"},      //
        {"0x7f.1", "127.0.0.1"},       // hexadecimal part
        {"0X7F.0.0.1", "127.0.0.1"},   //
        {"0x7f000001", "127.0.0.1"},   // one hexadecimal number
        {"0177.0.0.1", "127.0.0.1"},   // octal part
        {"017700000001", "127.0.0.1"}, // one octal number
        {"2130706433", "127.0.0.1"},   // one decimal number
        {"0x7f.0.0.0x1", "127.0.0.1"}, // mixed radix
        {"0251.0376.0251.0376", "169.254.169.254"},
        {"0xa9fea9fe", "169.254.169.254"}, // the metadata service
        {"2852039166", "169.254.169.254"},
        {"0", "0.0.0.0"},
        {"0x0", "0.0.0.0"},
        {"00", "0.0.0.0"},
        {"0.0", "0.0.0.0"},
        {"8.8.8.8", "8.8.8.8"},
        {"4294967295", "255.255.255.255"},
        {"4294967296", ""},  // above 32 bits
        {"256.0.0.1", ""},   // a leading part above 255
        {"1.2.3.256", ""},   // the last of four parts above 255
        {"1.2.65536", ""},   // the last of three parts above 16 bits
        {"1.2.3.4.5", ""},   // five parts
        {"127.0.0.1.", ""},  // trailing dot
        {".127.0.0.1", ""},  // leading dot
        {"127..1", ""},      // empty part
        {"08.0.0.1", ""},    // 8 is not an octal digit
        {"0x.0.0.1", ""},    // "0x" without a digit
        {"0xg", ""},         //
        {"1.2.3.4 ", ""},    // trailing space (getaddrinfo's exact variant)
        {" 1.2.3.4", ""},    // leading space
        {"+1.2.3.4", ""},    // sign
        {"1.2.3.-4", ""},    //
        {"example.com", ""}, //
        {"", ""},            //
        {"0x100000000", ""}, // above 32 bits in hex
        {"99999999999999999999999", ""},
    };
    for (const auto& c : cases) {
        INFO("host '" << c.host << "'");
        CHECK(v4_text(c.host) == c.expected);
        CHECK(libc_numeric(c.host) == c.expected); // the reference our parser must match
    }
}

TEST_CASE("IPv6 literals: zones and garbage are refused")
{
    CHECK(parse_ipv6("::1").has_value());
    CHECK(parse_ipv6("::ffff:127.0.0.1").has_value());
    CHECK(parse_ipv6("0:0:0:0:0:0:0:1").has_value());
    CHECK_FALSE(parse_ipv6("fe80::1%eth0").has_value());
    CHECK_FALSE(parse_ipv6("fe80::1%25eth0").has_value());
    CHECK_FALSE(parse_ipv6("::ffff:127.0.0.1%lo").has_value());
    CHECK_FALSE(parse_ipv6("::1::2").has_value());
    CHECK_FALSE(parse_ipv6("[::1]").has_value());
    CHECK_FALSE(parse_ipv6("").has_value());
    CHECK_FALSE(parse_ipv6(std::string(200, ':')).has_value());
}

TEST_CASE("every address is classified by where a connection to it goes")
{
    struct Case {
        std::string address;
        AddressClass expected;
    };
    const std::vector<Case> cases = {
        {"8.8.8.8", AddressClass::public_unicast},
        {"1.1.1.1", AddressClass::public_unicast},
        {"2606:4700::1111", AddressClass::public_unicast},
        {"127.0.0.1", AddressClass::loopback},
        {"127.255.255.254", AddressClass::loopback},
        {"::1", AddressClass::loopback},
        {"0.0.0.0", AddressClass::unspecified},
        {"0.1.2.3", AddressClass::unspecified},
        {"::", AddressClass::unspecified},
        {"169.254.169.254", AddressClass::link_local},
        {"fe80::1", AddressClass::link_local},
        {"febf::1", AddressClass::link_local},
        {"224.0.0.1", AddressClass::multicast},
        {"239.255.255.250", AddressClass::multicast},
        {"ff02::1", AddressClass::multicast},
        {"240.0.0.1", AddressClass::reserved},
        {"255.255.255.255", AddressClass::reserved},
        {"10.0.0.1", AddressClass::private_network},
        {"172.16.0.1", AddressClass::private_network},
        {"172.31.255.255", AddressClass::private_network},
        {"172.32.0.1", AddressClass::public_unicast},
        {"192.168.1.1", AddressClass::private_network},
        {"100.64.0.1", AddressClass::private_network}, // carrier-grade NAT
        {"198.18.0.1", AddressClass::private_network}, // benchmarking
        {"192.0.2.1", AddressClass::private_network},  // documentation
        {"fc00::1", AddressClass::private_network},
        {"fd12:3456::1", AddressClass::private_network},
        {"fec0::1", AddressClass::private_network},     // site-local
        {"2001:db8::1", AddressClass::private_network}, // documentation
        // IPv6 spellings of IPv4 addresses connect to the IPv4 address.
        {"::ffff:127.0.0.1", AddressClass::loopback},
        {"::ffff:7f00:1", AddressClass::loopback},
        {"::ffff:169.254.169.254", AddressClass::link_local},
        {"::ffff:0.0.0.0", AddressClass::unspecified},
        {"::ffff:10.1.2.3", AddressClass::private_network},
        {"::ffff:8.8.8.8", AddressClass::public_unicast},
        {"::127.0.0.1", AddressClass::loopback},                          // IPv4-compatible
        {"::169.254.169.254", AddressClass::link_local},                  //
        {"::8.8.8.8", AddressClass::reserved},                            // deprecated form: never public
        {"::ffff:0:127.0.0.1", AddressClass::loopback},                   // IPv4-translated
        {"64:ff9b::127.0.0.1", AddressClass::loopback},                   // NAT64 well-known prefix
        {"64:ff9b::a9fe:a9fe", AddressClass::link_local},                 //
        {"64:ff9b::8.8.8.8", AddressClass::public_unicast},               //
        {"64:ff9b:1::1", AddressClass::private_network},                  // local-use NAT64
        {"2002:7f00:1::1", AddressClass::loopback},                       // 6to4 of 127.0.0.1
        {"2002:a9fe:a9fe::1", AddressClass::link_local},                  //
        {"2002:808:808::1", AddressClass::public_unicast},                //
        {"2001:0:4136:e378:8000:63bf:3fff:fdd2", AddressClass::reserved}, // Teredo
        {"100::1", AddressClass::reserved},                               // discard-only
    };
    for (const auto& c : cases) {
        INFO(c.address);
        const auto parsed = parse_address(c.address);
        REQUIRE(parsed.has_value());
        CHECK(classify(*parsed) == c.expected);
    }
}

TEST_CASE("a host that ends in a number is an IPv4 address or nothing")
{
    CHECK(ends_in_number("127.0.0.1"));
    CHECK(ends_in_number("0x7f"));
    CHECK(ends_in_number("example.0x"));
    CHECK(ends_in_number("foo.123"));
    CHECK(ends_in_number("1.2.3.4."));
    CHECK_FALSE(ends_in_number("example.com"));
    CHECK_FALSE(ends_in_number("123.example"));
    CHECK_FALSE(ends_in_number("0x7f.example"));
    CHECK_FALSE(ends_in_number(""));
}

TEST_CASE("addresses print canonically and bracket IPv6 for URLs")
{
    CHECK(parse_ipv4("0x7f.1")->to_string() == "127.0.0.1");
    CHECK(parse_ipv6("0:0:0:0:0:0:0:1")->to_url_host() == "[::1]");
    CHECK(IpAddress::v4(0x08080808).to_url_host() == "8.8.8.8");
}
