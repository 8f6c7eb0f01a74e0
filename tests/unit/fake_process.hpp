#pragma once
// A fake child behind process::Process, for testing supervisors without real processes or real
// time: its stdout/stderr are real pipes the test writes to (so the supervisor reads them as
// it reads ffmpeg's), its stdin a pipe the test can read, its exit a status the test sets, and
// every signal is recorded with the fake clock's time. FakeSpawner hands them out and keeps
// each run's controls for the test.

#include "process/child.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mtxrelay::testing {

using SteadyTime = std::chrono::steady_clock::time_point;

// A clock the test moves by hand.
struct ManualClock {
    SteadyTime now{std::chrono::hours(1000)};
    std::function<SteadyTime()> function()
    {
        return [this] { return now; };
    }
};

// The test's side of one fake run.
struct FakeRun {
    pid_t pid = 0;
    process::SpawnOptions options;
    int out_write = -1; // the test writes the run's stdout here
    int err_write = -1; // ... and its stderr here
    int in_read = -1;   // what the supervisor wrote to the run's stdin (when piped)
    bool stdin_closed = false;
    std::optional<process::ExitStatus> exit; // set by the test (or a signal): the run has ended
    std::set<int> ignored;                   // signals it survives (SIGKILL too, if listed)
    std::vector<std::pair<int, SteadyTime>> signals;
    int blocking_stops = 0; // stop() called with steps to wait through (blocks a real owner)
    bool reaped = false;    // stop() called on it (with or without steps)

    void write_out(std::string_view text) const { write_all(out_write, text); }
    void write_err(std::string_view text) const { write_all(err_write, text); }
    // A complete -progress block as ffmpeg prints it.
    void progress(long frame, long long total_size, long long out_time_us) const
    {
        write_out("frame=" + std::to_string(frame) + "\nfps=30.0\nbitrate=2500.0kbits/s\ntotal_size=" +
                  std::to_string(total_size) + "\nout_time_us=" + std::to_string(out_time_us) +
                  "\ndup_frames=0\ndrop_frames=0\nspeed=1.0x\nprogress=continue\n");
    }
    void exit_with(int code) { exit = process::ExitStatus{code, 0}; }
    bool alive() const { return !exit; }
    std::vector<int> signal_numbers() const
    {
        std::vector<int> numbers;
        for (const auto& [number, at] : signals) {
            numbers.push_back(number);
        }
        return numbers;
    }

private:
    static void write_all(int fd, std::string_view text)
    {
        if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
            throw std::runtime_error("fake run: cannot write to its pipe");
        }
    }
};

class FakeProcess final : public process::Process {
public:
    FakeProcess(std::shared_ptr<FakeRun> run, ManualClock* clock, int out_read, int err_read, int in_write)
        : m_run(std::move(run)), m_clock(clock), m_out(out_read), m_err(err_read), m_in(in_write)
    {
    }
    ~FakeProcess() override
    {
        for (int* fd : {&m_out, &m_err, &m_in}) {
            close_fd(*fd);
        }
    }
    FakeProcess(const FakeProcess&) = delete;
    FakeProcess& operator=(const FakeProcess&) = delete;

    pid_t pid() const override { return m_run->pid; }
    int stdout_fd() const override { return m_out; }
    int stderr_fd() const override { return m_err; }
    int stdin_fd() const override { return m_in; }
    void close_stdout() override { close_fd(m_out); }
    void close_stderr() override { close_fd(m_err); }
    void close_stdin() override
    {
        close_fd(m_in);
        m_run->stdin_closed = true;
    }
    std::optional<process::ExitStatus> try_wait() override { return m_run->exit; }
    void signal(int signal_number) const override
    {
        m_run->signals.emplace_back(signal_number, m_clock->now);
        if (!m_run->exit && m_run->ignored.count(signal_number) == 0) {
            m_run->exit = process::ExitStatus{0, signal_number};
        }
    }
    process::ExitStatus stop(const process::StopSteps& steps) override
    {
        m_run->reaped = true;
        if (!steps.empty() && !m_run->exit) {
            ++m_run->blocking_stops;
            m_run->exit = process::ExitStatus{0, SIGKILL};
        }
        return m_run->exit.value_or(process::ExitStatus{0, SIGKILL});
    }

private:
    static void close_fd(int& fd)
    {
        if (fd >= 0) {
            ::close(fd);
            fd = -1;
        }
    }

    std::shared_ptr<FakeRun> m_run;
    ManualClock* m_clock;
    int m_out;
    int m_err;
    int m_in;
};

// A SpawnFunction handing out fake runs; `runs` keeps every run's controls in spawn order.
struct FakeSpawner {
    explicit FakeSpawner(ManualClock* clock) : m_clock(clock) {}
    ~FakeSpawner()
    {
        for (const auto& run : runs) {
            for (int fd : {run->out_write, run->err_write, run->in_read}) {
                if (fd >= 0) {
                    ::close(fd);
                }
            }
        }
    }
    FakeSpawner(const FakeSpawner&) = delete;
    FakeSpawner& operator=(const FakeSpawner&) = delete;

    std::vector<std::shared_ptr<FakeRun>> runs;
    std::optional<std::string> fail_next; // the next spawn fails with this message
    std::set<int> ignored;                // signals every new run survives

    FakeRun& last() { return *runs.back(); }
    // Runs not ended: a supervisor must never have two.
    int alive() const
    {
        int count = 0;
        for (const auto& run : runs) {
            count += run->alive() ? 1 : 0;
        }
        return count;
    }

    process::SpawnFunction function()
    {
        return [this](const process::SpawnOptions& options) -> core::Result<std::unique_ptr<process::Process>> {
            if (fail_next) {
                const auto message = *fail_next;
                fail_next.reset();
                return core::Failure{core::ErrorKind::failed, message};
            }
            auto run = std::make_shared<FakeRun>();
            run->pid = 4000 + static_cast<pid_t>(runs.size());
            run->options = options;
            run->ignored = ignored;
            int out[2];
            int err[2];
            int in[2] = {-1, -1};
            if (::pipe2(out, O_CLOEXEC | O_NONBLOCK) != 0 || ::pipe2(err, O_CLOEXEC | O_NONBLOCK) != 0 ||
                (options.in == process::Stdio::pipe && ::pipe2(in, O_CLOEXEC | O_NONBLOCK) != 0)) {
                throw std::runtime_error("fake spawn: pipe2 failed");
            }
            run->out_write = out[1];
            run->err_write = err[1];
            run->in_read = in[0];
            runs.push_back(run);
            return std::unique_ptr<process::Process>(
                std::make_unique<FakeProcess>(run, m_clock, out[0], err[0], in[1]));
        };
    }

private:
    ManualClock* m_clock;
};

} // namespace mtxrelay::testing
