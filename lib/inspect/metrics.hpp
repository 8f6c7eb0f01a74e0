#pragma once

#include "inspect/analysis.hpp"

#include <optional>
#include <string>

namespace mtxrelay::inspect {

// The figures a requirement can test; each has one accessor and one unit (see measure()).
enum class Metric {
    video_codec,
    b_frames, // has_b_frames + reordered packets
    keyframe_interval_min,
    keyframe_interval_max,
    keyframe_interval_stddev,
    closed_gops, // not measurable from packets: reported as reasoning
    frame_duration_stddev,
    frames_per_second_spread,
    frame_rate,           // the rate the frame timing is built on: 1 / nominal frame interval
    frame_size,           // "WxH" from the stream header
    orientation,          // "landscape", "portrait" or "square"
    duration,             // earliest packet to the latest packet end of either track
    dts_order_violations, // backward + repeated DTS + missing timestamps
    pts_before_dts,
    largest_frame_gap,
    timestamp_jumps,
    audio_present,
    audio_codec,
    audio_profile,
    audio_sample_rate,
    bitrate_mean,
    bitrate_lowest_window,
    bitrate_window_spread, // highest / lowest 1 s window
    av_start_offset,       // absolute value
    av_end_offset,         // absolute value
};

enum class Unit { text, count, seconds, milliseconds, mbps, frame_intervals, ratio, fps };

// A figure taken from a Report for one metric.
struct Measurement {
    Unit unit = Unit::count;
    std::optional<double> value;     // numeric metrics; empty when not measurable
    std::optional<std::string> text; // text metrics ("h264")
    bool lower_bound = false;        // the true value is at least `value` (an open interval)
    std::string shown;               // the figure as printed, with context
    std::string why_unknown;         // when nothing conclusive was measured
};
Measurement measure(const Report& report, Metric metric);

} // namespace mtxrelay::inspect
