#include "app/devcloud.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "devcloud/server.hpp"
#include "process/signals.hpp"

#include <fmt/format.h>

#include <iostream>
#include <thread>

namespace mtxrelay::app {

int run_devcloud(const DevCloudOptions& options)
{
    auto format = core::log::Format::text;
    if (options.log_format && !core::log::parse_format(*options.log_format, format)) {
        throw core::UsageError("--log-format must be text or json");
    }
    core::log::configure("relay-devcloud", format);
    if (options.port < 0 || options.port > 65535) {
        throw core::UsageError(fmt::format("--port {} is not a port number (0 picks a free one)", options.port));
    }
    auto config = devcloud::load_devcloud_config(options.config_path);
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
    return 0;
}

} // namespace mtxrelay::app
