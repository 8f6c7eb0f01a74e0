#pragma once
// Synthetic packet lists for the relay-inspect tests: a clean stream and edits that make it dirty.

#include "inspect/analysis.hpp"
#include "inspect/expectations.hpp"
#include "inspect/profile.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace inspect_test {

using namespace mtxrelay::inspect;

struct Shape {
    double fps = 30;
    double seconds = 20;
    double gop = 2;          // keyframe every gop seconds
    int frame_bytes = 12000; // ~2.9 Mbit/s of P-frames at 30 fps
    int key_bytes = 60000;
    bool audio = true;
    double audio_start = 0;
    int audio_bytes = 372; // 1024-sample AAC frames at 48 kHz: ~140 kbit/s
    bool whole_ms = true;  // FLV/RTMP timestamps are whole milliseconds
};

inline double stamp(const Shape& shape, double t)
{
    return shape.whole_ms ? std::round(t * 1000) / 1000 : t;
}

// A clean CFR stream: H.264 without B-frames, keyframes every `gop` s, AAC-LC 48 kHz stereo.
// Packets are interleaved in timestamp order as a muxer writes them.
inline ProbeData make_stream(const Shape& shape = {})
{
    ProbeData data;
    data.video = VideoStreamInfo{"h264", "High", 1280, 720, 0};
    const auto frames = static_cast<int>(std::lround(shape.seconds * shape.fps));
    const auto per_gop = static_cast<int>(std::lround(shape.gop * shape.fps));
    for (int n = 0; n < frames; ++n) {
        const double t = stamp(shape, n / shape.fps);
        const bool key = n % per_gop == 0;
        data.packets.push_back(
            {MediaType::video, t, t, stamp(shape, 1 / shape.fps), key ? shape.key_bytes : shape.frame_bytes, key});
    }
    if (shape.audio) {
        data.audio = AudioStreamInfo{"aac", "LC", 48000, 2};
        const double step = 1024.0 / 48000;
        for (int n = 0; shape.audio_start + n * step < shape.seconds - 1e-9; ++n) {
            const double t = stamp(shape, shape.audio_start + n * step);
            data.packets.push_back({MediaType::audio, t, t, step, shape.audio_bytes, true});
        }
    }
    std::stable_sort(data.packets.begin(), data.packets.end(),
                     [](const Packet& a, const Packet& b) { return *a.dts < *b.dts; });
    return data;
}

// Moves every packet at or after `from` (by DTS) by `delta` seconds: a publisher clock jump.
inline void shift_from(ProbeData& data, double from, double delta)
{
    for (auto& p : data.packets) {
        if (*p.dts >= from - 1e-9) {
            *p.dts += delta;
            *p.pts += delta;
        }
    }
}

// Removes the video frames in [from, to).
inline void drop_video(ProbeData& data, double from, double to)
{
    std::erase_if(data.packets, [&](const Packet& p) {
        return p.type == MediaType::video && *p.dts >= from - 1e-9 && *p.dts < to - 1e-9;
    });
}

inline const RequirementResult& result(const std::vector<RequirementResult>& results, const std::string& id)
{
    for (const auto& r : results) {
        if (r.requirement.id == id) {
            return r;
        }
    }
    throw std::runtime_error("no requirement " + id);
}

inline std::vector<RequirementResult> cloudflare(const Report& report)
{
    return evaluate(*find_profile("cloudflare"), report);
}

// The cloudflare profile with relay-inspect's --expect-* values applied.
inline std::vector<RequirementResult> cloudflare(const Report& report, const Expectations& expected)
{
    return evaluate(apply(*find_profile("cloudflare"), expected), report);
}

// Stretches the audio timestamps by `ratio`: an audio sample clock running that much fast.
inline void stretch_audio(ProbeData& data, double ratio)
{
    for (auto& p : data.packets) {
        if (p.type == MediaType::audio) {
            p.dts = p.pts = std::round(*p.pts * ratio * 1000) / 1000;
        }
    }
}

// Ids of the requirements that did not pass (fail or unknown), for one-line assertions.
inline std::vector<std::string> not_passing(const std::vector<RequirementResult>& results)
{
    std::vector<std::string> ids;
    for (const auto& r : results) {
        if (r.status == Status::fail || r.status == Status::unknown) {
            ids.push_back(r.requirement.id);
        }
    }
    return ids;
}

} // namespace inspect_test
