#include "flv/tag.hpp"

#include <fmt/format.h>

namespace mtxrelay::flv {

namespace {

constexpr std::size_t k_tag_header = 11;
constexpr std::size_t k_previous_size = 4;
// Legacy video: the low nibble of the first byte is the codec id; AVC puts a packet type next.
constexpr std::uint8_t k_codec_avc = 7;
constexpr std::uint8_t k_frame_key = 1;
// Enhanced RTMP (veovera): bit 7 of the first video byte, the packet type in the low nibble.
constexpr std::uint8_t k_ex_header = 0x80;
constexpr std::uint8_t k_ex_sequence_start = 0;
constexpr std::uint8_t k_ex_coded_frames = 1;
constexpr std::uint8_t k_ex_coded_frames_x = 3;
constexpr int k_sound_aac = 10;

std::uint32_t be24(const std::string& bytes, std::size_t at)
{
    return (static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[at])) << 16) |
           (static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[at + 1])) << 8) |
           static_cast<std::uint32_t>(static_cast<std::uint8_t>(bytes[at + 2]));
}

std::uint8_t byte_at(const std::string& body, std::size_t at)
{
    return static_cast<std::uint8_t>(body[at]);
}

void put_be(std::string& out, std::uint32_t value, int bytes)
{
    for (int i = bytes - 1; i >= 0; --i) {
        out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
    }
}

} // namespace

void TagReader::feed(std::string_view bytes)
{
    if (!m_error.empty()) {
        return;
    }
    // Drop what was consumed before growing, so the buffer stays one tag long.
    if (m_pos > 0) {
        m_buffer.erase(0, m_pos);
        m_pos = 0;
    }
    m_buffer.append(bytes);
    m_fed += bytes.size();
}

bool TagReader::read_header()
{
    constexpr std::size_t k_min_header = 9;
    if (m_buffer.size() - m_pos < k_min_header) {
        return false;
    }
    if (m_buffer.compare(m_pos, 3, "FLV") != 0) {
        m_error = "not an FLV stream (no 'FLV' signature)";
        return false;
    }
    const std::size_t header_size = (static_cast<std::size_t>(byte_at(m_buffer, m_pos + 5)) << 24) |
                                    (static_cast<std::size_t>(byte_at(m_buffer, m_pos + 6)) << 16) |
                                    (static_cast<std::size_t>(byte_at(m_buffer, m_pos + 7)) << 8) |
                                    byte_at(m_buffer, m_pos + 8);
    if (header_size < k_min_header || header_size > 1024) {
        m_error = fmt::format("FLV header size {} is impossible", header_size);
        return false;
    }
    if (m_buffer.size() - m_pos < header_size + k_previous_size) {
        return false;
    }
    m_pos += header_size + k_previous_size;
    m_header_seen = true;
    return true;
}

std::optional<Tag> TagReader::next()
{
    if (!m_error.empty() || (!m_header_seen && !read_header())) {
        return std::nullopt;
    }
    while (m_buffer.size() - m_pos >= k_tag_header) {
        const auto type = static_cast<std::uint8_t>(byte_at(m_buffer, m_pos) & 0x1F);
        const std::size_t size = be24(m_buffer, m_pos + 1);
        if (m_buffer.size() - m_pos < k_tag_header + size + k_previous_size) {
            return std::nullopt;
        }
        Tag tag;
        tag.timestamp = be24(m_buffer, m_pos + 4) | (static_cast<std::uint32_t>(byte_at(m_buffer, m_pos + 7)) << 24);
        const std::size_t body_at = m_pos + k_tag_header;
        m_pos = body_at + size + k_previous_size;
        if (type != static_cast<std::uint8_t>(TagType::audio) && type != static_cast<std::uint8_t>(TagType::video) &&
            type != static_cast<std::uint8_t>(TagType::script)) {
            continue;
        }
        tag.type = static_cast<TagType>(type);
        tag.body.assign(m_buffer, body_at, size);
        return tag;
    }
    return std::nullopt;
}

