#include "app/devcloud.hpp"

#include "app/cli.hpp"
#include "core/env.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "devcloud/server.hpp"
#include "net/policy.hpp"
#include "net/url.hpp"
#include "process/signals.hpp"

#include <fmt/format.h>

#include <iostream>
#include <thread>

namespace mtxrelay::app {

namespace {

// Anyone who reaches an open relay-devcloud reads every stream's ingest URL (stream keys) and
// changes its destinations: beyond loopback it needs both tokens, or an explicit override.
void check_exposure(const DevCloudOptions& options, const devcloud::DevCloudConfig& config)
{
    const auto host = net::parse_host(options.host, "--host");
    if (!host) {
        throw core::UsageError(host.error().message);
    }
    const bool loopback = host.value().address ? net::classify(*host.value().address) == net::AddressClass::loopback
                                               : net::is_localhost_name(host.value().text);
    if (loopback || (!config.token.empty() && !config.admin_token.empty())) {
        return;
    }
    const auto missing = config.token.empty() && config.admin_token.empty() ? "a token and an admin_token"
                         : config.token.empty()                             ? "a token"
                                                                            : "an admin_token";
    const auto message =
        fmt::format("listening on {} (beyond loopback) without {}: anyone who can reach it reads every stream's "
                    "ingest URL and stream keys and changes its destinations",
                    options.host, missing);
    if (!options.allow_unauthenticated) {
        throw core::UsageError(message + "; set \"token\" and \"admin_token\" in the config, listen on 127.0.0.1, "
                                         "or pass --allow-unauthenticated to accept that");
    }
    core::log::warn("!!! {} (--allow-unauthenticated) !!!", message);
}

} // namespace

int run_devcloud(const DevCloudOptions& options)
{
    setup_logging("relay-devcloud", options.log_format, core::process_env());
    if (options.port < 0 || options.port > 65535) {
        throw core::UsageError(fmt::format("--port {} is not a port number (0 picks a free one)", options.port));
    }
    auto config = devcloud::load_devcloud_config(options.config_path);
    check_exposure(options, config);
    core::register_secret(config.token);
    core::register_secret(config.admin_token);
    for (const auto& [key, stream] : config.streams) {
        for (const auto& stream_key : stream.stream_keys) {
            core::register_secret(stream_key);
        }
    }
    const auto stream_count = config.streams.size();
    devcloud::DevCloudState state(std::move(config));
    devcloud::DevCloudServer server(state);
    process::StopSignal::install();
    const int port = server.bind(options.host, options.port);
    std::thread serving([&] { server.serve(); });
    const auto host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
    std::cout << fmt::format("http://{}:{}", host, port) << std::endl;
    core::log::info("serving {} stream(s) on http://{}:{}", stream_count, host, port);
    while (process::sleep_unless_stopped(std::chrono::hours(1))) {
    }
    core::log::info("stopping on signal {}", process::StopSignal::received());
    server.stop();
    serving.join();
    return static_cast<int>(core::ExitCode::interrupted); // like every tool stopped by a signal
}

} // namespace mtxrelay::app
