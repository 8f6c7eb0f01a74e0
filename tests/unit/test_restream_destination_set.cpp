#include "restream/destination_set.hpp"

#include "core/redact.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using mtxrelay::cloud::Destination;
using mtxrelay::cloud::DestinationEntry;
using mtxrelay::cloud::UrlPolicy;
using mtxrelay::restream::build_destination_set;
using mtxrelay::restream::DestinationSet;
using mtxrelay::restream::display_url;
using mtxrelay::restream::normalize_url;
using mtxrelay::restream::register_url_secrets;

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

UrlPolicy allow_private()
{
    UrlPolicy policy;
    policy.allow_private = true;
    return policy;
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
        UrlPolicy{});
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

    const auto set = build_destination_set(std::nullopt, list, allow_private());
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
    const auto strict = build_destination_set(std::nullopt, list, UrlPolicy{});
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
                                           UrlPolicy{});
    REQUIRE(set.destinations.size() == 2);
    CHECK(set.destinations[1].name == "other key");
    REQUIRE(set.refused.size() == 1);
    CHECK(contains(set.refused[0].reason, "duplicate of Cloudflare"));
}

TEST_CASE("display_url masks keys, control characters and length")
{
    CHECK(display_url("rtmp://h.example/app/SECRET-KEY-1") == "rtmp://h.example/app/***");
    CHECK(display_url("srt://h.example:9000?streamid=SECRET-KEY-2") == "srt://h.example:9000?streamid=***");
    CHECK(display_url("rtmp://h.example/a\nb") == "rtmp://h.example/a?b");
    const auto long_one = display_url("rtmp://h.example/" + std::string(5000, 'x'));
    CHECK(long_one.size() < 160);
    CHECK(contains(long_one, "(5017 characters)"));
}

TEST_CASE("names from the cloud are made printable and bounded")
{
    const auto set = build_destination_set(
        std::nullopt, entries({{"rtmp://h.example/app/key-123456", "evil\nname" + std::string(200, 'n')}}),
        UrlPolicy{});
    REQUIRE(set.destinations.size() == 1);
    CHECK(set.destinations[0].name.find('\n') == std::string::npos);
    CHECK(set.destinations[0].name.size() == 64);
}

TEST_CASE("register_url_secrets masks a key even where it appears outside a URL")
{
    register_url_secrets("rtmp://h.example/ONLYSEGMENT-SENTINEL");
    register_url_secrets("rtmp://user:PASSWORD-SENTINEL@h.example/app/PATHKEY-SENTINEL?token=QUERY-SENTINEL");
    const auto masked = mtxrelay::core::redact(
        "publishing ONLYSEGMENT-SENTINEL as user PASSWORD-SENTINEL with PATHKEY-SENTINEL and QUERY-SENTINEL");
    CHECK_FALSE(contains(masked, "SENTINEL"));
}
