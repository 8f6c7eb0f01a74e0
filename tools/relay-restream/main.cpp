#include "app/restream.hpp"
#include "core/env.hpp"

int main(int argc, char** argv)
{
    using namespace mtxrelay;
    app::RestreamOptions options;
    CLI::App cli{"Copy the clean stream (`-c copy`, no re-encode) to every re-stream destination: the Cloudflare "
                 "ingest from the cf-url lookup plus the user's restream-destinations, one supervised ffmpeg each, "
                 "added, removed and restarted live at every poll without touching the others. As a MediaMTX "
                 "runOnAvailable hook of clean/<user>/<stream> it reads rtmp://127.0.0.1:1935/$MTX_PATH. "
                 "See docs/relay-restream.md.",
                 "relay-restream"};
    app::add_common_options(cli, options.common);
    app::add_runtime_dir_option(cli, options.common.runtime_dir);
    cli.add_option(
        "--source", options.source,
        "Input URL or file (default: rtmp://HOST:PORT/$MTX_PATH, or clean/<user>/<stream> with --user/--stream)");
    cli.add_option("--destinations-file", options.destinations_file,
                   "Read the destinations from this JSON file ({\"destinations\":[{\"url\":...,\"name\":...}]}, the "
                   "cloud's shape), re-read at every poll, instead of GET restream-destinations");
    cli.add_option("--poll-interval", options.poll_interval,
                   "Seconds between destination polls (default: env RELAY_RESTREAM_POLL_INTERVAL or 10)");
    cli.add_option("--status-interval", options.status_interval,
                   "Seconds between status lines and stream-status updates (default: env RELAY_STATUS_INTERVAL or 10)");
    cli.add_option("--stall-timeout", options.stall_timeout,
                   "Restart a destination's ffmpeg after this many seconds without output progress (default 10)");
    cli.add_flag("--no-cf-url", options.no_cf_url,
                 "Do not add the cf-url lookup's Cloudflare ingest as a destination (or env RELAY_RESTREAM_CF_URL=0)");
    cli.add_flag("--allow-private-destinations", options.allow_private,
                 "Allow loopback, link-local, private and unspecified destination hosts, for tests and demos "
                 "(or env RELAY_ALLOW_PRIVATE_DESTINATIONS=1)");
    cli.add_option("--rtmp-host", options.rtmp_host,
                   "The relay's RTMP host (default: env RELAY_RTMP_HOST or 127.0.0.1)");
    cli.add_option("--rtmp-port", options.rtmp_port, "The relay's RTMP port (default: env RELAY_RTMP_PORT or 1935)");
    cli.footer(app::exit_code_footer(" (the normal end: MediaMTX stops the hook with SIGINT)") +
               "\nEnv: CLOUD_API_URL, CLOUD_API_TOKEN (lists and status posts), MTX_PATH, G1, G2.");
    if (const auto code = app::parse_command_line(cli, argc, argv)) {
        return *code;
    }
    return app::guarded_main("relay-restream", [&] { return app::run_restream(options, core::process_env()); });
}
