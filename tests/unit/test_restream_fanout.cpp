#include "restream/fanout.hpp"

#include "core/log.hpp"
#include "core/redact.hpp"
#include "fake_process.hpp"

#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>

#include <map>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using mtxrelay::cloud::RunStatus;
using mtxrelay::restream::Clock;
using mtxrelay::restream::DesiredDestination;
using mtxrelay::restream::DestinationSet;
using mtxrelay::restream::DestinationStatus;
using mtxrelay::restream::Fanout;
using mtxrelay::restream::FanoutEvent;
using mtxrelay::restream::FanoutSettings;

namespace {

// Each destination URL picks how the fake ffmpeg behaves: "ok" streams progress, "refused"
// fails like an unreachable RTMP server, "stubborn" streams and ignores SIGINT.
std::vector<std::string> fake_command(const DesiredDestination& destination)
{
    const auto& url = destination.url;
    std::vector<std::string> argv = {MTXRELAY_FAKE_CHILD};
    if (url.find("/refused/") != std::string::npos) {
        argv.insert(argv.end(), {"--stderr", "rtmp://203.0.113.9/refused/*** Connection refused", "--exit", "1"});
    } else if (url.find("/sourcegone/") != std::string::npos) {
        argv.insert(argv.end(), {"--stderr", "rtmp://127.0.0.1:1935/clean/*** Connection refused", "--exit", "1"});
    } else if (url.find("/stubborn/") != std::string::npos) {
        argv.insert(argv.end(), {"--ignore-int", "--progress", "--sleep", "30"});
    } else {
        argv.insert(argv.end(), {"--progress", "--sleep", "30"});
    }
    return argv;
}

FanoutSettings fast_settings()
{
    FanoutSettings settings;
    settings.supervision.backoff = {10ms, 50ms};
    settings.supervision.stop_steps = {{SIGINT, 300ms}, {SIGTERM, 300ms}, {SIGKILL, 300ms}};
    settings.retry.fatal_after = 2;
    settings.supervision.error_after = 2;
    return settings;
}

DestinationSet set_of(const std::vector<std::pair<std::string, std::string>>& urls_and_names)
{
    DestinationSet set;
    for (const auto& [url, name] : urls_and_names) {
        set.destinations.push_back({url, url, name, name, {}});
    }
    return set;
}

std::map<std::string, DestinationStatus> by_name(const Fanout& fanout)
{
    std::map<std::string, DestinationStatus> result;
    for (const auto& status : fanout.snapshot()) {
        result[status.name] = status;
    }
    return result;
}

// Polls and steps the fan-out until `done` or the timeout; true when done.
template <class Predicate>
bool drive(Fanout& fanout, std::chrono::milliseconds timeout, Predicate done)
{
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        std::vector<pollfd> fds;
        fanout.append_fds(fds);
        ::poll(fds.data(), fds.size(), 20);
        fanout.step(Clock::now());
        if (done()) {
            return true;
        }
    }
    return false;
}

bool all_streaming(const Fanout& fanout, size_t count)
{
    const auto all = fanout.snapshot();
    return all.size() == count &&
           std::all_of(all.begin(), all.end(), [](const auto& d) { return d.state == RunStatus::streaming && d.pid; });
}

bool alive(pid_t pid)
{
    return ::kill(pid, 0) == 0;
}

// The supervisors log every start and stop; keep the test output readable.
struct QuietLog {
    QuietLog()
    {
        mtxrelay::core::log::set_sink([](std::string_view) {});
    }
    ~QuietLog() { mtxrelay::core::log::set_sink(nullptr); }
};

} // namespace

