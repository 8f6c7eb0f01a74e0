#pragma once

#include "core/error.hpp"

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mtxrelay::process {

// One step of stopping a child: send `signal`, then wait up to `wait` for it to exit.
struct StopStep {
    int signal;
    std::chrono::milliseconds wait;
};
using StopSteps = std::vector<StopStep>;

// A child with no owner's deadline (ffprobe, run-and-capture, a Child dropped without an
// explicit stop): SIGINT first so a program that flushes on it (ffmpeg) can, 3 s for that;
// SIGTERM and 1.5 s for one that ignored SIGINT; SIGKILL and 2 s for the kernel to end it.
// The ffmpeg runs the tools supervise have their own sequences (ffmpeg/stop_steps.hpp).
inline const StopSteps k_child_stop_steps = {{SIGINT, std::chrono::milliseconds(3000)},
                                             {SIGTERM, std::chrono::milliseconds(1500)},
                                             {SIGKILL, std::chrono::milliseconds(2000)}};

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

// A running child as its owner drives it: its pipes, reaping and signals. Child is the real
// one; a supervisor takes a SpawnFunction, so unit tests give a fake (pipes, a chosen status).
class Process {
public:
    virtual ~Process() = default;
    virtual pid_t pid() const = 0;
    // Read ends of piped stdout/stderr (non-blocking), -1 when not piped or closed.
    virtual int stdout_fd() const = 0;
    virtual int stderr_fd() const = 0;
    // Write end of a piped stdin (non-blocking), -1 when not piped or closed.
    virtual int stdin_fd() const = 0;
    virtual void close_stdout() = 0;
    virtual void close_stderr() = 0;
    virtual void close_stdin() = 0;
    // Reaps without blocking; the status once the child has exited.
    virtual std::optional<ExitStatus> try_wait() = 0;
    // Sends one signal to the child (its process group when it has one).
    virtual void signal(int signal_number) const = 0;
    // Blocking: runs the steps until the child is gone, reaps it and ends what is left of its
    // process group. With no steps on an exited child: only the reaping and the group kill.
    virtual ExitStatus stop(const StopSteps& steps) = 0;
};

// Starts a child (Child::spawn, or a test's fake) behind the Process interface.
using SpawnFunction = std::function<core::Result<std::unique_ptr<Process>>(const SpawnOptions& options)>;
// The real one: Child::spawn.
core::Result<std::unique_ptr<Process>> spawn_process(const SpawnOptions& options);

// A running child process. Move-only; the destructor stops (k_child_stop_steps) and reaps it.
class Child final : public Process {
public:
    static core::Result<Child> spawn(const SpawnOptions& options);

    Child(Child&& other) noexcept;
    Child& operator=(Child&& other) noexcept;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() override;

    pid_t pid() const override { return m_pid; }
    int stdout_fd() const override { return m_out; }
    int stderr_fd() const override { return m_err; }
    void close_stdout() override;
    void close_stderr() override;
    // Closing stdin gives the child end-of-file.
    int stdin_fd() const override { return m_in; }
    void close_stdin() override;

    bool running() const { return m_pid > 0 && !m_status; }
    std::optional<ExitStatus> try_wait() override;
    void signal(int signal_number) const override;
    // Runs the stop steps until the child is gone; always reaps.
    ExitStatus stop(const StopSteps& steps) override;
    ExitStatus stop() { return stop(k_child_stop_steps); }

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
