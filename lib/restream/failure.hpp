#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace mtxrelay::restream {

// Why a copy ffmpeg failed, as far as its stderr tells, so the operator knows whose fault it is:
// - source: the relay's own clean stream could not be read (a state of the stream, not of the
//   destination: the copy waits for it to come back);
// - auth: the destination refused the publish: 401/403, "Unauthorized", "Forbidden", an RTMP
//   "Server error", or a server that took the connection and closed it before the copy was
//   really streaming (broken pipe, reset within seconds: what nginx-rtmp's `deny publish` looks
//   like, measured; YouTube and Twitch close the connection on a wrong key too);
// - dns: the host name does not resolve; unreachable: refused connection, no route;
// - timeout: the server took the TCP connection but never answered (or stopped answering);
// - other: anything else (including a connection dropped after streaming).
enum class FailureClass { source, auth, dns, unreachable, timeout, other };
// "source_gone", "auth", "dns", "unreachable", "timeout", "other".
const char* class_name(FailureClass failure);

// Classifies from the last stderr lines (masked, as the supervisor keeps them). A line that
// starts with the masked source URL is about the source: ffmpeg names the URL it failed on.
// `streamed` says whether the run had been delivering output for a while (a close before that
// is a refusal).
FailureClass classify_failure(const std::deque<std::string>& stderr_tail, std::string_view masked_source,
                              bool streamed = false);

// How patiently a destination is retried after each kind of failure.
struct RetryPolicy {
    int fatal_after = 3;                                  // k: network/auth failures before the slow pace
    std::chrono::milliseconds connection_interval{30000}; // then retry about this often (the backoff cap)
    std::chrono::milliseconds auth_interval{60000};       // slower: a wrong key will not fix itself soon
    std::chrono::milliseconds source_cap{5000};           // the local source comes back quickly or never
};

// The wait before the next try, or nullopt for the supervisor's usual backoff. After k
// dns/unreachable/timeout or auth failures in a row the wait is 75-100 % of that class's
// interval (jitter keeps many relays from retrying in step).
std::optional<std::chrono::milliseconds> retry_delay(FailureClass failure, int failures, const RetryPolicy& policy,
                                                     std::mt19937_64& rng);

} // namespace mtxrelay::restream
