#include "ffmpeg/supervisor.hpp"

#include "core/log.hpp"
#include "core/redact.hpp"
#include "fake_process.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using mtxrelay::ffmpeg::NextRun;
using mtxrelay::ffmpeg::RunState;
using mtxrelay::ffmpeg::Supervisor;
using mtxrelay::ffmpeg::SupervisorEvent;
using mtxrelay::ffmpeg::SupervisorSeams;
using mtxrelay::ffmpeg::SupervisorSettings;
using mtxrelay::process::Stdio;
using mtxrelay::testing::FakeRun;
using mtxrelay::testing::FakeSpawner;
using mtxrelay::testing::ManualClock;
using Kind = SupervisorEvent::Kind;

namespace {

// One supervisor on fake runs and a clock that only moves when the test moves it. Log lines
// are captured (the supervisor's restarts and stops are part of what an operator sees).
struct Harness {
    ManualClock clock;
    FakeSpawner spawner{&clock};
    SupervisorSettings settings;
    std::function<NextRun()> next = [] {
        NextRun run;
        run.argv = std::vector<std::string>{"ffmpeg", "-i", "in.flv", "out.flv"};
        return run;
    };
    std::unique_ptr<Supervisor> supervisor;
    std::vector<std::string> log;

    Harness()
    {
        mtxrelay::core::log::set_sink([this](std::string_view line) { log.emplace_back(line); });
    }
    ~Harness()
    {
        supervisor.reset();
        mtxrelay::core::log::set_sink(nullptr);
    }
    Harness(const Harness&) = delete;
    Harness& operator=(const Harness&) = delete;

    Supervisor& make(std::uint64_t seed = 7)
    {
        SupervisorSeams seams;
        seams.spawn = spawner.function();
        seams.clock = clock.function();
        seams.seed = seed;
        supervisor = std::make_unique<Supervisor>(
            "ffmpeg", [this] { return next(); }, settings, seams);
        return *supervisor;
    }
    std::vector<SupervisorEvent> step()
    {
        auto events = supervisor->step(clock.now);
        REQUIRE(spawner.alive() <= 1); // never two runs of one supervisor at once
        return events;
    }
    std::vector<SupervisorEvent> advance(std::chrono::milliseconds by)
    {
        clock.now += by;
        return step();
    }
    // Starts the first run and makes it stream (a block with media muxed).
    FakeRun& streaming()
    {
        REQUIRE(kinds(step()) == std::vector<Kind>{Kind::started});
        auto& run = spawner.last();
        run.progress(15, 60000, 500000);
        REQUIRE(kinds(advance(500ms)) == std::vector<Kind>{Kind::streaming});
        return run;
    }
    // Moves to exactly `limit` after the last progress (not a stall yet), then 1 ms past it:
    // the stall's reason.
    std::string stall_after(std::chrono::milliseconds limit)
    {
        CHECK(advance(limit).empty());
        const auto events = advance(1ms);
        REQUIRE(kinds(events) == std::vector<Kind>{Kind::stalled});
        return events[0].reason;
    }
    bool logged(const std::string& text) const
    {
        return std::any_of(log.begin(), log.end(),
                           [&](const std::string& line) { return line.find(text) != std::string::npos; });
    }

    static std::vector<Kind> kinds(const std::vector<SupervisorEvent>& events)
    {
        std::vector<Kind> result;
        for (const auto& event : events) {
            result.push_back(event.kind);
        }
        return result;
    }
};

std::vector<Kind> kinds(const std::vector<SupervisorEvent>& events)
{
    return Harness::kinds(events);
}

// relay-clean's encoder with the pump: fed on stdin, not timed until its input starts.
NextRun stdin_fed_run()
{
    NextRun run;
    run.argv = std::vector<std::string>{"ffmpeg", "-i", "pipe:0", "out.flv"};
    run.stdin_pipe = true;
    run.await_input = true;
    return run;
}

} // namespace

