#include "http/retry.hpp"

#include "fakes.hpp"

#include <catch2/catch.hpp>

#include <ctime>
#include <string>

using namespace std::chrono_literals;
using mtxrelay::http::Outcome;
using mtxrelay::http::Request;
using mtxrelay::http::RetryPolicy;
using mtxrelay::http::TransportError;
using mtxrelay::testing::FakeClock;
using mtxrelay::testing::FakeTransport;
using mtxrelay::testing::http_response;
using mtxrelay::testing::transport_error;
using std::chrono::milliseconds;

namespace {

Request get(const std::string& url = "http://cloud.test/api/relay/cf-url/alice/s1")
{
    Request request;
    request.url = url;
    return request;
}

RetryPolicy policy(int max_attempts = 5, milliseconds deadline = 30000ms)
{
    RetryPolicy p;
    p.max_attempts = max_attempts;
    p.deadline = deadline;
    return p;
}

std::string http_date(std::time_t when)
{
    std::tm tm{};
    ::gmtime_r(&when, &tm);
    char text[64];
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return text;
}

} // namespace

TEST_CASE("500, 500, 200 succeeds after two retries", "[http][retry]")
{
    FakeClock clock;
    FakeTransport transport(&clock);
    transport.push(http_response(500));
    transport.push(http_response(500));
    transport.push(http_response(200, "ok"));
    std::mt19937_64 rng(1);
    const auto p = policy();
    const auto outcome = mtxrelay::http::perform_with_retry(transport, get(), p, clock.hooks(), rng);
    REQUIRE(outcome.response.has_value());
    CHECK(outcome.response->status == 200);
    CHECK(outcome.response->body == "ok");
    CHECK(transport.requests.size() == 3);
    REQUIRE(clock.sleeps.size() == 2);
    CHECK(clock.sleeps[0] <= p.backoff.ceiling(0));
    CHECK(clock.sleeps[1] <= p.backoff.ceiling(1));
    REQUIRE(clock.retries.size() == 2);
    CHECK(clock.retries[0].retry == 1);
    CHECK(clock.retries[1].retry == 2);
    CHECK(clock.retries[0].max_retries == 4);
    CHECK(clock.retries[0].wait == clock.sleeps[0]);
    CHECK_THAT(clock.retries[0].what, Catch::Contains("HTTP 500"));
    CHECK_THAT(clock.retries[0].what, Catch::Contains("GET http://cloud.test/api/relay/cf-url/alice/s1"));
}

TEST_CASE("the retry schedule is deterministic for a seeded generator", "[http][retry]")
{
    auto run = [](uint64_t seed) {
        FakeClock clock;
        FakeTransport transport(&clock);
        transport.push(http_response(503));
        std::mt19937_64 rng(seed);
        mtxrelay::http::perform_with_retry(transport, get(), policy(5, 600000ms), clock.hooks(), rng);
        return clock.sleeps;
    };
    const auto first = run(11);
    CHECK(first.size() == 4);
    CHECK(run(11) == first);
}

TEST_CASE("429 with Retry-After: 2 waits exactly 2 s", "[http][retry]")
{
    FakeClock clock;
    FakeTransport transport(&clock);
    transport.push(http_response(429, "slow down", {{"retry-after", "2"}}));
    transport.push(http_response(200));
    std::mt19937_64 rng(1);
    const auto outcome = mtxrelay::http::perform_with_retry(transport, get(), policy(), clock.hooks(), rng);
    REQUIRE(outcome.response.has_value());
    CHECK(outcome.response->status == 200);
    CHECK(clock.sleeps == std::vector<milliseconds>{2000ms});
}

TEST_CASE("Retry-After as an HTTP date waits until that time", "[http][retry]")
{
    FakeClock clock;
    FakeTransport transport(&clock);
    transport.push(http_response(503, "", {{"retry-after", http_date(std::time(nullptr) + 5)}}));
    transport.push(http_response(200));
    std::mt19937_64 rng(1);
    const auto outcome = mtxrelay::http::perform_with_retry(transport, get(), policy(), clock.hooks(), rng);
    REQUIRE(outcome.response.has_value());
    CHECK(outcome.response->status == 200);
    REQUIRE(clock.sleeps.size() == 1);
    CHECK(clock.sleeps[0] > 3000ms); // whole seconds: 4-5 s from now
    CHECK(clock.sleeps[0] <= 5000ms);
}

