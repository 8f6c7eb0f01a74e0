#pragma once

#include "core/error.hpp"

#include "ffmpeg/endpoint.hpp"
#include "inspect/expectations.hpp"

#include <optional>
#include <string>

namespace mtxrelay::app {

// relay-inspect's command line. Each field is the flag of a row in app/settings.hpp (inspect_*,
// rtmp_app, rtmp_playpath, expect_*, list_profiles, dry_run): help and defaults are there.
struct InspectOptions {
    std::string input;                  // a file path or a URL (rtmp://, rtmps://, srt://, http://...)
    std::optional<double> duration;     // seconds to read; live inputs default to k_default_live_seconds
    std::string profile = "cloudflare"; // the row's default (checked by the unit tests)
    bool json = false;
    std::optional<std::string> rtmp_app;      // passed to ffprobe as -rtmp_app
    std::optional<std::string> rtmp_playpath; // passed to ffprobe as -rtmp_playpath
    bool list_profiles = false;
    bool dry_run = false;
    // What this stream must be (--expect-*); each replaces the profile's default (expectations.hpp).
    std::optional<double> expect_fps;
    std::optional<std::string> expect_size; // "1280x720"
    std::optional<std::string> expect_orientation;
    std::optional<double> expect_duration;
    std::optional<double> expect_duration_tolerance;
};

// How much of a live input is read when --duration is not given: enough for several 2-10 s GOPs.
inline constexpr double k_default_live_seconds = 20;
// The longest --duration: a day of content (beyond it the time limit's arithmetic overflows).
inline constexpr double k_max_duration_seconds = 86400;

// relay-inspect's own exit codes (the common ones: 0 all pass, 1 a requirement failed or could not
// be measured, 2 usage, 130 interrupted).
inline constexpr int k_exit_unreadable =
    static_cast<int>(core::ExitCode::input_unreadable); // missing, unreachable, not media, no video, nothing read
inline constexpr int k_exit_probe_failed =
    static_cast<int>(core::ExitCode::probe_failed); // ffprobe missing, or its output was cut

// The ffprobe endpoint for INPUT: a local multi-segment RTMP URL (rtmp://127.0.0.1/live/u/s) gets
// -rtmp_app live -rtmp_playpath u/s as relay-clean passes it; explicit flags win. Throws UsageError.
ffmpeg::Endpoint inspect_endpoint(const InspectOptions& options);

// The --expect-* options as checked expectations. Throws UsageError naming the flag and its range.
inspect::Expectations inspect_expectations(const InspectOptions& options);

// relay-inspect: probes INPUT, prints the figures and the profile's PASS/FAIL lines (text or
// JSON) on stdout, and returns the exit code. Throws core::Error for an input it cannot analyse.
int run_inspect(const InspectOptions& options);

} // namespace mtxrelay::app
