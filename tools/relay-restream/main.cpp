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
    cli.footer(app::exit_code_footer(" (the normal end: MediaMTX stops the hook with SIGINT)"));
    app::add_settings(cli, app::Tool::restream, options);
    if (const auto code = app::parse_command_line(cli, argc, argv)) {
        return *code;
    }
    return app::guarded_main("relay-restream", [&] { return app::run_restream(options, core::process_env()); });
}