std::string header_bytes(bool audio, bool video)
{
    std::string out = "FLV\x01";
    out.push_back(static_cast<char>((audio ? 0x04 : 0) | (video ? 0x01 : 0)));
    put_be(out, 9, 4);
    put_be(out, 0, 4);
    return out;
}

std::string tag_bytes(const Tag& tag)
{
    const std::size_t size = std::min(tag.body.size(), k_max_tag_body);
    std::string out;
    out.reserve(k_tag_header + size + k_previous_size);
    out.push_back(static_cast<char>(tag.type));
    put_be(out, static_cast<std::uint32_t>(size), 3);
    put_be(out, tag.timestamp & 0xFFFFFF, 3);
    out.push_back(static_cast<char>((tag.timestamp >> 24) & 0xFF));
    put_be(out, 0, 3);
    out.append(tag.body, 0, size);
    put_be(out, static_cast<std::uint32_t>(k_tag_header + size), 4);
    return out;
}

std::optional<std::uint32_t> video_codec(const Tag& tag)
{
    if (tag.type != TagType::video || tag.body.empty()) {
        return std::nullopt;
    }
    const auto first = byte_at(tag.body, 0);
    if ((first & k_ex_header) == 0) {
        return first & 0x0F;
    }
    if (tag.body.size() < 5) {
        return std::nullopt;
    }
    return (static_cast<std::uint32_t>(byte_at(tag.body, 1)) << 24) | be24(tag.body, 2);
}

bool is_video_keyframe(const Tag& tag)
{
    if (tag.type != TagType::video || tag.body.empty()) {
        return false;
    }
    const auto first = byte_at(tag.body, 0);
    if ((first & k_ex_header) != 0) {
        const auto packet = first & 0x0F;
        return ((first >> 4) & 0x07) == k_frame_key && (packet == k_ex_coded_frames || packet == k_ex_coded_frames_x);
    }
    if ((first >> 4) != k_frame_key) {
        return false;
    }
    // AVC keyframes are NALU packets (type 1); a sequence header (0) is flagged key too.
    return (first & 0x0F) != k_codec_avc || (tag.body.size() > 1 && byte_at(tag.body, 1) == 1);
}

bool is_video_config(const Tag& tag)
{
    if (tag.type != TagType::video || tag.body.empty()) {
        return false;
    }
    const auto first = byte_at(tag.body, 0);
    if ((first & k_ex_header) != 0) {
        return (first & 0x0F) == k_ex_sequence_start;
    }
    return (first & 0x0F) == k_codec_avc && tag.body.size() > 1 && byte_at(tag.body, 1) == 0;
}

std::optional<int> sound_format(const Tag& tag)
{
    if (tag.type != TagType::audio || tag.body.empty()) {
        return std::nullopt;
    }
    return byte_at(tag.body, 0) >> 4;
}

bool is_aac_config(const Tag& tag)
{
    return sound_format(tag) == k_sound_aac && tag.body.size() > 1 && byte_at(tag.body, 1) == 0;
}

std::string video_codec_name(const Tag& tag)
{
    const auto codec = video_codec(tag);
    if (!codec) {
        return "unknown";
    }
    const bool enhanced = (byte_at(tag.body, 0) & k_ex_header) != 0;
    if (enhanced) {
        std::string fourcc(tag.body, 1, 4);
        for (auto& c : fourcc) {
            if (c < 0x20 || c > 0x7E) {
                c = '?';
            }
        }
        return fourcc == "avc1" ? "h264" : fourcc == "hvc1" ? "hevc" : fourcc;
    }
    switch (*codec) {
    case 2:
        return "flv1";
    case 4:
        return "vp6";
    case 7:
        return "h264";
    case 12:
        return "hevc";
    default:
        return fmt::format("codec {}", *codec);
    }
}

std::string audio_codec_name(const Tag& tag)
{
    const auto format = sound_format(tag);
    if (!format) {
        return "unknown";
    }
    switch (*format) {
    case 0:
    case 3:
        return "pcm";
    case 2:
        return "mp3";
    case 10:
        return "aac";
    case 11:
        return "speex";
    default:
        return fmt::format("format {}", *format);
    }
}

} // namespace mtxrelay::flv