TEST_CASE("a run starts with piped output and reads streaming once its output grows", "[ffmpeg][supervisor]")
{
    Harness h;
    auto& supervisor = h.make();
    CHECK(kinds(h.step()) == std::vector<Kind>{Kind::started});
    REQUIRE(h.spawner.runs.size() == 1);
    auto& run = h.spawner.last();
    CHECK(run.options.argv == std::vector<std::string>{"ffmpeg", "-i", "in.flv", "out.flv"});
    CHECK(run.options.in == Stdio::null);
    CHECK(run.options.out == Stdio::pipe);
    CHECK(run.options.err == Stdio::pipe);
    CHECK(supervisor.state() == RunState::starting);
    CHECK(supervisor.pid() == run.pid);
    CHECK(h.logged("ffmpeg: started ffmpeg pid 4000"));

    // A header written before any packet (size, but no timestamp yet) is not output flowing.
    run.progress(0, 48, 0);
    CHECK(h.advance(500ms).empty());
    CHECK(supervisor.state() == RunState::starting);

    // Split across reads: the block counts once it is complete.
    run.write_out("frame=15\nfps=30.0\ntotal_size=60000\n");
    CHECK(h.advance(100ms).empty());
    run.write_out("out_time_us=500000\nspeed=1.0x\nprogress=continue\n");
    CHECK(kinds(h.advance(100ms)) == std::vector<Kind>{Kind::streaming});
    CHECK(supervisor.state() == RunState::streaming);
    CHECK(supervisor.streaming_since() == h.clock.now);
    CHECK(supervisor.progress().frame == 15);
    CHECK(supervisor.progress().total_size == 60000);
    CHECK(supervisor.restarts() == 0);
}

TEST_CASE("a stall is stopped step by step on the owner's clock, never by waiting", "[ffmpeg][supervisor]")
{
    Harness h;
    h.settings.stall_timeout = 10s;
    h.settings.stop_steps = {{SIGINT, 2000ms}, {SIGTERM, 500ms}, {SIGKILL, 1000ms}};
    h.spawner.ignored = {SIGINT, SIGTERM}; // an ffmpeg stuck in a network write
    auto& supervisor = h.make();
    auto& run = h.streaming();
    run.write_err("[rtmp @ 0x5] Connection to tcp://203.0.113.9:1935 timed out\n");
    CHECK(h.advance(10s).empty()); // exactly the timeout: not yet
    CHECK(run.signals.empty());

    const auto events = h.advance(1ms);
    REQUIRE(kinds(events) == std::vector<Kind>{Kind::stalled});
    CHECK(events[0].reason == "no output progress for 10 s (stalled input or output)");
    CHECK(h.logged("ffmpeg: no output progress for 10 s (stalled input or output): stopping ffmpeg pid 4000"));
    const auto stalled_at = h.clock.now;
    CHECK(run.stdin_closed);
    CHECK(run.signal_numbers() == std::vector<int>{SIGINT});
    CHECK(supervisor.running());
    CHECK(supervisor.stopping_child());
    CHECK(supervisor.next_deadline() == stalled_at + 2000ms);
    // The state stays what it was until the run is gone (its end is reported then).
    CHECK(supervisor.state() == RunState::streaming);

    run.write_err("Exiting normally, received signal 2.\n"); // printed because we stopped it
    CHECK(h.advance(1999ms).empty());
    CHECK(run.signals.size() == 1);
    CHECK(h.advance(1ms).empty());
    REQUIRE(run.signals.size() == 2);
    CHECK(run.signals[1] == std::pair{SIGTERM, stalled_at + 2000ms});
    CHECK(h.advance(499ms).empty());
    CHECK(h.advance(1ms).empty());
    REQUIRE(run.signals.size() == 3);
    CHECK(run.signals[2] == std::pair{SIGKILL, stalled_at + 2500ms});

    const auto ended = h.advance(10ms);
    REQUIRE(kinds(ended) == std::vector<Kind>{Kind::exited});
    CHECK(ended[0].reason == "no output progress for 10 s (stalled input or output)");
    CHECK(supervisor.state() == RunState::backoff);
    CHECK_FALSE(supervisor.running());
    CHECK(supervisor.last_exit()->signal == SIGKILL);
    CHECK(supervisor.consecutive_failures() == 1);
    CHECK(supervisor.last_error() == ended[0].reason);
    CHECK(h.logged("ffmpeg: no output progress for 10 s (stalled input or output); restarting in"));
    CHECK(run.blocking_stops == 0); // the owner's loop never waited on it
    CHECK(run.reaped);
    // The failure is explained by what the run printed before the stop, not because of it;
    // both lines still reached the log.
    REQUIRE(supervisor.stderr_tail().size() == 1);
    CHECK(supervisor.stderr_tail().front().find("timed out") != std::string::npos);
    CHECK(h.logged("ffmpeg: Exiting normally, received signal 2."));
}

