#include "app/inspect.hpp"

#include "app/cli.hpp"
#include "core/env.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"
#include "inspect/analysis.hpp"
#include "inspect/probe_packets.hpp"
#include "inspect/profile.hpp"
#include "inspect/render.hpp"
#include "net/policy.hpp"
#include "net/url.hpp"
#include "process/signals.hpp"

#include <fmt/format.h>

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <iostream>

namespace mtxrelay::app {

namespace {

using core::ErrorKind;

[[noreturn]] void fail(int code, const std::string& message)
{
    throw core::Error(static_cast<core::ExitCode>(code), message);
}

// This machine in any spelling (127.1, [::1], localhost...): relay-clean's own server.
bool is_local_host(const net::Host& host)
{
    return host.address ? net::classify(*host.address) == net::AddressClass::loopback
                        : net::is_localhost_name(host.text);
}

// Fails early, with the reason, for a file path that cannot be read (ffprobe's own message
// would be less direct about it).
void check_file(const std::string& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        const bool missing = errno == ENOENT || errno == ENOTDIR;
        fail(k_exit_unreadable, fmt::format("cannot read {}: {} ({})", path, std::strerror(errno),
                                            missing ? "check the path" : "check its permissions"));
    }
    if (S_ISDIR(st.st_mode)) {
        fail(k_exit_unreadable, fmt::format("cannot read {}: it is a directory, give a media file or a URL", path));
    }
    if (S_ISREG(st.st_mode) && st.st_size == 0) {
        fail(k_exit_unreadable, fmt::format("cannot read {}: the file is empty", path));
    }
}

std::chrono::milliseconds time_limit(const ffmpeg::Endpoint& input, std::optional<double> duration)
{
    // A live read takes about as long as the content it reads; 15 s more covers connecting and
    // ffprobe's stream analysis. A whole file is read far faster than real time.
    const double seconds = duration ? *duration + 15 : (input.network ? k_default_live_seconds + 15 : 300);
    return std::chrono::milliseconds(static_cast<long>(seconds * 1000));
}

int inspect_exit_code(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::interrupted:
        return static_cast<int>(core::ExitCode::interrupted);
    case ErrorKind::invalid:
        return static_cast<int>(core::ExitCode::usage);
    case ErrorKind::failed:
        return k_exit_probe_failed;
    default:
        return k_exit_unreadable;
    }
}

int list_profiles()
{
    for (const auto& profile : inspect::profiles()) {
        std::cout << profile.name << ": " << profile.description << "\n";
        for (const auto& r : profile.requirements) {
            std::cout << fmt::format("  {:<26} {}\n", r.id, r.name);
        }
    }
    return 0;
}

int print_dry_run(const inspect::ProbeRequest& request)
{
    std::cout << "# relay-inspect would run (hard time limit " << request.time_limit.count() / 1000.0 << " s):\n";
    bool mask_next = false;
    for (const auto& arg : inspect::probe_command(request)) {
        std::cout << (mask_next ? core::fingerprint(arg) : core::redact(arg)) << "\n";
        mask_next = arg == "-rtmp_playpath";
    }
    return 0;
}

} // namespace

ffmpeg::Endpoint inspect_endpoint(const InspectOptions& options)
{
    if (options.input.empty()) {
        throw core::UsageError("no INPUT given: pass a media file or a stream URL");
    }
    auto endpoint = ffmpeg::from_url(options.input);
    const bool rtmp = core::starts_with_ci(options.input, "rtmp");
    if ((options.rtmp_app || options.rtmp_playpath) && !rtmp) {
        throw core::UsageError("--rtmp-app and --rtmp-playpath apply to rtmp:// and rtmps:// inputs only");
    }
    if (options.rtmp_app || options.rtmp_playpath) {
        if (options.rtmp_app) {
            endpoint.options.insert(endpoint.options.end(), {"-rtmp_app", *options.rtmp_app});
        }
        if (options.rtmp_playpath) {
            core::register_secret(*options.rtmp_playpath);
            endpoint.options.insert(endpoint.options.end(), {"-rtmp_playpath", *options.rtmp_playpath});
        }
        return endpoint;
    }
    const auto url = net::parse_url(options.input);
    if (!rtmp || !url || url.value().path.empty() || !is_local_host(url.value().host)) {
        return endpoint;
    }
    // rtmp://127.0.0.1:1935/live/u/s -> app "live", playpath "u/s" (query kept), like relay-clean.
    const std::string path_only = url.value().path.substr(1);
    const std::string path = path_only + (url.value().query ? "?" + *url.value().query : std::string());
    const size_t app_end = path_only.find('/');
    if (app_end == std::string_view::npos || path_only.find('/', app_end + 1) == std::string_view::npos) {
        return endpoint; // "app/stream": ffmpeg splits it the same way
    }
    const std::string playpath(path.substr(app_end + 1));
    core::register_secret(playpath);
    endpoint.options = {"-rtmp_app", std::string(path.substr(0, app_end)), "-rtmp_playpath", playpath};
    return endpoint;
}

int run_inspect(const InspectOptions& options)
{
    setup_logging("relay-inspect", std::nullopt, core::process_env());
    if (options.list_profiles) {
        return list_profiles();
    }
    const auto* profile = inspect::find_profile(options.profile);
    if (!profile) {
        throw core::UsageError(fmt::format("unknown profile '{}': see --list-profiles", options.profile));
    }
    if (options.duration &&
        !(std::isfinite(*options.duration) && *options.duration > 0 && *options.duration <= k_max_duration_seconds)) {
        throw core::UsageError(
            fmt::format("--duration must be a number of seconds in (0, {:g}]", k_max_duration_seconds));
    }
    inspect::ProbeRequest request;
    request.input = inspect_endpoint(options);
    request.duration = options.duration;
    if (request.input.network && !request.duration) {
        request.duration = k_default_live_seconds;
    }
    request.time_limit = time_limit(request.input, request.duration);
    if (options.dry_run) {
        return print_dry_run(request);
    }
    const auto name = core::redact_url(options.input);
    if (!request.input.network && options.input.find(':') == std::string::npos) {
        check_file(options.input);
    }
    process::StopSignal::install();
    if (request.input.network) {
        core::log::info("reading {:g} s of {}", *request.duration, name);
    }
    auto probe = inspect::probe_packets(request);
    if (!probe) {
        fail(inspect_exit_code(probe.error().kind), probe.error().message);
    }
    const auto report = inspect::analyse(probe.value());
    const auto results = inspect::evaluate(*profile, report);
    const inspect::InputSummary summary{name, request.input.network, request.duration};
    if (options.json) {
        std::cout << inspect::render_json(summary, report, *profile, results).dump(2) << "\n";
    } else {
        std::cout << inspect::render_text(summary, report, *profile, results);
    }
    return inspect::all_pass(results) ? 0 : static_cast<int>(core::ExitCode::failure);
}

} // namespace mtxrelay::app
