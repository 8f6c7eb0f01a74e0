#pragma once

#include "core/backoff.hpp"
#include "ffmpeg/log_relay.hpp"
#include "ffmpeg/progress.hpp"
#include "ffmpeg/stop_steps.hpp"
#include "process/child.hpp"
#include "process/line_buffer.hpp"

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace mtxrelay::ffmpeg {

using Clock = std::chrono::steady_clock;

// Where one supervised ffmpeg stands. How the cloud and relay-status name it is the owners'
// business (cloud::RunStatus); a run being stopped for a restart keeps its state until it is gone.
enum class RunState { starting, streaming, backoff, error, stopping, stopped };

struct SupervisorSettings {
    core::Backoff backoff{std::chrono::milliseconds(1000), std::chrono::milliseconds(30000)};
    std::chrono::seconds stable_after{60};  // a run this long resets the backoff
    std::chrono::seconds stall_timeout{10}; // no output progress this long: kill and restart
    // A new run may take this long to show progress: counted from the spawn, or, for a run
    // that awaits its input (NextRun::await_input), from input_started().
    std::chrono::seconds startup_grace{20};
    int error_after = 3; // consecutive failures before the state reads `error`
    // The owner's retry policy: given the failure reason, the consecutive failures, the last
    // stderr lines (masked) of the run and when it ended, the wait before the next run;
    // nullopt (or unset) uses `backoff`.
    std::function<std::optional<std::chrono::milliseconds>(
        const std::string& reason, int failures, const std::deque<std::string>& stderr_tail, Clock::time_point now)>
        retry_delay;
    // How a run is stopped (for a stall, a restart or the end), walked without blocking.
    process::StopSteps stop_steps = k_encoder_stop_steps;
};

// What the supervisor needs from the world, replaceable in tests: how a child is started,
// the clock (the time a command source spent probing is taken from it; everything else comes
// from the `now` the owner passes) and the jitter's seed (nullopt: core::make_rng()).
struct SupervisorSeams {
    process::SpawnFunction spawn = process::spawn_process;
    std::function<Clock::time_point()> clock = Clock::now;
    std::optional<std::uint64_t> seed;
};

// Something the owner may want to report (status posts, log lines).
struct SupervisorEvent {
    enum class Kind { started, streaming, exited, stalled, finished } kind;
    std::string reason;
};

// What the next run should execute, decided by the owner just before each start: an argv to
// run; or finish (e.g. the input is gone for good: supervision ends in `stopped`); or wait
// (not yet: asked again at the next step, no failure counted); or none of these, which counts
// as a failed start with `reason` and is retried after the backoff.
struct NextRun {
    std::optional<std::vector<std::string>> argv;
    bool finish = false;
    std::string reason;
    bool wait = false;
    // The owner writes the child's stdin (stdin_fd()). With await_input the run shows no
    // progress and is not timed until the owner calls input_started().
    bool stdin_pipe = false;
    bool await_input = false;
    // stdout is data for the owner (set_data_handler), not -progress: bytes arriving are the
    // run's progress (streaming from the first byte, stalled after stall_timeout without).
    bool data_stdout = false;
};

// Receives a data_stdout run's bytes as they are read.
using DataHandler = std::function<void(std::string_view bytes, Clock::time_point now)>;
using CommandSource = std::function<NextRun()>;

// Runs one ffmpeg at a time and keeps it running: reads -progress on stdout, relays stderr
// (masked, rate-limited), restarts on exit or stall with exponential backoff and jitter that
// resets after stable output. Never blocks: the owner polls append_fds(), calls step() and
// every stop (a stall, restart(), begin_stop()) is walked step by step on the owner's clock.
class Supervisor {
public:
    Supervisor(std::string label, CommandSource command, SupervisorSettings settings = {}, SupervisorSeams seams = {});

    // Descriptors to poll (the running child's stdout and stderr).
    void append_fds(std::vector<pollfd>& fds) const;
    // Reads output, detects exit and stalls, walks a stop in progress, (re)starts when due.
    // A stall sends the first stop step and reports `stalled`; `exited` follows once the
    // child is gone, and the next run starts only after that (never two at once).
    std::vector<SupervisorEvent> step(Clock::time_point now);
    // When step() has something to do even if no fd is ready (a start, a stop step, a stall
    // check), or nullopt when only fds (or nothing) can move it.
    std::optional<Clock::time_point> next_deadline() const;
    // Blocking last resort (destructors, an owner past its deadline): stops the child with the
    // stop steps, waiting, and ends supervision.
    void stop();
    // Ends supervision without blocking: sends the first stop step now (or goes on with a stop
    // already under way); step() walks the remaining steps and reports `finished` once the
    // child is gone. Lets an owner stop many at once.
    void begin_stop(Clock::time_point now);
    // Treat a clean exit (code 0) as the end of the job rather than a failure (file inputs).
    void set_finish_on_clean_exit(bool finish) { m_finish_on_clean_exit = finish; }
    void set_data_handler(DataHandler handler) { m_on_data = std::move(handler); }
    // The running child's stdin (a run started with stdin_pipe), -1 otherwise.
    int stdin_fd() const { return m_child ? m_child->stdin_fd() : -1; }
    // The owner began feeding the awaiting run: its startup grace counts from now.
    void input_started(Clock::time_point now);
    // Starts stopping the running child now (stdin closed, first stop step) and restarts it
    // after the backoff, as a failure with `reason` (e.g. its input stalled or its stdin pipe
    // broke). Returns `stalled` now; step() reports `exited` once the child is gone. Nothing
    // happens without a child or while one is already being stopped.
    std::vector<SupervisorEvent> restart(Clock::time_point now, const std::string& reason);
    // True while a child runs (including while it is being stopped).
    bool running() const { return m_child != nullptr; }
    // True while a child is being stopped (for a restart or the end).
    bool stopping_child() const { return m_ending != Ending::none; }

    RunState state() const { return m_state; }
    int restarts() const { return m_restarts; }
    int consecutive_failures() const { return m_failures; }
    const Progress& progress() const { return m_progress; }
    const std::string& last_error() const { return m_last_error; }
    std::optional<pid_t> pid() const;
    std::optional<Clock::time_point> streaming_since() const { return m_streaming_since; }
    std::optional<process::ExitStatus> last_exit() const { return m_last_exit; }
    // The last stderr lines (masked) of the current or previous run, oldest first.
    const std::deque<std::string>& stderr_tail() const { return m_tail; }

private:
    // Why the running child is being stopped.
    enum class Ending { none, restart, finish };

    void start(Clock::time_point now, std::vector<SupervisorEvent>& events);
    void read_output(Clock::time_point now, std::vector<SupervisorEvent>& events);
    void read_data(Clock::time_point now, std::vector<SupervisorEvent>& events);
    void on_run_end(Clock::time_point now, const std::string& reason, bool failure,
                    std::vector<SupervisorEvent>& events);
    void begin_ending(Clock::time_point now, Ending why);
    void advance_stop(Clock::time_point now, std::vector<SupervisorEvent>& events);
    void send_stop_step(Clock::time_point now);

    std::string m_label;
    CommandSource m_command;
    SupervisorSettings m_settings;
    SupervisorSeams m_seams;
    std::mt19937_64 m_rng;
    LogRelay m_log;
    std::unique_ptr<process::Process> m_child;
    process::LineBuffer m_out_lines;
    process::LineBuffer m_err_lines;
    ProgressParser m_parser;
    Progress m_progress;
    RunState m_state = RunState::starting;
    bool m_finish_on_clean_exit = false;
    bool m_stopped = false;
    bool m_awaiting_input = false;
    bool m_data_stdout = false;
    DataHandler m_on_data;
    int m_restarts = -1; // the first start is not a restart
    int m_failures = 0;
    std::string m_last_error;
    std::optional<process::ExitStatus> m_last_exit;
    Clock::time_point m_next_start{};
    Clock::time_point m_run_started{};
    Clock::time_point m_last_advance{};
    std::optional<Clock::time_point> m_streaming_since;
    long long m_last_size = -1;
    long long m_last_time = -1;
    std::deque<std::string> m_tail;
    Ending m_ending = Ending::none;
    std::string m_end_reason; // the failure a restart's stop ends with
    size_t m_stop_step = 0;
    Clock::time_point m_stop_deadline{};
};

} // namespace mtxrelay::ffmpeg
