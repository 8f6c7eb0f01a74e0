#pragma once

#include "core/error.hpp"
#include "ffmpeg/endpoint.hpp"

#include <chrono>
#include <string>

namespace mtxrelay::ffmpeg {

// What an input carries, as ffprobe sees it.
struct StreamInfo {
    bool has_video = false;
    bool has_audio = false;
    int width = 0;
    int height = 0;
    std::string video_codec;
    std::string audio_codec;
    double duration_seconds = 0; // 0 when unknown (live inputs)
};

// Runs ffprobe on an input (bounded by time_limit); fails when it cannot be opened or has no
// video. Interrupted by SIGINT/SIGTERM.
core::Result<StreamInfo> probe_streams(const Endpoint& input, std::chrono::milliseconds time_limit);

} // namespace mtxrelay::ffmpeg
