#pragma once

#include <chrono>

namespace mtxrelay::process {

// SIGINT and SIGTERM mean "stop now" for every tool (MediaMTX sends one SIGINT to the hook's
// process group). The handlers only record the signal and wake poll loops via a self-pipe.
class StopSignal {
public:
    // Installs the handlers (idempotent) and ignores SIGPIPE.
    static void install();
    static bool requested();
    // The signal number received, 0 when none.
    static int received();
    // A file descriptor that becomes readable once a stop signal arrives (for poll()).
    static int wake_fd();
    // Forgets a previous request (unit tests only).
    static void reset();
    // Records a stop exactly as the handler does for `signal_number` (unit tests: a test
    // framework may own the real handlers).
    static void request(int signal_number);
};

// Sleeps up to `duration`; returns false early when a stop signal arrives.
bool sleep_unless_stopped(std::chrono::milliseconds duration);

} // namespace mtxrelay::process