TEST_CASE("a run that outlives every stop step is killed again without blocking", "[ffmpeg][supervisor]")
{
    Harness h;
    h.settings.stop_steps = {{SIGINT, 100ms}, {SIGKILL, 100ms}};
    h.spawner.ignored = {SIGINT, SIGTERM, SIGKILL}; // uninterruptible sleep, for a while
    auto& supervisor = h.make();
    auto& run = h.streaming();
    CHECK(kinds(supervisor.restart(h.clock.now, "input lost")) == std::vector<Kind>{Kind::stalled});
    for (int i = 0; i < 11; ++i) {
        CHECK(h.advance(100ms).empty());
    }
    // SIGINT, SIGKILL, then SIGKILL every k_kill_repeat (0.5 s) after the last step.
    CHECK(run.signal_numbers() == std::vector<int>{SIGINT, SIGKILL, SIGKILL, SIGKILL});
    CHECK(run.signals[3].second - run.signals[2].second == mtxrelay::ffmpeg::k_kill_repeat);
    run.exit = mtxrelay::process::ExitStatus{0, SIGKILL};
    CHECK(kinds(h.advance(100ms)) == std::vector<Kind>{Kind::exited});
    CHECK(run.blocking_stops == 0);
}

TEST_CASE("restart() stops the run and the next starts only once it is gone", "[ffmpeg][supervisor]")
{
    // relay-clean's encoder after its input was lost: a stdin-fed run awaiting its input.
    Harness h;
    h.settings.backoff = {100ms, 100ms};
    h.next = stdin_fed_run;
    h.spawner.ignored = {SIGINT}; // ffmpeg takes its time to flush and exit
    auto& supervisor = h.make();
    REQUIRE(kinds(h.step()) == std::vector<Kind>{Kind::started});
    auto& run = h.spawner.last();
    CHECK(run.options.in == Stdio::pipe);
    REQUIRE(supervisor.stdin_fd() >= 0);
    supervisor.input_started(h.clock.now);
    run.progress(15, 60000, 500000);
    REQUIRE(kinds(h.advance(500ms)) == std::vector<Kind>{Kind::streaming});

    const auto events = supervisor.restart(h.clock.now, "input lost: no data for 10 s");
    REQUIRE(kinds(events) == std::vector<Kind>{Kind::stalled});
    CHECK(events[0].reason == "input lost: no data for 10 s");
    CHECK(supervisor.stdin_fd() == -1); // nothing more is fed to the old run
    CHECK(run.stdin_closed);
    CHECK(run.signal_numbers() == std::vector<int>{SIGINT});
    // Asked again while it stops (the input's next loss): nothing more happens.
    CHECK(supervisor.restart(h.clock.now, "input lost again").empty());
    CHECK(run.signals.size() == 1);

    for (int i = 0; i < 10; ++i) { // past the backoff, but the old run is still there
        CHECK(h.advance(100ms).empty());
    }
    CHECK(h.spawner.runs.size() == 1);
    run.exit_with(255); // ffmpeg's code after SIGINT
    const auto ended = h.advance(100ms);
    REQUIRE(kinds(ended) == std::vector<Kind>{Kind::exited});
    CHECK(ended[0].reason == "input lost: no data for 10 s");
    CHECK(supervisor.state() == RunState::backoff);
    CHECK(supervisor.last_exit()->code == 255);
    CHECK(kinds(h.advance(100ms)) == std::vector<Kind>{Kind::started});
    CHECK(h.spawner.runs.size() == 2);
    CHECK(supervisor.restarts() == 1);
    CHECK(h.logged("ffmpeg: started ffmpeg pid 4001 (restart 1)"));
    CHECK(run.blocking_stops == 0);
}

