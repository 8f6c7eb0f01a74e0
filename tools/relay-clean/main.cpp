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
    cli.footer(app::exit_code_footer(", 3-6 as relay-cf-url when the cloud lookup (--target cloud) fails"));
    app::add_settings(cli, app::Tool::clean, options);
    if (const auto code = app::parse_command_line(cli, argc, argv)) {
        return *code;
    }
    return app::guarded_main("relay-clean", [&] { return app::run_clean(options, core::process_env()); });
}
