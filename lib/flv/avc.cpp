#include "flv/avc.hpp"

#include <cstdint>

namespace mtxrelay::flv {

namespace {

constexpr int k_nal_sps = 7;
constexpr int k_max_side = 16384;
constexpr std::size_t k_max_nal = 64 * 1024; // an SPS is tens of bytes

// Reads bits MSB first from an RBSP; any read past the end makes the reader fail (sticky).
class BitReader {
public:
    explicit BitReader(std::string rbsp) : m_data(std::move(rbsp)) {}

    bool ok() const { return m_ok; }

    std::uint32_t bits(int count)
    {
        std::uint32_t value = 0;
        for (int i = 0; i < count; ++i) {
            value = (value << 1) | bit();
        }
        return value;
    }

    std::uint32_t bit()
    {
        if (m_bit >= m_data.size() * 8) {
            m_ok = false;
            return 0;
        }
        const auto byte = static_cast<std::uint8_t>(m_data[m_bit / 8]);
        const auto value = (byte >> (7 - m_bit % 8)) & 1U;
        ++m_bit;
        return value;
    }

    // Unsigned Exp-Golomb; more than 31 leading zeros cannot be a valid value.
    std::uint32_t ue()
    {
        int zeros = 0;
        while (m_ok && bit() == 0) {
            if (++zeros > 31) {
                m_ok = false;
                return 0;
            }
        }
        if (!m_ok) {
            return 0;
        }
        const std::uint64_t rest = zeros > 0 ? bits(zeros) : 0;
        const std::uint64_t value = (1ULL << zeros) - 1 + rest;
        if (value > 0xFFFFFFFFULL) {
            m_ok = false;
            return 0;
        }
        return static_cast<std::uint32_t>(value);
    }

    std::int32_t se()
    {
        const std::uint32_t code = ue();
        const auto magnitude = static_cast<std::int64_t>((code + 1ULL) / 2);
        return static_cast<std::int32_t>((code & 1U) != 0 ? magnitude : -magnitude);
    }

private:
    std::string m_data;
    std::size_t m_bit = 0;
    bool m_ok = true;
};

// Removes emulation prevention bytes (00 00 03 -> 00 00).
std::string to_rbsp(std::string_view nal)
{
    std::string out;
    out.reserve(nal.size());
    int zeros = 0;
    for (const char c : nal) {
        const auto byte = static_cast<std::uint8_t>(c);
        if (zeros >= 2 && byte == 3) {
            zeros = 0;
            continue;
        }
        zeros = byte == 0 ? zeros + 1 : 0;
        out.push_back(c);
    }
    return out;
}

void skip_scaling_list(BitReader& in, int size)
{
    int last = 8;
    int next = 8;
    for (int j = 0; j < size && in.ok(); ++j) {
        if (next != 0) {
            next = (last + in.se() + 256) % 256;
        }
        last = next == 0 ? last : next;
    }
}

bool has_chroma_info(std::uint32_t profile)
{
    switch (profile) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
        return true;
    default:
        return false;
    }
}

std::uint32_t be(std::string_view bytes, std::size_t at, int count)
{
    std::uint32_t value = 0;
    for (int i = 0; i < count; ++i) {
        value = (value << 8) | static_cast<std::uint8_t>(bytes[at + static_cast<std::size_t>(i)]);
    }
    return value;
}

} // namespace