TEST_CASE("failures back off longer each time, read error after error_after, and reset after a stable run",
          "[ffmpeg][supervisor]")
{
    Harness h;
    h.settings.backoff = {1000ms, 30000ms};
    h.settings.stable_after = 60s;
    h.settings.error_after = 3;
    auto& supervisor = h.make(42);
    std::mt19937_64 expected_rng(42); // the same draws as the supervisor's jitter
    for (int failure = 1; failure <= 5; ++failure) {
        if (failure > 1) {
            h.clock.now = *supervisor.next_deadline();
        }
        REQUIRE(kinds(h.step()) == std::vector<Kind>{Kind::started});
        h.spawner.last().write_err("rtmp://127.0.0.1:1935/live/streamkey: Connection refused\n");
        h.spawner.last().exit_with(1);
        const auto events = h.advance(50ms);
        REQUIRE(kinds(events) == std::vector<Kind>{Kind::exited});
        // The reason names ffmpeg's last line, its stream key masked.
        CHECK(events[0].reason == "ffmpeg exited with code 1: rtmp://127.0.0.1:1935/live/" +
                                      mtxrelay::core::fingerprint("streamkey") + ": Connection refused");
        const auto wait = h.settings.backoff.delay(failure - 1, expected_rng);
        CHECK(wait <= h.settings.backoff.ceiling(failure - 1)); // 1, 2, 4, 8, 16 s
        CHECK(supervisor.next_deadline() == h.clock.now + wait);
        CHECK(supervisor.consecutive_failures() == failure);
        CHECK(supervisor.state() == (failure >= 3 ? RunState::error : RunState::backoff));
        CHECK(h.logged(fmt::format("restarting in {:.1f} s (failure {} in a row)", wait.count() / 1000.0, failure)));
        // Not a moment before the wait is over.
        if (wait > 0ms) {
            h.clock.now += wait - 1ms;
            CHECK(h.step().empty());
        }
    }
    // A run that streams for stable_after: its failure counts as the first again.
    h.clock.now = *supervisor.next_deadline();
    REQUIRE(kinds(h.step()) == std::vector<Kind>{Kind::started});
    CHECK(supervisor.state() == RunState::error); // still error until output flows
    auto& run = h.spawner.last();
    for (int block = 1; block <= 13; ++block) {
        run.progress(block * 150, block * 600000LL, block * 5000000LL);
        const auto events = h.advance(5s);
        CHECK(kinds(events) == (block == 1 ? std::vector<Kind>{Kind::streaming} : std::vector<Kind>{}));
    }
    CHECK(supervisor.state() == RunState::streaming);
    run.exit_with(1);
    REQUIRE(kinds(h.advance(50ms)) == std::vector<Kind>{Kind::exited});
    CHECK(supervisor.consecutive_failures() == 1);
    CHECK(supervisor.state() == RunState::backoff);
    CHECK(supervisor.next_deadline() == h.clock.now + h.settings.backoff.delay(0, expected_rng));
    CHECK(supervisor.restarts() == 5);
}

TEST_CASE("a clean exit ends a file run; otherwise any exit is a failure", "[ffmpeg][supervisor]")
{
    Harness h;
    auto& supervisor = h.make();
    SECTION("finish on clean exit")
    {
        supervisor.set_finish_on_clean_exit(true);
        auto& run = h.streaming();
        run.write_out("frame=300\ntotal_size=1000000\nout_time_us=10000000\nprogress=end\n");
        run.exit_with(0);
        const auto events = h.advance(100ms);
        REQUIRE(kinds(events) == std::vector<Kind>{Kind::finished});
        CHECK(events[0].reason == "ffmpeg finished");
        CHECK(supervisor.state() == RunState::stopped);
        CHECK(supervisor.progress().frame == 300);
        CHECK(h.advance(60s).empty());
        CHECK(h.spawner.runs.size() == 1);
        CHECK_FALSE(supervisor.next_deadline());
    }
    SECTION("a live run that exits 0 is restarted")
    {
        auto& run = h.streaming();
        run.exit_with(0);
        const auto events = h.advance(100ms);
        REQUIRE(kinds(events) == std::vector<Kind>{Kind::exited});
        CHECK(events[0].reason == "ffmpeg exited with code 0");
        CHECK(supervisor.state() == RunState::backoff);
    }
    SECTION("a run killed by a signal says so")
    {
        auto& run = h.streaming();
        run.exit = mtxrelay::process::ExitStatus{0, SIGSEGV};
        const auto events = h.advance(100ms);
        REQUIRE(kinds(events) == std::vector<Kind>{Kind::exited});
        CHECK(events[0].reason.rfind("ffmpeg killed by signal 11", 0) == 0);
    }
}

