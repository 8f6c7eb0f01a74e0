#include "hls/playlist.hpp"

#include "core/strings.hpp"
#include "hls/uri.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace mtxrelay::hls {

using core::ErrorKind;
using core::Failure;

namespace {

constexpr std::string_view k_bom = "\xEF\xBB\xBF";

std::vector<std::string_view> lines_of(std::string_view body)
{
    std::vector<std::string_view> lines;
    size_t start = 0;
    while (start < body.size()) {
        const size_t end = body.find_first_of("\r\n", start);
        const auto line = core::trim(body.substr(start, end == std::string_view::npos ? end : end - start));
        if (!line.empty()) {
            lines.push_back(line);
        }
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
    return lines;
}

// "#TAG:value" -> value when the line is that tag, nullopt otherwise.
std::optional<std::string_view> tag_value(std::string_view line, std::string_view tag)
{
    if (line.substr(0, tag.size()) != tag) {
        return std::nullopt;
    }
    const auto rest = line.substr(tag.size());
    if (rest.empty()) {
        return rest;
    }
    if (rest.front() != ':') {
        return std::nullopt; // a longer tag sharing the prefix, e.g. #EXT-X-PART-INF
    }
    return rest.substr(1);
}

// A printable hint of what a non-playlist body starts with.
std::string describe_start(std::string_view body)
{
    std::string out;
    for (const char c : body.substr(0, 40)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u >= 0x7f) ? '.' : c;
    }
    return out;
}

double extinf_duration(std::string_view value)
{
    const std::string number(value.substr(0, value.find(',')));
    return std::strtod(number.c_str(), nullptr);
}

} // namespace

std::map<std::string, std::string> parse_attributes(std::string_view list)
{
    std::map<std::string, std::string> attributes;
    size_t i = 0;
    while (i < list.size()) {
        const size_t eq = list.find('=', i);
        if (eq == std::string_view::npos) {
            break;
        }
        const std::string name(core::trim(list.substr(i, eq - i)));
        size_t end = eq + 1;
        std::string value;
        if (end < list.size() && list[end] == '"') {
            const size_t close = list.find('"', end + 1);
            value = std::string(list.substr(end + 1, close == std::string_view::npos ? close : close - end - 1));
            end = close == std::string_view::npos ? list.size() : close + 1;
        } else {
            const size_t comma = list.find(',', end);
            value = std::string(core::trim(list.substr(end, comma == std::string_view::npos ? comma : comma - end)));
            end = comma == std::string_view::npos ? list.size() : comma;
        }
        attributes[name] = value;
        const size_t comma = list.find(',', end);
        i = comma == std::string_view::npos ? list.size() : comma + 1;
    }
    return attributes;
}

core::Result<Playlist> parse_playlist(std::string_view body, std::string_view url)
{
    if (body.substr(0, k_bom.size()) == k_bom) {
        body.remove_prefix(k_bom.size());
    }
    const auto lines = lines_of(body);
    if (lines.empty() || lines.front() != "#EXTM3U" || body.find('\0') != std::string_view::npos) {
        return Failure{ErrorKind::bad_response,
                       body.empty() ? std::string("empty body, not a playlist")
                                    : fmt::format("not an HLS playlist (no #EXTM3U; starts with \"{}\")",
                                                  describe_start(core::trim(body)))};
    }
    Playlist playlist;
    bool stream_inf_pending = false;
    // A duration plus a flag rather than optional<double>: GCC 12 warns falsely on the latter.
    bool extinf_pending = false;
    bool gap_pending = false;
    double extinf_duration_s = 0;
    std::optional<std::string> init_uri;
    for (size_t i = 1; i < lines.size(); ++i) {
        const auto line = lines[i];
        if (line.front() != '#') {
            if (stream_inf_pending) {
                playlist.variants.push_back(resolve_uri(url, line));
            } else if (extinf_pending && gap_pending) {
                ++playlist.gaps;
            } else if (extinf_pending) {
                playlist.segments.push_back({resolve_uri(url, line), extinf_duration_s, init_uri});
            }
            stream_inf_pending = false;
            extinf_pending = false;
            gap_pending = false;
        } else if (tag_value(line, "#EXT-X-STREAM-INF")) {
            playlist.kind = PlaylistKind::multivariant;
            stream_inf_pending = true;
        } else if (const auto value = tag_value(line, "#EXTINF")) {
            extinf_pending = true;
            extinf_duration_s = extinf_duration(*value);
        } else if (const auto map = tag_value(line, "#EXT-X-MAP")) {
            const auto attributes = parse_attributes(*map);
            const auto it = attributes.find("URI");
            if (it != attributes.end() && !it->second.empty()) {
                init_uri = resolve_uri(url, it->second);
            }
        } else if (tag_value(line, "#EXT-X-GAP")) {
            gap_pending = true;
        } else if (tag_value(line, "#EXT-X-PART")) {
            ++playlist.parts;
        } else if (tag_value(line, "#EXT-X-ENDLIST")) {
            playlist.ended = true;
        }
    }
    if (playlist.kind == PlaylistKind::multivariant) {
        playlist.segments.clear();
        if (playlist.variants.empty()) {
            return Failure{ErrorKind::bad_response, "multivariant playlist lists no variant URI"};
        }
    }
    return playlist;
}

} // namespace mtxrelay::hls
