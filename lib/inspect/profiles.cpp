// The target profiles as data. Adding a profile is adding a table here (docs/relay-inspect.md).
#include "inspect/expectations.hpp"
#include "inspect/profile.hpp"

namespace mtxrelay::inspect {

namespace {

using C = Compare;
using E = Expectation;
using M = Metric;

// The shape of the picture. Rows with an expectation take relay-inspect's --expect-* values;
// without one, the clean contract's defaults apply (SPEC 6: 30 fps, a quality preset's size)
// and orientation and duration are shown, not judged (nothing says what they should be).
Requirement frame_size_rule(bool clean_contract)
{
    if (!clean_contract) {
        return {"frame_size", "frame size (checked with --expect-size)", M::frame_size, C::info, 0, {}, 0, E::size};
    }
    return {"frame_size",
            "frame size 480p/720p/1080p (either orientation)",
            M::frame_size,
            C::one_of,
            0,
            preset_frame_sizes(),
            0,
            E::size};
}

Requirement orientation_rule()
{
    return {"orientation", "orientation (checked with --expect-orientation)", M::orientation, C::info, 0, {}, 0,
            E::orientation};
}

Requirement frame_rate_rule(bool clean_contract)
{
    if (!clean_contract) {
        return {"frame_rate", "frame rate (checked with --expect-fps)", M::frame_rate, C::info, 0, {}, 0, E::fps};
    }
    return {"frame_rate", "frame rate 30 fps (within 1 %)", M::frame_rate, C::near, 30, {}, 30 * k_fps_tolerance,
            E::fps};
}

Requirement duration_rule()
{
    return {"duration", "duration (checked with --expect-duration)", M::duration, C::info, 0, {}, 0, E::duration};
}

// Rules every ingest we target shares: a decodable, well-timed H.264 + AAC stream.
std::vector<Requirement> timing_rules()
{
    return {
        {"dts_monotonic", "DTS strictly increasing, none missing", M::dts_order_violations, C::at_most, 0, {}},
        {"pts_not_before_dts", "PTS never before DTS", M::pts_before_dts, C::at_most, 0, {}},
        {"no_timestamp_jumps",
         "no timestamp jump (> 0.5 s forward or any backward)",
         M::timestamp_jumps,
         C::at_most,
         0,
         {}},
    };
}

std::vector<Requirement> audio_rules()
{
    return {
        {"audio_present", "audio track present", M::audio_present, C::at_least, 1, {}},
        {"audio_codec", "audio codec AAC", M::audio_codec, C::one_of, 0, {"aac"}},
        {"audio_profile", "AAC profile LC", M::audio_profile, C::one_of, 0, {"LC"}},
        {"audio_sample_rate",
         "audio sample rate 44.1 or 48 kHz",
         M::audio_sample_rate,
         C::one_of,
         0,
         {"44100", "48000"}},
    };
}

Profile cloudflare()
{
    Profile p{
        "cloudflare", "Cloudflare Stream Live ingest (SPEC 1) plus the relay's clean-output contract (SPEC 6)", {}};
    auto& r = p.requirements;
    r = {
        {"video_codec", "video codec H.264", M::video_codec, C::one_of, 0, {"h264"}},
        {"no_b_frames", "no B-frames", M::b_frames, C::at_most, 0, {}},
        frame_size_rule(true),
        orientation_rule(),
        {"keyframe_interval_min", "keyframe interval at least 2 s", M::keyframe_interval_min, C::at_least, 2, {}},
        {"keyframe_interval_max", "keyframe interval at most 10 s", M::keyframe_interval_max, C::at_most, 10, {}},
        {"keyframe_interval_regular",
         "keyframe interval fixed (stddev <= 0.1 s, SPEC 6)",
         M::keyframe_interval_stddev,
         C::at_most,
         0.1,
         {}},
        {"closed_gops", "closed GOPs", M::closed_gops, C::info, 0, {}},
        {"cfr_frame_durations",
         "constant frame rate: frame duration stddev <= 1 ms",
         M::frame_duration_stddev,
         C::at_most,
         1.0,
         {}},
        {"cfr_frames_per_second",
         "constant frame rate: frames per second vary by <= 1",
         M::frames_per_second_spread,
         C::at_most,
         1,
         {}},
        frame_rate_rule(true),
    };
    const auto timing = timing_rules();
    r.insert(r.end(), timing.begin(), timing.end());
    r.push_back({"max_frame_gap", "no frame gap over 2 frame intervals", M::largest_frame_gap, C::at_most, 2, {}});
    const auto audio = audio_rules();
    r.insert(r.end(), audio.begin(), audio.end());
    r.push_back({"bitrate_mean_min", "combined bitrate mean at least 2 Mbit/s", M::bitrate_mean, C::at_least, 2, {}});
    r.push_back({"bitrate_mean_max", "combined bitrate mean at most 14 Mbit/s", M::bitrate_mean, C::at_most, 14, {}});
    r.push_back({"bitrate_window_min",
                 "combined bitrate in every 1 s window at least 2 Mbit/s",
                 M::bitrate_lowest_window,
                 C::at_least,
                 2,
                 {}});
    r.push_back({"av_start_offset", "audio and video start within 100 ms", M::av_start_offset, C::at_most, 100, {}});
    r.push_back({"av_end_offset", "audio and video end within 100 ms", M::av_end_offset, C::at_most, 100, {}});
    r.push_back(duration_rule());
    return p;
}

// Twitch's broadcast guidelines as we read them: 2 s keyframes, CBR, at most 6000 kbit/s of
// video (plus audio), H.264 + AAC.
Profile twitch()
{
    Profile p{"twitch", "Twitch ingest: 2 s keyframe interval, CBR, H.264 + AAC, at most ~6 Mbit/s", {}};
    auto& r = p.requirements;
    r = {
        {"video_codec", "video codec H.264", M::video_codec, C::one_of, 0, {"h264"}},
        {"keyframe_interval_min",
         "keyframe interval 2 s (at least 1.95 s)",
         M::keyframe_interval_min,
         C::at_least,
         1.95,
         {}},
        {"keyframe_interval_max",
         "keyframe interval 2 s (at most 2.05 s)",
         M::keyframe_interval_max,
         C::at_most,
         2.05,
         {}},
    };
    const auto timing = timing_rules();
    r.insert(r.end(), timing.begin(), timing.end());
    const auto audio = audio_rules();
    r.insert(r.end(), audio.begin(), audio.end());
    r.push_back({"bitrate_mean_max", "combined bitrate mean at most 6.5 Mbit/s", M::bitrate_mean, C::at_most, 6.5, {}});
    r.push_back({"cbr", "CBR: highest / lowest 1 s window at most 2", M::bitrate_window_spread, C::at_most, 2, {}});
    r.push_back(frame_size_rule(false));
    r.push_back(orientation_rule());
    r.push_back(frame_rate_rule(false));
    r.push_back(duration_rule());
    return p;
}

} // namespace

const std::vector<Profile>& profiles()
{
    static const std::vector<Profile> k_profiles = {cloudflare(), twitch()};
    return k_profiles;
}

const Profile* find_profile(std::string_view name)
{
    for (const auto& profile : profiles()) {
        if (profile.name == name) {
            return &profile;
        }
    }
    return nullptr;
}

} // namespace mtxrelay::inspect
