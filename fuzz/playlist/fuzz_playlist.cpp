// The HLS playlist parser and URI resolution on any body a server could answer.
#include "hls/playlist.hpp"
#include "hls/uri.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace mtxrelay;
    const std::string body(reinterpret_cast<const char*>(data), size);
    const auto parsed = hls::parse_playlist(body, "http://127.0.0.1:8888/clean/alice/s1/index.m3u8");
    if (parsed) {
        const auto& playlist = parsed.value();
        if (playlist.kind == hls::PlaylistKind::multivariant && playlist.variants.empty()) {
            std::abort(); // documented: a multivariant playlist without a variant is a Failure
        }
        for (const auto& segment : playlist.segments) {
            (void)segment.uri.size();
        }
    }
    (void)hls::parse_attributes(body);
    const size_t cut = body.find('\n');
    if (cut != std::string::npos) {
        (void)hls::resolve_uri(body.substr(0, cut), body.substr(cut + 1));
    }
    (void)hls::is_http_url(body);
    return 0;
}
