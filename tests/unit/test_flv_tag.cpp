#include "flv/tag.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>

using namespace mtxrelay::flv;

namespace {

Tag make(TagType type, std::uint32_t timestamp, std::string body)
{
    return {type, timestamp, std::move(body)};
}

// An H.264 NALU tag: frame type (1 key, 2 inter), codec 7, AVCPacketType 1, composition 0.
Tag avc_frame(std::uint32_t timestamp, bool key)
{
    return make(TagType::video, timestamp,
                std::string(key ? "\x17\x01\x00\x00\x00" : "\x27\x01\x00\x00\x00", 5) + "nal");
}

std::string stream_of(const std::vector<Tag>& tags)
{
    std::string out = header_bytes(true, true);
    for (const auto& tag : tags) {
        out += tag_bytes(tag);
    }
    return out;
}

} // namespace

TEST_CASE("tags written and read back are the same, in pieces of any size", "[flv][tag]")
{
    const std::vector<Tag> tags = {make(TagType::script, 0, "meta"), avc_frame(40, true),
                                   make(TagType::audio, 0x01234567, std::string("\xaf\x01xyz", 5)),
                                   avc_frame(0xFFFFFFFF, false), make(TagType::video, 7, "")};
    const auto bytes = stream_of(tags);
    for (const size_t piece : {size_t{1}, size_t{3}, size_t{16}, bytes.size()}) {
        TagReader reader;
        std::vector<Tag> read;
        for (size_t at = 0; at < bytes.size(); at += piece) {
            reader.feed(std::string_view(bytes).substr(at, piece));
            while (auto tag = reader.next()) {
                read.push_back(*tag);
            }
        }
        INFO("piece " << piece);
        REQUIRE(read.size() == tags.size());
        for (size_t i = 0; i < tags.size(); ++i) {
            CHECK(read[i].type == tags[i].type);
            CHECK(read[i].timestamp == tags[i].timestamp);
            CHECK(read[i].body == tags[i].body);
        }
        CHECK(reader.error().empty());
        CHECK(reader.bytes_fed() == bytes.size());
    }
}

TEST_CASE("the header carries the track flags and PreviousTagSize0", "[flv][tag]")
{
    CHECK(header_bytes(true, true) == std::string("FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00", 13));
    CHECK(header_bytes(false, true)[4] == '\x01');
    CHECK(header_bytes(true, false)[4] == '\x04');
}

TEST_CASE("a stream that is not FLV fails for good with a reason", "[flv][tag]")
{
    TagReader reader;
    reader.feed("<html>not a stream</html>");
    CHECK_FALSE(reader.next());
    CHECK(reader.error().find("FLV") != std::string::npos);
    reader.feed(header_bytes(true, true));
    CHECK_FALSE(reader.next());

    TagReader bad_size;
    bad_size.feed(std::string("FLV\x01\x05\x00\x00\x00\x03", 9));
    CHECK_FALSE(bad_size.next());
    CHECK_FALSE(bad_size.error().empty());
}

TEST_CASE("tags of unknown types are skipped, a header longer than 9 bytes is honoured", "[flv][tag]")
{
    std::string bytes("FLV\x01\x05\x00\x00\x00\x0b\xaa\xbb\x00\x00\x00\x00", 15);
    bytes += tag_bytes(make(static_cast<TagType>(15), 1, "odd"));
    bytes += tag_bytes(avc_frame(2, true));
    TagReader reader;
    reader.feed(bytes);
    const auto tag = reader.next();
    REQUIRE(tag);
    CHECK(tag->timestamp == 2);
    CHECK_FALSE(reader.next());
}

TEST_CASE("classifying video and audio tags, legacy and enhanced RTMP", "[flv][tag]")
{
    const auto avc_config = make(TagType::video, 0, std::string("\x17\x00\x00\x00\x00\x01", 6));
    CHECK(is_video_config(avc_config));
    CHECK_FALSE(is_video_keyframe(avc_config));
    CHECK(is_video_keyframe(avc_frame(0, true)));
    CHECK_FALSE(is_video_keyframe(avc_frame(0, false)));
    CHECK(video_codec_name(avc_frame(0, true)) == "h264");
    // Enhanced: IsExHeader | key frame | CodedFramesX, FourCC hvc1.
    const auto hevc_key = make(TagType::video, 0, std::string("\x93hvc1data", 9));
    CHECK(is_video_keyframe(hevc_key));
    CHECK(video_codec_name(hevc_key) == "hevc");
    const auto hevc_start = make(TagType::video, 0, std::string("\x90hvc1cfg", 8));
    CHECK(is_video_config(hevc_start));
    CHECK_FALSE(is_video_keyframe(hevc_start));
    // A legacy non-AVC keyframe (Sorenson) is a keyframe by its frame type alone.
    CHECK(is_video_keyframe(make(TagType::video, 0, "\x12x")));

    const auto aac_config = make(TagType::audio, 0, std::string("\xaf\x00\x11\x90", 4));
    CHECK(is_aac_config(aac_config));
    CHECK(audio_codec_name(aac_config) == "aac");
    CHECK_FALSE(is_aac_config(make(TagType::audio, 0, std::string("\xaf\x01raw", 5))));
    CHECK(audio_codec_name(make(TagType::audio, 0, "\x2fmp3")) == "mp3");
    CHECK(sound_format(make(TagType::audio, 0, "")) == std::nullopt);
    CHECK_FALSE(is_video_keyframe(make(TagType::video, 0, "")));
    CHECK(video_codec(make(TagType::video, 0, "\x80x")) == std::nullopt);
}

TEST_CASE("random bytes never crash the reader and never grow it past one tag", "[flv][tag][fuzz]")
{
    std::mt19937 rng(7);
    for (int round = 0; round < 200; ++round) {
        TagReader reader;
        std::string bytes = round % 2 == 0 ? header_bytes(true, true) : std::string();
        const size_t size = rng() % 4096;
        for (size_t i = 0; i < size; ++i) {
            bytes.push_back(static_cast<char>(rng() & 0xFF));
        }
        reader.feed(bytes);
        int tags = 0;
        while (auto tag = reader.next()) {
            ++tags;
            CHECK(tag->body.size() <= bytes.size());
            // Classifiers on garbage bodies are safe too.
            (void)is_video_keyframe(*tag);
            (void)is_video_config(*tag);
            (void)is_aac_config(*tag);
            (void)video_codec_name(*tag);
            (void)audio_codec_name(*tag);
        }
        CHECK(tags < 4096);
    }
}