TEST_CASE("a data run's bytes are its progress and go to the owner", "[ffmpeg][supervisor]")
{
    // relay-clean's input pump: raw FLV on stdout, no -progress.
    Harness h;
    h.settings.startup_grace = 10s;
    h.settings.stall_timeout = 10s;
    h.next = [] {
        NextRun run;
        run.argv = std::vector<std::string>{"ffmpeg", "-f", "data", "-i", "rtmp://in", "pipe:1"};
        run.data_stdout = true;
        return run;
    };
    auto& supervisor = h.make();
    std::string received;
    std::vector<mtxrelay::testing::SteadyTime> times;
    supervisor.set_data_handler([&](std::string_view bytes, mtxrelay::ffmpeg::Clock::time_point now) {
        received += bytes;
        times.push_back(now);
    });
    REQUIRE(kinds(h.step()) == std::vector<Kind>{Kind::started});
    auto& run = h.spawner.last();
    CHECK(h.advance(9s).empty()); // inside the start-up grace with nothing yet
    run.write_out(std::string("FLV\x01\x05", 5));
    CHECK(kinds(h.advance(1s)) == std::vector<Kind>{Kind::streaming});
    CHECK(received == std::string("FLV\x01\x05", 5));
    CHECK(times == std::vector{h.clock.now});
    run.write_out("more");
    CHECK(h.advance(5s).empty());
    CHECK(received.size() == 9);
    CHECK(h.stall_after(10s) == "no data for 10 s");
}

TEST_CASE("a run awaiting its input is not timed until the input starts", "[ffmpeg][supervisor]")
{
    Harness h;
    h.settings.startup_grace = 20s;
    h.next = stdin_fed_run;
    auto& supervisor = h.make();
    REQUIRE(kinds(h.step()) == std::vector<Kind>{Kind::started});
    CHECK_FALSE(supervisor.next_deadline()); // only the owner's input_started() can move it
    for (int i = 0; i < 6; ++i) {
        CHECK(h.advance(10s).empty());
    }
    CHECK(h.spawner.last().signals.empty());
    supervisor.input_started(h.clock.now);
    CHECK(supervisor.next_deadline() == h.clock.now + 20s + 1ms);
    CHECK(h.stall_after(20s) == "no output progress for 20 s (stalled input or output)");
}

TEST_CASE("the start-up grace counts from the spawn, not from the owner's probe", "[ffmpeg][supervisor]")
{
    Harness h;
    h.settings.startup_grace = 20s;
    h.next = [&h] {
        h.clock.now += 5s; // the owner probed the input for 5 s
        NextRun run;
        run.argv = std::vector<std::string>{"ffmpeg", "-i", "in", "out"};
        return run;
    };
    auto& supervisor = h.make();
    const auto asked = h.clock.now;
    REQUIRE(kinds(h.step()) == std::vector<Kind>{Kind::started});
    CHECK(supervisor.next_deadline() == asked + 5s + 20s + 1ms);
    h.clock.now = asked + 25s;
    CHECK(h.step().empty());
    h.clock.now += 1ms;
    CHECK(kinds(h.step()) == std::vector<Kind>{Kind::stalled});
}

