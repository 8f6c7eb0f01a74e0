#pragma once

#include "ffmpeg/endpoint.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mtxrelay::ffmpeg {

// A quality preset: the frame's long and short side and the video bitrate at 30 fps.
struct Quality {
    std::string name;
    int long_side = 1280;
    int short_side = 720;
    int video_kbps = 3000;
};

// 480p, 720p, 1080p; each keeps the combined bitrate inside Cloudflare's 2-14 Mbps.
const std::vector<Quality>& qualities();
std::optional<Quality> find_quality(const std::string& name);

// The clean output contract (SPEC §6) in numbers.
struct CleanProfile {
    Quality quality = qualities()[1];
    int fps = 30;
    int gop_seconds = 2;
    int audio_kbps = 128;
    int audio_rate = 48000;
    // Video bitrate after scaling to the frame rate (60 fps gets more bits than 30).
    int video_kbps() const;
};

// What is known about the input before ffmpeg starts, which shapes the command. The
// orientation is not part of it: the filter graph takes it from the first frame.
struct InputShape {
    bool has_audio = true; // false: silence is generated (anullsrc)
    // A file's duration: the inserted silence ends there (ffmpeg 5.1's -shortest does not stop
    // a filter-graph source). Live inputs have none and the silence runs as long as they do.
    double duration_seconds = 0;
};

// The ffmpeg argv (starting with "ffmpeg") that turns a dirty input into the clean contract:
// timestamp repair (steps < 0 or > 0.5 s become one frame), CFR, time-based closed GOPs,
// no B-frames, CBR with filler, AAC-LC 48 kHz stereo (silence when the input has none), a
// portrait frame for a portrait input and a landscape one otherwise (decided by ffmpeg
// from the first frame, so one command fits both).
std::vector<std::string> clean_command(const CleanProfile& profile, const InputShape& shape, const Endpoint& input,
                                       const Endpoint& output, bool realtime);

// The seeds' original command (SPEC §7), kept for comparison tests and benchmarks.
std::vector<std::string> seed_command(const Endpoint& input, const Endpoint& output);

// Frame size for a profile and orientation.
std::pair<int, int> frame_size(const CleanProfile& profile, bool portrait);

} // namespace mtxrelay::ffmpeg
