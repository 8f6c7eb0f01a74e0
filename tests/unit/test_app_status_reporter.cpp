#include "app/status_reporter.hpp"

#include "core/log.hpp"

#include "fakes.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using mtxrelay::app::StatusReporter;
using mtxrelay::testing::http_response;
using mtxrelay::testing::transport_error;

namespace {

mtxrelay::cloud::CloudSettings cloud()
{
    mtxrelay::cloud::CloudSettings settings;
    settings.base_url = "http://cloud.test";
    settings.token = "reporter-test-token-7c1d";
    settings.max_attempts = 1;
    return settings;
}

// Spins (no sleep: the point is to land inside a few nanoseconds of the other thread).
void spin(std::uint64_t rounds)
{
    for (std::uint64_t i = 0; i < rounds; ++i) {
        std::atomic_signal_fence(std::memory_order_seq_cst);
    }
}

std::string status_of(const mtxrelay::http::Request& request)
{
    return nlohmann::json::parse(request.body).value("status", "");
}

// The cloud as the reporter's worker sees it, shared with the test thread. An "active" post
// holds until the test says go (then returns after `worker_spin`); the final "stopped" post
// is held a moment and fails when the reporter cancels it meanwhile.
struct RaceCloud {
    std::atomic<bool> active_started{false};
    std::atomic<bool> go{false};
    std::atomic<std::uint64_t> worker_spin{0};
    std::atomic<int> stopped_delivered{0};
    std::atomic<int> stopped_cancelled{0};

    mtxrelay::http::TransportFactory factory()
    {
        return [this] { return std::make_unique<Transport>(*this); };
    }

    struct Transport : mtxrelay::http::Transport {
        explicit Transport(RaceCloud& cloud) : m_cloud(cloud) {}
        mtxrelay::http::Outcome perform(const mtxrelay::http::Request& request) override
        {
            if (status_of(request) == "active") {
                m_cloud.active_started = true;
                while (!m_cloud.go) {
                    std::this_thread::yield();
                }
                spin(m_cloud.worker_spin);
                return http_response(200);
            }
            const auto until = std::chrono::steady_clock::now() + 300us; // a cancel comes within microseconds

            while (std::chrono::steady_clock::now() < until) {
                if (request.cancelled && request.cancelled()) {
                    ++m_cloud.stopped_cancelled;
                    return transport_error(mtxrelay::http::TransportError::cancelled, "cancelled");
                }
                std::this_thread::yield();
            }
            ++m_cloud.stopped_delivered;
            return http_response(200);
        }
        RaceCloud& m_cloud;
    };
};

// Counts what arrives; a post for a status in `failing` fails (cloud down) after `delay`.
struct CountingCloud {
    std::mutex mutex;
    std::vector<std::string> delivered;
    std::vector<std::string> failed;
    std::string failing;
    std::chrono::milliseconds delay{0};

    mtxrelay::http::TransportFactory factory()
    {
        return [this] { return std::make_unique<Transport>(*this); };
    }

    struct Transport : mtxrelay::http::Transport {
        explicit Transport(CountingCloud& cloud) : m_cloud(cloud) {}
        mtxrelay::http::Outcome perform(const mtxrelay::http::Request& request) override
        {
            std::this_thread::sleep_for(m_cloud.delay);
            const auto status = status_of(request);
            std::lock_guard lock(m_cloud.mutex);
            if (status == m_cloud.failing) {
                m_cloud.failed.push_back(status);
                return transport_error(mtxrelay::http::TransportError::connect, "connection refused");
            }
            m_cloud.delivered.push_back(status);
            return http_response(200);
        }
        CountingCloud& m_cloud;
    };
};

struct QuietLog {
    QuietLog()
    {
        mtxrelay::core::log::set_sink([](std::string_view) {});
    }
    ~QuietLog() { mtxrelay::core::log::set_sink(nullptr); }
};

} // namespace

TEST_CASE("the final stopped post is never cancelled by finish() itself", "[app][status_reporter]")
{
    // finish() queues the final post and cancels the post in flight. If the worker took the
    // final item in the moment between the two, the cancel hit the final post instead: the
    // cloud never heard "stopped". The worker's previous post ends at varied moments around
    // finish() so that some rounds land in that moment.
    QuietLog quiet;
    std::mt19937_64 rng(12345);
    std::uniform_int_distribution<std::uint64_t> spread(0, 2000);
    int lost = 0;
    constexpr int k_rounds = 3000;
    for (int round = 0; round < k_rounds; ++round) {
        RaceCloud race;
        race.worker_spin = spread(rng);
        const auto test_spin = spread(rng);
        {
            StatusReporter reporter(cloud(), "u", "s", race.factory());
            reporter.post("active", {{"fps", 30}});
            while (!race.active_started) {
                std::this_thread::yield();
            }
            race.go = true;
            spin(test_spin);
            reporter.finish("stopped", {{"reason", "the input ended"}}, 2000ms);
        }
        if (race.stopped_delivered != 1) {
            ++lost;
        }
    }
    INFO(lost << " of " << k_rounds << " final posts lost");
    CHECK(lost == 0);
}

TEST_CASE("finish() abandons a post the cloud holds and still delivers the final one", "[app][status_reporter]")
{
    QuietLog quiet;
    CountingCloud counting;
    counting.failing = "active";
    counting.delay = 50ms;
    {
        StatusReporter reporter(cloud(), "u", "s", counting.factory());
        reporter.post("active", {});
        reporter.post("error", {{"reason", "input lost"}});
        reporter.finish("stopped", {}, 1000ms);
    }
    std::lock_guard lock(counting.mutex);
    // Queued non-final posts are dropped at finish; the final one arrives exactly once.
    CHECK(std::count(counting.delivered.begin(), counting.delivered.end(), "stopped") == 1);
    CHECK(std::count(counting.delivered.begin(), counting.delivered.end(), "error") == 0);
}

TEST_CASE("periodic updates coalesce while the cloud is slow, transitions stay in order", "[app][status_reporter]")
{
    QuietLog quiet;
    CountingCloud counting;
    counting.delay = 30ms;
    {
        StatusReporter reporter(cloud(), "u", "s", counting.factory());
        reporter.post("active", {});
        for (int i = 0; i < 20; ++i) {
            reporter.post("active", {{"n", i}}, true);
        }
        reporter.post("error", {});
        std::this_thread::sleep_for(200ms);
        reporter.finish("stopped", {}, 1000ms);
    }
    std::lock_guard lock(counting.mutex);
    REQUIRE(counting.delivered.size() <= 4);
    CHECK(counting.delivered.front() == "active");
    CHECK(counting.delivered.back() == "stopped");
    CHECK(std::find(counting.delivered.begin(), counting.delivered.end(), "error") != counting.delivered.end());
}
