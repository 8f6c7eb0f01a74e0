#pragma once

#include "ffmpeg/endpoint.hpp"

#include <string>
#include <vector>

namespace mtxrelay::restream {

// The argv of one copy ffmpeg: reads the source (its own RTMP reader, -rw_timeout so a
// vanished publisher ends the read; no frame-rate estimation, so the copy starts as soon as
// both tracks are seen), copies every stream without re-encoding (`-c copy`) and
// writes FLV (MPEG-TS for srt://) to one destination, reporting -progress on stdout. The
// destination (ffmpeg::pinned_output of a checked URL) is one argv element placed where
// ffmpeg expects an output, its options just before it (validated: it cannot start with '-').
std::vector<std::string> copy_command(const ffmpeg::Endpoint& source, const ffmpeg::Endpoint& destination);

} // namespace mtxrelay::restream
