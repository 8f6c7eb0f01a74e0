#include "app/inspect.hpp"

#include "app/cli.hpp"
#include "app/relay_env.hpp"
#include "core/env.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"
#include "inspect/analysis.hpp"
#include "inspect/probe_packets.hpp"
#include "inspect/profile.hpp"
#include "inspect/render.hpp"
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

// A read bounded to fewer seconds than the expected duration could only ever fail it.
void check_read_holds(const inspect::Expectations& expected, std::optional<double> read_seconds)
{
    if (!expected.duration || !read_seconds) {
        return;
    }
    const double shortest =
        *expected.duration - expected.duration_tolerance.value_or(inspect::k_default_duration_tolerance);
    if (*read_seconds < shortest) {
        throw core::UsageError(
            fmt::format("--expect-duration {:g} cannot be met by a read of {:g} s: pass a --duration "
                        "of at least {:g}",
                        *expected.duration, *read_seconds, shortest));
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
    return operator_endpoint(options.input);
}

inspect::Expectations inspect_expectations(const InspectOptions& options)
{
    inspect::Expectations expectations;
    expectations.fps = options.expect_fps;
    if (options.expect_size) {
        auto size = inspect::parse_frame_size(*options.expect_size);
        if (!size) {
            throw core::UsageError(size.error().message);
        }
        expectations.size = size.value();
    }
    expectations.orientation = options.expect_orientation;
    expectations.duration = options.expect_duration;
    expectations.duration_tolerance = options.expect_duration_tolerance;
    if (const auto bad = inspect::validate(expectations)) {
        throw core::UsageError(bad->message);
    }
    return expectations;
}

int run_inspect(const InspectOptions& options)
{
    setup_logging("relay-inspect", std::nullopt, core::process_env());
    if (options.list_profiles) {
        return list_profiles();
    }
    const auto* known = inspect::find_profile(options.profile);
    if (!known) {
        throw core::UsageError(fmt::format("unknown profile '{}': see --list-profiles", options.profile));
    }
    const auto expectations = inspect_expectations(options);
    const auto profile = inspect::apply(*known, expectations);
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
    check_read_holds(expectations, request.duration);
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
    const auto results = inspect::evaluate(profile, report);
    const inspect::InputSummary summary{name, request.input.network, request.duration};
    if (options.json) {
        std::cout << inspect::render_json(summary, report, profile, results).dump(2) << "\n";
    } else {
        std::cout << inspect::render_text(summary, report, profile, results);
    }
    return inspect::all_pass(results) ? 0 : static_cast<int>(core::ExitCode::failure);
}

} // namespace mtxrelay::app
