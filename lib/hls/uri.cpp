#include "hls/uri.hpp"

#include "core/strings.hpp"
#include "net/url.hpp"

#include <cctype>
#include <vector>

namespace mtxrelay::hls {

namespace {

// The parts of an absolute URL we need: "scheme:", "//authority", path, "?query".
struct UrlParts {
    std::string scheme;    // with its ':'
    std::string authority; // with its leading "//", or empty
    std::string path;
    std::string query; // with its '?', or empty
};

std::string_view without_fragment(std::string_view text)
{
    return text.substr(0, text.find('#'));
}

// Length of "scheme:" at the start of text, 0 when there is none.
size_t scheme_length(std::string_view text)
{
    if (text.empty() || !std::isalpha(static_cast<unsigned char>(text[0]))) {
        return 0;
    }
    for (size_t i = 1; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ':') {
            return i + 1;
        }
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
            return 0;
        }
    }
    return 0;
}

UrlParts split_url(std::string_view url)
{
    UrlParts parts;
    const size_t scheme = scheme_length(url);
    parts.scheme = std::string(url.substr(0, scheme));
    url.remove_prefix(scheme);
    if (url.substr(0, 2) == "//") {
        const size_t end = url.find_first_of("/?", 2);
        parts.authority = std::string(url.substr(0, end));
        url.remove_prefix(end == std::string_view::npos ? url.size() : end);
    }
    const size_t question = url.find('?');
    parts.path = std::string(url.substr(0, question));
    if (question != std::string_view::npos) {
        parts.query = std::string(url.substr(question));
    }
    return parts;
}

// RFC 3986 §5.2.4: removes "." and ".." segments.
std::string remove_dot_segments(std::string_view path)
{
    const bool absolute = !path.empty() && path.front() == '/';
    const auto segments = core::split(absolute ? path.substr(1) : path, '/');
    std::vector<std::string> out;
    for (size_t i = 0; i < segments.size(); ++i) {
        const bool last = i + 1 == segments.size();
        if (segments[i] == ".") {
            if (last) {
                out.emplace_back();
            }
        } else if (segments[i] == "..") {
            if (!out.empty()) {
                out.pop_back();
            }
            if (last) {
                out.emplace_back();
            }
        } else {
            out.push_back(segments[i]);
        }
    }
    std::string result = absolute ? "/" : "";
    for (size_t i = 0; i < out.size(); ++i) {
        result += (i == 0 ? "" : "/") + out[i];
    }
    return result;
}

// RFC 3986 §5.2.3: the base's directory followed by the reference's path.
std::string merge_paths(const UrlParts& base, std::string_view reference_path)
{
    if (!base.authority.empty() && base.path.empty()) {
        return "/" + std::string(reference_path);
    }
    const size_t slash = base.path.rfind('/');
    const std::string directory = slash == std::string::npos ? "" : base.path.substr(0, slash + 1);
    return directory + std::string(reference_path);
}

} // namespace

std::string resolve_uri(std::string_view base_url, std::string_view reference_text)
{
    const auto reference = split_url(without_fragment(core::trim(reference_text)));
    if (!reference.scheme.empty()) {
        return reference.scheme + reference.authority + remove_dot_segments(reference.path) + reference.query;
    }
    const auto base = split_url(without_fragment(base_url));
    if (!reference.authority.empty()) {
        return base.scheme + reference.authority + remove_dot_segments(reference.path) + reference.query;
    }
    if (reference.path.empty()) {
        return base.scheme + base.authority + base.path + (reference.query.empty() ? base.query : reference.query);
    }
    const std::string path =
        reference.path.front() == '/' ? std::string(reference.path) : merge_paths(base, reference.path);
    return base.scheme + base.authority + remove_dot_segments(path) + reference.query;
}

bool is_http_url(std::string_view url)
{
    const auto parsed = net::parse_url(url);
    return parsed && (parsed.value().scheme == "http" || parsed.value().scheme == "https");
}

} // namespace mtxrelay::hls
