#include "app/cli.hpp"
#include "app/devcloud.hpp"

int main(int argc, char** argv)
{
    using namespace mtxrelay;
    app::DevCloudOptions options;
    CLI::App cli{"A reference implementation of the mtxrelay cloud API for local runs, demos and tests: "
                 "cf-url and restream-destinations lookups, hls-ready and stream-status events, MediaMTX "
                 "publisher auth (/api/v1/streaming/validate), and an admin API (/admin/...) to change "
                 "destinations live, inject faults and read back every event. See docs/relay-devcloud.md.",
                 "relay-devcloud"};
    cli.add_option("--config", options.config_path, "JSON config file (streams, destinations, tokens)")->required();
    cli.add_option("--host", options.host, "Address to listen on (default 127.0.0.1)");
    cli.add_option("--port", options.port, "Port to listen on; 0 picks a free one (default 8080)");
    cli.add_option("--log-format", options.log_format, "text or json");
    cli.add_flag("--allow-unauthenticated", options.allow_unauthenticated,
                 "Listen beyond loopback even when the config has no token or no admin_token (a loud warning "
                 "instead of a refusal)");
    cli.footer(app::exit_code_footer() + "\nPrints its base URL (http://HOST:PORT) on stdout once listening.");
    if (const auto code = app::parse_command_line(cli, argc, argv)) {
        return *code;
    }
    return app::guarded_main("relay-devcloud", [&] { return app::run_devcloud(options); });
}
