#include "app/event_loop.hpp"

#include "process/signals.hpp"

#include <algorithm>
#include <cerrno>

namespace mtxrelay::app {

using namespace std::chrono;

EventLoop::EventLoop(std::function<Clock::time_point()> now) : m_now(std::move(now)) {}

void EventLoop::watch(FdSource source)
{
    m_sources.push_back(std::move(source));
}

void EventLoop::on_wake(Handler handler)
{
    m_handlers.push_back(std::move(handler));
}

EventLoop::TimerId EventLoop::every(milliseconds interval, Handler handler, std::optional<Clock::time_point> first)
{
    m_timers.push_back({interval, std::move(handler), first});
    return m_timers.size() - 1;
}

void EventLoop::reschedule(TimerId timer, Clock::time_point at)
{
    m_timers.at(timer).next = at;
}

void EventLoop::turn(std::optional<Clock::time_point> deadline, OnStop on_stop)
{
    std::vector<pollfd> fds;
    if (on_stop == OnStop::end) {
        fds.push_back({process::StopSignal::wake_fd(), POLLIN, 0});
    }
    for (const auto& source : m_sources) {
        source(fds);
    }
    const auto now = m_now();
    auto wake = now + m_tick;
    for (const auto& timer : m_timers) {
        wake = std::min(wake, timer.next.value_or(now)); // a timer never run is due now
    }
    if (deadline) {
        wake = std::min(wake, *deadline);
    }
    const auto wait = std::max<long long>(0, duration_cast<milliseconds>(wake - now).count());
    if (::poll(fds.data(), fds.size(), static_cast<int>(wait)) < 0 && errno != EINTR) {
        ::poll(nullptr, 0, static_cast<int>(wait)); // a bad fd list: still never spin
    }
}

EventLoop::Ended EventLoop::run(const std::function<bool()>& done, std::optional<Clock::time_point> deadline,
                                OnStop on_stop)
{
    if (done && done()) {
        return Ended::done;
    }
    while (true) {
        if (on_stop == OnStop::end && process::StopSignal::requested()) {
            return Ended::stop_signal;
        }
        turn(deadline, on_stop);
        const auto now = m_now();
        for (const auto& handler : m_handlers) {
            handler(now);
        }
        if (done && done()) {
            return Ended::done;
        }
        for (auto& timer : m_timers) {
            if (!timer.next || now >= *timer.next) {
                timer.next = now + timer.interval;
                timer.handler(now);
            }
        }
        if (deadline && m_now() >= *deadline) {
            return Ended::deadline;
        }
    }
}

bool EventLoop::sleep(milliseconds duration)
{
    EventLoop alone(m_now);
    return alone.run({}, m_now() + duration) != Ended::stop_signal;
}

http::RetryHooks loop_clock()
{
    auto hooks = http::default_retry_hooks(); // its on_retry: the warning line
    hooks.now = [] { return Clock::now(); };
    hooks.sleep = [](milliseconds wait) { return EventLoop().sleep(wait); };
    return hooks;
}

} // namespace mtxrelay::app
