#pragma once

#include "core/error.hpp"
#include "ffmpeg/endpoint.hpp"
#include "inspect/analysis.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtxrelay::inspect {

// One ffprobe run over an input: which input, how much of it, and how long we wait at most.
struct ProbeRequest {
    ffmpeg::Endpoint input;
    std::optional<double> duration;              // seconds of content to read (-read_intervals %+S)
    std::chrono::milliseconds time_limit{60000}; // hard wall-clock limit; ffprobe is stopped after it
    std::string ffprobe = "ffprobe";
};

// The ffprobe command line for a request (the URL is the last argument; callers redact it).
std::vector<std::string> probe_command(const ProbeRequest& request);

// Runs ffprobe and parses its output. Failures: ErrorKind::unreachable (cannot open or read the
// input, nothing within the time limit), bad_response (not media, no video, no packets),
// interrupted (SIGINT/SIGTERM), failed (ffprobe missing or its output cut). Messages name the
// input with its secrets masked.
core::Result<ProbeData> probe_packets(const ProbeRequest& request);

// Parses ffprobe's "-of compact" output ("packet|k=v|..." then "stream|k=v|..." lines) and
// keeps the first video and first audio stream with their packets.
ProbeData parse_compact(std::string_view output);

} // namespace mtxrelay::inspect