TEST_CASE("reconciling keeps untouched destinations running in the same process")
{
    QuietLog quiet;
    Fanout fanout(fake_command, "rtmp://127.0.0.1:1935/clean/***", fast_settings());
    fanout.apply(set_of({{"rtmp://a.example/ok/1", "A"}, {"rtmp://b.example/ok/2", "B"}}), Clock::now());
    REQUIRE(drive(fanout, 5s, [&] { return all_streaming(fanout, 2); }));
    const auto before = by_name(fanout);

    SECTION("a removed destination stops, the other keeps its pid")
    {
        fanout.apply(set_of({{"rtmp://a.example/ok/1", "A"}}), Clock::now());
        REQUIRE(drive(fanout, 3s, [&] { return fanout.snapshot().size() == 1; }));
        CHECK_FALSE(alive(*before.at("B").pid));
        CHECK(by_name(fanout).at("A").pid == before.at("A").pid);
    }
    SECTION("an added destination starts, the others keep their pids")
    {
        fanout.apply(
            set_of({{"rtmp://a.example/ok/1", "A"}, {"rtmp://b.example/ok/2", "B"}, {"rtmp://c.example/ok/3", "C"}}),
            Clock::now());
        REQUIRE(drive(fanout, 5s, [&] { return all_streaming(fanout, 3); }));
        const auto after = by_name(fanout);
        CHECK(after.at("A").pid == before.at("A").pid);
        CHECK(after.at("B").pid == before.at("B").pid);
    }
    SECTION("a new URL under the same name restarts only that destination")
    {
        fanout.apply(set_of({{"rtmp://a.example/ok/1", "A"}, {"rtmp://b.example/ok/NEW", "B"}}), Clock::now());
        REQUIRE(drive(fanout, 5s, [&] { return all_streaming(fanout, 2); }));
        const auto after = by_name(fanout);
        CHECK(after.at("A").pid == before.at("A").pid);
        CHECK(after.at("B").pid != before.at("B").pid);
        CHECK_FALSE(alive(*before.at("B").pid));
    }
    fanout.begin_stop_all(Clock::now());
    CHECK(drive(fanout, 3s, [&] { return fanout.idle(); }));
}

TEST_CASE("a refused destination ends in error with its reason and does not disturb the others")
{
    QuietLog quiet;
    Fanout fanout(fake_command, "rtmp://127.0.0.1:1935/clean/***", fast_settings());
    fanout.apply(set_of({{"rtmp://a.example/ok/1", "A"}, {"rtmp://203.0.113.9/refused/KEY", "R"}}), Clock::now());
    REQUIRE(drive(fanout, 5s, [&] {
        const auto all = by_name(fanout);
        return all.size() == 2 && all.at("A").state == RunStatus::streaming && all.at("R").state == RunStatus::error;
    }));
    const auto first = by_name(fanout);
    CHECK(first.at("R").failure == "unreachable");
    CHECK(first.at("R").reason == "unreachable");
    CHECK(first.at("A").reason.empty());
    CHECK(first.at("R").key_fingerprint == mtxrelay::core::fingerprint("KEY"));
    CHECK(first.at("R").last_error.find("Connection refused") != std::string::npos);
    CHECK(first.at("R").failures >= 2);
    // After k failures the next try waits most of the 30 s interval: no hammering.
    drive(fanout, 1s, [] { return false; });
    const auto later = by_name(fanout);
    CHECK(later.at("R").retries == first.at("R").retries);
    CHECK(later.at("A").pid == first.at("A").pid);
    CHECK(later.at("A").state == RunStatus::streaming);
    fanout.begin_stop_all(Clock::now());
    CHECK(drive(fanout, 3s, [&] { return fanout.idle(); }));
}

