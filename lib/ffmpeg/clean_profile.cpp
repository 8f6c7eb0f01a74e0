#include "ffmpeg/clean_profile.hpp"

#include <fmt/format.h>

namespace mtxrelay::ffmpeg {

namespace {

// Replaces any timestamp step below 0 or above half a second by one nominal duration, so a
// publisher's clock jump neither freezes the picture (forward) nor stalls the CFR stage
// (backward). Measured on this machine: content kept, jump dropped (SPEC §8).
// The first frame keeps its time (capped at 10 s) so audio and video keep their relative
// offset: a reader joining a live stream gets audio at once but video only from the next
// keyframe, and zeroing both would put the sound ahead of the picture for good.
std::string video_repair(int fps)
{
    return fmt::format("setpts='if(eq(N,0),clip(PTS,0,10/TB),PREV_OUTPTS+if(lt(PTS-PREV_INPTS,0)+"
                       "gt(PTS-PREV_INPTS,0.5/TB),1/({}*TB),PTS-PREV_INPTS))'",
                       fps);
}

// Audio starts at 0: a reader joining nginx-rtmp mid-stream was measured getting a first audio
// packet stamped seconds ahead of the next ones; keeping it would delay all sound by that much.
std::string audio_repair()
{
    return "asetpts='if(eq(N,0),0,PREV_OUTPTS+if(lt(PTS-PREV_INPTS,0)+"
           "gt(PTS-PREV_INPTS,0.5/TB),NB_SAMPLES/(SR*TB),PTS-PREV_INPTS))'";
}

// Scales into the profile's frame and pads to it: portrait when the input is taller than
// wide, landscape otherwise. scale and pad evaluate iw/ih on the first frame; pad sees the
// scaled picture, whose orientation is the input's (aspect ratio kept).
std::string fit_frame(const CleanProfile& profile)
{
    const int lng = profile.quality.long_side;
    const int shrt = profile.quality.short_side;
    const auto w = fmt::format("if(gt(ih,iw),{},{})", shrt, lng);
    const auto h = fmt::format("if(gt(ih,iw),{},{})", lng, shrt);
    return fmt::format("scale=w='{0}':h='{1}':force_original_aspect_ratio=decrease,"
                       "pad=w='{0}':h='{1}':x=(ow-iw)/2:y=(oh-ih)/2:color=black",
                       w, h);
}

void append(std::vector<std::string>& args, std::initializer_list<std::string> more)
{
    args.insert(args.end(), more.begin(), more.end());
}

} // namespace

const std::vector<Quality>& qualities()
{
    static const std::vector<Quality> k_qualities = {
        {"480p", 854, 480, 2800},
        {"720p", 1280, 720, 3000},
        {"1080p", 1920, 1080, 5000},
    };
    return k_qualities;
}

std::optional<Quality> find_quality(const std::string& name)
{
    for (const auto& quality : qualities()) {
        if (quality.name == name) {
            return quality;
        }
    }
    return std::nullopt;
}

int CleanProfile::video_kbps() const
{
    // More frames need more bits, but never below the preset: the 2 Mbps floor must hold.
    return fps > 30 ? quality.video_kbps * 3 / 2 : quality.video_kbps;
}

std::pair<int, int> frame_size(const CleanProfile& profile, bool portrait)
{
    // Even dimensions for yuv420p; 854 is already even.
    return portrait ? std::pair{profile.quality.short_side, profile.quality.long_side}
                    : std::pair{profile.quality.long_side, profile.quality.short_side};
}

std::vector<std::string> clean_command(const CleanProfile& profile, const InputShape& shape, const Endpoint& input,
                                       const Endpoint& output, bool realtime)
{
    const int gop_frames = profile.fps * profile.gop_seconds;
    const int kbps = profile.video_kbps();
    // Progress twice a second: `active` (and the start-up time) is seen within half a second.
    std::vector<std::string> args = {"ffmpeg",   "-nostdin",  "-hide_banner", "-loglevel",     "warning",
                                     "-nostats", "-progress", "pipe:1",       "-stats_period", "0.5"};
    append(args, {"-fflags", "+genpts+discardcorrupt", "-threads", "1"});
    if (input.network) {
        // A frozen input is caught by the stall timeout, not by -rw_timeout.
        const auto live = live_read_options();
        args.insert(args.end(), live.begin(), live.end());
        // A silent input would wait the whole analysis for audio the probe already found
        // missing: it ends after the first 32 KB instead, which only the video (from its first
        // keyframe) can fill.
        if (!shape.has_audio) {
            append(args, {"-probesize", "32768"});
        }
    }
    if (realtime) {
        args.push_back("-re");
    }
    args.insert(args.end(), input.options.begin(), input.options.end());
    append(args, {"-i", input.url});

    const auto video = fmt::format("[0:v:0]{},{},setsar=1,fps={}:start_time=0,format=yuv420p[v]",
                                   video_repair(profile.fps), fit_frame(profile), profile.fps);
    const auto audio = shape.has_audio ? fmt::format("[0:a:0]{},aresample={}:async=1000,aformat=sample_fmts=fltp:"
                                                     "channel_layouts=stereo[a]",
                                                     audio_repair(), profile.audio_rate)
                       : shape.duration_seconds > 0 ? fmt::format("anullsrc=r={}:cl=stereo,atrim=end={:.3f}[a]",
                                                                  profile.audio_rate, shape.duration_seconds)
                                                    : fmt::format("anullsrc=r={}:cl=stereo[a]", profile.audio_rate);
    append(args, {"-filter_complex", video + ";" + audio, "-map", "[v]", "-map", "[a]"});

    append(args, {"-c:v",
                  "libx264",
                  "-preset",
                  "veryfast",
                  "-tune",
                  "zerolatency",
                  "-profile:v",
                  "high",
                  "-pix_fmt",
                  "yuv420p",
                  "-bf",
                  "0",
                  "-g",
                  std::to_string(gop_frames),
                  "-keyint_min",
                  std::to_string(gop_frames),
                  "-sc_threshold",
                  "0",
                  "-force_key_frames",
                  fmt::format("expr:gte(t,n_forced*{})", profile.gop_seconds),
                  "-b:v",
                  fmt::format("{}k", kbps),
                  "-minrate",
                  fmt::format("{}k", kbps),
                  "-maxrate",
                  fmt::format("{}k", kbps),
                  "-bufsize",
                  fmt::format("{}k", kbps / 2),
                  "-x264-params",
                  "nal-hrd=cbr:open-gop=0",
                  "-r",
                  std::to_string(profile.fps),
                  "-fps_mode",
                  "cfr"});
    append(args, {"-c:a", "aac", "-profile:a", "aac_low", "-b:a", fmt::format("{}k", profile.audio_kbps), "-ar",
                  std::to_string(profile.audio_rate), "-ac", "2"});
    append(args, {"-max_muxing_queue_size", "1024", "-f", output_format(output)});
    if (output_format(output) == "flv") {
        append(args, {"-flvflags", "no_duration_filesize"});
    }
    args.insert(args.end(), output.options.begin(), output.options.end());
    args.push_back(output.url);
    return args;
}

std::vector<std::string> seed_command(const Endpoint& input, const Endpoint& output)
{
    std::vector<std::string> args = {"ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "warning"};
    args.insert(args.end(), input.options.begin(), input.options.end());
    append(args,
           {"-i",       input.url,     "-c:v", "libx264",       "-preset", "veryfast", "-tune", "zerolatency", "-g",
            "30",       "-keyint_min", "30",   "-sc_threshold", "0",       "-b:v",     "2M",    "-maxrate",    "2.5M",
            "-bufsize", "4M",          "-c:a", "aac",           "-ar",     "44100",    "-ac",   "1",           "-b:a",
            "128k",     "-f",          "flv"});
    args.insert(args.end(), output.options.begin(), output.options.end());
    args.push_back(output.url);
    return args;
}

} // namespace mtxrelay::ffmpeg
