#include "core/json.hpp"

#include <fmt/format.h>

namespace mtxrelay::core {

size_t json_depth(std::string_view text, size_t stop_at)
{
    size_t depth = 0;
    size_t deepest = 0;
    bool in_string = false;
    bool escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
            if (deepest >= stop_at) {
                return deepest;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

Result<nlohmann::json> parse_json(std::string_view text, const JsonLimits& limits)
{
    if (text.size() > limits.max_bytes) {
        return Failure{ErrorKind::invalid, fmt::format("JSON of {} bytes (limit {})", text.size(), limits.max_bytes)};
    }
    if (json_depth(text, limits.max_depth + 1) > limits.max_depth) {
        return Failure{ErrorKind::invalid, fmt::format("JSON nested deeper than {} levels", limits.max_depth)};
    }
    auto document = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (document.is_discarded()) {
        return Failure{ErrorKind::invalid, "not valid JSON"};
    }
    return document;
}

std::string dump_json(const nlohmann::json& value, int indent)
{
    return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace mtxrelay::core
