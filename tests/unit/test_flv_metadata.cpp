#include "flv/metadata.hpp"

#include "fakes.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <string>

using namespace mtxrelay::flv;

namespace {

using mtxrelay::testing::from_hex;

// The onMetaData ffmpeg 5.1 (Lavf59.27.100) writes for 360x640 30 fps H.264 + AAC.
const std::string k_ffmpeg_meta = from_hex(
    "02000a6f6e4d65746144617461080000000d00086475726174696f6e003fcc8b4395810625000577696474680040768000000000000006"
    "686569676874004084000000000000000d766964656f646174617261746500000000000000000000096672616d657261746500403e0000"
    "00000000000c766964656f636f646563696400401c000000000000000d617564696f6461746172617465004050d88000000000000f6175"
    "64696f73616d706c65726174650040e5888000000000000f617564696f73616d706c6573697a6500403000000000000000067374657265"
    "6f0100000c617564696f636f64656369640040240000000000000007656e636f64657202000d4c61766635392e32372e31303000086669"
    "6c6573697a650040ece9c000000000000009");

std::string amf_string(const std::string& text)
{
    return std::string("\x02", 1) + static_cast<char>(text.size() >> 8) + static_cast<char>(text.size() & 0xFF) + text;
}

std::string key(const std::string& name)
{
    return std::string(1, static_cast<char>(name.size() >> 8)) + static_cast<char>(name.size() & 0xFF) + name;
}

std::string number(double value)
{
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    std::string out(1, '\x00');
    for (int i = 7; i >= 0; --i) {
        out.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
    }
    return out;
}

const std::string k_end("\x00\x00\x09", 3);

} // namespace

TEST_CASE("ffmpeg's onMetaData gives size, codecs and frame rate", "[flv][metadata]")
{
    const auto meta = parse_metadata(k_ffmpeg_meta);
    REQUIRE(meta);
    CHECK(meta->width == 360);
    CHECK(meta->height == 640);
    CHECK(meta->videocodecid == 7);
    CHECK(meta->audiocodecid == 10);
    CHECK(meta->framerate == 30);
    CHECK(meta->announces_audio());
}

TEST_CASE("MediaMTX's @setDataFrame object with audiocodecid 0 announces no audio", "[flv][metadata]")
{
    // What gortmplib's Writer sends a reader of a video-only path.
    const auto body = amf_string("@setDataFrame") + amf_string("onMetaData") + "\x03" + key("videocodecid") +
                      number(7) + key("videodatarate") + number(0) + key("audiocodecid") + number(0) +
                      key("audiodatarate") + number(0) + k_end;
    const auto meta = parse_metadata(body);
    REQUIRE(meta);
    CHECK(meta->videocodecid == 7);
    CHECK(meta->audiocodecid == 0);
    CHECK_FALSE(meta->announces_audio());
    CHECK_FALSE(meta->width);
}

TEST_CASE("other script tags and malformed bodies are not metadata", "[flv][metadata]")
{
    CHECK_FALSE(parse_metadata(amf_string("onTextData") + "\x03" + k_end));
    CHECK_FALSE(parse_metadata(""));
    CHECK_FALSE(parse_metadata("\x02\x00"));
    CHECK_FALSE(parse_metadata(amf_string("onMetaData") + "\x05"));
    // Values the relay does not need (strings, nested objects, arrays) are skipped.
    const auto nested = amf_string("onMetaData") + "\x03" + key("encoder") + amf_string("x") + key("nested") + "\x03" +
                        key("deep") + number(1) + k_end + key("list") + std::string("\x0a\x00\x00\x00\x01", 5) +
                        number(2) + key("width") + number(1280) + k_end;
    const auto meta = parse_metadata(nested);
    REQUIRE(meta);
    CHECK(meta->width == 1280);
    // A cut body keeps what came before the cut.
    const auto cut = parse_metadata(k_ffmpeg_meta.substr(0, 60));
    REQUIRE(cut);
    CHECK(cut->width == 360);
    CHECK_FALSE(cut->audiocodecid);
}

TEST_CASE("deep nesting and huge counts are refused, garbage never crashes", "[flv][metadata][fuzz]")
{
    std::string deep = amf_string("onMetaData") + "\x03";
    for (int i = 0; i < 1000; ++i) {
        deep += key("a") + "\x03";
    }
    CHECK(parse_metadata(deep)); // a result (nothing read), not a crash or a deep recursion
    const auto huge = amf_string("onMetaData") + "\x03" + key("a") + std::string("\x0a\xff\xff\xff\xff", 5);
    CHECK(parse_metadata(huge));
    std::mt19937 rng(11);
    for (int round = 0; round < 500; ++round) {
        std::string body = round % 2 == 0 ? amf_string("onMetaData") : std::string();
        const size_t size = rng() % 512;
        for (size_t i = 0; i < size; ++i) {
            body.push_back(static_cast<char>(rng() & 0xFF));
        }
        (void)parse_metadata(body);
        // Mutations of the real body.
        auto mutated = k_ffmpeg_meta;
        mutated[rng() % mutated.size()] = static_cast<char>(rng() & 0xFF);
        (void)parse_metadata(mutated);
    }
}
