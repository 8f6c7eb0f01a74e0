#include "app/status.hpp"

#include "app/cli.hpp"
#include "app/settings.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "http/transport.hpp"
#include "mtx/api.hpp"
#include "process/signals.hpp"
#include "runtime/state_file.hpp"
#include "status/render.hpp"
#include "status/server.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cmath>
#include <iostream>
#include <thread>

namespace mtxrelay::app {

namespace {

struct Sources {
    std::string runtime_dir;
    std::optional<std::string> mtx_api;
};

Sources sources(const StatusOptions& options, const core::EnvLookup& env)
{
    Sources s;
    s.runtime_dir = runtime::runtime_dir(options.runtime_dir, env);
    s.mtx_api = mtx::api_base_url(*read_text(settings::mtx_api, options.mtx_api, env), "--mtx-api/RELAY_MTX_API");
    return s;
}

status::Overview take_overview(const Sources& s)
{
    status::MtxPaths paths;
    if (s.mtx_api) {
        http::CurlTransport transport;
        paths = status::fetch_mtx_paths(transport, *s.mtx_api);
    } else {
        paths.error = "not asked (--mtx-api off)";
    }
    return status::build_overview(runtime::scan_runtime_dir(s.runtime_dir), std::move(paths), s.runtime_dir);
}

std::string rendered(const StatusOptions& options, const status::Overview& overview)
{
    return options.json ? status::render_json(overview).dump(options.watch ? -1 : 2) + "\n"
                        : status::render_table(overview);
}

int serve(const StatusOptions& options, const Sources& s)
{
    const auto address = status::parse_listen_address(*options.serve, options.allow_remote);
    status::StatusServer server([&s] { return take_overview(s); });
    process::StopSignal::install();
    const int port = server.bind(address);
    std::thread serving([&] { server.serve(); });
    const auto host = address.host.find(':') != std::string::npos ? "[" + address.host + "]" : address.host;
    std::cout << fmt::format("http://{}:{}", host, port) << std::endl;
    core::log::info("serving /metrics, /status and / on http://{}:{} (documents in {}, MediaMTX API {})", host, port,
                    s.runtime_dir, s.mtx_api.value_or("off"));
    while (process::sleep_unless_stopped(std::chrono::hours(1))) {
    }
    server.stop();
    serving.join();
    core::log::info("exiting (130): stopped by signal {}", process::StopSignal::received());
    return static_cast<int>(core::ExitCode::interrupted);
}

} // namespace

int run_status(const StatusOptions& options, const core::EnvLookup& env)
{
    setup_logging("relay-status", options.log_format, env);
    if (!(std::isfinite(options.interval) && options.interval >= 0.2 && options.interval <= 3600)) {
        throw core::UsageError("--interval takes a number of seconds from 0.2 to 3600");
    }
    const auto s = sources(options, env);
    if (options.serve) {
        return serve(options, s);
    }
    if (!options.watch) {
        std::cout << rendered(options, take_overview(s)) << std::flush;
        return 0;
    }
    process::StopSignal::install();
    const bool terminal = ::isatty(STDOUT_FILENO) == 1;
    const auto interval = std::chrono::milliseconds(static_cast<long>(options.interval * 1000));
    do {
        const auto text = rendered(options, take_overview(s));
        // On a terminal: home, draw, clear what is left of the previous frame.
        std::cout << (terminal && !options.json ? "\033[H" + text + "\033[J" : text) << std::flush;
    } while (process::sleep_unless_stopped(interval));
    return static_cast<int>(core::ExitCode::interrupted);
}

} // namespace mtxrelay::app