TEST_CASE("parse_retry_after reads delta-seconds and HTTP dates", "[http][retry]")
{
    using mtxrelay::http::parse_retry_after;
    CHECK(parse_retry_after("0") == std::optional<milliseconds>(0ms));
    CHECK(parse_retry_after("2") == std::optional<milliseconds>(2000ms));
    CHECK(parse_retry_after("120") == std::optional<milliseconds>(120000ms));
    CHECK(parse_retry_after("99999999").value() >= milliseconds(9999999000));
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == std::optional<milliseconds>(0ms)); // past
    const auto future = parse_retry_after(http_date(std::time(nullptr) + 60));
    REQUIRE(future.has_value());
    CHECK(*future > 58000ms);
    CHECK(*future <= 60000ms);
    for (const char* bad : {"", "soon", "-1", "1.5", "2 s", "Wed, 21 Oct 2015"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_retry_after(bad).has_value());
    }
}

TEST_CASE("client errors are not retried", "[http][retry]")
{
    for (const long status : {400L, 401L, 403L, 404L, 409L, 200L, 204L}) {
        CAPTURE(status);
        FakeClock clock;
        FakeTransport transport(&clock);
        transport.push(http_response(status, "body"));
        std::mt19937_64 rng(1);
        const auto outcome = mtxrelay::http::perform_with_retry(transport, get(), policy(), clock.hooks(), rng);
        REQUIRE(outcome.response.has_value());
        CHECK(outcome.response->status == status);
        CHECK(transport.requests.size() == 1);
        CHECK(clock.sleeps.empty());
        CHECK(clock.retries.empty());
    }
}

TEST_CASE("connection errors and timeouts are retried", "[http][retry]")
{
    const auto error = GENERATE(TransportError::connect, TransportError::timeout, TransportError::other);
    FakeClock clock;
    FakeTransport transport(&clock);
    transport.push(transport_error(error, "Couldn't connect to server"));
    transport.push(http_response(200));
    std::mt19937_64 rng(1);
    const auto outcome = mtxrelay::http::perform_with_retry(transport, get(), policy(), clock.hooks(), rng);
    REQUIRE(outcome.response.has_value());
    CHECK(outcome.response->status == 200);
    CHECK(transport.requests.size() == 2);
    CHECK(clock.sleeps.size() == 1);
    REQUIRE(clock.retries.size() == 1);
    CHECK_THAT(clock.retries[0].what, Catch::Contains("Couldn't connect to server"));
}

TEST_CASE("too-large bodies, protocol errors and cancellation are not retried", "[http][retry]")
{
    const auto error = GENERATE(TransportError::too_large, TransportError::protocol, TransportError::cancelled);
    FakeClock clock;
    FakeTransport transport(&clock);
    transport.push(transport_error(error, "nope"));
    transport.push(http_response(200));
    std::mt19937_64 rng(1);
    const auto outcome = mtxrelay::http::perform_with_retry(transport, get(), policy(), clock.hooks(), rng);
    CHECK_FALSE(outcome.response.has_value());
    CHECK(outcome.error == error);
    CHECK(transport.requests.size() == 1);
    CHECK(clock.sleeps.empty());
}

TEST_CASE("max_attempts bounds the number of requests", "[http][retry]")
{
    const int attempts = GENERATE(1, 2, 3);
    FakeClock clock;
    FakeTransport transport(&clock);
    transport.push(http_response(503));
    std::mt19937_64 rng(1);
    const auto outcome = mtxrelay::http::perform_with_retry(transport, get(), policy(attempts), clock.hooks(), rng);
    REQUIRE(outcome.response.has_value());
    CHECK(outcome.response->status == 503);
    CHECK(transport.requests.size() == static_cast<size_t>(attempts));
    CHECK(clock.sleeps.size() == static_cast<size_t>(attempts - 1));
}

