#pragma once

#include "http/retry.hpp"
#include "http/transport.hpp"

#include <poll.h>

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

namespace mtxrelay::app {

using Clock = std::chrono::steady_clock;

// The tools' clock: steady time, and a sleep() that waits in an EventLoop (so a retry
// schedule or a poll interval ends at once on SIGINT/SIGTERM); retries logged as warnings.
http::RetryHooks loop_clock();

// What a tool's run takes from the outside world besides its options and environment: how
// to make an HTTP transport and what time it is (now(), an interruptible sleep()). Unit
// tests pass fakes; tools pass the defaults.
struct ToolDeps {
    http::TransportFactory transport = http::curl_transport_factory();
    http::RetryHooks clock = loop_clock();
};

// The one wait of every tool (after ninja's SubprocessSet): a turn polls the stop signal's
// fd, the fds of everything registered (supervised children's pipes, a worker thread's wake
// fd), and sleeps no longer than the next timer or the tick. Then it calls the wake handlers
// (the owner steps its supervisors and reacts to their events) and fires the timers that are
// due. A tool builds its plan, registers what to supervise, and runs the loop.
class EventLoop {
public:
    using FdSource = std::function<void(std::vector<pollfd>& fds)>;
    using Handler = std::function<void(Clock::time_point now)>;
    using TimerId = std::size_t;
    // Why run() returned.
    enum class Ended { done, deadline, stop_signal };
    // Whether a stop signal ends run() (the main phase) or is ignored (stopping, draining).
    enum class OnStop { end, ignore };

    explicit EventLoop(std::function<Clock::time_point()> now = [] { return Clock::now(); });

    // Asked for its fds on every turn (they change as children come and go).
    void watch(FdSource source);
    // Called after every wake-up, in the order registered.
    void on_wake(Handler handler);
    // Calls `handler` every `interval`, first at `first` (default: the first turn).
    TimerId every(std::chrono::milliseconds interval, Handler handler, std::optional<Clock::time_point> first = {});
    // Moves a timer's next firing (e.g. the status period restarts when the output flows).
    void reschedule(TimerId timer, Clock::time_point at);
    // The longest wait of a turn when nothing happens (supervisors check their timeouts then).
    void set_tick(std::chrono::milliseconds tick) { m_tick = tick; }

    // Runs turns until done() holds (checked first and after each turn's wake handlers), the
    // deadline passes, or (OnStop::end) a stop signal is requested (checked before every turn).
    Ended run(const std::function<bool()>& done, std::optional<Clock::time_point> deadline = {},
              OnStop on_stop = OnStop::end);
    // Waits `duration` with nothing but the stop signal to watch: false when it came first.
    bool sleep(std::chrono::milliseconds duration);
    Clock::time_point now() const { return m_now(); }

private:
    struct Timer {
        std::chrono::milliseconds interval;
        Handler handler;
        std::optional<Clock::time_point> next;
    };
    void turn(std::optional<Clock::time_point> deadline, OnStop on_stop);

    std::function<Clock::time_point()> m_now;
    std::vector<FdSource> m_sources;
    std::vector<Handler> m_handlers;
    std::vector<Timer> m_timers;
    std::chrono::milliseconds m_tick{250};
};

} // namespace mtxrelay::app
