#include "flv/encoder_feed.hpp"

#include "fakes.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

using namespace mtxrelay::flv;
using namespace std::chrono_literals;

namespace {

using mtxrelay::testing::from_hex;

const FeedClock::time_point k_t0{std::chrono::hours(1)};

std::string be16(size_t n)
{
    return {static_cast<char>(n >> 8), static_cast<char>(n & 0xFF)};
}

const std::string k_sps_portrait = from_hex("6742c01ed9017051e5f011000003000100000300320f162e48");

Tag video_config(std::uint32_t ts = 0)
{
    const auto record = std::string("\x01\x42\xc0\x1e\xff\xe1", 6) + be16(k_sps_portrait.size()) + k_sps_portrait +
                        std::string("\x01\x00\x02\x68\xee", 5);
    return {TagType::video, ts, std::string("\x17\x00\x00\x00\x00", 5) + record};
}

Tag frame(std::uint32_t ts, bool key)
{
    return {TagType::video, ts, std::string(key ? "\x17\x01\x00\x00\x00" : "\x27\x01\x00\x00\x00", 5) + "slice"};
}

Tag aac_config(std::uint32_t ts = 0)
{
    return {TagType::audio, ts, std::string("\xaf\x00\x11\x90", 4)};
}

Tag aac(std::uint32_t ts)
{
    return {TagType::audio, ts, std::string("\xaf\x01", 2) + "aac"};
}

std::string amf_string(const std::string& text)
{
    return std::string("\x02", 1) + be16(text.size()) + text;
}

Tag metadata(double audiocodecid)
{
    std::uint64_t bits = 0;
    std::memcpy(&bits, &audiocodecid, sizeof bits);
    std::string number(1, '\x00');
    for (int i = 7; i >= 0; --i) {
        number.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
    }
    return {TagType::script, 0,
            amf_string("onMetaData") + "\x03" + be16(12) + "audiocodecid" + number + std::string("\x00\x00\x09", 3)};
}

// The tags in the bytes a feed produced (header included when `with_header`).
std::vector<Tag> tags_of(const std::string& bytes, bool with_header = false)
{
    TagReader reader;
    reader.feed(with_header ? bytes : header_bytes(true, true) + bytes);
    std::vector<Tag> out;
    while (auto tag = reader.next()) {
        out.push_back(*tag);
    }
    REQUIRE(reader.error().empty());
    return out;
}

std::string push_all(EncoderFeed& feed, const std::vector<Tag>& tags, FeedClock::time_point now = k_t0)
{
    std::string out;
    for (const auto& tag : tags) {
        out += feed.push(tag, now).bytes;
    }
    return out;
}

} // namespace

TEST_CASE("nothing before the first keyframe, then headers re-stamped, then every tag", "[flv][feed]")
{
    EncoderFeed feed;
    const auto header = tags_of(feed.begin(), true);
    CHECK(header.empty());
    CHECK(
        push_all(feed, {metadata(10), aac_config(0), aac(980), video_config(0), frame(990, false), aac(1000)}).empty());
    CHECK_FALSE(feed.flowing());
    const auto start = feed.push(frame(1000, true), k_t0);
    CHECK(start.started);
    CHECK(feed.flowing());
    const auto first = tags_of(start.bytes);
    REQUIRE(first.size() == 3);
    CHECK(is_video_config(first[0]));
    CHECK(first[0].timestamp == 1000);
    CHECK(is_aac_config(first[1]));
    CHECK(first[1].timestamp == 1000);
    CHECK(is_video_keyframe(first[2]));
    const auto later = tags_of(push_all(feed, {aac(1010), frame(1033, false), metadata(10)}));
    REQUIRE(later.size() == 2); // the script tag is not passed on
    CHECK(later[0].body == aac(1010).body);
    CHECK(later[1].timestamp == 1033);
    REQUIRE(feed.info());
    CHECK(feed.info()->has_audio);
    CHECK(feed.info()->audio_codec == "aac");
    CHECK(feed.info()->video_codec == "h264");
    CHECK(feed.info()->width == 360);
    CHECK(feed.info()->height == 640);
}

TEST_CASE("an input without audio gets silence that follows its video", "[flv][feed]")
{
    EncoderFeed feed;
    feed.begin();
    push_all(feed, {metadata(0), video_config(0)});
    const auto start = feed.push(frame(5000, true), k_t0);
    REQUIRE(start.started);
    REQUIRE_FALSE(feed.info()->has_audio);
    auto tags = tags_of(start.bytes + push_all(feed, {frame(5033, false), frame(5066, false)}));
    std::int64_t samples = 0;
    std::uint32_t first_audio = 0;
    for (const auto& tag : tags) {
        if (tag.type == TagType::audio) {
            CHECK(static_cast<std::uint8_t>(tag.body[0]) == 0x3E); // PCM LE, 44.1 kHz, 16 bit, mono
            first_audio = samples == 0 ? tag.timestamp : first_audio;
            samples += static_cast<std::int64_t>(tag.body.size() - 1) / 2;
        }
    }
    CHECK(first_audio == 5000);
    // Up to the last video frame plus 100 ms.
    CHECK(samples == (5066 + 100 - 5000) * 44100 / 1000);
    // A forward jump of 5 s: the silence jumps along instead of filling 5 s.
    tags = tags_of(push_all(feed, {frame(10066, false)}));
    REQUIRE(tags.size() == 2);
    CHECK(tags[1].type == TagType::audio);
    CHECK(tags[1].timestamp == 10066);
    // Audio arriving later is not passed to this encoder, and is counted.
    CHECK(tags_of(push_all(feed, {aac(10070)})).empty());
    CHECK(feed.dropped_audio_tags() == 1);
}

