#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace mtxrelay::restream {

// Why a copy ffmpeg failed, as far as its stderr tells: the local source could not be read;
// the destination refused or could not be reached; the destination refused our credentials
// (401/403, "Unauthorized", "Forbidden", an RTMP "Server error: ..."); anything else.
enum class FailureClass { source, connection, auth, other };
const char* class_name(FailureClass failure);

// Classifies from the last stderr lines (masked, as the supervisor keeps them). A line that
// starts with the masked source URL is about the source: ffmpeg names the URL it failed on.
FailureClass classify_failure(const std::deque<std::string>& stderr_tail, std::string_view masked_source);

// How patiently a destination is retried after each kind of failure.
struct RetryPolicy {
    int fatal_after = 3;                                  // k: connection/auth failures before the slow pace
    std::chrono::milliseconds connection_interval{30000}; // then retry about this often (the backoff cap)
    std::chrono::milliseconds auth_interval{60000};       // slower: a wrong key will not fix itself soon
    std::chrono::milliseconds source_cap{5000};           // the local source comes back quickly or never
};

// The wait before the next try, or nullopt for the supervisor's usual backoff. After k
// connection or auth failures in a row the wait is 75-100 % of that class's interval (jitter
// keeps many relays from retrying in step).
std::optional<std::chrono::milliseconds> retry_delay(FailureClass failure, int failures, const RetryPolicy& policy,
                                                     std::mt19937_64& rng);

} // namespace mtxrelay::restream
