#include "net/policy.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using mtxrelay::core::ErrorKind;
using mtxrelay::core::Failure;
using mtxrelay::net::check_destination;
using mtxrelay::net::DestinationPolicy;
using mtxrelay::net::IpAddress;
using mtxrelay::net::parse_address;
using mtxrelay::net::resolve_destination;
using mtxrelay::net::Resolver;

namespace {

DestinationPolicy strict()
{
    DestinationPolicy policy;
    policy.allow_hint = "--allow-private-destinations";
    return policy;
}

DestinationPolicy allowing_private()
{
    auto policy = strict();
    policy.allow_private = true;
    return policy;
}

// A resolver answering from a table; a name not in it does not exist.
Resolver table(std::map<std::string, std::vector<std::string>> names)
{
    return [names = std::move(names)](const std::string& name) -> mtxrelay::core::Result<std::vector<IpAddress>> {
        const auto it = names.find(name);
        if (it == names.end()) {
            return Failure{ErrorKind::invalid, "cannot resolve host " + name + ": Name or service not known"};
        }
        std::vector<IpAddress> addresses;
        for (const auto& text : it->second) {
            addresses.push_back(*parse_address(text));
        }
        return addresses;
    };
}

} // namespace

TEST_CASE("every spelling of this machine and of the metadata service is refused")
{
    // Hosts that reach loopback, unspecified or link-local addresses, however they are written.
    const std::vector<std::string> hosts = {
        "127.0.0.1",
        "127.1",
        "0x7f.1",
        "0x7f000001",
        "0177.0.0.1",
        "017700000001",
        "2130706433",
        "0x7f.0.0.0x1",
        "127.255.255.254",
        "0",
        "0.0.0.0",
        "0x0",
        "0.0",
        "[::1]",
        "[::]",
        "[0:0:0:0:0:0:0:1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::ffff:0:127.0.0.1]",
        "[::127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::]",
        "169.254.169.254",
        "0xa9fea9fe",
        "2852039166",
        "0251.0376.0251.0376",
        "[::ffff:169.254.169.254]",
        "[fe80::1]",
        "[::ffff:a9fe:a9fe]",
        "localhost",
        "LOCALHOST",
        "relay.localhost",
        "224.0.0.1",
        "[ff02::1]",
        "255.255.255.255",
        "10.0.0.1",
        "0xa.1",
        "192.168.0.1",
        "[fd00::1]",
        "100.64.0.1",
    };
    for (const auto& host : hosts) {
        INFO(host);
        const auto checked = check_destination("rtmp://" + host + ":1935/app/key-123456", strict());
        REQUIRE_FALSE(checked);
        CHECK_THAT(checked.error().message, Catch::Contains("host "));
    }
}

TEST_CASE("--allow-private-destinations opens loopback and private networks only")
{
    const std::vector<std::string> allowed = {"127.0.0.1", "0x7f.1",    "[::1]",     "[::ffff:127.0.0.1]",
                                              "10.1.2.3",  "localhost", "[fd00::1]", "192.168.1.10"};
    for (const auto& host : allowed) {
        INFO(host);
        CHECK(check_destination("rtmp://" + host + "/app/key", allowing_private()));
    }
    // Link-local (cloud metadata), unspecified, multicast and reserved stay refused in every spelling.
    const std::vector<std::string> never = {
        "169.254.169.254",
        "0xa9fea9fe",
        "2852039166",
        "0251.0376.0251.0376",
        "169.254.1",
        "[fe80::1]",
        "[::ffff:a9fe:a9fe]",
        "[::169.254.169.254]",
        "[64:ff9b::a9fe:a9fe]",
        "[2002:a9fe:a9fe::]",
        "0.0.0.0",
        "0",
        "0x0",
        "0.0",
        "[::]",
        "[::ffff:0.0.0.0]",
        "224.0.0.1",
        "0xe0000001",
        "[ff02::1]",
        "255.255.255.255",
        "4294967295",
        "240.0.0.1",
        "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
    };
    for (const auto& host : never) {
        INFO(host);
        const auto checked = check_destination("rtmp://" + host + "/app/key", allowing_private());
        REQUIRE_FALSE(checked);
        CHECK_THAT(checked.error().message, Catch::Contains("never a streaming destination"));
        CHECK_THAT(checked.error().message, Catch::Contains("--allow-private-destinations"));
    }
}

