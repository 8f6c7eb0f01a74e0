#include "core/url_split.hpp"

#include "core/strings.hpp"

#include <algorithm>
#include <cctype>

namespace mtxrelay::core {

namespace {

bool is_url_scheme_char(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

} // namespace

std::optional<UrlParts> split_url(std::string_view text)
{
    const size_t sep = text.find("://");
    if (sep == std::string_view::npos || sep == 0 || !std::isalpha(static_cast<unsigned char>(text[0])) ||
        !std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(sep), is_url_scheme_char)) {
        return std::nullopt;
    }
    UrlParts parts;
    parts.scheme = text.substr(0, sep);
    auto rest = text.substr(sep + 3);
    const size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
    auto authority = rest.substr(0, authority_end);
    rest.remove_prefix(authority_end);
    if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
        parts.userinfo = authority.substr(0, at);
        authority.remove_prefix(at + 1);
    }
    parts.host_port = authority;
    if (has_fragments(parts.scheme)) {
        if (const size_t hash = rest.find('#'); hash != std::string_view::npos) {
            parts.fragment = rest.substr(hash + 1);
            rest = rest.substr(0, hash);
        }
    }
    if (const size_t question = rest.find('?'); question != std::string_view::npos) {
        parts.query = rest.substr(question + 1);
        rest = rest.substr(0, question);
    }
    parts.path = rest;
    return parts;
}

bool has_fragments(std::string_view scheme)
{
    const auto lower = to_lower(scheme);
    return lower == "http" || lower == "https";
}

} // namespace mtxrelay::core
