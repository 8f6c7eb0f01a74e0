#include "flv/avc.hpp"

#include "fakes.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>

using namespace mtxrelay::flv;

namespace {

using mtxrelay::testing::from_hex;

// SPS NAL units written by libx264 (ffmpeg 5.1) for the sizes named.
const std::string k_sps_1080p_high = from_hex("67640028acd940780227e5c044000003000400000300c83c60c658");
const std::string k_sps_portrait_baseline = from_hex("6742c01ed9017051e5f011000003000100000300320f162e48");
const std::string k_sps_720p_main = from_hex("674d401feca02802dd80880000030008000003019078c18cb0");
const std::string k_sps_576i_high = from_hex("67640016acd940b424d808800000030100000300190f8a14cb");

std::string be16(size_t n)
{
    return {static_cast<char>(n >> 8), static_cast<char>(n & 0xFF)};
}

std::string be32(size_t n)
{
    return {static_cast<char>(n >> 24), static_cast<char>((n >> 16) & 0xFF), static_cast<char>((n >> 8) & 0xFF),
            static_cast<char>(n & 0xFF)};
}

// An AVCDecoderConfigurationRecord holding one SPS and one (fake) PPS.
std::string avc_config(const std::string& sps)
{
    return std::string("\x01", 1) + sps.substr(1, 3) + "\xff\xe1" + be16(sps.size()) + sps + "\x01" + be16(2) +
           "\x68\xee";
}

} // namespace

TEST_CASE("SPS sizes: cropping, portrait, interlaced", "[flv][avc]")
{
    auto sps = parse_sps(k_sps_1080p_high);
    REQUIRE(sps);
    CHECK(sps->width == 1920);
    CHECK(sps->height == 1080); // 1088 coded, 8 rows cropped
    CHECK(sps->profile_idc == 100);
    CHECK(sps->level_idc == 40);
    sps = parse_sps(k_sps_portrait_baseline);
    REQUIRE(sps);
    CHECK(sps->width == 360);
    CHECK(sps->height == 640);
    CHECK(sps->profile_idc == 66);
    sps = parse_sps(k_sps_720p_main);
    REQUIRE(sps);
    CHECK(sps->width == 1280);
    CHECK(sps->height == 720);
    sps = parse_sps(k_sps_576i_high);
    REQUIRE(sps);
    CHECK(sps->width == 720);
    CHECK(sps->height == 576);
}

TEST_CASE("the SPS of a sequence header and of an in-band keyframe", "[flv][avc]")
{
    const auto header = std::string("\x17\x00\x00\x00\x00", 5) + avc_config(k_sps_portrait_baseline);
    auto sps = sps_of_video_tag(header);
    REQUIRE(sps);
    CHECK(sps->height == 640);
    CHECK(parse_avc_config(avc_config(k_sps_720p_main))->width == 1280);
    // A keyframe carrying AUD, SPS, PPS and a slice as 4-byte length-prefixed NAL units.
    const std::string aud("\x09\xf0", 2);
    const std::string slice("\x65\x88\x84", 3);
    const auto frame = std::string("\x17\x01\x00\x00\x00", 5) + be32(aud.size()) + aud + be32(k_sps_1080p_high.size()) +
                       k_sps_1080p_high + be32(slice.size()) + slice;
    sps = sps_of_video_tag(frame);
    REQUIRE(sps);
    CHECK(sps->width == 1920);
    // An inter frame without parameter sets has none.
    CHECK_FALSE(sps_of_video_tag(std::string("\x27\x01\x00\x00\x00", 5) + be32(slice.size()) + slice));
}

TEST_CASE("malformed SPS and records give nothing", "[flv][avc]")
{
    CHECK_FALSE(parse_sps(""));
    CHECK_FALSE(parse_sps(k_sps_720p_main.substr(0, 5)));
    CHECK_FALSE(parse_sps("\x68\x01\x02")); // a PPS
    CHECK_FALSE(parse_avc_config("\x01\x42"));
    CHECK_FALSE(parse_avc_config(std::string("\x02\x42\xc0\x1e\xff\xe1\x00\x05", 8) + "abcde")); // version 2
    CHECK_FALSE(parse_avc_config(std::string("\x01\x42\xc0\x1e\xff\xe1\x00\xff", 8) + "short"));
    CHECK_FALSE(sps_of_video_tag(std::string("\x17\x01\x00\x00\x00\xff\xff\xff\xff\x67", 10)));
    CHECK_FALSE(sps_of_video_tag("\x27"));                                 // too short for a video header
    CHECK_FALSE(sps_of_video_tag(std::string("\x12\x00\x00\x00\x00", 5))); // not H.264
    // 32 leading zero bits cannot start an Exp-Golomb code.
    CHECK_FALSE(parse_sps(std::string("\x67\x42\xc0\x1e\x00\x00\x00\x00\x01", 9)));
}

TEST_CASE("random and mutated SPS never crash and never give an absurd size", "[flv][avc][fuzz]")
{
    std::mt19937 rng(5);
    for (int round = 0; round < 2000; ++round) {
        std::string nal = round % 3 == 0 ? std::string("\x67", 1) : k_sps_1080p_high;
        if (round % 3 == 0) {
            const size_t size = rng() % 64;
            for (size_t i = 0; i < size; ++i) {
                nal.push_back(static_cast<char>(rng() & 0xFF));
            }
        } else {
            nal[1 + rng() % (nal.size() - 1)] = static_cast<char>(rng() & 0xFF);
            nal.resize(1 + rng() % nal.size());
        }
        if (const auto sps = parse_sps(nal)) {
            CHECK(sps->width > 0);
            CHECK(sps->width <= 16384);
            CHECK(sps->height > 0);
            CHECK(sps->height <= 16384);
        }
        (void)sps_of_video_tag(std::string("\x17\x01\x00\x00\x00", 5) + be32(nal.size()) + nal);
        (void)parse_avc_config(avc_config(nal));
    }
}
