// relay-clean's control flow, with a stand-in ffmpeg (tests/support/fake_child) as the input
// pump and the encoder, and a fake cloud: how a run ends, and with which exit code.
#include "app/clean.hpp"

#include "core/log.hpp"
#include "process/signals.hpp"

#include "app_fakes.hpp"
#include "fakes.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

using namespace mtxrelay;
using namespace std::chrono_literals;
using mtxrelay::testing::map_env;

namespace {

// A run with short timings: the input counts as gone after 200 ms without bytes, a run
// without progress stalls after 1 s, restarts come within 50 ms.
struct CleanRun {
    testing::SharedLogCapture log;
    testing::FakeCloud cloud;
    std::filesystem::path runtime_dir =
        std::filesystem::temp_directory_path() / ("mtxrelay-test-clean-" + std::to_string(::getpid()));
    app::CleanOptions options;
    std::map<std::string, std::string> env = {{"RELAY_RUNTIME_DIR", runtime_dir.string()}};
    app::CleanDeps deps;

    CleanRun()
    {
        process::StopSignal::reset();
        deps.transport = cloud.factory();
        options.common.runtime_dir = runtime_dir.string();
    }
    ~CleanRun()
    {
        process::StopSignal::reset();
        std::filesystem::remove_all(runtime_dir);
    }

    int run()
    {
        auto plan = app::make_plan(options, map_env(env));
        plan.input_gone_after = 200ms;
        plan.supervision.stall_timeout = 1s;
        plan.supervision.startup_grace = 1s;
        plan.supervision.backoff = {10ms, 50ms};
        plan.supervision.stop_steps = {{SIGINT, 500ms}, {SIGKILL, 500ms}};
        process::StopSignal::install();
        app::StartupOrigin origin{app::Clock::now(), std::nullopt};
        app::CleanSession session(plan, origin, {}, deps);
        return session.run();
    }
};

} // namespace

TEST_CASE("relay-clean: a live input read and then gone ends the run as the publisher gone, exit 0", "[app][clean]")
{
    CleanRun run;
    run.options.input = "rtmp://127.0.0.1:9/live/u/s";
    run.options.output = "rtmp://127.0.0.1:9/clean/u/s";
    std::atomic<int> pumps{0};
    // The first pump delivers bytes, then the input is gone: later joins read nothing.
    run.deps.commands.pump = [&](const app::CleanPlan&) {
        return ++pumps == 1 ? testing::fake_ffmpeg({"--progress", "--sleep", "0.3"})
                            : testing::fake_ffmpeg({"--exit", "1"});
    };
    run.deps.commands.encoder = [](const app::CleanPlan&) { return testing::fake_ffmpeg({"--sleep", "30"}); };
    CHECK(run.run() == 0);
    CHECK(run.log.has("exiting (0): the publisher is gone"));
}

TEST_CASE("relay-clean: an input that never delivers a byte ends the run with exit 1", "[app][clean]")
{
    CleanRun run;
    run.options.input = "rtmp://127.0.0.1:9/live/u/s";
    run.options.output = "rtmp://127.0.0.1:9/clean/u/s";
    run.deps.commands.pump = [](const app::CleanPlan&) { return testing::fake_ffmpeg({"--exit", "1"}); };
    run.deps.commands.encoder = [](const app::CleanPlan&) { return testing::fake_ffmpeg({"--sleep", "30"}); };
    CHECK(run.run() == 1);
    CHECK(run.log.has("exiting (1): the input never appeared"));
}

TEST_CASE("relay-clean: an encoder without progress is restarted, and the run goes on", "[app][clean]")
{
    CleanRun run;
    const auto input = std::filesystem::temp_directory_path() / "mtxrelay-test-clean-input.flv";
    run.options.input = input.string(); // a file: a clean exit is the end of the job
    run.options.output = "rtmp://127.0.0.1:9/clean/u/s";
    run.options.recipe = "seed";
    std::atomic<int> starts{0};
    run.deps.commands.seed = [&](const app::CleanPlan&) {
        return ++starts == 1 ? testing::fake_ffmpeg({"--sleep", "30"})
                             : testing::fake_ffmpeg({"--progress", "--sleep", "0.3"});
    };
    CHECK(run.run() == 0);
    CHECK(run.log.has("no output progress for 1 s"));
    CHECK(run.log.has("(restart 1)"));
    CHECK(run.log.has("exiting (0): the input ended"));
}

TEST_CASE("relay-clean: a file output that fails ends the run with exit 1, without a restart", "[app][clean]")
{
    CleanRun run;
    const auto output = run.runtime_dir / "out.flv";
    run.options.input = (run.runtime_dir / "in.flv").string();
    run.options.output = output.string();
    run.options.recipe = "seed";
    std::atomic<int> starts{0};
    run.deps.commands.seed = [&](const app::CleanPlan&) {
        ++starts;
        return testing::fake_ffmpeg({"--stderr", "No space left on device", "--exit", "1"});
    };
    CHECK(run.run() == 1);
    CHECK(run.log.has("exiting (1): ffmpeg failed writing " + output.string()));
    CHECK(starts == 1);
}

TEST_CASE("relay-clean: with the cloud down the video goes on and the status posts are dropped", "[app][clean]")
{
    CleanRun run;
    run.cloud.down = true;
    run.options.common.context.user_id = "u";
    run.options.common.context.stream_id = "s";
    run.env["CLOUD_API_URL"] = "http://cloud.test";
    run.env["CLOUD_API_RETRIES"] = "0";
    run.options.input = (run.runtime_dir / "in.flv").string();
    run.options.output = "rtmp://127.0.0.1:9/clean/u/s";
    run.options.recipe = "seed";
    run.deps.commands.seed = [](const app::CleanPlan&) {
        return testing::fake_ffmpeg({"--progress", "--sleep", "0.5"});
    };
    CHECK(run.run() == 0);
    CHECK(run.log.has("active: clean output flowing"));
    CHECK(run.log.has("stream-status 'active' not delivered"));
    CHECK(run.log.has("exiting (0): the input ended"));
    const auto seen = run.cloud.attempts();
    CHECK(std::count(seen.begin(), seen.end(), "active") >= 1);
    CHECK(std::count(seen.begin(), seen.end(), "stopped") == 1);
}

TEST_CASE("relay-clean: SIGINT while the encoder starts ends the run with 130 and the final status", "[app][clean]")
{
    CleanRun run;
    run.options.common.context.user_id = "u";
    run.options.common.context.stream_id = "s";
    run.env["CLOUD_API_URL"] = "http://cloud.test";
    run.options.input = "rtmp://127.0.0.1:9/live/u/s";
    run.options.output = "rtmp://127.0.0.1:9/clean/u/s";
    run.deps.commands.pump = [](const app::CleanPlan&) { return testing::fake_ffmpeg({"--sleep", "30"}); };
    run.deps.commands.encoder = [](const app::CleanPlan&) {
        process::StopSignal::request(SIGINT); // as MediaMTX does when the publisher leaves during the start
        return testing::fake_ffmpeg({"--sleep", "30", "--ignore-int"});
    };
    CHECK(run.run() == 130);
    CHECK(run.log.has("exiting (130): stopped by signal 2"));
    const auto seen = run.cloud.attempts();
    CHECK(std::count(seen.begin(), seen.end(), "stopped") == 1);
}
