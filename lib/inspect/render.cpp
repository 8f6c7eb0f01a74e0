#include "inspect/render.hpp"

#include "core/strings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

namespace mtxrelay::inspect {

namespace {

using nlohmann::json;

std::string timing_line(const TrackTiming& t)
{
    return fmt::format("timestamps: {} DTS backward, {} repeated, {} missing, {} PTS<DTS, {} jump{}", t.dts_backward,
                       t.dts_repeated, t.missing_timestamps, t.pts_before_dts, t.jumps.size(),
                       t.jumps.size() == 1 ? "" : "s");
}

std::pair<int, int> fps_range(const Report& r)
{
    if (r.frames_per_second.empty()) {
        return {0, 0};
    }
    const auto [low, high] = std::minmax_element(r.frames_per_second.begin(), r.frames_per_second.end());
    return {*low, *high};
}

double nominal_fps(const Report& r)
{
    return r.nominal_frame_interval > 0 ? 1 / r.nominal_frame_interval : 0;
}

void video_section(std::string& out, const Report& r)
{
    const auto& v = r.video;
    const auto& d = r.frame_durations;
    const auto& k = r.keyframe_intervals;
    const auto [fps_low, fps_high] = fps_range(r);
    out +=
        fmt::format("video    {} {} {}x{}, {} frames, {:.2f} fps ({:.2f} effective)\n", v.codec,
                    v.profile.empty() ? "-" : v.profile, v.width, v.height, r.frames, nominal_fps(r), r.effective_fps);
    out += fmt::format("         frame durations {:.1f}-{:.1f} ms, mean {:.2f}, stddev {:.2f} ms; frames per second "
                       "{}-{} over {} s\n",
                       d.min * 1000, d.max * 1000, d.mean * 1000, d.stddev * 1000, fps_low, fps_high,
                       r.frames_per_second.size());
    out += fmt::format("         B-frames: has_b_frames {}, {} packets out of PTS order\n", v.has_b_frames,
                       r.reordered_frames);
    if (k.count > 0) {
        out += fmt::format("         keyframes {}, interval min {:.3f} / max {:.3f} / mean {:.3f} / stddev {:.3f} s "
                           "(before the first {:.3f} s, after the last {:.3f} s)\n",
                           r.keyframe_times.size(), k.min, k.max, k.mean, k.stddev, r.keyframe_lead, r.keyframe_tail);
    } else {
        out += fmt::format("         keyframes {}: no complete interval\n", r.keyframe_times.size());
    }
    out += fmt::format("         largest frame gap {:.3f} s at {:.3f} s (frame interval {:.2f} ms{})\n", r.largest_gap,
                       r.largest_gap_at, r.nominal_frame_interval * 1000,
                       r.timestamp_resolution > 0 ? ", whole-ms timestamps" : "");
    out += "         " + timing_line(r.video_timing) + "\n";
}

void audio_section(std::string& out, const Report& r)
{
    if (!r.audio) {
        out += "audio    none\n";
        return;
    }
    const auto& a = *r.audio;
    out += fmt::format("audio    {} {} {} Hz {} ch, {} packets\n", a.codec, a.profile.empty() ? "-" : a.profile,
                       a.sample_rate, a.channels, r.audio_timing.packets);
    out += "         " + timing_line(r.audio_timing) + "\n";
}

void stream_section(std::string& out, const Report& r)
{
    if (r.bitrate_lowest_window) {
        out += fmt::format("bitrate  mean {:.2f} Mbit/s, 1 s windows {:.2f}-{:.2f} Mbit/s (lowest from {:.3f} s)\n",
                           r.bitrate_mean / 1e6, *r.bitrate_lowest_window / 1e6,
                           r.bitrate_highest_window.value_or(0) / 1e6, r.bitrate_lowest_window_at);
    } else {
        out += fmt::format("bitrate  mean {:.2f} Mbit/s (shorter than 1 s: no windows)\n", r.bitrate_mean / 1e6);
    }
    if (r.av_start_offset && r.av_end_offset) {
        out += fmt::format("a/v      start offset {:+.0f} ms, end offset {:+.0f} ms (audio minus video)\n",
                           *r.av_start_offset * 1000, *r.av_end_offset * 1000);
    }
}

std::string verdict(const std::vector<RequirementResult>& results)
{
    std::vector<std::string> failed;
    std::vector<std::string> unknown;
    size_t judged = 0;
    for (const auto& r : results) {
        judged += r.status != Status::info ? 1 : 0;
        if (r.status == Status::fail) {
            failed.push_back(r.requirement.id);
        } else if (r.status == Status::unknown) {
            unknown.push_back(r.requirement.id);
        }
    }
    if (failed.empty() && unknown.empty()) {
        return fmt::format("result: PASS, all {} requirements met", judged);
    }
    std::string line =
        fmt::format("result: FAIL, {} of {} requirements not met", failed.size() + unknown.size(), judged);
    if (!failed.empty()) {
        line += fmt::format("; failed: {}", fmt::join(failed, ", "));
    }
    if (!unknown.empty()) {
        line += fmt::format("; not measurable from this input: {}", fmt::join(unknown, ", "));
    }
    return line;
}

json stats_json(const Stats& s, double scale = 1)
{
    if (s.count == 0) {
        return nullptr;
    }
    return {{"count", s.count},
            {"min", s.min * scale},
            {"max", s.max * scale},
            {"mean", s.mean * scale},
            {"stddev", s.stddev * scale}};
}

template <class T>
json optional_json(const std::optional<T>& value, double scale = 1)
{
    return value ? json(*value * scale) : json(nullptr);
}

json timing_json(const TrackTiming& t)
{
    json jumps = json::array();
    for (const auto& jump : t.jumps) {
        jumps.push_back({{"at_s", jump.at}, {"step_s", jump.step}});
    }
    return {{"packets", t.packets},
            {"dts_backward", t.dts_backward},
            {"dts_repeated", t.dts_repeated},
            {"missing_timestamps", t.missing_timestamps},
            {"pts_before_dts", t.pts_before_dts},
            {"jumps", jumps},
            {"first_s", t.first},
            {"end_s", t.end},
            {"start_s", optional_json(t.start)},
            {"finish_s", optional_json(t.finish)}};
}

// Rounds every float to 6 decimals (ffprobe's own precision): 0.49999999999999994 -> 0.5.
void tidy(json& value)
{
    if (value.is_number_float()) {
        value = std::round(value.get<double>() * 1e6) / 1e6;
    } else if (value.is_structured()) {
        for (auto& item : value) {
            tidy(item);
        }
    }
}

json figures_json(const Report& r)
{
    const auto [fps_low, fps_high] = fps_range(r);
    json video = {{"codec", r.video.codec},
                  {"profile", r.video.profile},
                  {"width", r.video.width},
                  {"height", r.video.height},
                  {"has_b_frames", r.video.has_b_frames},
                  {"reordered_frames", r.reordered_frames},
                  {"frames", r.frames},
                  {"fps", nominal_fps(r)},
                  {"effective_fps", r.effective_fps},
                  {"frame_duration_ms", stats_json(r.frame_durations, 1000)},
                  {"nominal_frame_interval_ms", r.nominal_frame_interval * 1000},
                  {"frames_per_second", {{"min", fps_low}, {"max", fps_high}, {"seconds", r.frames_per_second.size()}}},
                  {"keyframes", r.keyframe_times.size()},
                  {"keyframe_interval_s", stats_json(r.keyframe_intervals)},
                  {"keyframe_lead_s", r.keyframe_lead},
                  {"keyframe_tail_s", r.keyframe_tail},
                  {"largest_gap_s", r.largest_gap},
                  {"largest_gap_at_s", r.largest_gap_at},
                  {"timestamp_resolution_s", r.timestamp_resolution},
                  {"timing", timing_json(r.video_timing)}};
    json audio = nullptr;
    if (r.audio) {
        audio = {{"codec", r.audio->codec},
                 {"profile", r.audio->profile},
                 {"sample_rate", r.audio->sample_rate},
                 {"channels", r.audio->channels},
                 {"timing", timing_json(r.audio_timing)}};
    }
    return {{"start_s", r.start},
            {"end_s", r.end},
            {"duration_s", r.duration},
            {"video", video},
            {"audio", audio},
            {"bitrate_bps",
             {{"mean", r.bitrate_mean},
              {"lowest_1s_window", optional_json(r.bitrate_lowest_window)},
              {"lowest_1s_window_at_s", r.bitrate_lowest_window ? json(r.bitrate_lowest_window_at) : json(nullptr)},
              {"highest_1s_window", optional_json(r.bitrate_highest_window)}}},
            {"av_start_offset_ms", optional_json(r.av_start_offset, 1000)},
            {"av_end_offset_ms", optional_json(r.av_end_offset, 1000)}};
}

} // namespace

std::string render_text(const InputSummary& input, const Report& report, const Profile& profile,
                        const std::vector<RequirementResult>& results)
{
    std::string out =
        fmt::format("input    {} ({}, {:.2f} s read{})\n", input.name, input.network ? "live" : "file", report.duration,
                    input.duration ? fmt::format(", --duration {:g}", *input.duration) : std::string());
    video_section(out, report);
    audio_section(out, report);
    stream_section(out, report);
    out += fmt::format("\nprofile {}: {}\n", profile.name, profile.description);
    for (const auto& r : results) {
        const auto& m = r.measured;
        // The name already states the limit, except a frame-interval limit's value in seconds.
        const bool derived = m.unit == Unit::frame_intervals && !r.limit.empty();
        const auto limit = derived ? fmt::format("  [limit {}]", r.limit) : std::string();
        out += fmt::format("  {:<7}  {:<54} {}{}\n", status_name(r.status), r.requirement.name, m.shown, limit);
    }
    out += verdict(results) + "\n";
    return out;
}

json render_json(const InputSummary& input, const Report& report, const Profile& profile,
                 const std::vector<RequirementResult>& results)
{
    json requirements = json::array();
    for (const auto& r : results) {
        json item = {{"id", r.requirement.id},
                     {"name", r.requirement.name},
                     {"status", core::to_lower(status_name(r.status))},
                     {"measured", r.measured.shown},
                     {"limit", r.limit}};
        item["value"] = r.measured.value ? json(*r.measured.value) : json(nullptr);
        if (r.measured.text && r.requirement.compare != Compare::info) {
            item["value"] = *r.measured.text;
        }
        if (r.measured.lower_bound) {
            item["lower_bound"] = true;
        }
        requirements.push_back(item);
    }
    json document = {
        {"input", {{"name", input.name}, {"live", input.network}, {"duration", optional_json(input.duration)}}},
        {"profile", profile.name},
        {"result", all_pass(results) ? "pass" : "fail"},
        {"figures", figures_json(report)},
        {"requirements", requirements}};
    tidy(document);
    return document;
}

} // namespace mtxrelay::inspect
