#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mtxrelay::inspect {

// Two times or figures closer than this are equal (ffprobe prints microseconds).
inline constexpr double k_time_epsilon = 1e-6;

enum class MediaType { video, audio };

// One demuxed packet as ffprobe reports it, times in seconds. Missing timestamps stay empty
// (raw elementary streams, broken muxers) so the analysis can count them.
struct Packet {
    MediaType type = MediaType::video;
    std::optional<double> pts;
    std::optional<double> dts;
    double duration = 0; // 0 when unknown
    std::int64_t size = 0;
    bool keyframe = false;
};

// Header facts of the first video stream (ffprobe -show_streams).
struct VideoStreamInfo {
    std::string codec; // "h264"
    std::string profile;
    int width = 0;
    int height = 0;
    int has_b_frames = 0; // the decoder's reorder depth announced by the stream
};

// Header facts of the first audio stream.
struct AudioStreamInfo {
    std::string codec;   // "aac"
    std::string profile; // "LC"
    int sample_rate = 0;
    int channels = 0;
};

// What a probe read: stream headers and the packets of those two streams in read order.
struct ProbeData {
    std::optional<VideoStreamInfo> video;
    std::optional<AudioStreamInfo> audio;
    std::vector<Packet> packets;
};

// min/max/mean/population stddev of a series; count 0 means "no values".
struct Stats {
    std::size_t count = 0;
    double min = 0;
    double max = 0;
    double mean = 0;
    double stddev = 0;
};
Stats describe(const std::vector<double>& values);

// A timestamp step between consecutive packets of one track that is backward or forward by
// more than k_jump_threshold.
struct TimestampJump {
    MediaType type = MediaType::video;
    double at = 0;   // time of the packet after the step
    double step = 0; // signed size of the step in seconds
};

// A forward DTS step larger than this between consecutive packets of one track is a jump.
inline constexpr double k_jump_threshold = 0.5;

// Timestamp health of one track, in read (decode) order.
struct TrackTiming {
    std::size_t packets = 0;
    std::size_t missing_timestamps = 0; // packets with neither PTS nor DTS, or one of them missing
    std::size_t dts_backward = 0;       // DTS below the previous packet's
    std::size_t dts_repeated = 0;       // DTS equal to the previous packet's
    std::size_t pts_before_dts = 0;
    std::vector<TimestampJump> jumps;
    std::optional<double> start;  // earliest PTS within the track's first second
    std::optional<double> finish; // latest PTS + duration within the track's last second
    double first = 0;             // first packet's DTS (PTS when DTS is missing)
    double end = 0;               // last DTS + its duration
};

// Every figure relay-inspect reports; computed from ProbeData alone, so tests need no ffprobe.
struct Report {
    VideoStreamInfo video;
    std::optional<AudioStreamInfo> audio;
    TrackTiming video_timing;
    TrackTiming audio_timing; // packets == 0 without audio
    double start = 0;         // earliest packet time of either track
    double end = 0;           // latest packet end of either track
    double duration = 0;      // end - start

    // B-frames: video packets whose PTS is below one already seen in decode order.
    std::size_t reordered_frames = 0;

    // Keyframes (by PTS) and the complete intervals between consecutive ones. The open ends
    // are lower bounds of an interval that started before or ends after what was read.
    std::vector<double> keyframe_times;
    Stats keyframe_intervals;
    double keyframe_lead = 0; // first video packet -> first keyframe (whole track when none)
    double keyframe_tail = 0; // last keyframe -> end of the video track

    // Frame timing from consecutive video DTS steps.
    std::size_t frames = 0;
    Stats frame_durations;
    double nominal_frame_interval = 0;  // mean of the steps within 25 % of their median
    double timestamp_resolution = 0;    // 0.001 when every timestamp is a whole millisecond (FLV/RTMP)
    double effective_fps = 0;           // frames / video track duration
    std::vector<int> frames_per_second; // frames in each complete 1 s window from the first frame
    double largest_gap = 0;             // largest video DTS step
    double largest_gap_at = 0;

    // Combined (video + audio) bitrate in bit/s: mean over the whole span, and the lowest and
    // highest sum over any 1 s window that starts at a packet and ends before either track ends.
    double bitrate_mean = 0;
    std::optional<double> bitrate_lowest_window;
    double bitrate_lowest_window_at = 0;
    std::optional<double> bitrate_highest_window;

    // Audio start minus video start (positive: audio starts later), and the same at the end
    // (audio finish minus video finish; positive: audio ends later).
    std::optional<double> av_start_offset;
    std::optional<double> av_end_offset;
};

// Analyses one probe; data.video must be set and some video packets present.
Report analyse(const ProbeData& data);

} // namespace mtxrelay::inspect
