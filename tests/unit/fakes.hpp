#pragma once
// Fakes shared by the unit tests: an environment from a map, an HTTP transport that answers
// from a script and records what it was asked, and retry hooks on a fake clock.

#include "core/env.hpp"
#include "core/strings.hpp"
#include "http/retry.hpp"
#include "http/transport.hpp"

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtxrelay::testing {

// An environment lookup over a map; like the process environment, empty values count as unset.
inline core::EnvLookup map_env(std::map<std::string, std::string> values)
{
    return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
        const auto it = values.find(std::string(name));
        if (it == values.end() || it->second.empty()) {
            return std::nullopt;
        }
        return it->second;
    };
}

// Bytes from a hex string ("67640028..."), for recorded binary samples.
inline std::string from_hex(std::string_view hex)
{
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

inline http::Outcome http_response(long status, std::string body = {}, http::Headers headers = {})
{
    http::Response response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    return {response, http::TransportError::none, {}};
}

inline http::Outcome transport_error(http::TransportError error, std::string reason)
{
    return {std::nullopt, error, std::move(reason)};
}

// Looks a header up by name, ignoring case (request headers are written as callers spell them).
inline std::optional<std::string> find_header(const http::Headers& headers, std::string_view name)
{
    for (const auto& [key, value] : headers) {
        if (core::to_lower(key) == core::to_lower(name)) {
            return value;
        }
    }
    return std::nullopt;
}

// A clock that only moves when told to: by the retry hooks' sleep or by a slow fake request.
struct FakeClock {
    std::chrono::steady_clock::time_point now_value{std::chrono::hours(1000)};
    std::vector<std::chrono::milliseconds> sleeps;
    struct Retry {
        std::string what;
        int retry;
        int max_retries;
        std::chrono::milliseconds wait;
    };
    std::vector<Retry> retries;
    bool interrupt_sleep = false; // the next sleep reports a stop signal

    std::chrono::milliseconds elapsed_since(std::chrono::steady_clock::time_point start) const
    {
        return std::chrono::duration_cast<std::chrono::milliseconds>(now_value - start);
    }

    std::chrono::milliseconds total_slept() const
    {
        std::chrono::milliseconds total{0};
        for (const auto& sleep : sleeps) {
            total += sleep;
        }
        return total;
    }

    // Hooks bound to this clock; the clock must outlive them.
    http::RetryHooks hooks()
    {
        http::RetryHooks hooks;
        hooks.sleep = [this](std::chrono::milliseconds wait) {
            sleeps.push_back(wait);
            if (interrupt_sleep) {
                return false;
            }
            now_value += wait;
            return true;
        };
        hooks.now = [this] { return now_value; };
        hooks.on_retry = [this](const std::string& what, int retry, int max_retries, std::chrono::milliseconds wait) {
            retries.push_back({what, retry, max_retries, wait});
        };
        return hooks;
    }
};

// Answers each request with the next scripted outcome (the last one repeats) and records
// every request. A request may take time on the fake clock (a timeout uses its whole budget).
class FakeTransport : public http::Transport {
public:
    explicit FakeTransport(FakeClock* clock = nullptr) : m_clock(clock) {}

    void push(http::Outcome outcome) { m_script.push_back(std::move(outcome)); }
    // Each request takes this long on the fake clock.
    void set_request_duration(std::chrono::milliseconds duration) { m_duration = duration; }

    http::Outcome perform(const http::Request& request) override
    {
        requests.push_back(request);
        http::Outcome outcome =
            m_script.empty() ? transport_error(http::TransportError::other, "no scripted answer") : m_script.front();
        if (m_script.size() > 1) {
            m_script.pop_front();
        }
        if (m_clock != nullptr) {
            const bool timed_out = outcome.error == http::TransportError::timeout;
            m_clock->now_value += timed_out ? request.total_timeout : m_duration;
        }
        return outcome;
    }

    std::vector<http::Request> requests;

private:
    FakeClock* m_clock;
    std::deque<http::Outcome> m_script;
    std::chrono::milliseconds m_duration{0};
};

} // namespace mtxrelay::testing
