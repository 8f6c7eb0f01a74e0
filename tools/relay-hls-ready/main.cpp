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
    cli.footer(app::exit_code_footer(" (nothing sent on 1 and 130), 3-6 as relay-cf-url when the hls-ready POST "
                                     "fails"));
    app::add_settings(cli, app::Tool::hls_ready, options);
    if (const auto code = app::parse_command_line(cli, argc, argv)) {
        return *code;
    }
    return app::guarded_main("relay-hls-ready", [&] {
        http::CurlTransport transport;
        return app::run_hls_ready(options, core::process_env(), transport);
    });
}
