#include "core/strings.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace mtxrelay::core {

std::vector<std::string> split(std::string_view text, char sep)
{
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
        const size_t end = text.find(sep, start);
        if (end == std::string_view::npos) {
            parts.emplace_back(text.substr(start));
            return parts;
        }
        parts.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    return text;
}

std::string to_lower(std::string_view text)
{
    std::string out(text);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

bool starts_with_ci(std::string_view text, std::string_view prefix)
{
    return text.size() >= prefix.size() && to_lower(text.substr(0, prefix.size())) == to_lower(prefix);
}

namespace {

int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

} // namespace

std::optional<std::string> url_decode(std::string_view text, bool form)
{
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) {
                return std::nullopt;
            }
            const int hi = hex_value(text[i + 1]);
            const int lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) {
                return std::nullopt;
            }
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && form) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string url_encode(std::string_view text)
{
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(k_hex[u >> 4]);
            out.push_back(k_hex[u & 0xF]);
        }
    }
    return out;
}

std::optional<std::map<std::string, std::string>> parse_query(std::string_view query)
{
    std::map<std::string, std::string> params;
    if (!query.empty() && query.front() == '?') {
        query.remove_prefix(1);
    }
    if (query.empty()) {
        return params;
    }
    for (const auto& pair : split(query, '&')) {
        if (pair.empty()) {
            continue;
        }
        const size_t eq = pair.find('=');
        auto key = url_decode(std::string_view(pair).substr(0, eq));
        auto value = eq == std::string::npos ? std::optional<std::string>("")
                                             : url_decode(std::string_view(pair).substr(eq + 1));
        if (!key || !value) {
            return std::nullopt;
        }
        params[*key] = *value;
    }
    return params;
}

bool constant_time_equals(std::string_view presented, std::string_view expected)
{
    // Every byte of the longer string is visited; differences accumulate without branching.
    volatile unsigned char difference = presented.size() == expected.size() ? 0 : 1;
    const size_t length = std::max(presented.size(), expected.size());
    for (size_t i = 0; i < length; ++i) {
        const auto a = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0;
        const auto b = i < expected.size() ? static_cast<unsigned char>(expected[i]) : 0;
        difference = difference | static_cast<unsigned char>(a ^ b);
    }
    return difference == 0;
}

std::optional<double> parse_seconds(std::string_view text)
{
    text = trim(text);
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value) || value < 0) {
        return std::nullopt;
    }
    return value;
}

} // namespace mtxrelay::core