TEST_CASE("announced audio that is late is waited for, briefly", "[flv][feed]")
{
    SECTION("it comes")
    {
        EncoderFeed feed;
        feed.begin();
        push_all(feed, {metadata(10), video_config(0)});
        CHECK_FALSE(feed.push(frame(100, true), k_t0).started);
        CHECK_FALSE(feed.tick(k_t0 + 100ms).started);
        CHECK(push_all(feed, {frame(133, false)}, k_t0 + 120ms).empty());
        const auto start = feed.push(aac_config(0), k_t0 + 130ms);
        REQUIRE(start.started);
        auto tags = tags_of(start.bytes);
        REQUIRE(tags.size() == 4);
        CHECK(is_video_config(tags[0]));
        CHECK(is_aac_config(tags[1]));
        CHECK(is_video_keyframe(tags[2]));
        CHECK(tags[3].timestamp == 133);
        tags = tags_of(feed.push(aac(140), k_t0 + 140ms).bytes);
        REQUIRE(tags.size() == 1);
        CHECK(tags[0].timestamp == 140);
        CHECK(feed.info()->has_audio);
        CHECK(feed.info()->audio_source == "audio tags");
    }
    SECTION("it does not come")
    {
        EncoderFeed feed(FeedSettings{std::nullopt, 500ms});
        feed.begin();
        push_all(feed, {metadata(10), video_config(0)});
        CHECK_FALSE(feed.push(frame(100, true), k_t0).started);
        CHECK_FALSE(feed.tick(k_t0 + 499ms).started);
        const auto start = feed.tick(k_t0 + 500ms);
        REQUIRE(start.started);
        CHECK_FALSE(feed.info()->has_audio);
        CHECK(feed.info()->audio_source.find("none came") != std::string::npos);
    }
}

TEST_CASE("what MediaMTX's API says wins over the stream", "[flv][feed]")
{
    EncoderFeed feed(FeedSettings{false});
    feed.begin();
    push_all(feed, {metadata(10), aac_config(0), aac(10), video_config(0)});
    const auto start = feed.push(frame(20, true), k_t0);
    REQUIRE(start.started);
    CHECK_FALSE(feed.info()->has_audio);
    CHECK(feed.info()->audio_source == "MediaMTX API");
    for (const auto& tag : tags_of(start.bytes)) {
        CHECK_FALSE(is_aac_config(tag));
    }
    // Audio that comes after all is counted; the next encoder takes it.
    feed.push(aac(30), k_t0);
    REQUIRE(feed.dropped_audio_tags() == 1);
    feed.begin();
    REQUIRE(feed.push(frame(2020, true), k_t0).started);
    CHECK(feed.info()->has_audio);
    CHECK(feed.info()->audio_source == "audio tags");
}

TEST_CASE("a new encoder starts at the next keyframe with the headers seen before", "[flv][feed]")
{
    EncoderFeed feed;
    feed.begin();
    push_all(feed, {aac_config(0), video_config(0), frame(0, true), aac(5), frame(33, false)});
    REQUIRE(feed.flowing());
    const auto header = feed.begin();
    CHECK(header == header_bytes(true, true));
    CHECK_FALSE(feed.flowing());
    CHECK(push_all(feed, {aac(40), frame(66, false)}).empty());
    const auto start = feed.push(frame(2000, true), k_t0);
    REQUIRE(start.started);
    const auto tags = tags_of(start.bytes);
    REQUIRE(tags.size() == 3);
    CHECK(tags[0].timestamp == 2000);
    CHECK(is_aac_config(tags[1]));
    CHECK(tags[2].timestamp == 2000);
}

TEST_CASE("held tags are bounded", "[flv][feed]")
{
    EncoderFeed feed(FeedSettings{std::nullopt, 10s, 100});
    feed.begin();
    push_all(feed, {metadata(10), video_config(0)});
    CHECK_FALSE(feed.push(frame(0, true), k_t0).started);
    Tag big = frame(33, false);
    big.body += std::string(200, 'x');
    CHECK(feed.push(big, k_t0).started);
    CHECK_FALSE(feed.info()->has_audio);
}
