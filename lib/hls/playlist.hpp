#pragma once

#include "core/error.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtxrelay::hls {

enum class PlaylistKind { multivariant, media };

// One full media segment (#EXTINF + URI). LL-HLS parts are not segments, nor are segments
// marked #EXT-X-GAP (MediaMTX pads a new LL-HLS playlist with them: they hold no media).
struct Segment {
    std::string uri;                     // resolved against the playlist URL
    double duration = 0;                 // seconds, from #EXTINF
    std::optional<std::string> init_uri; // the #EXT-X-MAP in force for it (fMP4), resolved
};

// What a playlist says, as far as "is this stream playable" needs to know.
struct Playlist {
    PlaylistKind kind = PlaylistKind::media;
    std::vector<std::string> variants; // multivariant: #EXT-X-STREAM-INF URIs in order, resolved
    std::vector<Segment> segments;     // media: full segments in order, resolved
    size_t parts = 0;                  // media: LL-HLS #EXT-X-PART lines seen (not counted as segments)
    size_t gaps = 0;                   // media: #EXT-X-GAP segments seen (not counted as segments)
    bool ended = false;                // #EXT-X-ENDLIST
};

// Parses a playlist fetched from `url` (relative URIs are resolved against it). Accepts LF,
// CRLF or CR line ends, blank lines and comments; ignores tags it does not need. A body that
// does not start with #EXTM3U (an HTML error page answered with 200, binary data) or a
// multivariant playlist without a variant gives a Failure saying what was found instead.
core::Result<Playlist> parse_playlist(std::string_view body, std::string_view url);

// Parses an attribute list (`A=1,URI="x,y",B=z`) into name -> value, quotes removed.
std::map<std::string, std::string> parse_attributes(std::string_view list);

} // namespace mtxrelay::hls
