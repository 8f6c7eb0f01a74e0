#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mtxrelay::flv {

// FLV tag types (the low 5 bits of a tag's first byte).
enum class TagType : std::uint8_t { audio = 8, video = 9, script = 18 };

// One FLV tag: its type, its timestamp in milliseconds (the 24+8 bit field) and its body.
// The stream id and the trailing PreviousTagSize are not kept: writers recompute them.
struct Tag {
    TagType type = TagType::video;
    std::uint32_t timestamp = 0;
    std::string body;
};

// An FLV tag body is at most 2^24 - 1 bytes (its size field has 24 bits).
inline constexpr std::size_t k_max_tag_body = (1U << 24) - 1;

// Splits an FLV byte stream (as ffmpeg's RTMP reader or a file gives it) into tags, fed in
// pieces of any size. Bounded: it never holds more than one tag and a header. Tags of an
// unknown type are skipped (FLV allows them); a bad signature or an impossible header size
// makes it fail for good (error() says why).
class TagReader {
public:
    // Appends bytes; parsing happens in next().
    void feed(std::string_view bytes);
    // The next complete tag, or nullopt when more bytes are needed or the stream is bad.
    std::optional<Tag> next();
    // Why the stream cannot be read, empty while it is fine.
    const std::string& error() const { return m_error; }
    // True once the 9-byte file header (and PreviousTagSize0) was read.
    bool header_seen() const { return m_header_seen; }
    // Total bytes fed so far.
    std::uint64_t bytes_fed() const { return m_fed; }

private:
    bool read_header();

    std::string m_buffer;
    std::size_t m_pos = 0;
    bool m_header_seen = false;
    std::string m_error;
    std::uint64_t m_fed = 0;
};

// The 9-byte FLV header and PreviousTagSize0, with the audio/video flags set as given.
std::string header_bytes(bool audio, bool video);

// A tag as bytes (11-byte tag header, body, PreviousTagSize). Bodies over k_max_tag_body
// are cut to that size (a caller never builds one; the reader cannot produce one).
std::string tag_bytes(const Tag& tag);

// --- What a tag is (no parsing beyond the first bytes of the body) ---

// The video codec id of a legacy video tag (7 = H.264, 12 = HEVC in some servers), or the
// FourCC as a number for an enhanced-RTMP tag; nullopt for an empty body.
std::optional<std::uint32_t> video_codec(const Tag& tag);
// A video tag whose frame type is "key frame" (legacy and enhanced RTMP), excluding
// sequence headers.
bool is_video_keyframe(const Tag& tag);
// A video tag carrying the decoder configuration (H.264 AVCPacketType 0, or enhanced
// PacketTypeSequenceStart).
bool is_video_config(const Tag& tag);
// An audio tag carrying the AAC AudioSpecificConfig (SoundFormat 10, AACPacketType 0).
bool is_aac_config(const Tag& tag);
// The SoundFormat of an audio tag (10 = AAC, 2 = MP3, 3 = PCM LE, ...), nullopt if empty.
std::optional<int> sound_format(const Tag& tag);
// A readable codec name for logs ("h264", "hevc", "aac", "mp3", "format 5", ...).
std::string video_codec_name(const Tag& tag);
std::string audio_codec_name(const Tag& tag);

} // namespace mtxrelay::flv
