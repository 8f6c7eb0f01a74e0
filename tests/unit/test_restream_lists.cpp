#include "restream/lists.hpp"
#include "restream/poller.hpp"

#include "fakes.hpp"

#include <catch2/catch.hpp>

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

using namespace std::chrono_literals;
using mtxrelay::http::TransportError;
using mtxrelay::restream::fetch_lists;
using mtxrelay::restream::ListSources;
using mtxrelay::restream::Poller;
using mtxrelay::restream::PollResult;
using mtxrelay::testing::FakeClock;
using mtxrelay::testing::FakeTransport;
using mtxrelay::testing::http_response;
using mtxrelay::testing::transport_error;

namespace {

ListSources cloud_sources(bool cf_url)
{
    ListSources sources;
    mtxrelay::cloud::CloudSettings settings;
    settings.base_url = "http://cloud.test";
    settings.max_attempts = 1;
    sources.cloud = settings;
    sources.user_id = "alice";
    sources.stream_id = "s1";
    sources.cf_url = cf_url;
    return sources;
}

} // namespace

TEST_CASE("a poll reads the cf-url and the destinations")
{
    FakeClock clock;
    FakeTransport transport(&clock);
    transport.push(http_response(200, R"({"url":"rtmps://live.example/live/CF-KEY-1"})"));
    transport.push(
        http_response(200, R"({"destinations":[{"url":"rtmp://a.example/app/k-123456","name":"A"},{"url":7}]})"));
    const auto result = fetch_lists(cloud_sources(true), transport, clock.hooks());
    CHECK(result.cf_ok);
    CHECK(result.cf_url == "rtmps://live.example/live/CF-KEY-1");
    CHECK(result.list_ok);
    REQUIRE(result.entries.size() == 2);
    CHECK(result.entries[0].destination->name == "A");
    CHECK_FALSE(result.entries[1].problem.empty());
    REQUIRE(transport.requests.size() == 2);
    CHECK(transport.requests[0].url == "http://cloud.test/api/relay/cf-url/alice/s1");
    CHECK(transport.requests[1].url == "http://cloud.test/api/rtmp-relay/restream-destinations/alice/s1");
}

TEST_CASE("404 means none; other failures mark the part failed so the current set is kept")
{
    FakeClock clock;
    FakeTransport transport(&clock);
    SECTION("404s")
    {
        transport.push(http_response(404, R"({"error":"unknown stream"})"));
        const auto result = fetch_lists(cloud_sources(true), transport, clock.hooks());
        CHECK(result.cf_ok);
        CHECK_FALSE(result.cf_url);
        CHECK(result.list_ok);
        CHECK(result.entries.empty());
        CHECK(result.problems.empty());
    }
    SECTION("unreachable cloud")
    {
        transport.push(transport_error(TransportError::connect, "connection refused"));
        const auto result = fetch_lists(cloud_sources(true), transport, clock.hooks());
        CHECK_FALSE(result.cf_ok);
        CHECK_FALSE(result.list_ok);
        CHECK(result.problems.size() == 2);
    }
    SECTION("a malformed answer")
    {
        transport.push(http_response(200, "not json"));
        const auto result = fetch_lists(cloud_sources(false), transport, clock.hooks());
        CHECK(transport.requests.size() == 1); // cf-url lookup disabled
        CHECK_FALSE(result.list_ok);
    }
}

TEST_CASE("a destinations file replaces the cloud's list")
{
    const auto path =
        std::filesystem::temp_directory_path() / ("restream-list-" + std::to_string(::getpid()) + ".json");
    ListSources sources;
    sources.destinations_file = path.string();
    FakeTransport transport;
    {
        std::ofstream(path) << R"({"destinations":[{"url":"rtmp://a.example/app/k-123456"}]})";
    }
    auto result = fetch_lists(sources, transport, mtxrelay::http::RetryHooks{});
    CHECK(result.list_ok);
    CHECK(result.entries.size() == 1);
    CHECK(transport.requests.empty());
    {
        std::ofstream(path) << "{broken";
    }
    result = fetch_lists(sources, transport, mtxrelay::http::RetryHooks{});
    CHECK_FALSE(result.list_ok);
    std::filesystem::remove(path);
    result = fetch_lists(sources, transport, mtxrelay::http::RetryHooks{});
    CHECK_FALSE(result.list_ok);
    CHECK(result.problems.front().find(path.string()) != std::string::npos);
}

TEST_CASE("the poller delivers results through its wake fd and stops a fetch in flight")
{
    std::atomic<int> calls{0};
    std::atomic<bool> saw_cancel{false};
    auto poller = std::make_unique<Poller>(
        [&](const std::function<bool()>& cancelled) {
            PollResult result;
            result.cf_url = "rtmp://x.example/app/" + std::to_string(++calls);
            if (calls >= 2) {
                while (!cancelled()) {
                    std::this_thread::sleep_for(5ms);
                }
                saw_cancel = true;
            }
            return result;
        },
        50ms);
    pollfd fd{poller->wake_fd(), POLLIN, 0};
    REQUIRE(::poll(&fd, 1, 2000) == 1);
    const auto first = poller->take();
    REQUIRE(first);
    CHECK(*first->cf_url == "rtmp://x.example/app/1");
    CHECK_FALSE(poller->take());
    std::this_thread::sleep_for(100ms); // the second fetch is now blocked until cancelled
    const auto started = std::chrono::steady_clock::now();
    poller.reset();
    CHECK(std::chrono::steady_clock::now() - started < 500ms);
    CHECK(saw_cancel);
}

TEST_CASE("a failed part of a poll keeps what the last good poll said")
{
    mtxrelay::restream::ListState state;
    mtxrelay::cloud::UrlPolicy policy;
    PollResult first;
    first.cf_url = "rtmps://live.example/live/CF-KEY-123456";
    mtxrelay::cloud::DestinationEntry entry;
    entry.destination = mtxrelay::cloud::Destination{"rtmp://a.example/app/key-123456", "A"};
    first.entries.push_back(entry);
    CHECK(state.absorb(first, policy).destinations.size() == 2);

    PollResult unreachable;
    unreachable.cf_ok = false;
    unreachable.list_ok = false;
    unreachable.problems = {"cannot reach the cloud"};
    CHECK(state.absorb(unreachable, policy).destinations.size() == 2);

    PollResult cf_gone; // 404 from cf-url, the list unreadable this time
    cf_gone.list_ok = false;
    const auto set = state.absorb(cf_gone, policy);
    REQUIRE(set.destinations.size() == 1);
    CHECK(set.destinations[0].name == "A");

    PollResult emptied; // the cloud now lists nothing: that is an answer, not a failure
    CHECK(state.absorb(emptied, policy).destinations.empty());
}
