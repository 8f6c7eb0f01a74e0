#include "core/backoff.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <vector>

using mtxrelay::core::Backoff;
using std::chrono::milliseconds;

TEST_CASE("backoff ceiling doubles from the base and stops at the cap", "[core][backoff]")
{
    const Backoff backoff{milliseconds(500), milliseconds(8000)};
    CHECK(backoff.ceiling(0) == milliseconds(500));
    CHECK(backoff.ceiling(1) == milliseconds(1000));
    CHECK(backoff.ceiling(2) == milliseconds(2000));
    CHECK(backoff.ceiling(3) == milliseconds(4000));
    CHECK(backoff.ceiling(4) == milliseconds(8000));
    CHECK(backoff.ceiling(5) == milliseconds(8000));
    CHECK(backoff.ceiling(63) == milliseconds(8000));
    CHECK(backoff.ceiling(1000) == milliseconds(8000));
    CHECK(backoff.ceiling(-1) == milliseconds(500));
}

TEST_CASE("backoff defaults: 500 ms base, 30 s cap", "[core][backoff]")
{
    const Backoff backoff;
    CHECK(backoff.ceiling(0) == milliseconds(500));
    CHECK(backoff.ceiling(20) == milliseconds(30000));
}

TEST_CASE("backoff delay stays within [0, ceiling] and spreads out", "[core][backoff]")
{
    const Backoff backoff{milliseconds(100), milliseconds(1000)};
    std::mt19937_64 rng(42);
    for (int retry = 0; retry < 8; ++retry) {
        std::set<long long> seen;
        for (int i = 0; i < 200; ++i) {
            const auto delay = backoff.delay(retry, rng);
            CHECK(delay >= milliseconds(0));
            CHECK(delay <= backoff.ceiling(retry));
            seen.insert(delay.count());
        }
        CHECK(seen.size() > 20); // full jitter, not a fixed wait
    }
}

TEST_CASE("backoff delay is deterministic for a seeded generator", "[core][backoff]")
{
    const Backoff backoff;
    auto run = [&](uint64_t seed) {
        std::mt19937_64 rng(seed);
        std::vector<long long> delays;
        for (int retry = 0; retry < 10; ++retry) {
            delays.push_back(backoff.delay(retry, rng).count());
        }
        return delays;
    };
    CHECK(run(7) == run(7));
    CHECK(run(7) != run(8));
}

TEST_CASE("make_rng gives differently seeded generators", "[core][backoff]")
{
    auto a = mtxrelay::core::make_rng();
    auto b = mtxrelay::core::make_rng();
    CHECK(a() != b());
}
