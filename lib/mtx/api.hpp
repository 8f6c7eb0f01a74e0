#pragma once

#include "core/error.hpp"
#include "http/transport.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtxrelay::mtx {

// One track of a MediaMTX path (`tracks2` of GET /v3/paths/get/<name>, v1.20).
struct Track {
    std::string codec; // MediaMTX's label: "H264", "H265", "MPEG-4 Audio", "Opus", ...
    int width = 0;     // video codecs with an SPS (H264, H265, AV1); 0 when not known
    int height = 0;
    int sample_rate = 0; // audio codecs that carry it; 0 when not known
    int channels = 0;
    bool audio = false; // by codec label
};

// What MediaMTX knows about a path, as far as a hook needs it.
struct PathInfo {
    std::string name;
    bool available = false;
    std::optional<std::chrono::system_clock::time_point> available_time;
    std::string source_type; // "rtmpConn", "webRTCSession", ... empty without a source
    std::string source_id;
    std::vector<Track> tracks;

    bool has_audio() const;
    // The first video track, if any.
    const Track* video() const;
};

// Parses GET /v3/paths/get/<name>'s body. Fails naming the field that is missing or of the
// wrong type; unknown fields and codec properties are ignored.
core::Result<PathInfo> parse_path_info(std::string_view body);

// The `created` time of a connection or session (GET /v3/<kind>/get/<id>).
core::Result<std::chrono::system_clock::time_point> parse_created(std::string_view body);

// RFC 3339 as MediaMTX writes it (Go's time.RFC3339Nano): "2026-12-01T15:51:53.36096267Z",
// or with a numeric offset. nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

// The API's collection for a source type ("rtmpConn" -> "rtmpconns"); nullopt when the
// type has no per-connection endpoint (e.g. a static source).
std::optional<std::string> source_collection(std::string_view source_type);

// Reads MediaMTX's control API (v3) through the HTTP transport seam. Meant for loopback:
// every call has a short time limit and never retries (callers fall back instead).
class ApiClient {
public:
    // base_url: "http://127.0.0.1:9997" (no trailing slash).
    ApiClient(std::string base_url, http::Transport& transport,
              std::chrono::milliseconds timeout = std::chrono::milliseconds(500));

    // GET /v3/paths/get/<name>; a 404 is a Failure of kind not_found.
    core::Result<PathInfo> path(const std::string& name);
    // When the path's publisher connected (its source's `created`).
    core::Result<std::chrono::system_clock::time_point> source_created(const PathInfo& path);

    const std::string& base_url() const { return m_base; }

private:
    core::Result<std::string> get(const std::string& api_path);

    std::string m_base;
    http::Transport& m_transport;
    std::chrono::milliseconds m_timeout;
};

// Turns an operator's setting ("127.0.0.1:9997", "http://host:9997/") into a base URL;
// nullopt for "off"/"no"/"0"/"false"; throws UsageError naming `what` when malformed.
std::optional<std::string> api_base_url(const std::string& setting, const std::string& what);

} // namespace mtxrelay::mtx
