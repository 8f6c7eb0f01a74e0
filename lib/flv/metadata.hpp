#pragma once

#include <optional>
#include <string_view>

namespace mtxrelay::flv {

// What a publisher's onMetaData says about its stream (only what the relay uses; every
// field is optional because publishers send what they like, and may be wrong).
struct Metadata {
    std::optional<double> videocodecid;
    std::optional<double> audiocodecid; // MediaMTX sends 0 for "no audio track"
    std::optional<double> width;
    std::optional<double> height;
    std::optional<double> framerate;
    // True when the publisher announces audio: audiocodecid > 0 (an id of 0 means PCM in
    // theory, but MediaMTX writes 0 for "none" and no glasses encoder sends PCM).
    bool announces_audio() const { return audiocodecid && *audiocodecid > 0; }
};

// Parses the body of a script tag (AMF0) when it is onMetaData (optionally wrapped in
// @setDataFrame); nullopt for any other script tag or a malformed body. Bounded: nesting
// depth and entry counts are capped, every length is checked against the body.
std::optional<Metadata> parse_metadata(std::string_view body);

} // namespace mtxrelay::flv
