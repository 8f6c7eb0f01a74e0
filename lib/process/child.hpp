#pragma once

#include "core/error.hpp"

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <vector>

namespace mtxrelay::process {

// One step of stopping a child: send `signal`, then wait up to `wait` for it to exit.
struct StopStep {
    int signal;
    std::chrono::milliseconds wait;
};

// SIGINT first so ffmpeg flushes and closes its outputs, then escalate.
const std::vector<StopStep>& default_stop_steps();

enum class Stdio { inherit, null, pipe };

struct SpawnOptions {
    std::vector<std::string> argv; // argv[0] is looked up in PATH; never run through a shell
    Stdio in = Stdio::null;        // pipe: the parent writes the child's stdin (stdin_fd())
    Stdio out = Stdio::inherit;
    Stdio err = Stdio::inherit;
    bool new_process_group = true; // so a stop reaches the child's own children too
    bool die_with_parent = true;   // PR_SET_PDEATHSIG(SIGKILL): no orphans under a PID 1 that reaps nothing
    // The child's whole environment ("NAME=value"); nullopt means minimal_environment().
    std::optional<std::vector<std::string>> env;
};

// What a child gets by default: the variables a program needs to run (PATH, HOME, TMPDIR,
// TZ, locale, LD_LIBRARY_PATH, CA certificate paths) taken from ours, nothing else. Never the
// parent's secrets or context: CLOUD_API_TOKEN, MediaMTX's MTX_*/G1/G2, RELAY_* settings.
std::vector<std::string> minimal_environment();

// How a child ended.
struct ExitStatus {
    int code = 0;   // exit code when it exited
    int signal = 0; // signal number when it was killed
    // Shell convention: the code, or 128 + signal.
    int as_exit_code() const { return signal != 0 ? 128 + signal : code; }
    std::string describe() const;
};

// A running child process. Move-only; the destructor stops (default steps) and reaps it.
class Child {
public:
    static core::Result<Child> spawn(const SpawnOptions& options);

    Child(Child&& other) noexcept;
    Child& operator=(Child&& other) noexcept;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child();

    pid_t pid() const { return m_pid; }
    // Read ends of piped stdout/stderr (non-blocking), -1 when not piped or closed.
    int stdout_fd() const { return m_out; }
    int stderr_fd() const { return m_err; }
    void close_stdout();
    void close_stderr();
    // Write end of a piped stdin (non-blocking), -1 when not piped or closed. Closing it
    // gives the child end-of-file.
    int stdin_fd() const { return m_in; }
    void close_stdin();

    bool running() const { return m_pid > 0 && !m_status; }
    // Reaps without blocking; the status once the child has exited.
    std::optional<ExitStatus> try_wait();
    // Sends one signal to the child (its process group when it has one).
    void signal(int signal_number) const;
    // Runs the stop steps until the child is gone; always reaps.
    ExitStatus stop(const std::vector<StopStep>& steps = default_stop_steps());

private:
    Child() = default;
    void release();

    pid_t m_pid = -1;
    bool m_group = false;
    int m_in = -1;
    int m_out = -1;
    int m_err = -1;
    std::optional<ExitStatus> m_status;
};

} // namespace mtxrelay::process
