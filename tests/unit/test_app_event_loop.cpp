#include "app/event_loop.hpp"

#include "process/signals.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <csignal>

using namespace std::chrono_literals;
using mtxrelay::app::Clock;
using mtxrelay::app::EventLoop;
using mtxrelay::process::StopSignal;

TEST_CASE("event loop: a readable fd wakes the turn and the handler sees it", "[app][event_loop]")
{
    StopSignal::reset();
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    EventLoop loop;
    loop.set_tick(10s); // only the fd can end the wait early
    loop.watch([&](std::vector<pollfd>& fds) { fds.push_back({pipe_fds[0], POLLIN, 0}); });
    bool read_one = false;
    loop.on_wake([&](Clock::time_point) {
        char byte = 0;
        read_one = ::read(pipe_fds[0], &byte, 1) == 1;
    });
    REQUIRE(::write(pipe_fds[1], "x", 1) == 1);
    CHECK(loop.run([&] { return read_one; }) == EventLoop::Ended::done);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
}

TEST_CASE("event loop: timers fire at their period, a rescheduled one later", "[app][event_loop]")
{
    StopSignal::reset();
    EventLoop loop;
    loop.set_tick(1s); // the timers, not the tick, end each wait
    int fast = 0;
    int moved = 0;
    loop.every(10ms, [&](Clock::time_point) { ++fast; });
    const auto timer = loop.every(10ms, [&](Clock::time_point) { ++moved; });
    loop.reschedule(timer, loop.now() + 10s);
    const auto ended = loop.run([&] { return fast >= 5; }, loop.now() + 5s);
    CHECK(ended == EventLoop::Ended::done);
    CHECK(moved == 0);
}

TEST_CASE("event loop: the deadline ends a run with nothing to do", "[app][event_loop]")
{
    StopSignal::reset();
    EventLoop loop;
    CHECK(loop.run([] { return false; }, loop.now() + 30ms) == EventLoop::Ended::deadline);
    CHECK(loop.run([] { return true; }, loop.now() + 10s) == EventLoop::Ended::done);
}

TEST_CASE("event loop: a stop signal ends the main phase at once, not a stopping phase", "[app][event_loop]")
{
    StopSignal::reset();
    EventLoop loop;
    loop.set_tick(10ms);
    int turns = 0;
    loop.on_wake([&](Clock::time_point) {
        if (++turns == 1) {
            StopSignal::request(SIGTERM);
        }
    });
    CHECK(loop.run({}) == EventLoop::Ended::stop_signal);
    CHECK(turns == 1);
    // While stopping, the signal (still recorded) is no reason to end: the deadline is.
    EventLoop stopping;
    CHECK(stopping.run({}, stopping.now() + 30ms, EventLoop::OnStop::ignore) == EventLoop::Ended::deadline);
    CHECK_FALSE(EventLoop().sleep(10s));
    StopSignal::reset();
    CHECK(EventLoop().sleep(10ms));
}
