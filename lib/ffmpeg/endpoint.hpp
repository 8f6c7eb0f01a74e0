#pragma once

#include <string>
#include <vector>

namespace mtxrelay::ffmpeg {

// Where ffmpeg reads or writes, and the protocol options that go with it.
struct Endpoint {
    std::string url;                  // a URL or a file path
    std::vector<std::string> options; // e.g. -rtmp_app live -rtmp_playpath u/s, placed before the URL
    bool network = false;             // a live network stream (timeouts apply), not a file
};

// The relay's own RTMP server path (MediaMTX, or nginx-rtmp in tests): "live/u/s" is passed as
// -rtmp_app live -rtmp_playpath u/s so servers that split app and stream at the first '/' agree.
Endpoint local_rtmp(const std::string& host, int port, const std::string& path);

// Any URL or file as given by an operator or the cloud; network when it has a scheme.
Endpoint from_url(const std::string& url);

// The ffmpeg format name for writing to an endpoint ("flv" for RTMP, "mpegts" for SRT).
std::string output_format(const Endpoint& endpoint);

} // namespace mtxrelay::ffmpeg
