#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace mtxrelay::core {

// Exponential backoff with full jitter: the n-th retry waits a uniform random time in
// [0, min(cap, base * 2^n)] (AWS "full jitter"), so many relays restarting at once spread out.
struct Backoff {
    std::chrono::milliseconds base{500};
    std::chrono::milliseconds cap{30000};

    // The upper bound for retry number `retry` (0-based).
    std::chrono::milliseconds ceiling(int retry) const;
    // A jittered delay for retry number `retry`.
    std::chrono::milliseconds delay(int retry, std::mt19937_64& rng) const;
};

// A generator seeded from the clock and the PID (tests seed their own).
std::mt19937_64 make_rng();

} // namespace mtxrelay::core
