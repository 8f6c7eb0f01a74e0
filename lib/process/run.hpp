#pragma once

#include "core/error.hpp"
#include "process/child.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace mtxrelay::process {

struct RunResult {
    ExitStatus status;
    std::string out;
    std::string err;
    bool timed_out = false;   // stopped because the time limit passed
    bool interrupted = false; // stopped because SIGINT/SIGTERM arrived
    bool truncated = false;   // output exceeded the cap and was cut
};

// Runs a program to completion (argv, no shell), capturing stdout and stderr up to max_bytes
// each; stops it (default stop steps) when the time limit passes or a stop signal arrives.
core::Result<RunResult> run_capture(const std::vector<std::string>& argv, std::chrono::milliseconds time_limit,
                                    size_t max_bytes = 64 * 1024 * 1024);

} // namespace mtxrelay::process
