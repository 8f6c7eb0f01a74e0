#include "restream/failure.hpp"

#include "core/strings.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace mtxrelay::restream {

namespace {

using std::chrono::milliseconds;

bool contains_ci(std::string_view text, std::string_view needle)
{
    return core::to_lower(text).find(core::to_lower(needle)) != std::string::npos;
}

// "401" or "403" as a number of its own, not inside "14010" or a hex address.
bool has_status_code(std::string_view line)
{
    for (const std::string_view code : {"401", "403"}) {
        for (size_t at = line.find(code); at != std::string_view::npos; at = line.find(code, at + 1)) {
            const bool left = at == 0 || !std::isalnum(static_cast<unsigned char>(line[at - 1]));
            const size_t end = at + code.size();
            const bool right = end == line.size() || !std::isalnum(static_cast<unsigned char>(line[end]));
            if (left && right) {
                return true;
            }
        }
    }
    return false;
}

bool about_source(std::string_view line, std::string_view masked_source)
{
    if (masked_source.empty() || line.substr(0, masked_source.size()) != masked_source) {
        return false;
    }
    return line.size() == masked_source.size() || line[masked_source.size()] == ':' ||
           line[masked_source.size()] == ' ';
}

bool auth_line(std::string_view line)
{
    static constexpr std::array<std::string_view, 6> k_words = {"unauthorized",   "forbidden",     "server error",
                                                                "authentication", "authorization", "auth failed"};
    return has_status_code(line) ||
           std::any_of(k_words.begin(), k_words.end(), [&](std::string_view word) { return contains_ci(line, word); });
}

bool connection_line(std::string_view line)
{
    static constexpr std::array<std::string_view, 6> k_words = {
        "connection refused", "no route to host",          "network is unreachable",
        "failed to resolve",  "name or service not known", "temporary failure in name resolution"};
    return std::any_of(k_words.begin(), k_words.end(), [&](std::string_view word) { return contains_ci(line, word); });
}

milliseconds near(milliseconds interval, std::mt19937_64& rng)
{
    std::uniform_int_distribution<int64_t> pick(interval.count() * 3 / 4, interval.count());
    return milliseconds(pick(rng));
}

} // namespace

const char* class_name(FailureClass failure)
{
    switch (failure) {
    case FailureClass::source:
        return "source";
    case FailureClass::connection:
        return "connection";
    case FailureClass::auth:
        return "auth";
    case FailureClass::other:
        return "other";
    }
    return "other";
}

FailureClass classify_failure(const std::deque<std::string>& stderr_tail, std::string_view masked_source)
{
    if (std::any_of(stderr_tail.begin(), stderr_tail.end(),
                    [&](const std::string& line) { return about_source(line, masked_source); })) {
        return FailureClass::source;
    }
    if (std::any_of(stderr_tail.begin(), stderr_tail.end(), [](const std::string& line) { return auth_line(line); })) {
        return FailureClass::auth;
    }
    if (std::any_of(stderr_tail.begin(), stderr_tail.end(),
                    [](const std::string& line) { return connection_line(line); })) {
        return FailureClass::connection;
    }
    return FailureClass::other;
}

std::optional<milliseconds> retry_delay(FailureClass failure, int failures, const RetryPolicy& policy,
                                        std::mt19937_64& rng)
{
    switch (failure) {
    case FailureClass::source: {
        std::uniform_int_distribution<int64_t> pick(std::min<int64_t>(500, policy.source_cap.count()),
                                                    policy.source_cap.count());
        return milliseconds(pick(rng));
    }
    case FailureClass::connection:
        return failures >= policy.fatal_after ? std::optional(near(policy.connection_interval, rng)) : std::nullopt;
    case FailureClass::auth:
        return failures >= policy.fatal_after ? std::optional(near(policy.auth_interval, rng)) : std::nullopt;
    case FailureClass::other:
        return std::nullopt;
    }
    return std::nullopt;
}

} // namespace mtxrelay::restream
