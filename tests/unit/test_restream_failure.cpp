#include "restream/failure.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using mtxrelay::restream::classify_failure;
using mtxrelay::restream::FailureClass;
using mtxrelay::restream::retry_delay;
using mtxrelay::restream::RetryPolicy;

namespace {

const std::string k_source = "rtmp://127.0.0.1:1935/clean/***";

FailureClass classify(std::deque<std::string> tail)
{
    return classify_failure(tail, k_source);
}

} // namespace

TEST_CASE("ffmpeg's stderr tail tells source, unreachable, dns, timeout, auth and other failures apart")
{
    // What ffmpeg 5.1 prints (masked) when it cannot open its input or its output.
    CHECK(classify({"[tcp @ 0x55] Connection to tcp://127.0.0.1:1935?tcp_nodelay=0 failed: Connection refused",
                    "rtmp://127.0.0.1:1935/clean/*** Connection refused"}) == FailureClass::source);
    CHECK(classify({"[tcp @ 0x55] Connection to tcp://203.0.113.5:1935?tcp_nodelay=0 failed: Connection refused",
                    "rtmp://203.0.113.5:1935/live/*** Connection refused"}) == FailureClass::unreachable);
    // Lines measured with ffmpeg 5.1 (a name that does not resolve; a port that accepts the TCP
    // connection and never answers the RTMP handshake).
    CHECK(classify({"[tcp @ 0x1] Failed to resolve hostname nowhere.invalid: Name or service not known",
                    "[rtmp @ 0x2] Cannot open connection tcp://nowhere.invalid:1935?tcp_nodelay=0",
                    "rtmp://nowhere.invalid/app/key#1a2b: Input/output error"}) == FailureClass::dns);
    CHECK(classify({"[rtmp @ 0x5639f012f3c0] Cannot read RTMP handshake response",
                    "rtmp://127.0.0.1:53659/app/key#1a2b: Connection timed out"}) == FailureClass::timeout);
    CHECK(classify({"[rtmp @ 0x1] Server error: Authentication failed"}) == FailureClass::auth);
    CHECK(classify({"[https @ 0x1] HTTP error 403 Forbidden"}) == FailureClass::auth);
    CHECK(classify({"rtmps://x.example/live/*** Unauthorized (401)"}) == FailureClass::auth);
    CHECK(classify({}) == FailureClass::other);
}

TEST_CASE("a server that closes the connection before anything streamed refused the publish")
{
    // nginx-rtmp's `deny publish` (measured), and what YouTube or Twitch do with a wrong key.
    const std::deque<std::string> closed = {
        "av_interleaved_write_frame(): Broken pipe",
        "Error writing trailer of rtmp://127.0.0.1:29042/deny/key#1a2b: Broken pipe"};
    CHECK(classify_failure(closed, k_source, false) == FailureClass::auth);
    // The same after the copy had been streaming is a dropped connection, not a refusal.
    CHECK(classify_failure(closed, k_source, true) == FailureClass::other);
}

TEST_CASE("401 and 403 count only as numbers of their own")
{
    CHECK(classify({"[flv @ 0x5640310a0] Non-monotonous DTS; previous: 14010, current: 14030"}) == FailureClass::other);
    CHECK(classify({"[flv @ 0x4030a] frame size 4031"}) == FailureClass::other);
}

TEST_CASE("a longer source URL is not mistaken for the source")
{
    CHECK(classify_failure({"rtmp://127.0.0.1:1935/clean2 Connection refused"}, "rtmp://127.0.0.1:1935/clean") ==
          FailureClass::unreachable);
}

TEST_CASE("network and auth failures slow down to their interval after k tries")
{
    RetryPolicy policy;
    std::mt19937_64 rng(42);
    CHECK_FALSE(retry_delay(FailureClass::unreachable, policy.fatal_after - 1, policy, rng));
    CHECK_FALSE(retry_delay(FailureClass::auth, 1, policy, rng));
    for (int i = 0; i < 50; ++i) {
        const auto connection = retry_delay(FailureClass::unreachable, policy.fatal_after + i, policy, rng);
        REQUIRE(connection);
        CHECK(*connection >= 22500ms);
        CHECK(*connection <= 30000ms);
        const auto auth = retry_delay(FailureClass::auth, policy.fatal_after, policy, rng);
        REQUIRE(auth);
        CHECK(*auth >= 45000ms);
        CHECK(*auth <= 60000ms);
    }
}

TEST_CASE("source failures retry soon, other failures use the supervisor's backoff")
{
    RetryPolicy policy;
    std::mt19937_64 rng(7);
    for (int failures = 1; failures < 20; ++failures) {
        const auto source = retry_delay(FailureClass::source, failures, policy, rng);
        REQUIRE(source);
        CHECK(*source >= 500ms);
        CHECK(*source <= policy.source_cap);
        CHECK_FALSE(retry_delay(FailureClass::other, failures, policy, rng));
    }
}
