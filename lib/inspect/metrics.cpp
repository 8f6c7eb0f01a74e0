#include "inspect/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace mtxrelay::inspect {

namespace {

Measurement number(Unit unit, double value, std::string shown)
{
    Measurement m;
    m.unit = unit;
    m.value = value;
    m.shown = std::move(shown);
    return m;
}

Measurement text(std::string value, std::string shown)
{
    Measurement m;
    m.unit = Unit::text;
    m.text = std::move(value);
    m.shown = std::move(shown);
    return m;
}

Measurement unknown(Unit unit, std::string why)
{
    Measurement m;
    m.unit = unit;
    m.why_unknown = why;
    m.shown = std::move(why);
    return m;
}

std::string interval_count(const Report& r)
{
    const auto n = r.keyframe_intervals.count;
    auto shown = fmt::format("{} interval{}", n, n == 1 ? "" : "s");
    if (n < 2) {
        shown += fmt::format(" in {:.1f} s: too short to judge regularity, read longer (--duration)",
                             r.video_timing.end - r.video_timing.first);
    }
    return shown;
}

Measurement keyframe_max(const Report& r)
{
    const double open_end = std::max(r.keyframe_lead, r.keyframe_tail);
    if (r.keyframe_intervals.count == 0) {
        auto m = number(Unit::seconds, open_end,
                        fmt::format("no complete interval ({} keyframe{} in {:.1f} s); at least {:.3f} s",
                                    r.keyframe_times.size(), r.keyframe_times.size() == 1 ? "" : "s",
                                    r.video_timing.end - r.video_timing.first, open_end));
        m.lower_bound = true;
        m.why_unknown = "no complete keyframe interval: read longer (--duration)";
        return m;
    }
    if (open_end > r.keyframe_intervals.max) {
        return number(Unit::seconds, open_end,
                      fmt::format("{:.3f} s with no keyframe at the {} of what was read ({})", open_end,
                                  r.keyframe_tail >= r.keyframe_lead ? "end" : "start", interval_count(r)));
    }
    return number(Unit::seconds, r.keyframe_intervals.max,
                  fmt::format("{:.3f} s ({})", r.keyframe_intervals.max, interval_count(r)));
}

std::string jumps_text(const Report& r)
{
    std::vector<TimestampJump> all = r.video_timing.jumps;
    all.insert(all.end(), r.audio_timing.jumps.begin(), r.audio_timing.jumps.end());
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
    std::string shown = std::to_string(all.size());
    for (size_t i = 0; i < all.size() && i < 3; ++i) {
        shown += fmt::format("{}{} {:+.3f} s at {:.3f} s", i == 0 ? ": " : ", ",
                             all[i].type == MediaType::video ? "video" : "audio", all[i].step, all[i].at);
    }
    return all.size() > 3 ? shown + ", ..." : shown;
}

std::size_t order_violations(const TrackTiming& t)
{
    return t.dts_backward + t.dts_repeated + t.missing_timestamps;
}

Measurement audio_measure(const Report& r, Metric metric)
{
    if (!r.audio) {
        return metric == Metric::audio_present ? number(Unit::count, 0, "no audio track")
                                               : unknown(Unit::text, "no audio track");
    }
    const auto& a = *r.audio;
    switch (metric) {
    case Metric::audio_present:
        return number(Unit::count, 1,
                      fmt::format("yes: {} {} {} Hz, {} ch", a.codec, a.profile, a.sample_rate, a.channels));
    case Metric::audio_codec:
        return text(a.codec, a.codec);
    case Metric::audio_profile:
        return text(a.profile, a.profile.empty() ? "(none reported)" : a.profile);
    default:
        return text(std::to_string(a.sample_rate), fmt::format("{} Hz", a.sample_rate));
    }
}

Measurement frame_measure(const Report& r, Metric metric)
{
    const auto& d = r.frame_durations;
    if (d.count == 0) {
        return unknown(metric == Metric::largest_frame_gap ? Unit::frame_intervals : Unit::milliseconds,
                       "fewer than 2 video frames");
    }
    if (metric == Metric::frame_duration_stddev) {
        return number(Unit::milliseconds, d.stddev * 1000,
                      fmt::format("{:.2f} ms (durations {:.1f}-{:.1f} ms, mean {:.2f} ms)", d.stddev * 1000,
                                  d.min * 1000, d.max * 1000, d.mean * 1000));
    }
    if (metric == Metric::frames_per_second_spread) {
        const auto& fps = r.frames_per_second;
        if (fps.empty()) {
            return unknown(Unit::count, "shorter than 1 s");
        }
        const auto [low, high] = std::minmax_element(fps.begin(), fps.end());
        return number(Unit::count, *high - *low,
                      fmt::format("{} ({}-{} frames in each of {} s; {:.2f} fps effective)", *high - *low, *low, *high,
                                  fps.size(), r.effective_fps));
    }
    const double nominal = r.nominal_frame_interval;
    if (nominal <= 0) {
        return unknown(Unit::frame_intervals, "no frame interval measured");
    }
    return number(Unit::frame_intervals, r.largest_gap / nominal,
                  fmt::format("{:.3f} s = {:.2f} frame intervals of {:.1f} ms, at {:.3f} s", r.largest_gap,
                              r.largest_gap / nominal, nominal * 1000, r.largest_gap_at));
}

Measurement bitrate_measure(const Report& r, Metric metric)
{
    if (metric == Metric::bitrate_mean) {
        return number(Unit::mbps, r.bitrate_mean / 1e6,
                      fmt::format("{:.2f} Mbit/s over {:.1f} s", r.bitrate_mean / 1e6, r.duration));
    }
    if (!r.bitrate_lowest_window) {
        return unknown(metric == Metric::bitrate_lowest_window ? Unit::mbps : Unit::ratio, "shorter than 1 s");
    }
    const double low = *r.bitrate_lowest_window / 1e6;
    const double high = r.bitrate_highest_window.value_or(0) / 1e6;
    if (metric == Metric::bitrate_lowest_window) {
        return number(Unit::mbps, low,
                      fmt::format("{:.2f} Mbit/s in [{:.3f}, {:.3f}) s", low, r.bitrate_lowest_window_at,
                                  r.bitrate_lowest_window_at + 1));
    }
    const double spread = low > 0 ? high / low : std::numeric_limits<double>::infinity();
    return number(Unit::ratio, spread, fmt::format("{:.2f} (1 s windows {:.2f}-{:.2f} Mbit/s)", spread, low, high));
}

std::string orientation_of_stream(const VideoStreamInfo& v)
{
    return v.width > v.height ? "landscape" : v.height > v.width ? "portrait" : "square";
}

Measurement shape_measure(const Report& r, Metric metric)
{
    const auto& v = r.video;
    if (v.width <= 0 || v.height <= 0) {
        return unknown(Unit::text, "frame size not reported by the stream header");
    }
    const auto size = fmt::format("{}x{}", v.width, v.height);
    if (metric == Metric::frame_size) {
        return text(size, size);
    }
    const auto orientation = orientation_of_stream(v);
    return text(orientation, fmt::format("{} ({})", orientation, size));
}

Measurement frame_rate_measure(const Report& r)
{
    if (r.nominal_frame_interval <= 0) {
        return unknown(Unit::fps, "no frame interval measured (fewer than 2 video frames)");
    }
    const double fps = 1 / r.nominal_frame_interval;
    return number(Unit::fps, fps,
                  fmt::format("{:.2f} fps (frame interval {:.2f} ms; {:.2f} fps effective)", fps,
                              r.nominal_frame_interval * 1000, r.effective_fps));
}

Measurement offset_measure(const std::optional<double>& offset, std::string_view edge)
{
    if (!offset) {
        return unknown(Unit::milliseconds, "no audio track");
    }
    const double ms = std::abs(*offset) * 1000;
    return number(Unit::milliseconds, ms,
                  fmt::format("{:.0f} ms (audio {} {} video)", ms, edge, *offset >= 0 ? "after" : "before"));
}

} // namespace