std::optional<SpsInfo> parse_sps(std::string_view nal)
{
    if (nal.empty() || nal.size() > k_max_nal || (static_cast<std::uint8_t>(nal[0]) & 0x1F) != k_nal_sps) {
        return std::nullopt;
    }
    BitReader in(to_rbsp(nal.substr(1)));
    SpsInfo info;
    info.profile_idc = static_cast<int>(in.bits(8));
    in.bits(8); // constraint flags
    info.level_idc = static_cast<int>(in.bits(8));
    in.ue(); // seq_parameter_set_id
    std::uint32_t chroma_format = 1;
    bool separate_planes = false;
    if (has_chroma_info(static_cast<std::uint32_t>(info.profile_idc))) {
        chroma_format = in.ue();
        if (chroma_format > 3) {
            return std::nullopt;
        }
        if (chroma_format == 3) {
            separate_planes = in.bit() != 0;
        }
        in.ue();             // bit_depth_luma_minus8
        in.ue();             // bit_depth_chroma_minus8
        in.bit();            // qpprime_y_zero_transform_bypass_flag
        if (in.bit() != 0) { // seq_scaling_matrix_present_flag
            const int lists = chroma_format != 3 ? 8 : 12;
            for (int i = 0; i < lists && in.ok(); ++i) {
                if (in.bit() != 0) {
                    skip_scaling_list(in, i < 6 ? 16 : 64);
                }
            }
        }
    }
    in.ue(); // log2_max_frame_num_minus4
    const auto poc_type = in.ue();
    if (poc_type == 0) {
        in.ue(); // log2_max_pic_order_cnt_lsb_minus4
    } else if (poc_type == 1) {
        in.bit(); // delta_pic_order_always_zero_flag
        in.se();  // offset_for_non_ref_pic
        in.se();  // offset_for_top_to_bottom_field
        const auto cycle = in.ue();
        if (cycle > 255) {
            return std::nullopt;
        }
        for (std::uint32_t i = 0; i < cycle && in.ok(); ++i) {
            in.se();
        }
    } else if (poc_type != 2) {
        return std::nullopt;
    }
    in.ue();  // max_num_ref_frames
    in.bit(); // gaps_in_frame_num_value_allowed_flag
    const auto width_mbs = static_cast<std::int64_t>(in.ue()) + 1;
    const auto height_units = static_cast<std::int64_t>(in.ue()) + 1;
    const bool frame_mbs_only = in.bit() != 0;
    if (!frame_mbs_only) {
        in.bit(); // mb_adaptive_frame_field_flag
    }
    in.bit(); // direct_8x8_inference_flag
    std::int64_t crop_left = 0;
    std::int64_t crop_right = 0;
    std::int64_t crop_top = 0;
    std::int64_t crop_bottom = 0;
    if (in.bit() != 0) { // frame_cropping_flag
        crop_left = in.ue();
        crop_right = in.ue();
        crop_top = in.ue();
        crop_bottom = in.ue();
    }
    if (!in.ok()) {
        return std::nullopt;
    }
    const int chroma_array = separate_planes ? 0 : static_cast<int>(chroma_format);
    const std::int64_t sub_width = chroma_array == 1 || chroma_array == 2 ? 2 : 1;
    const std::int64_t sub_height = chroma_array == 1 ? 2 : 1;
    const std::int64_t field_factor = frame_mbs_only ? 1 : 2;
    const std::int64_t crop_x = chroma_array == 0 ? 1 : sub_width;
    const std::int64_t crop_y = chroma_array == 0 ? field_factor : sub_height * field_factor;
    const std::int64_t width = width_mbs * 16 - (crop_left + crop_right) * crop_x;
    const std::int64_t height = field_factor * height_units * 16 - (crop_top + crop_bottom) * crop_y;
    if (width <= 0 || height <= 0 || width > k_max_side || height > k_max_side) {
        return std::nullopt;
    }
    info.width = static_cast<int>(width);
    info.height = static_cast<int>(height);
    return info;
}

std::optional<SpsInfo> parse_avc_config(std::string_view record)
{
    // version, profile, compatibility, level, lengthSizeMinusOne, numOfSPS, then u16 length.
    constexpr std::size_t k_fixed = 6;
    if (record.size() < k_fixed + 2 || static_cast<std::uint8_t>(record[0]) != 1 ||
        (static_cast<std::uint8_t>(record[5]) & 0x1F) == 0) {
        return std::nullopt;
    }
    const std::size_t length = be(record, k_fixed, 2);
    if (record.size() - k_fixed - 2 < length) {
        return std::nullopt;
    }
    return parse_sps(record.substr(k_fixed + 2, length));
}

std::optional<SpsInfo> sps_of_video_tag(std::string_view body)
{
    // Legacy AVC tags only: 0x?7, packet type, 3 bytes of composition time.
    constexpr std::size_t k_video_header = 5;
    if (body.size() < k_video_header || (static_cast<std::uint8_t>(body[0]) & 0x8F) != 0x07) {
        return std::nullopt;
    }
    const auto packet_type = static_cast<std::uint8_t>(body[1]);
    const auto data = body.substr(k_video_header);
    if (packet_type == 0) {
        return parse_avc_config(data);
    }
    if (packet_type != 1) {
        return std::nullopt;
    }
    std::size_t at = 0;
    while (data.size() - at >= 4) {
        const std::size_t length = be(data, at, 4);
        at += 4;
        if (length == 0 || data.size() - at < length) {
            return std::nullopt;
        }
        if ((static_cast<std::uint8_t>(data[at]) & 0x1F) == k_nal_sps) {
            return parse_sps(data.substr(at, length));
        }
        at += length;
    }
    return std::nullopt;
}

} // namespace mtxrelay::flv
