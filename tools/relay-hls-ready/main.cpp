#include "app/hls_ready.hpp"
#include "core/env.hpp"

int main(int argc, char** argv)
{
    using namespace mtxrelay;
    app::HlsReadyOptions options;
    CLI::App cli{"Wait until the HLS of a stream is really playable (playlist listing enough full segments that "
                 "answer), then tell the cloud once where it can be watched: POST /api/rtmp-relay/hls-ready with "
                 "hlsUrl, webrtcUrl and, when configured, dashUrl. As a MediaMTX runOnOnline hook of clean/... it "
                 "polls http://127.0.0.1:8888/$MTX_PATH/index.m3u8. See docs/relay-hls-ready.md.",
                 "relay-hls-ready"};
    app::add_common_options(cli, options.common);
    app::add_runtime_dir_option(cli, options.common.runtime_dir);
    cli.add_option("--hls-local-base", options.hls_local_base,
                   "Base URL of the local HLS server that is polled (default: env RELAY_HLS_LOCAL_BASE or "
                   "http://127.0.0.1:8888)");
    cli.add_option("--public-hls-base", options.public_hls_base,
                   "Public base URL of the HLS server, used in the announced hlsUrl (default: env "
                   "RELAY_PUBLIC_HLS_BASE, else the local base)");
    cli.add_option("--public-webrtc-base", options.public_webrtc_base,
                   "Public base URL of the WebRTC server: webrtcUrl is BASE/PATH/whep, 'off' omits it (default: env "
                   "RELAY_PUBLIC_WEBRTC_BASE or http://127.0.0.1:8889)");
    cli.add_option("--hls-url-template", options.hls_template,
                   "Shape of the HLS URL, with {base} {path} {user} {stream}; used for both the polled and the "
                   "announced URL (default: env RELAY_HLS_TEMPLATE or {base}/{path}/index.m3u8)");
    cli.add_option("--dash-url-template", options.dash_template,
                   "Announce dashUrl built from this template on the public HLS base (default: env "
                   "RELAY_DASH_TEMPLATE; none: MediaMTX serves no DASH)");
    cli.add_option("--min-segments", options.min_segments,
                   "Full media segments that must be listed and answer, 1-20 (default: env RELAY_HLS_MIN_SEGMENTS "
                   "or 2)");
    cli.add_option("--timeout", options.timeout,
                   "Give up (exit 1, nothing sent) after this many seconds without playable HLS (default: env "
                   "RELAY_HLS_TIMEOUT or 60)");
    cli.add_option("--poll-interval", options.poll_interval,
                   "Seconds between looks at the playlist, 0.1-30 (default: env RELAY_HLS_POLL_INTERVAL or 0.25)");
    cli.footer(app::exit_code_footer(" (nothing sent on 1 and 130), 3-6 as relay-cf-url when the hls-ready POST "
                                     "fails") +
               "\nEnv: CLOUD_API_URL, CLOUD_API_TOKEN, MTX_PATH, G1, G2, RELAY_HLS_LOCAL_BASE, "
               "RELAY_PUBLIC_HLS_BASE, RELAY_PUBLIC_WEBRTC_BASE, RELAY_HLS_TEMPLATE, RELAY_DASH_TEMPLATE.");
    if (const auto code = app::parse_command_line(cli, argc, argv)) {
        return *code;
    }
    return app::guarded_main("relay-hls-ready", [&] {
        http::CurlTransport transport;
        return app::run_hls_ready(options, core::process_env(), transport);
    });
}