Measurement measure(const Report& r, Metric metric)
{
    const auto& k = r.keyframe_intervals;
    switch (metric) {
    case Metric::video_codec:
        return text(r.video.codec, fmt::format("{} ({}, {}x{})", r.video.codec,
                                               r.video.profile.empty() ? "no profile" : r.video.profile, r.video.width,
                                               r.video.height));
    case Metric::b_frames:
        return number(Unit::count, static_cast<double>(r.video.has_b_frames + r.reordered_frames),
                      fmt::format("has_b_frames {}, {} of {} packets out of PTS order", r.video.has_b_frames,
                                  r.reordered_frames, r.frames));
    case Metric::keyframe_interval_min:
        if (k.count == 0) {
            return unknown(Unit::seconds,
                           fmt::format("no complete keyframe interval ({} keyframe{}): read longer (--duration)",
                                       r.keyframe_times.size(), r.keyframe_times.size() == 1 ? "" : "s"));
        }
        return number(Unit::seconds, k.min, fmt::format("{:.3f} s ({})", k.min, interval_count(r)));
    case Metric::keyframe_interval_max:
        return keyframe_max(r);
    case Metric::keyframe_interval_stddev:
        if (k.count < 2) {
            return unknown(Unit::seconds,
                           fmt::format("needs 2 keyframe intervals, got {}: read longer (--duration)", k.count));
        }
        return number(
            Unit::seconds, k.stddev,
            fmt::format("{:.3f} s (intervals {:.3f}-{:.3f} s, mean {:.3f} s)", k.stddev, k.min, k.max, k.mean));
    case Metric::closed_gops: {
        const bool b_frames = r.video.has_b_frames + r.reordered_frames > 0;
        return text({}, b_frames
                            ? "not measured; B-frames present, so GOPs may be open"
                            : "not measured; implied by no B-frames (no frame after a keyframe is shown before it)");
    }
    case Metric::frame_duration_stddev:
    case Metric::frames_per_second_spread:
    case Metric::largest_frame_gap:
        return frame_measure(r, metric);
    case Metric::dts_order_violations: {
        const auto& v = r.video_timing;
        const auto& a = r.audio_timing;
        return number(Unit::count, static_cast<double>(order_violations(v) + order_violations(a)),
                      fmt::format("{} ({} backward, {} repeated, {} missing)",
                                  order_violations(v) + order_violations(a), v.dts_backward + a.dts_backward,
                                  v.dts_repeated + a.dts_repeated, v.missing_timestamps + a.missing_timestamps));
    }
    case Metric::pts_before_dts: {
        const auto n = r.video_timing.pts_before_dts + r.audio_timing.pts_before_dts;
        return number(Unit::count, static_cast<double>(n), std::to_string(n));
    }
    case Metric::timestamp_jumps:
        return number(Unit::count, static_cast<double>(r.video_timing.jumps.size() + r.audio_timing.jumps.size()),
                      jumps_text(r));
    case Metric::audio_present:
    case Metric::audio_codec:
    case Metric::audio_profile:
    case Metric::audio_sample_rate:
        return audio_measure(r, metric);
    case Metric::bitrate_mean:
    case Metric::bitrate_lowest_window:
    case Metric::bitrate_window_spread:
        return bitrate_measure(r, metric);
    case Metric::frame_rate:
        return frame_rate_measure(r);
    case Metric::frame_size:
    case Metric::orientation:
        return shape_measure(r, metric);
    case Metric::duration:
        return number(Unit::seconds, r.duration,
                      fmt::format("{:.3f} s (from {:.3f} to {:.3f} s)", r.duration, r.start, r.end));
    case Metric::av_start_offset:
        return offset_measure(r.av_start_offset, "starts");
    case Metric::av_end_offset:
        return offset_measure(r.av_end_offset, "ends");
    }
    return unknown(Unit::text, "unknown metric");
}

} // namespace mtxrelay::inspect
