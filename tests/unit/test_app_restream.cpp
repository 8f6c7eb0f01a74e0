// relay-restream's control flow, with a stand-in ffmpeg (tests/support/fake_child) as every
// destination's copy and a fake cloud: the copies run whatever the cloud does, and a stop
// signal ends the run with 130 after one final status post.
#include "app/restream.hpp"

#include "core/log.hpp"
#include "process/signals.hpp"

#include "app_fakes.hpp"
#include "fakes.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

using namespace mtxrelay;
using namespace std::chrono_literals;
using mtxrelay::testing::map_env;

namespace {

struct RestreamRun {
    testing::SharedLogCapture log;
    testing::FakeCloud cloud;
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("mtxrelay-test-restream-" + std::to_string(::getpid()));
    app::RestreamOptions options;
    std::map<std::string, std::string> env;
    app::RestreamDeps deps;
    std::atomic<int> copies{0};

    RestreamRun()
    {
        process::StopSignal::reset();
        std::filesystem::create_directories(dir);
        std::ofstream(dir / "destinations.json")
            << R"({"destinations":[{"url":"rtmp://127.0.0.1:9/live/key-one","name":"one"},)"
            << R"({"url":"rtmp://127.0.0.1:9/live/key-two","name":"two"}]})";
        options.source = "rtmp://127.0.0.1:9/clean/u/s";
        options.destinations_file = (dir / "destinations.json").string();
        options.allow_private = true;
        options.no_cf_url = true;
        options.common.runtime_dir = (dir / "run").string();
        options.common.context.user_id = "u";
        options.common.context.stream_id = "s";
        env = {{"CLOUD_API_URL", "http://cloud.test"}, {"CLOUD_API_RETRIES", "0"}};
        deps.transport = cloud.factory();
        // A copy streams; once both stream, MediaMTX's SIGINT arrives.
        deps.command = [this](const app::RestreamPlan&, const restream::DesiredDestination&) {
            return testing::fake_ffmpeg({"--progress", "--sleep", "30"});
        };
    }
    ~RestreamRun()
    {
        process::StopSignal::reset();
        std::filesystem::remove_all(dir);
    }

    int run() { return app::run_restream(options, map_env(env), deps); }
};

// Sends SIGINT to this process once `ready` holds (checked from a helper thread).
struct SigintWhen {
    std::thread thread;
    std::atomic<bool> quit{false};
    template <class Ready>
    explicit SigintWhen(Ready ready)
    {
        thread = std::thread([this, ready] {
            const auto until = std::chrono::steady_clock::now() + 20s;
            while (!quit && std::chrono::steady_clock::now() < until) {
                if (ready()) {
                    process::StopSignal::request(SIGINT);
                    return;
                }
                std::this_thread::sleep_for(10ms);
            }
            process::StopSignal::request(SIGINT); // never hang the test binary
        });
    }
    ~SigintWhen()
    {
        quit = true;
        thread.join();
    }
};

} // namespace

TEST_CASE("relay-restream: both copies stream, SIGINT stops them and ends the run with 130", "[app][restream]")
{
    RestreamRun run;
    process::StopSignal::install();
    SigintWhen stop([&] { return run.log.count(": starting -> streaming") == 2; });
    CHECK(run.run() == 130);
    CHECK(run.log.count(": starting -> streaming") == 2);
    CHECK(run.log.has("exiting (130): stopped by signal 2"));
    const auto statuses = run.cloud.deliveries();
    REQUIRE(!statuses.empty());
    CHECK(statuses.back() == "stopped");
    CHECK(std::count(statuses.begin(), statuses.end(), "stopped") == 1);
}

TEST_CASE("relay-restream: with the cloud down the copies still stream; status posts are dropped", "[app][restream]")
{
    RestreamRun run;
    run.cloud.down = true;
    process::StopSignal::install();
    SigintWhen stop([&] { return run.log.count(": starting -> streaming") == 2; });
    CHECK(run.run() == 130);
    CHECK(run.log.count(": starting -> streaming") == 2);
    CHECK(run.log.has("not delivered"));
    CHECK(run.cloud.deliveries().empty());
}

TEST_CASE("relay-restream: SIGINT while a copy starts ends the run with 130", "[app][restream]")
{
    RestreamRun run;
    run.deps.command = [&](const app::RestreamPlan&, const restream::DesiredDestination&) {
        process::StopSignal::request(SIGINT);
        return testing::fake_ffmpeg({"--sleep", "30"});
    };
    process::StopSignal::install();
    CHECK(run.run() == 130);
    CHECK(run.log.has("exiting (130): stopped by signal 2"));
    CHECK(run.log.has(" stopped ("));
}
