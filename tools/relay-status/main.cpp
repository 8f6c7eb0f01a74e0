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
    app::add_runtime_dir_option(cli, options.runtime_dir);
    cli.add_option("--mtx-api", options.mtx_api,
                   "MediaMTX control API, HOST:PORT or http://HOST:PORT, or 'off' (default: env RELAY_MTX_API or "
                   "127.0.0.1:9997)");
    cli.add_flag("--json", options.json, "Print JSON instead of the table");
    cli.add_flag("--watch", options.watch, "Refresh until Ctrl-C (in place on a terminal)");
    cli.add_option("--interval", options.interval, "Seconds between --watch refreshes (0.2-3600, default 2)");
    cli.add_option("--serve", options.serve,
                   "Serve /metrics, /status and / on PORT or HOST:PORT (loopback unless --allow-remote); prints "
                   "its base URL on stdout");
    cli.add_flag("--allow-remote", options.allow_remote, "Let --serve listen on a non-loopback address");
    cli.add_option("--log-format", options.log_format, "Log lines as 'text' or 'json' (default: env RELAY_LOG_FORMAT)")
        ->check(CLI::IsMember({"text", "json"}));
    cli.footer(app::exit_code_footer(" (the end of --watch and --serve)") +
               "\nEnv: RELAY_RUNTIME_DIR, RELAY_MTX_API, RELAY_LOG_FORMAT.");
    if (const auto code = app::parse_command_line(cli, argc, argv)) {
        return *code;
    }
    return app::guarded_main("relay-status", [&] { return app::run_status(options, core::process_env()); });
}