TEST_CASE("the owner's command can finish, wait, or fail a start", "[ffmpeg][supervisor]")
{
    Harness h;
    h.settings.backoff = {100ms, 100ms};
    SECTION("a failed spawn is a failed start, retried after the backoff")
    {
        auto& supervisor = h.make();
        h.spawner.fail_next = "cannot start ffmpeg: No such file or directory";
        const auto events = h.step();
        REQUIRE(kinds(events) == std::vector<Kind>{Kind::exited});
        CHECK(events[0].reason == "cannot start ffmpeg: No such file or directory");
        CHECK(supervisor.consecutive_failures() == 1);
        h.clock.now = *supervisor.next_deadline();
        CHECK(kinds(h.step()) == std::vector<Kind>{Kind::started});
    }
    SECTION("no argv is a failed start with the owner's reason")
    {
        h.next = [] { return NextRun{std::nullopt, false, "input not readable: 404"}; };
        auto& supervisor = h.make();
        const auto events = h.step();
        REQUIRE(kinds(events) == std::vector<Kind>{Kind::exited});
        CHECK(events[0].reason == "input not readable: 404");
        CHECK(supervisor.state() == RunState::backoff);
        CHECK(h.spawner.runs.empty());
    }
    SECTION("finish ends supervision with the owner's reason")
    {
        h.next = [] { return NextRun{std::nullopt, true, "the publisher is gone"}; };
        auto& supervisor = h.make();
        const auto events = h.step();
        REQUIRE(kinds(events) == std::vector<Kind>{Kind::finished});
        CHECK(events[0].reason == "the publisher is gone");
        CHECK(supervisor.state() == RunState::stopped);
    }
    SECTION("wait asks again at the next step without counting a failure")
    {
        int asked = 0;
        h.next = [&asked] {
            NextRun run;
            run.wait = ++asked < 3;
            if (!run.wait) {
                run.argv = std::vector<std::string>{"ffmpeg"};
            }
            return run;
        };
        auto& supervisor = h.make();
        CHECK(h.step().empty());
        CHECK(h.advance(10ms).empty());
        CHECK(kinds(h.advance(10ms)) == std::vector<Kind>{Kind::started});
        CHECK(supervisor.consecutive_failures() == 0);
    }
}

TEST_CASE("begin_stop walks the stop steps and reports finished once the run is gone", "[ffmpeg][supervisor]")
{
    Harness h;
    h.settings.stop_steps = {{SIGINT, 2000ms}, {SIGTERM, 500ms}, {SIGKILL, 1000ms}};
    h.spawner.ignored = {SIGINT};
    auto& supervisor = h.make();
    SECTION("from a streaming run")
    {
        auto& run = h.streaming();
        const auto at = h.clock.now;
        supervisor.begin_stop(at);
        CHECK(supervisor.state() == RunState::stopping);
        CHECK(run.stdin_closed);
        CHECK(run.signal_numbers() == std::vector<int>{SIGINT});
        run.progress(30, 120000, 1000000); // a last block while stopping is no news
        CHECK(h.advance(1999ms).empty());
        CHECK(h.advance(1ms).empty());
        CHECK(run.signals.back() == std::pair{SIGTERM, at + 2000ms});
        const auto events = h.advance(10ms);
        REQUIRE(kinds(events) == std::vector<Kind>{Kind::finished});
        CHECK(events[0].reason == "stopped");
        CHECK(supervisor.state() == RunState::stopped);
        CHECK(h.logged("ffmpeg: ffmpeg pid 4000 stopped (killed by signal 15"));
        CHECK(run.blocking_stops == 0);
    }
    SECTION("during a restart's stop: the same steps go on, and nothing starts again")
    {
        auto& run = h.streaming();
        const auto at = h.clock.now;
        supervisor.restart(at, "input lost");
        h.advance(1000ms);
        supervisor.begin_stop(h.clock.now);
        CHECK(run.signal_numbers() == std::vector<int>{SIGINT}); // not sent twice
        CHECK(supervisor.state() == RunState::stopping);
        CHECK(h.advance(1000ms).empty());
        CHECK(run.signals.back() == std::pair{SIGTERM, at + 2000ms});
        CHECK(kinds(h.advance(10ms)) == std::vector<Kind>{Kind::finished});
        CHECK(h.advance(60s).empty());
        CHECK(h.spawner.runs.size() == 1);
    }
    SECTION("while waiting to retry: stopped at once")
    {
        auto& run = h.streaming();
        run.exit_with(1);
        REQUIRE(kinds(h.advance(10ms)) == std::vector<Kind>{Kind::exited});
        supervisor.begin_stop(h.clock.now);
        CHECK(supervisor.state() == RunState::stopped);
        CHECK(h.advance(60s).empty());
        CHECK(h.spawner.runs.size() == 1);
    }
}

TEST_CASE("the blocking stop() is the last resort and still reaps", "[ffmpeg][supervisor]")
{
    Harness h;
    h.spawner.ignored = {SIGINT, SIGTERM};
    auto& supervisor = h.make();
    auto& run = h.streaming();
    supervisor.stop();
    CHECK(run.blocking_stops == 1);
    CHECK_FALSE(run.alive());
    CHECK(supervisor.state() == RunState::stopped);
    CHECK_FALSE(supervisor.running());
}
