#include "http/retry.hpp"

#include "core/log.hpp"
#include "process/signals.hpp"

#include <fmt/format.h>

#include <ctime>

namespace mtxrelay::http {

using namespace std::chrono;

RetryHooks default_retry_hooks()
{
    RetryHooks hooks;
    hooks.sleep = [](milliseconds wait) { return process::sleep_unless_stopped(wait); };
    hooks.now = [] { return steady_clock::now(); };
    hooks.on_retry = [](const std::string& what, int retry, int max_retries, milliseconds wait) {
        core::log::warn("{}; retry {}/{} in {:.1f} s", what, retry, max_retries, wait.count() / 1000.0);
    };
    return hooks;
}

std::optional<milliseconds> parse_retry_after(std::string_view value)
{
    if (value.empty()) {
        return std::nullopt;
    }
    bool digits = true;
    for (const char c : value) {
        digits = digits && c >= '0' && c <= '9';
    }
    if (digits) {
        if (value.size() > 7) {
            return milliseconds(9999999000);
        }
        return seconds(std::stol(std::string(value)));
    }
    std::tm tm{};
    const std::string text(value);
    if (strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) {
        return std::nullopt;
    }
    const auto at = system_clock::from_time_t(timegm(&tm));
    const auto delta = duration_cast<milliseconds>(at - system_clock::now());
    return delta.count() > 0 ? delta : milliseconds(0);
}

bool is_retryable(const Outcome& outcome)
{
    if (!outcome.response) {
        return outcome.error == TransportError::connect || outcome.error == TransportError::timeout ||
               outcome.error == TransportError::other;
    }
    const long status = outcome.response->status;
    return status == 429 || (status >= 500 && status <= 599);
}

std::string describe(const Outcome& outcome)
{
    if (outcome.response) {
        return fmt::format("HTTP {}", outcome.response->status);
    }
    return outcome.reason.empty() ? "transport error" : outcome.reason;
}

Outcome perform_with_retry(Transport& transport, Request request, const RetryPolicy& policy, const RetryHooks& hooks,
                           std::mt19937_64& rng)
{
    const auto start = hooks.now();
    const auto deadline = start + policy.deadline;
    const auto per_attempt = request.total_timeout;
    Outcome outcome;
    for (int attempt = 0; attempt < policy.max_attempts; ++attempt) {
        const auto left = duration_cast<milliseconds>(deadline - hooks.now());
        if (left.count() <= 0) {
            return Outcome{std::nullopt, TransportError::timeout,
                           fmt::format("{} (gave up: {} s deadline reached)", describe(outcome),
                                       policy.deadline.count() / 1000.0)};
        }
        request.total_timeout = std::min(per_attempt, left);
        request.connect_timeout = std::min(request.connect_timeout, left);
        outcome = transport.perform(request);
        if (!is_retryable(outcome) || attempt + 1 >= policy.max_attempts) {
            return outcome;
        }
        auto wait = policy.backoff.delay(attempt, rng);
        if (outcome.response) {
            const auto it = outcome.response->headers.find("retry-after");
            if (it != outcome.response->headers.end()) {
                if (const auto asked = parse_retry_after(it->second)) {
                    wait = *asked;
                }
            }
        }
        if (hooks.now() + wait >= deadline) {
            outcome.reason = fmt::format("{} (no time left for a retry within the {} s deadline)", describe(outcome),
                                         policy.deadline.count() / 1000.0);
            return outcome;
        }
        if (hooks.on_retry) {
            hooks.on_retry(fmt::format("{} {} failed: {}", request.method, request.url, describe(outcome)), attempt + 1,
                           policy.max_attempts - 1, wait);
        }
        if (!hooks.sleep(wait)) {
            return {std::nullopt, TransportError::cancelled, "interrupted"};
        }
    }
    return outcome;
}

} // namespace mtxrelay::http
