#pragma once

#include "core/error.hpp"

namespace mtxrelay::app {

// Why a tool's run ended. The exit code follows from it through one table (exit_code()),
// never from the wording of a log line or status text.
enum class Outcome {
    input_ended,          // relay-clean: a file input was read to its end (0)
    publisher_gone,       // relay-clean: the live input was read, then went away for good (0)
    input_never_appeared, // relay-clean: nothing was ever read from the input (1)
    output_failed,        // relay-clean: ffmpeg failed writing a file output (1; no restart)
    interrupted,          // SIGINT/SIGTERM (130)
    hls_sent,             // relay-hls-ready: playable, hls-ready delivered (0)
    hls_timeout,          // relay-hls-ready: not playable within the timeout, nothing sent (1)
};

// The exit code of an outcome (the one table: see the tools' --help and docs).
core::ExitCode exit_code(Outcome outcome);

// The outcome's code as main() returns it.
int exit_status(Outcome outcome);

} // namespace mtxrelay::app
