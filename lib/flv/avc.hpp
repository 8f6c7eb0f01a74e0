#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mtxrelay::flv {

// What an H.264 sequence parameter set says about the picture.
struct SpsInfo {
    int width = 0;  // after cropping
    int height = 0; // after cropping, frames (both fields for interlaced)
    int profile_idc = 0;
    int level_idc = 0;
};

// Parses one SPS NAL unit (starting with its NAL header byte, emulation prevention bytes
// still in). Pure and bounded: nullopt for anything that is not a well-formed SPS or gives
// an implausible size (over 16384 either way).
std::optional<SpsInfo> parse_sps(std::string_view nal);

// The first SPS of an AVCDecoderConfigurationRecord (an H.264 sequence header's payload
// after the 5-byte FLV video header), parsed; nullopt when malformed.
std::optional<SpsInfo> parse_avc_config(std::string_view record);

// The body of an FLV H.264 video tag (legacy: frame/codec byte, AVCPacketType, 3-byte
// composition time, then data): the SPS of a sequence header, or the first SPS NAL unit
// found in a frame's length-prefixed NAL units (4-byte lengths, as every RTMP server
// writes them). nullopt when there is none.
std::optional<SpsInfo> sps_of_video_tag(std::string_view body);

} // namespace mtxrelay::flv
