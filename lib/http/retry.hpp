#pragma once

#include "core/backoff.hpp"
#include "http/transport.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mtxrelay::http {

struct RetryPolicy {
    int max_attempts = 5;
    core::Backoff backoff{std::chrono::milliseconds(500), std::chrono::milliseconds(8000)};
    std::chrono::milliseconds deadline{30000}; // for all attempts and waits together
};

// Seams for time, so unit tests check the schedule without sleeping.
struct RetryHooks {
    // Waits; returns false when interrupted (stop signal).
    std::function<bool(std::chrono::milliseconds)> sleep;
    std::function<std::chrono::steady_clock::time_point()> now;
    // Told about each retry: what failed and how long we wait.
    std::function<void(const std::string& what, int retry, int max_retries, std::chrono::milliseconds wait)> on_retry;
};

// Hooks that really sleep (interruptible by SIGINT/SIGTERM) and log each retry as a warning.
RetryHooks default_retry_hooks();

// Retry-After as delta-seconds or an HTTP date; nullopt when absent or malformed.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value);

// True for outcomes worth another attempt: connection errors, timeouts, 5xx and 429.
bool is_retryable(const Outcome& outcome);

// A one-line description of an outcome ("HTTP 503", "connection refused"...).
std::string describe(const Outcome& outcome);

// Performs a request with retries, exponential backoff with full jitter, Retry-After
// honoured, and an overall deadline. Returns the last outcome.
Outcome perform_with_retry(Transport& transport, Request request, const RetryPolicy& policy, const RetryHooks& hooks,
                           std::mt19937_64& rng);

} // namespace mtxrelay::http
