#include "restream/lists.hpp"
#include "restream/poller.hpp"

#include "fakes.hpp"

#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/stat.h>
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

// Every name answers one public address; the names asked are recorded.
struct FakeResolver {
    std::vector<std::string> asked;
    mtxrelay::net::Resolver resolver()
    {
        return [this](const std::string& name) -> mtxrelay::core::Result<std::vector<mtxrelay::net::IpAddress>> {
            asked.push_back(name);
            return std::vector<mtxrelay::net::IpAddress>{mtxrelay::net::IpAddress::v4(0x5DB8D822)};
        };
    }
};

std::filesystem::path temp_path(const std::string& name)
{
    return std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
}

} // namespace

TEST_CASE("a poll reads the cf-url and the destinations")
{
    FakeClock clock;
    FakeTransport transport(&clock);
    transport.push(http_response(200, R"({"url":"rtmps://live.example/live/CF-KEY-1"})"));
    transport.push(
        http_response(200, R"({"destinations":[{"url":"rtmp://a.example/app/k-123456","name":"A"},{"url":7}]})"));
    FakeResolver names;
    const auto result = fetch_lists(cloud_sources(true), transport, clock.hooks(), names.resolver());
    CHECK(result.cf_ok);
    CHECK(result.cf_url == "rtmps://live.example/live/CF-KEY-1");
    // The names of the URLs that pass the policy are looked up in the poll, each once.
    CHECK(names.asked == std::vector<std::string>{"live.example", "a.example"});
    CHECK(result.resolved.size() == 2);
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
        const auto result = fetch_lists(cloud_sources(true), transport, clock.hooks(), FakeResolver().resolver());
        CHECK(result.cf_ok);
        CHECK_FALSE(result.cf_url);
        CHECK(result.list_ok);
        CHECK(result.entries.empty());
        CHECK(result.problems.empty());
    }
    SECTION("unreachable cloud")
    {
        transport.push(transport_error(TransportError::connect, "connection refused"));
        const auto result = fetch_lists(cloud_sources(true), transport, clock.hooks(), FakeResolver().resolver());
        CHECK_FALSE(result.cf_ok);
        CHECK_FALSE(result.list_ok);
        CHECK(result.problems.size() == 2);
    }
    SECTION("a malformed answer")
    {
        transport.push(http_response(200, "not json"));
        const auto result = fetch_lists(cloud_sources(false), transport, clock.hooks(), FakeResolver().resolver());
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
    auto result = fetch_lists(sources, transport, mtxrelay::http::RetryHooks{}, FakeResolver().resolver());
    CHECK(result.list_ok);
    CHECK(result.entries.size() == 1);
    CHECK(transport.requests.empty());
    {
        std::ofstream(path) << "{broken";
    }
    result = fetch_lists(sources, transport, mtxrelay::http::RetryHooks{}, FakeResolver().resolver());
    CHECK_FALSE(result.list_ok);
    std::filesystem::remove(path);
    result = fetch_lists(sources, transport, mtxrelay::http::RetryHooks{}, FakeResolver().resolver());
    CHECK_FALSE(result.list_ok);
    CHECK(result.problems.front().find(path.string()) != std::string::npos);
}

TEST_CASE("a destinations file must be a regular file of bounded size and depth, read without blocking")
{
    ListSources sources;
    FakeTransport transport;
    const auto fifo = temp_path("restream-fifo");
    std::filesystem::remove(fifo);
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    struct Cases {
        std::string path;
        std::string problem;
    };
    const auto deep = temp_path("restream-deep.json");
    {
        std::ofstream(deep) << std::string(100000, '[') << std::string(100000, ']');
    }
    const auto big = temp_path("restream-big.json");
    {
        std::ofstream(big) << std::string(2 * 1024 * 1024, ' ');
    }
    const std::vector<Cases> cases = {
        {fifo.string(), "is not a regular file"}, // opening a FIFO for reading would block until a writer came
        {"/dev/zero", "is not a regular file"},   // a device would be read forever
        {"/tmp", "is not a regular file"},
        {deep.string(), "nested deeper than 64 levels"}, // nlohmann would overflow the stack copying it
        {big.string(), "larger than 1048576 bytes"},
    };
    for (const auto& c : cases) {
        INFO(c.path);
        sources.destinations_file = c.path;
        const auto started = std::chrono::steady_clock::now();
        const auto result = fetch_lists(sources, transport, mtxrelay::http::RetryHooks{}, FakeResolver().resolver());
        CHECK(std::chrono::steady_clock::now() - started < 5s);
        CHECK_FALSE(result.list_ok);
        REQUIRE(result.problems.size() == 1);
        CHECK_THAT(result.problems.front(), Catch::Contains(c.problem));
    }
    std::filesystem::remove(fifo);
    std::filesystem::remove(deep);
    std::filesystem::remove(big);
}

TEST_CASE("a name whose lookup fails keeps the addresses of the last good poll")
{
    mtxrelay::restream::ListState state;
    mtxrelay::net::DestinationPolicy policy;
    mtxrelay::cloud::DestinationEntry entry;
    entry.destination = mtxrelay::cloud::Destination{"rtmp://a.example/app/key-123456", "A"};
    PollResult first;
    first.entries.push_back(entry);
    first.resolved.emplace("a.example",
                           std::vector<mtxrelay::net::IpAddress>{mtxrelay::net::IpAddress::v4(0x5DB8D822)});
    REQUIRE(state.absorb(first, policy).destinations.size() == 1);

    PollResult dns_down;
    dns_down.entries.push_back(entry);
    dns_down.resolved.emplace("a.example", mtxrelay::core::Failure{mtxrelay::core::ErrorKind::unreachable,
                                                                   "cannot resolve host a.example: no answer"});
    const auto kept = state.absorb(dns_down, policy);
    REQUIRE(kept.destinations.size() == 1);
    CHECK(kept.destinations[0].target.url == "rtmp://93.184.216.34/app/key-123456");

    PollResult moved; // the name now answers a loopback address: refused at once
    moved.entries.push_back(entry);
    moved.resolved.emplace("a.example",
                           std::vector<mtxrelay::net::IpAddress>{mtxrelay::net::IpAddress::v4(0x7F000001)});
    const auto refused = state.absorb(moved, policy);
    CHECK(refused.destinations.empty());
    REQUIRE(refused.refused.size() == 1);
    CHECK_THAT(refused.refused[0].reason, Catch::Contains("resolves to 127.0.0.1"));
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
    mtxrelay::net::DestinationPolicy policy;
    PollResult first;
    first.cf_url = "rtmps://live.example/live/CF-KEY-123456";
    mtxrelay::cloud::DestinationEntry entry;
    entry.destination = mtxrelay::cloud::Destination{"rtmp://a.example/app/key-123456", "A"};
    first.entries.push_back(entry);
    for (const auto* name : {"live.example", "a.example"}) {
        first.resolved.emplace(name, std::vector<mtxrelay::net::IpAddress>{mtxrelay::net::IpAddress::v4(0x5DB8D822)});
    }
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
