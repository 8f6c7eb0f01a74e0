#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtxrelay::core {

// Splits on every occurrence of sep; empty fields are kept.
std::vector<std::string> split(std::string_view text, char sep);

std::string_view trim(std::string_view text);
bool starts_with_ci(std::string_view text, std::string_view prefix);
std::string to_lower(std::string_view text);

// Percent-decoding ('+' becomes a space when form is true); nullopt on a malformed escape.
std::optional<std::string> url_decode(std::string_view text, bool form = true);

// Percent-encodes everything outside RFC 3986's unreserved set.
std::string url_encode(std::string_view text);

// Parses "a=1&b=x%20y" (an optional leading '?' is ignored); later keys win.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view query);

// Compares a presented secret (a bearer token, a stream key) with the expected one in a time
// that depends only on the lengths, never on where the first differing byte is.
bool constant_time_equals(std::string_view presented, std::string_view expected);

// Parses a non-negative decimal number of seconds ("2", "0.5"); nullopt when malformed.
std::optional<double> parse_seconds(std::string_view text);

} // namespace mtxrelay::core
