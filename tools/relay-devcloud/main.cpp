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
    cli.footer(app::exit_code_footer() + "\nPrints its base URL (http://HOST:PORT) on stdout once listening.");
    app::add_settings(cli, app::Tool::devcloud, options);
    if (const auto code = app::parse_command_line(cli, argc, argv)) {
        return *code;
    }
    return app::guarded_main("relay-devcloud", [&] { return app::run_devcloud(options); });
}
