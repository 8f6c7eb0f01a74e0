#include "app/clean.hpp"
#include "core/env.hpp"

int main(int argc, char** argv)
{
    using namespace mtxrelay;
    app::CleanOptions options;
    CLI::App cli{"Re-encode a dirty live stream into a clean one (H.264 without B-frames, AAC-LC, constant "
                 "frame rate, fixed closed GOPs, CBR) under a supervisor that restarts ffmpeg on failure or "
                 "stall and never outlives its hook. As a MediaMTX runOnAvailable hook it reads "
                 "rtmp://127.0.0.1:1935/$MTX_PATH. See docs/relay-clean.md.",
                 "relay-clean"};
    app::add_common_options(cli, options.common);
    app::add_runtime_dir_option(cli, options.common.runtime_dir);
    cli.add_option("--target", options.target,
                   "Where the clean stream goes in hook mode: local (rtmp://HOST:PORT/clean/<user>/<stream>) or cloud "
                   "(the cf-url lookup's ingest URL) (default: env RELAY_CLEAN_TARGET or local)")
        ->check(CLI::IsMember({"local", "cloud"}));
    cli.add_option("--input", options.input, "Input URL or file (default: rtmp://HOST:PORT/$MTX_PATH)");
    cli.add_option("--output", options.output, "Output URL or file, written as FLV (MPEG-TS for srt://)");
    cli.add_option("--quality", options.quality, "480p, 720p or 1080p (default: env RELAY_QUALITY or 720p)")
        ->check(CLI::IsMember({"480p", "720p", "1080p"}));
    cli.add_option("--fps", options.fps, "Constant output frame rate 15-60 (default: env RELAY_FPS or 30)");
    cli.add_option("--gop-seconds", options.gop_seconds,
                   "Keyframe interval in seconds 2-10 (default: env RELAY_GOP_SECONDS or 2)");
    cli.add_option("--stall-timeout", options.stall_timeout,
                   "Restart ffmpeg after this many seconds without output progress (default 10)");
    cli.add_option("--status-interval", options.status_interval, "Seconds between stream-status updates (default 10)");
    cli.add_option("--input-gone-after", options.input_gone_after,
                   "Exit 0 when the live input stays unreadable this long (default 15)");
    cli.add_option("--rtmp-host", options.rtmp_host,
                   "The relay's RTMP host (default: env RELAY_RTMP_HOST or 127.0.0.1)");
    cli.add_option("--rtmp-port", options.rtmp_port, "The relay's RTMP port (default: env RELAY_RTMP_PORT or 1935)");
    cli.add_option("--mtx-api", options.mtx_api,
                   "MediaMTX control API (HOST:PORT or http://HOST:PORT), asked for the input's tracks and publish "
                   "time in hook mode; 'off' to learn them from the stream only (default: env RELAY_MTX_API or "
                   "127.0.0.1:9997)");
    cli.add_option("--recipe", options.recipe,
                   "clean (default) or seed: the seed documents' original command, for comparisons only")
        ->check(CLI::IsMember({"clean", "seed"}));
    cli.add_flag("--overwrite", options.overwrite, "Replace the --output file if it exists");
    cli.add_flag("--realtime", options.realtime,
                 "Read the input at its native pace (-re), e.g. a file sent to a live server");
    cli.footer(app::exit_code_footer(", 3-6 as relay-cf-url when the cloud lookup (--target cloud) fails") +
               "\nEnv: CLOUD_API_URL, CLOUD_API_TOKEN (status posts and --target cloud), MTX_PATH, G1, G2.");
    if (const auto code = app::parse_command_line(cli, argc, argv)) {
        return *code;
    }
    return app::guarded_main("relay-clean", [&] { return app::run_clean(options, core::process_env()); });
}
