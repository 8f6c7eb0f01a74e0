#include "app/cli.hpp"
#include "app/status.hpp"
#include "core/env.hpp"

int main(int argc, char** argv)
{
    using namespace mtxrelay;
    app::StatusOptions options;
    CLI::App cli{"Show every stream and destination on this relay at a glance: the state documents the hooks "
                 "keep (relay-clean's encoder, relay-restream's destinations with whose fault a failure is, "
                 "relay-hls-ready) and MediaMTX's path list. A table by default, --json, --watch; --serve exposes "
                 "/metrics (Prometheus) and /status (JSON). Stream keys appear only as fingerprints (key#1a2b). "
                 "See docs/operations.md.",
                 "relay-status"};
    cli.footer(app::exit_code_footer(" (the end of --watch and --serve)"));
    app::add_settings(cli, app::Tool::status, options);
    if (const auto code = app::parse_command_line(cli, argc, argv)) {
        return *code;
    }
    return app::guarded_main("relay-status", [&] { return app::run_status(options, core::process_env()); });
}
