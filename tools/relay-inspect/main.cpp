#include "app/cli.hpp"
#include "app/inspect.hpp"

int main(int argc, char** argv)
{
    using namespace mtxrelay;
    app::InspectOptions options;
    CLI::App cli{"Analyse a stream or file with ffprobe (codecs, B-frames, keyframe intervals, timestamps, frame "
                 "rate, bitrate, A/V offset) and say, one line per requirement, whether it meets a target profile. "
                 "See docs/relay-inspect.md.",
                 "relay-inspect"};
    cli.add_option("INPUT", options.input, "A media file, or a live URL (rtmp://, rtmps://, srt://, http://...)");
    cli.add_option("--duration", options.duration,
                   "Seconds of content to read (default: the whole file; 20 for a live URL). A live read is also "
                   "stopped after duration + 15 s of wall-clock time");
    cli.add_option("--profile", options.profile, "Target profile: cloudflare (default) or twitch; see --list-profiles");
    cli.add_flag("--json", options.json, "Print all figures and per-requirement results as one JSON document");
    cli.add_option("--rtmp-app", options.rtmp_app,
                   "RTMP application for ffprobe (-rtmp_app). Default for local rtmp://127.0.0.1/live/u/s URLs: "
                   "the first path segment (live), as relay-clean does");
    cli.add_option("--rtmp-playpath", options.rtmp_playpath,
                   "RTMP stream name for ffprobe (-rtmp_playpath). Default for local multi-segment URLs: the rest "
                   "of the path (u/s)");
    cli.add_option("--expect-fps", options.expect_fps,
                   "Frame rate the stream must have, within 1 % (1-240; cloudflare default: 30)");
    cli.add_option("--expect-size", options.expect_size,
                   "Frame size the stream must have, WIDTHxHEIGHT (e.g. 1280x720; cloudflare default: any quality "
                   "preset size, 480p/720p/1080p landscape or portrait)");
    cli.add_option("--expect-orientation", options.expect_orientation,
                   "Orientation the stream must have: landscape or portrait (default: shown, not checked)")
        ->check(CLI::IsMember({"landscape", "portrait"}));
    cli.add_option("--expect-duration", options.expect_duration,
                   "Seconds of content the stream must hold (earliest packet to the latest end of either track), "
                   "within --expect-duration-tolerance (default: shown, not checked)");
    cli.add_option("--expect-duration-tolerance", options.expect_duration_tolerance,
                   "Seconds the duration may differ from --expect-duration either way (default 1)");
    cli.add_flag("--list-profiles", options.list_profiles, "List the profiles and their requirements, then exit");
    cli.add_flag("--dry-run", options.dry_run, "Print the ffprobe command (secrets masked) and exit");
    cli.footer("\nExit codes: 0 every requirement passes, 1 a requirement fails or cannot be measured from this "
               "input, 2 usage error, 7 input unreadable (missing file, unreachable URL, not media, no video, "
               "nothing read in time), 8 ffprobe missing or its output cut, 130 interrupted.\n"
               "Secrets: stream keys in URLs are masked in everything printed.");
    if (const auto code = app::parse_command_line(cli, argc, argv)) {
        return *code;
    }
    return app::guarded_main("relay-inspect", [&] { return app::run_inspect(options); });
}
