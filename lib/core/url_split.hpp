#pragma once

#include <optional>
#include <string_view>

namespace mtxrelay::core {

// "scheme://authority path ?query #fragment" cut where ffmpeg's av_url_split and libcurl both
// cut it: the authority ends at the first '/', '?' or '#'; the userinfo is everything before
// the authority's last '@'. Never fails on a string with "scheme://": redaction relies on that
// to mask even malformed URLs. net::parse_url() is the strict reader built on it (this lexical
// half lives in core so that redaction, the lowest layer, shares it).
struct UrlParts {
    std::string_view scheme;
    std::optional<std::string_view> userinfo; // without its '@'
    std::string_view host_port;               // the authority after the userinfo
    std::string_view path;                    // from the first '/' (may be empty)
    std::optional<std::string_view> query;    // without its '?'
    std::optional<std::string_view> fragment; // without its '#'; http(s) only
};

// nullopt when the text does not start with "scheme://" (RFC 3986 scheme characters).
std::optional<UrlParts> split_url(std::string_view text);

// True for the schemes whose reader (libcurl) treats '#' as the start of a fragment. ffmpeg's
// protocols (rtmp, rtmps, srt...) keep it in the path or query: an SRT stream id starts with
// "#!::", so there it is not a fragment.
bool has_fragments(std::string_view scheme);

} // namespace mtxrelay::core
