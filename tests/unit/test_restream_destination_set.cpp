#include "restream/destination_set.hpp"

#include "core/json.hpp"
#include "core/redact.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using mtxrelay::cloud::Destination;
using mtxrelay::cloud::DestinationEntry;
using mtxrelay::net::DestinationPolicy;
using mtxrelay::restream::build_destination_set;
using mtxrelay::restream::DestinationSet;
using mtxrelay::restream::display_url;
using mtxrelay::restream::normalize_url;
using mtxrelay::restream::register_url_secrets;
using mtxrelay::restream::Resolutions;

namespace {

std::vector<DestinationEntry> entries(const std::vector<std::pair<std::string, std::string>>& urls_and_names)
{
    std::vector<DestinationEntry> result;
    for (const auto& [url, name] : urls_and_names) {
        DestinationEntry entry;
        entry.index = result.size();
        entry.destination = Destination{url, name};
        result.push_back(entry);
    }
    return result;
}

DestinationPolicy allow_private()
{
    DestinationPolicy policy;
    policy.allow_private = true;
    return policy;
}

// What a poll's lookups found: name -> addresses.
Resolutions resolved(const std::map<std::string, std::vector<std::string>>& names)
{
    Resolutions result;
    for (const auto& [name, texts] : names) {
        std::vector<mtxrelay::net::IpAddress> addresses;
        for (const auto& text : texts) {
            addresses.push_back(*mtxrelay::net::parse_address(text));
        }
        result.emplace(name, addresses);
    }
    return result;
}

const Resolutions& public_names()
{
    static const auto k_names = resolved({{"live.cloudflare.com", {"104.18.10.1"}},
                                          {"a.rtmp.youtube.com", {"142.250.1.1", "2a00:1450::1"}},
                                          {"ingest.example.com", {"93.184.216.34"}},
                                          {"live.example.com", {"93.184.216.35"}},
                                          {"h.example", {"93.184.216.36"}},
                                          {"example.com", {"93.184.216.37"}}});
    return k_names;
}

// The reason given for the refused entry whose label contains `label_part`.
std::string reason_for(const DestinationSet& set, const std::string& label_part)
{
    for (const auto& refused : set.refused) {
        if (refused.label.find(label_part) != std::string::npos) {
            return refused.reason;
        }
    }
    return "(not refused)";
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("valid destinations keep their order, the cf-url one first and named Cloudflare")
{
    const auto set = build_destination_set(
        std::string("rtmps://live.cloudflare.com:443/live/CFKEY-123456"),
        entries({{"rtmp://a.rtmp.youtube.com/live2/yt-key-123456", "YouTube"}, {"srt://ingest.example.com:9000", ""}}),
        DestinationPolicy{}, public_names());
    REQUIRE(set.refused.empty());
    REQUIRE(set.destinations.size() == 3);
    CHECK(set.destinations[0].name == "Cloudflare");
    CHECK(set.destinations[0].url == "rtmps://live.cloudflare.com:443/live/CFKEY-123456");
    CHECK(set.destinations[1].label == "YouTube");
    CHECK(set.destinations[2].label == "<srt://ingest.example.com:9000>");
}

TEST_CASE("a malicious list: every bad entry is refused with its reason, the valid one is kept")
{
    const std::string long_url = "rtmp://example.com/app/" + std::string(10 * 1024, 'A');
    auto list = entries({{"file:///etc/passwd", ""},
                         {"-y", ""},
                         {"rtmp://x/a;rm -rf /", ""},
                         {"rtmp://169.254.169.254/app/META-SENTINEL-1", "metadata"},
                         {long_url, "long"},
                         {"rtmp://127.0.0.1:1935/sink/GOOD-SENTINEL-2", "good"},
                         {"RTMP://127.0.0.1:1935/sink/GOOD-SENTINEL-2", "dup"},
                         {"rtmp://[fe80::1]/app/key-123456", "v6-link-local"},
                         {"rtmp://0.0.0.0/app/key-123456", "unspecified"}});
    DestinationEntry not_a_string;
    not_a_string.index = list.size();
    not_a_string.problem = "destinations[9].url is a number, expected a string";
    list.push_back(not_a_string);

    const auto set = build_destination_set(std::nullopt, list, allow_private(), public_names());
    REQUIRE(set.destinations.size() == 1);
    CHECK(set.destinations[0].name == "good");
    REQUIRE(set.refused.size() == 9);
    CHECK(contains(reason_for(set, "file:"), "scheme 'file' is not allowed"));
    CHECK(contains(reason_for(set, "<-y>"), "starts with '-'"));
    CHECK(contains(reason_for(set, "rtmp://x/a"), "';'"));
    CHECK(contains(reason_for(set, "metadata"), "link-local"));
    CHECK(contains(reason_for(set, "long"), "limit 2048"));
    CHECK(contains(reason_for(set, "dup"), "duplicate of good"));
    CHECK(contains(reason_for(set, "v6-link-local"), "link-local"));
    CHECK(contains(reason_for(set, "unspecified"), "unspecified"));
    CHECK(contains(reason_for(set, "destinations[9]"), "is a number"));
    for (const auto& refused : set.refused) {
        CHECK_FALSE(contains(refused.label, "SENTINEL"));
        CHECK(refused.label.size() < 300);
    }
}

TEST_CASE("private and loopback hosts are refused unless allowed")
{
    const auto list = entries({{"rtmp://127.0.0.1/app/key-123456", ""}, {"rtmp://10.0.0.7/app/key-123456", ""}});
    const auto strict = build_destination_set(std::nullopt, list, DestinationPolicy{});
    CHECK(strict.destinations.empty());
    REQUIRE(strict.refused.size() == 2);
    CHECK(contains(strict.refused[0].reason, "--allow-private-destinations"));
    CHECK(build_destination_set(std::nullopt, list, allow_private()).destinations.size() == 2);
}

TEST_CASE("duplicates are found through the normalized URL, stream keys stay case-sensitive")
{
    CHECK(normalize_url("RTMP://Live.Example.COM:1935/App/Key") == "rtmp://live.example.com:1935/App/Key");
    const auto set = build_destination_set(std::string("rtmp://live.example.com/app/KEY-abcdef"),
                                           entries({{"rtmp://LIVE.example.com/app/KEY-abcdef", "same"},
                                                    {"rtmp://live.example.com/app/key-abcdef", "other key"}}),
                                           DestinationPolicy{}, public_names());
    REQUIRE(set.destinations.size() == 2);
    CHECK(set.destinations[1].name == "other key");
    REQUIRE(set.refused.size() == 1);
    CHECK(contains(set.refused[0].reason, "duplicate of Cloudflare"));
}

TEST_CASE("display_url masks keys, control characters and length")
{
    CHECK(display_url("rtmp://h.example/app/SECRET-KEY-1") == "rtmp://h.example/app/key#aef2");
    CHECK(display_url("srt://h.example:9000?streamid=SECRET-KEY-2") == "srt://h.example:9000?streamid=key#bf32");
    CHECK(display_url("rtmp://h.example/a\nb") == "rtmp://h.example/a?b");
    const auto long_one = display_url("rtmp://h.example/" + std::string(5000, 'x'));
    CHECK(long_one.size() < 160);
    CHECK(contains(long_one, "(5017 characters)"));
}

TEST_CASE("names from the cloud are made printable and bounded")
{
    const auto set = build_destination_set(
        std::nullopt, entries({{"rtmp://h.example/app/key-123456", "evil\nname" + std::string(200, 'n')}}),
        DestinationPolicy{}, public_names());
    REQUIRE(set.destinations.size() == 1);
    CHECK(set.destinations[0].name.find('\n') == std::string::npos);
    CHECK(set.destinations[0].name.size() == 64);
}

TEST_CASE("a name cut to its limit stays valid UTF-8, so the status payload still serialises")
{
    // 63 ASCII bytes then a 3-byte character: a byte cut at 64 would split it.
    const auto name = std::string(63, 'n') + "\xe2\x82\xac" + "\xc2\x85tail"; // euro sign, then C1 NEL
    const auto set = build_destination_set(std::nullopt, entries({{"rtmp://h.example/app/key-123456", name}}),
                                           DestinationPolicy{}, public_names());
    REQUIRE(set.destinations.size() == 1);
    CHECK(set.destinations[0].name == std::string(63, 'n'));
    const nlohmann::json status = {{"name", set.destinations[0].name}};
    CHECK_NOTHROW(status.dump()); // the strict serialiser: throws on invalid UTF-8
    const auto control = build_destination_set(std::nullopt,
                                               entries({{"rtmp://h.example/app/key-123456", "a\xc2\x85"
                                                                                            "b"}}),
                                               DestinationPolicy{}, public_names());
    CHECK(control.destinations[0].name == "a?b");
}

TEST_CASE("a name is checked with every address it resolved to; the cloud is not told how it resolved")
{
    const auto names = resolved({{"public.example", {"93.184.216.34"}},
                                 {"rebind.example", {"93.184.216.34", "127.0.0.1"}},
                                 {"inside.example", {"10.1.2.3"}}});
    const auto set = build_destination_set(std::nullopt,
                                           entries({{"rtmp://public.example/app/key-123456", "public"},
                                                    {"rtmp://rebind.example/app/key-123456", "rebind"},
                                                    {"rtmp://inside.example/app/key-123456", "inside"},
                                                    {"rtmp://unknown.example/app/key-123456", "unknown"}}),
                                           DestinationPolicy{}, names);
    REQUIRE(set.destinations.size() == 1);
    CHECK(set.destinations[0].name == "public");
    REQUIRE(set.refused.size() == 3);
    CHECK(contains(reason_for(set, "rebind"), "rebind.example resolves to 127.0.0.1"));
    CHECK(contains(reason_for(set, "inside"), "inside.example resolves to 10.1.2.3"));
    CHECK(contains(reason_for(set, "unknown"), "not resolved"));
    for (const auto& refused : set.refused) {
        CHECK(refused.public_reason == "host name does not resolve to a public address");
    }
}

TEST_CASE("ffmpeg is given the checked address, with the original host where the protocol needs it")
{
    const auto names = resolved({{"ingest.example", {"93.184.216.34"}}, {"v6.example", {"2606:2800:220:1::1"}}});
    const auto set = build_destination_set(std::nullopt,
                                           entries({{"rtmp://Ingest.Example/live2/key-123456", "rtmp"},
                                                    {"rtmp://ingest.example:1936/a/b/key-123456?x=1", "rtmp port"},
                                                    {"srt://ingest.example:9000?streamid=key-123456", "srt"},
                                                    {"rtmps://ingest.example:443/live/key-123456", "rtmps"},
                                                    {"rtmp://v6.example/live/key-123456", "v6"},
                                                    {"rtmp://0x5d.0xb8.0xd8.0x22/live/key-654321", "hex"}}),
                                           DestinationPolicy{}, names);
    REQUIRE(set.destinations.size() == 6);
    const auto& rtmp = set.destinations[0].target;
    CHECK(rtmp.url == "rtmp://93.184.216.34/live2/key-123456");
    CHECK(rtmp.options == std::vector<std::string>{"-rtmp_tcurl", "rtmp://ingest.example:1935/live2"});
    CHECK(set.destinations[1].target.url == "rtmp://93.184.216.34:1936/a/b/key-123456?x=1");
    CHECK(set.destinations[1].target.options ==
          std::vector<std::string>{"-rtmp_tcurl", "rtmp://ingest.example:1936/a/b"});
    CHECK(set.destinations[2].target.url == "srt://93.184.216.34:9000?streamid=key-123456");
    CHECK(set.destinations[2].target.options.empty());
    // TLS: ffmpeg 5.1 sends no server name for an address; the name stays, and its certificate
    // must be valid for it (docs/security.md).
    CHECK(set.destinations[3].target.url == "rtmps://ingest.example:443/live/key-123456");
    CHECK(set.destinations[3].target.options == std::vector<std::string>{"-tls_verify", "1"});
    CHECK(set.destinations[4].target.url == "rtmp://[2606:2800:220:1::1]/live/key-123456");
    // A numeric host in any spelling goes out in its canonical form.
    CHECK(set.destinations[5].target.url == "rtmp://93.184.216.34/live/key-654321");
    CHECK(set.destinations[5].target.options.empty());
}

TEST_CASE("register_url_secrets masks a key even where it appears outside a URL")
{
    register_url_secrets("rtmp://h.example/ONLYSEGMENT-SENTINEL");
    register_url_secrets("rtmp://user:PASSWORD-SENTINEL@h.example/app/PATHKEY-SENTINEL?token=QUERY-SENTINEL");
    const auto masked = mtxrelay::core::redact(
        "publishing ONLYSEGMENT-SENTINEL as user PASSWORD-SENTINEL with PATHKEY-SENTINEL and QUERY-SENTINEL");
    CHECK_FALSE(contains(masked, "SENTINEL"));
}