TEST_CASE("when the clean source is gone the destinations wait for it instead of reading error")
{
    QuietLog quiet;
    auto settings = fast_settings();
    settings.retry.source_cap = 100ms;
    Fanout fanout(fake_command, "rtmp://127.0.0.1:1935/clean/***", settings);
    fanout.apply(set_of({{"rtmp://a.example/sourcegone/1", "A"}, {"rtmp://b.example/sourcegone/2", "B"}}),
                 Clock::now());
    REQUIRE(drive(fanout, 5s, [&] {
        const auto all = by_name(fanout);
        return all.size() == 2 && all.at("A").failures >= 2 && all.at("B").failures >= 2;
    }));
    const auto all = by_name(fanout);
    CHECK(all.at("A").state == RunStatus::waiting);
    CHECK(all.at("A").reason == "source_gone");
    CHECK(all.at("B").state == RunStatus::waiting);
    CHECK(fanout.source_gone());
    fanout.begin_stop_all(Clock::now());
    CHECK(drive(fanout, 3s, [&] { return fanout.idle(); }));
}

TEST_CASE("stopping all destinations runs their grace periods in parallel")
{
    QuietLog quiet;
    Fanout fanout(fake_command, "rtmp://127.0.0.1:1935/clean/***", fast_settings());
    fanout.apply(set_of({{"rtmp://a.example/stubborn/1", "A"},
                         {"rtmp://b.example/stubborn/2", "B"},
                         {"rtmp://c.example/stubborn/3", "C"},
                         {"rtmp://d.example/stubborn/4", "D"}}),
                 Clock::now());
    REQUIRE(drive(fanout, 5s, [&] { return all_streaming(fanout, 4); }));
    std::vector<pid_t> pids;
    for (const auto& status : fanout.snapshot()) {
        pids.push_back(*status.pid);
    }
    const auto started = Clock::now();
    fanout.begin_stop_all(started);
    CHECK(fanout.snapshot().front().state == RunStatus::stopping);
    REQUIRE(drive(fanout, 3s, [&] { return fanout.idle(); }));
    // Each ignores SIGINT (300 ms grace) and dies on SIGTERM: in parallel ~0.3 s, in turn 1.2 s.
    CHECK(Clock::now() - started < 900ms);
    for (const pid_t pid : pids) {
        CHECK_FALSE(alive(pid));
    }
}

TEST_CASE("a destination re-added while its old run is still stopping waits for it")
{
    QuietLog quiet;
    Fanout fanout(fake_command, "rtmp://127.0.0.1:1935/clean/***", fast_settings());
    fanout.apply(set_of({{"rtmp://a.example/stubborn/1", "A"}}), Clock::now());
    REQUIRE(drive(fanout, 5s, [&] { return all_streaming(fanout, 1); }));
    const auto old_pid = *fanout.snapshot().front().pid;
    fanout.apply(set_of({}), Clock::now());
    fanout.apply(set_of({{"rtmp://a.example/stubborn/1", "A"}}), Clock::now());
    fanout.step(Clock::now());
    // The old run (ignoring SIGINT) is still alive: the new one has not started next to it.
    bool overlapped = false;
    REQUIRE(drive(fanout, 5s, [&] {
        for (const auto& status : fanout.snapshot()) {
            if (status.pid && *status.pid != old_pid && alive(old_pid)) {
                overlapped = true;
            }
        }
        const auto all = fanout.snapshot();
        return all.size() == 1 && all.front().state == RunStatus::streaming && all.front().pid != old_pid;
    }));
    CHECK_FALSE(overlapped);
    fanout.begin_stop_all(Clock::now());
    CHECK(drive(fanout, 3s, [&] { return fanout.idle(); }));
}