TEST_CASE("the deadline is respected: no sleep runs past it", "[http][retry]")
{
    SECTION("Retry-After longer than what is left")
    {
        FakeClock clock;
        FakeTransport transport(&clock);
        transport.push(http_response(503, "", {{"retry-after", "120"}}));
        std::mt19937_64 rng(1);
        const auto outcome =
            mtxrelay::http::perform_with_retry(transport, get(), policy(5, 30000ms), clock.hooks(), rng);
        REQUIRE(outcome.response.has_value());
        CHECK(outcome.response->status == 503);
        CHECK(transport.requests.size() == 1);
        CHECK(clock.sleeps.empty());
        CHECK_THAT(outcome.reason, Catch::Contains("deadline"));
    }
    SECTION("repeated waits stop before the deadline")
    {
        FakeClock clock;
        FakeTransport transport(&clock);
        transport.push(http_response(503, "", {{"retry-after", "2"}}));
        std::mt19937_64 rng(1);
        const auto start = clock.now_value;
        const auto outcome =
            mtxrelay::http::perform_with_retry(transport, get(), policy(10, 5000ms), clock.hooks(), rng);
        CHECK(transport.requests.size() == 3); // at 0 s, 2 s, 4 s; a third wait would end at 6 s
        CHECK(clock.sleeps == std::vector<milliseconds>{2000ms, 2000ms});
        CHECK(clock.elapsed_since(start) <= 5000ms);
        REQUIRE(outcome.response.has_value());
        CHECK(outcome.response->status == 503);
    }
    SECTION("slow attempts get only the time that is left")
    {
        FakeClock clock;
        FakeTransport transport(&clock);
        transport.push(transport_error(TransportError::timeout, "Operation timed out"));
        std::mt19937_64 rng(1);
        const auto start = clock.now_value;
        auto request = get();
        request.total_timeout = 10000ms;
        const auto outcome =
            mtxrelay::http::perform_with_retry(transport, request, policy(10, 25000ms), clock.hooks(), rng);
        CHECK_FALSE(outcome.response.has_value());
        CHECK(clock.elapsed_since(start) <= 25000ms);
        REQUIRE(transport.requests.size() >= 2);
        auto spent = 0ms;
        for (size_t i = 0; i < transport.requests.size(); ++i) {
            CAPTURE(i);
            CHECK(transport.requests[i].total_timeout <= 10000ms);
            CHECK(transport.requests[i].total_timeout <= 25000ms - spent);
            CHECK(transport.requests[i].connect_timeout <= 25000ms - spent);
            spent += transport.requests[i].total_timeout + (i < clock.sleeps.size() ? clock.sleeps[i] : 0ms);
        }
    }
    SECTION("a zero deadline sends nothing")
    {
        FakeClock clock;
        FakeTransport transport(&clock);
        transport.push(http_response(200));
        std::mt19937_64 rng(1);
        const auto outcome = mtxrelay::http::perform_with_retry(transport, get(), policy(5, 0ms), clock.hooks(), rng);
        CHECK(transport.requests.empty());
        CHECK_FALSE(outcome.response.has_value());
        CHECK(outcome.error == TransportError::timeout);
    }
}

TEST_CASE("an interrupted sleep gives a cancelled outcome", "[http][retry]")
{
    FakeClock clock;
    clock.interrupt_sleep = true;
    FakeTransport transport(&clock);
    transport.push(http_response(502));
    transport.push(http_response(200));
    std::mt19937_64 rng(1);
    const auto outcome = mtxrelay::http::perform_with_retry(transport, get(), policy(), clock.hooks(), rng);
    CHECK_FALSE(outcome.response.has_value());
    CHECK(outcome.error == TransportError::cancelled);
    CHECK(transport.requests.size() == 1);
    CHECK(clock.sleeps.size() == 1);
}

TEST_CASE("is_retryable and describe", "[http][retry]")
{
    using mtxrelay::http::describe;
    using mtxrelay::http::is_retryable;
    CHECK(is_retryable(http_response(429)));
    CHECK(is_retryable(http_response(500)));
    CHECK(is_retryable(http_response(599)));
    CHECK_FALSE(is_retryable(http_response(404)));
    CHECK_FALSE(is_retryable(http_response(200)));
    CHECK(is_retryable(transport_error(TransportError::connect, "x")));
    CHECK_FALSE(is_retryable(transport_error(TransportError::cancelled, "x")));
    CHECK(describe(http_response(503)) == "HTTP 503");
    CHECK(describe(transport_error(TransportError::connect, "Connection refused")) == "Connection refused");
    CHECK(describe(transport_error(TransportError::other, "")) == "transport error");
}
