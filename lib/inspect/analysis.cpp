#include "inspect/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mtxrelay::inspect {

namespace {

// The time a packet occupies in decode order: its DTS, else its PTS.
std::optional<double> decode_time(const Packet& packet)
{
    return packet.dts ? packet.dts : packet.pts;
}

std::vector<const Packet*> track(const ProbeData& data, MediaType type)
{
    std::vector<const Packet*> packets;
    for (const auto& packet : data.packets) {
        if (packet.type == type) {
            packets.push_back(&packet);
        }
    }
    return packets;
}

// Consecutive decode-time steps of a track, in read order.
std::vector<double> steps_of(const std::vector<const Packet*>& packets)
{
    std::vector<double> steps;
    std::optional<double> previous;
    for (const auto* packet : packets) {
        const auto time = decode_time(*packet);
        if (!time) {
            continue;
        }
        if (previous) {
            steps.push_back(*time - *previous);
        }
        previous = time;
    }
    return steps;
}

double median_positive(const std::vector<double>& values)
{
    std::vector<double> positive;
    std::copy_if(values.begin(), values.end(), std::back_inserter(positive),
                 [](double v) { return v > k_time_epsilon; });
    if (positive.empty()) {
        return 0;
    }
    auto middle = positive.begin() + static_cast<std::ptrdiff_t>(positive.size() / 2);
    std::nth_element(positive.begin(), middle, positive.end());
    return *middle;
}

// The step a constant-rate track is built on: the median step, refined as the mean of the
// steps near it, so millisecond rounding (33/34 ms at 30 fps) averages out and holes do not count.
double nominal_step(const std::vector<double>& steps)
{
    const double median = median_positive(steps);
    double sum = 0;
    int count = 0;
    for (const double step : steps) {
        if (step >= 0.75 * median && step <= 1.25 * median) {
            sum += step;
            ++count;
        }
    }
    return count > 0 ? sum / count : median;
}

TrackTiming time_track(const std::vector<const Packet*>& packets, double fallback_duration)
{
    TrackTiming timing;
    timing.packets = packets.size();
    std::optional<double> previous;
    bool have_first = false;
    timing.end = -std::numeric_limits<double>::infinity();
    for (const auto* packet : packets) {
        if (!packet->pts || !packet->dts) {
            ++timing.missing_timestamps;
        }
        if (packet->pts && packet->dts && *packet->pts < *packet->dts - k_time_epsilon) {
            ++timing.pts_before_dts;
        }
        const auto time = decode_time(*packet);
        if (!time) {
            continue;
        }
        if (!have_first) {
            timing.first = *time;
            have_first = true;
        }
        const double length = packet->duration > 0 ? packet->duration : fallback_duration;
        timing.end = std::max(timing.end, *time + length);
        if (previous) {
            const double step = *time - *previous;
            if (std::abs(step) <= k_time_epsilon) {
                ++timing.dts_repeated;
            } else if (step < 0) {
                ++timing.dts_backward;
            }
            if (step < -k_time_epsilon || step > k_jump_threshold + k_time_epsilon) {
                timing.jumps.push_back({packet->type, *time, step});
            }
        }
        previous = time;
    }
    if (!have_first) {
        timing.end = 0;
        return timing;
    }
    double last = timing.first;
    for (const auto* packet : packets) {
        last = decode_time(*packet).value_or(last);
    }
    for (const auto* packet : packets) {
        const auto time = packet->pts ? packet->pts : packet->dts;
        if (!time) {
            continue;
        }
        const double at = decode_time(*packet).value_or(timing.first);
        if (at < timing.first + 1.0) {
            timing.start = timing.start ? std::min(*timing.start, *time) : *time;
        }
        // Symmetric to the start: the second before the last packet's time, so packets from
        // before a backward jump (a restarted encoder) do not move the end.
        if (at > last - 1.0 && at <= last + k_time_epsilon) {
            const double length = packet->duration > 0 ? packet->duration : fallback_duration;
            timing.finish = std::max(timing.finish.value_or(*time + length), *time + length);
        }
    }
    return timing;
}

bool whole_milliseconds(const ProbeData& data)
{
    const auto whole = [](const std::optional<double>& t) {
        return !t || std::abs(*t * 1000 - std::round(*t * 1000)) < 1e-4;
    };
    return std::all_of(data.packets.begin(), data.packets.end(),
                       [&](const Packet& p) { return whole(p.pts) && whole(p.dts); });
}

void analyse_keyframes(const std::vector<const Packet*>& video, Report& report)
{
    for (const auto* packet : video) {
        const auto time = packet->pts ? packet->pts : packet->dts;
        if (packet->keyframe && time) {
            report.keyframe_times.push_back(*time);
        }
    }
    const auto& timing = report.video_timing;
    if (report.keyframe_times.empty()) {
        report.keyframe_lead = report.keyframe_tail = timing.end - timing.first;
        return;
    }
    std::vector<double> intervals;
    for (size_t i = 1; i < report.keyframe_times.size(); ++i) {
        intervals.push_back(report.keyframe_times[i] - report.keyframe_times[i - 1]);
    }
    report.keyframe_intervals = describe(intervals);
    report.keyframe_lead = std::max(0.0, report.keyframe_times.front() - timing.start.value_or(timing.first));
    report.keyframe_tail = std::max(0.0, timing.end - report.keyframe_times.back());
}

void analyse_frames(const std::vector<const Packet*>& video, Report& report)
{
    const auto steps = steps_of(video);
    report.frames = video.size();
    report.frame_durations = describe(steps);
    report.nominal_frame_interval = nominal_step(steps);
    for (size_t i = 0, at = 0; i < video.size(); ++i) {
        if (!decode_time(*video[i])) {
            continue;
        }
        if (at > 0 && steps[at - 1] > report.largest_gap) {
            report.largest_gap = steps[at - 1];
            report.largest_gap_at = *decode_time(*video[i]);
        }
        ++at;
    }
    const auto& timing = report.video_timing;
    const double length = timing.end - timing.first;
    report.effective_fps = length > 0 ? static_cast<double>(report.frames) / length : 0;
    const auto seconds = static_cast<size_t>(std::floor(length + k_time_epsilon));
    report.frames_per_second.assign(seconds, 0);
    for (const auto* packet : video) {
        const auto time = decode_time(*packet);
        if (!time) {
            continue;
        }
        const double offset = std::floor(*time - timing.first + k_time_epsilon);
        if (offset >= 0 && offset < static_cast<double>(seconds)) {
            ++report.frames_per_second[static_cast<size_t>(offset)];
        }
    }
}

void analyse_bitrate(const ProbeData& data, Report& report)
{
    std::vector<std::pair<double, std::int64_t>> timeline;
    std::int64_t total = 0;
    for (const auto& packet : data.packets) {
        total += packet.size;
        if (const auto time = decode_time(packet)) {
            timeline.emplace_back(*time, packet.size);
        }
    }
    std::sort(timeline.begin(), timeline.end());
    if (report.duration > 0) {
        report.bitrate_mean = static_cast<double>(total) * 8 / report.duration;
    }
    // Windows [t, t + 1 s) start at each distinct packet time and must end by the end of the
    // track that ends first: the last partial second, or a tail where one track has already
    // stopped, is never counted as a low window.
    double windows_end = report.video_timing.end;
    if (report.audio_timing.packets > 0) {
        windows_end = std::min(windows_end, report.audio_timing.end);
    }
    std::int64_t sum = 0;
    size_t next = 0;
    for (size_t i = 0; i < timeline.size(); ++i) {
        const double begin = timeline[i].first;
        if (begin + 1.0 > windows_end + k_time_epsilon) {
            break;
        }
        while (next < timeline.size() && timeline[next].first < begin + 1.0 - k_time_epsilon) {
            sum += timeline[next++].second;
        }
        const bool repeats = i > 0 && timeline[i - 1].first == begin;
        if (!repeats) {
            const double bits = static_cast<double>(sum) * 8;
            if (!report.bitrate_lowest_window || bits < *report.bitrate_lowest_window) {
                report.bitrate_lowest_window = bits;
                report.bitrate_lowest_window_at = begin;
            }
            report.bitrate_highest_window = std::max(report.bitrate_highest_window.value_or(0), bits);
        }
        sum -= timeline[i].second;
    }
}

} // namespace