TEST_CASE("a stalled destination is stopped step by step while the others keep being served")
{
    // Fake runs on a fake clock: the fan-out's loop must keep turning for every destination
    // while one stalled copy is being stopped (SIGINT, then SIGTERM, then SIGKILL).
    QuietLog quiet;
    mtxrelay::testing::ManualClock clock;
    mtxrelay::testing::FakeSpawner spawner(&clock);
    spawner.ignored = {SIGINT, SIGTERM};
    auto settings = fast_settings();
    settings.supervision.stall_timeout = std::chrono::seconds(10);
    settings.supervision.stop_steps = mtxrelay::ffmpeg::k_copy_stop_steps;
    settings.supervision.backoff = {1000ms, 1000ms};
    settings.seams.spawn = spawner.function();
    settings.seams.clock = clock.function();
    settings.seams.seed = 1;
    Fanout fanout(
        [](const DesiredDestination& d) {
            return std::vector<std::string>{"ffmpeg", d.url};
        },
        "rtmp://127.0.0.1:1935/clean/***", settings);
    fanout.apply(set_of({{"rtmp://a.example/app/1", "A"}, {"rtmp://b.example/app/2", "B"}}), clock.now);
    std::vector<FanoutEvent> events = fanout.step(clock.now);
    REQUIRE(spawner.runs.size() == 2);
    auto& a = *spawner.runs[0];
    auto& b = *spawner.runs[1];
    REQUIRE(a.options.argv.back() == "rtmp://a.example/app/1");
    REQUIRE(events.size() == 2);
    CHECK(events[0].label == "dest 1 A");
    CHECK_FALSE(events[0].from);
    CHECK(events[0].from_word() == std::string("new"));
    CHECK(events[0].to == RunStatus::starting);

    long long size = 0;
    auto feed = [&](mtxrelay::testing::FakeRun& run) {
        size += 50000;
        run.progress(size / 1000, size, size * 10);
    };
    feed(a);
    feed(b);
    clock.now += 500ms;
    events = fanout.step(clock.now);
    REQUIRE(events.size() == 2);
    CHECK(events[0].from == RunStatus::starting);
    CHECK(events[0].to == RunStatus::streaming);
    CHECK(events[0].detail.empty());

    // A's output freezes; B keeps flowing and is read at every step, stop steps and all.
    std::vector<std::pair<int, Clock::duration>> a_signals;
    const auto frozen = clock.now;
    for (int i = 0; i < 28; ++i) {
        feed(b);
        clock.now += 500ms;
        for (const auto& event : fanout.step(clock.now)) {
            events.push_back(event);
        }
        CHECK(fanout.snapshot().size() == 2);
        CHECK(by_name(fanout).at("B").state == RunStatus::streaming);
        CHECK(by_name(fanout).at("B").bytes == size);
    }
    for (const auto& [signal, at] : a.signals) {
        a_signals.emplace_back(signal, at - frozen);
    }
    // Stalled after 10 s without progress (checked every 0.5 s), then 1.5 s and 0.5 s later.
    CHECK(a_signals ==
          std::vector<std::pair<int, Clock::duration>>{{SIGINT, 10500ms}, {SIGTERM, 12000ms}, {SIGKILL, 12500ms}});
    CHECK(a.blocking_stops == 0);
    CHECK(b.signals.empty());
    // A's one change: streaming -> starting (waiting to retry) once its copy was gone, with why.
    REQUIRE(events.size() == 3);
    CHECK(events[2].label == "dest 1 A");
    CHECK(events[2].from == RunStatus::streaming);
    CHECK(events[2].to == RunStatus::starting);
    CHECK(events[2].detail == "no output progress for 10 s (stalled input or output)");
    CHECK(spawner.runs.size() == 3); // A started again after its backoff, B untouched
    CHECK(spawner.alive() == 2);

    fanout.apply(set_of({{"rtmp://b.example/app/2", "B"}}), clock.now);
    events.clear();
    for (int i = 0; i < 40 && events.empty(); ++i) {
        clock.now += 100ms;
        events = fanout.step(clock.now);
    }
    REQUIRE(events.size() == 1); // after SIGINT 1.5 s and SIGTERM 0.5 s ignored, SIGKILL
    CHECK(spawner.runs[2]->signal_numbers() == std::vector<int>{SIGINT, SIGTERM, SIGKILL});
    CHECK(events[0].from == RunStatus::stopping);
    CHECK_FALSE(events[0].to);
    CHECK(events[0].to_word() == std::string("removed"));
}
