#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mtxrelay::ffmpeg {

// One block of ffmpeg's `-progress` output (key=value lines ending with progress=...).
struct Progress {
    long frame = 0;
    double fps = 0;
    double bitrate_kbps = 0;
    long long total_size = 0;  // bytes written to the output
    long long out_time_us = 0; // output timestamp reached
    long dup_frames = 0;
    long drop_frames = 0;
    double speed = 0;
    bool end = false; // progress=end: ffmpeg is finishing
};

// Accumulates -progress lines; returns a Progress when a block completes.
class ProgressParser {
public:
    std::optional<Progress> feed(std::string_view line);

private:
    Progress m_current;
};

} // namespace mtxrelay::ffmpeg
