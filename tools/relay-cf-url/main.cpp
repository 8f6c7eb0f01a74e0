#include "app/cf_url.hpp"
#include "core/env.hpp"

int main(int argc, char** argv)
{
    using namespace mtxrelay;
    app::CfUrlOptions options;
    CLI::App cli{"Look up the upstream ingest URL (e.g. Cloudflare RTMPS) of a stream from the cloud and print it "
                 "on stdout as one line. Reads MTX_PATH/G1/G2 when run as a MediaMTX hook.",
                 "relay-cf-url"};
    cli.footer(app::exit_code_footer(", 3 unknown stream (404), 4 credentials refused (401/403), "
                                     "5 cloud unreachable or failing after retries, 6 unusable response"));
    app::add_settings(cli, app::Tool::cf_url, options);
    if (const auto code = app::parse_command_line(cli, argc, argv)) {
        return *code;
    }
    return app::guarded_main("relay-cf-url", [&] {
        http::CurlTransport transport;
        return app::run_cf_url(options, core::process_env(), transport);
    });
}