Stats describe(const std::vector<double>& values)
{
    Stats stats;
    stats.count = values.size();
    if (values.empty()) {
        return stats;
    }
    const auto [low, high] = std::minmax_element(values.begin(), values.end());
    stats.min = *low;
    stats.max = *high;
    double sum = 0;
    for (const double v : values) {
        sum += v;
    }
    stats.mean = sum / static_cast<double>(values.size());
    double squares = 0;
    for (const double v : values) {
        squares += (v - stats.mean) * (v - stats.mean);
    }
    stats.stddev = std::sqrt(squares / static_cast<double>(values.size()));
    return stats;
}

Report analyse(const ProbeData& data)
{
    Report report;
    report.video = data.video.value_or(VideoStreamInfo{});
    report.audio = data.audio;
    const auto video = track(data, MediaType::video);
    const auto audio = track(data, MediaType::audio);
    report.video_timing = time_track(video, nominal_step(steps_of(video)));
    report.audio_timing = time_track(audio, nominal_step(steps_of(audio)));
    report.timestamp_resolution = whole_milliseconds(data) ? 0.001 : 0;

    report.start = report.video_timing.first;
    report.end = report.video_timing.end;
    if (report.audio_timing.packets > 0) {
        report.start = std::min(report.start, report.audio_timing.first);
        report.end = std::max(report.end, report.audio_timing.end);
    }
    report.duration = std::max(0.0, report.end - report.start);

    double highest_pts = -std::numeric_limits<double>::infinity();
    for (const auto* packet : video) {
        if (packet->pts) {
            if (*packet->pts < highest_pts - k_time_epsilon) {
                ++report.reordered_frames;
            }
            highest_pts = std::max(highest_pts, *packet->pts);
        }
    }
    analyse_keyframes(video, report);
    analyse_frames(video, report);
    analyse_bitrate(data, report);
    if (report.video_timing.start && report.audio_timing.start) {
        report.av_start_offset = *report.audio_timing.start - *report.video_timing.start;
    }
    if (report.video_timing.finish && report.audio_timing.finish) {
        report.av_end_offset = *report.audio_timing.finish - *report.video_timing.finish;
    }
    return report;
}

} // namespace mtxrelay::inspect
