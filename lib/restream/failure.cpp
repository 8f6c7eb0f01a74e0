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

template <size_t N>
bool has_any(std::string_view line, const std::array<std::string_view, N>& words)
{
    return std::any_of(words.begin(), words.end(), [&](std::string_view word) { return contains_ci(line, word); });
}

bool dns_line(std::string_view line)
{
    static constexpr std::array<std::string_view, 4> k_words = {"failed to resolve", "name or service not known",
                                                                "temporary failure in name resolution",
                                                                "no address associated with hostname"};
    return has_any(line, k_words);
}

bool unreachable_line(std::string_view line)
{
    static constexpr std::array<std::string_view, 4> k_words = {"connection refused", "no route to host",
                                                                "network is unreachable", "host is unreachable"};
    return has_any(line, k_words);
}

bool timeout_line(std::string_view line)
{
    static constexpr std::array<std::string_view, 2> k_words = {"timed out", "cannot read rtmp handshake response"};
    return has_any(line, k_words);
}

// The server took the connection, then closed it under us.
bool closed_line(std::string_view line)
{
    static constexpr std::array<std::string_view, 3> k_words = {"broken pipe", "connection reset by peer",
                                                                "end of file"};
    return has_any(line, k_words);
}

template <class Predicate>
bool any_line(const std::deque<std::string>& lines, Predicate predicate)
{
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) { return predicate(line); });
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
        return "source_gone";
    case FailureClass::auth:
        return "auth";
    case FailureClass::dns:
        return "dns";
    case FailureClass::unreachable:
        return "unreachable";
    case FailureClass::timeout:
        return "timeout";
    case FailureClass::other:
        return "other";
    }
    return "other";
}

FailureClass classify_failure(const std::deque<std::string>& stderr_tail, std::string_view masked_source, bool streamed)
{
    if (any_line(stderr_tail, [&](std::string_view line) { return about_source(line, masked_source); })) {
        return FailureClass::source;
    }
    if (any_line(stderr_tail, auth_line)) {
        return FailureClass::auth;
    }
    if (any_line(stderr_tail, dns_line)) {
        return FailureClass::dns;
    }
    if (any_line(stderr_tail, timeout_line)) {
        return FailureClass::timeout;
    }
    if (any_line(stderr_tail, unreachable_line)) {
        return FailureClass::unreachable;
    }
    if (!streamed && any_line(stderr_tail, closed_line)) {
        return FailureClass::auth;
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
    case FailureClass::dns:
    case FailureClass::unreachable:
    case FailureClass::timeout:
        return failures >= policy.fatal_after ? std::optional(near(policy.connection_interval, rng)) : std::nullopt;
    case FailureClass::auth:
        return failures >= policy.fatal_after ? std::optional(near(policy.auth_interval, rng)) : std::nullopt;
    case FailureClass::other:
        return std::nullopt;
    }
    return std::nullopt;
}

} // namespace mtxrelay::restream