TEST_CASE("refusals name the address a spelling means and the switch of the tool refusing it")
{
    auto policy = strict();
    policy.allow_hint = "RELAY_ALLOW_PRIVATE_DESTINATIONS=1";
    const auto checked = check_destination("rtmps://0x7f.1/live/k", policy);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().message == "host 0x7f.1 is 127.0.0.1, a loopback address (this machine) (allowed only with "
                                     "RELAY_ALLOW_PRIVATE_DESTINATIONS=1)");
}

TEST_CASE("the old rules stay: scheme, shell characters, leading dash, length")
{
    struct Case {
        std::string url;
        std::string reason_part;
    };
    const std::vector<Case> cases = {
        {"file:///etc/passwd", "scheme 'file' is not allowed (rtmp, rtmps or srt only)"},
        {"http://example.com/x", "scheme 'http'"},
        {"-y", "starts with '-'"},
        {"rtmp://x.example/a;rm -rf /", "character ';'"},
        {"rtmp://x.example/a b", "whitespace"},
        {"rtmp://x.example/a;rm", "character ';'"},
        {"rtmp://x.example/a|b", "character '|'"},
        {"rtmp://x.example/$(id)", "character '$'"},
        {"rtmp://x.example/a`b`", "character '`'"},
        {"rtmp://x.example/" + std::string(3000, 'K'), "limit 2048"},
        {"", "empty URL"},
    };
    for (const auto& c : cases) {
        INFO(c.url);
        const auto checked = check_destination(c.url, strict());
        REQUIRE_FALSE(checked);
        CHECK_THAT(checked.error().message, Catch::Contains(c.reason_part));
    }
}

TEST_CASE("SRT destinations are called, never listened for")
{
    CHECK(check_destination("srt://ingest.example:9000?streamid=#!::r=live/k,m=publish&latency=2000000", strict()));
    CHECK(check_destination("srt://ingest.example:9000?mode=caller&passphrase=0123456789", strict()));
    const std::vector<std::string> refused = {
        "srt://ingest.example:9000?mode=listener",
        "srt://ingest.example:9000?mode=rendezvous",
        "srt://ingest.example:9000?streamid=x&MODE=Listener",
        "srt://ingest.example:9000?localport=1935",
        "srt://ingest.example:9000?localip=127.0.0.1",
        "srt://ingest.example:9000?listen_timeout=1",
        "srt://ingest.example:9000?transtype=file",
    };
    for (const auto& url : refused) {
        INFO(url);
        CHECK_FALSE(check_destination(url, strict()));
    }
}

TEST_CASE("names are resolved once and every address must pass; the first one is pinned")
{
    const auto resolve = table({{"good.example", {"93.184.216.34", "2606:2800:220:1::1"}},
                                {"rebind.example", {"93.184.216.34", "127.0.0.1"}},
                                {"inside.example", {"10.0.0.7"}},
                                {"meta.example", {"169.254.169.254"}},
                                {"mapped.example", {"::ffff:127.0.0.1"}}});
    auto parsed = check_destination("rtmp://good.example/live/key", strict());
    REQUIRE(parsed);
    const auto target = resolve_destination(parsed.value(), strict(), resolve);
    REQUIRE(target);
    CHECK(target.value().address.to_string() == "93.184.216.34");

    for (const auto& name : {"rebind.example", "inside.example", "meta.example", "mapped.example"}) {
        INFO(name);
        auto url = check_destination(std::string("rtmp://") + name + "/live/key", strict());
        REQUIRE(url); // a name passes the static half
        const auto refused = resolve_destination(url.value(), strict(), resolve);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().kind == ErrorKind::invalid);
        CHECK_THAT(refused.error().message, Catch::Contains(std::string("host ") + name + " resolves to "));
    }
    // Private networks open with the switch; metadata never.
    auto inside = check_destination("rtmp://inside.example/live/key", allowing_private());
    CHECK(resolve_destination(inside.value(), allowing_private(), resolve));
    auto meta = check_destination("rtmp://meta.example/live/key", allowing_private());
    CHECK_FALSE(resolve_destination(meta.value(), allowing_private(), resolve));

    auto unknown = check_destination("rtmp://nowhere.example/live/key", strict());
    const auto missing = resolve_destination(unknown.value(), strict(), resolve);
    REQUIRE_FALSE(missing);
    CHECK_THAT(missing.error().message, Catch::Contains("cannot resolve host nowhere.example"));

    // A numeric host needs no resolver: it is its own target.
    auto literal = check_destination("rtmp://8.8.8.8/live/key", strict());
    const auto pinned = resolve_destination(literal.value(), strict(), table({}));
    REQUIRE(pinned);
    CHECK(pinned.value().address.to_string() == "8.8.8.8");
}
