#pragma once

#include <string>
#include <string_view>

namespace mtxrelay::hls {

// Resolves a URI found in a playlist against the playlist's own URL (RFC 3986 §5.2):
// absolute URIs stay as they are, "//host/x", "/x" and "x" are taken relative to the base.
// The reference keeps its own query ("seg1.mp4?token=..."); the base's query is dropped
// unless the reference is empty. Fragments are removed: they never reach a server.
std::string resolve_uri(std::string_view base, std::string_view reference);

// True for an absolute http:// or https:// URL.
bool is_http_url(std::string_view url);

} // namespace mtxrelay::hls
