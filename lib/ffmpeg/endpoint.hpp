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

// How long a reader of a live input waits, in seconds: for any data (-rw_timeout: longer than a
// publisher's pause on a forward timestamp jump, as -re style pacing sends nothing for the
// jump's length) and for its tracks (-analyzeduration: an RTMP server hands a new reader its
// video from the next keyframe, up to 7 s away on glasses; the default 5 s analysis could end
// without the video track, and fail the same way at every restart). The analysis stops as
// soon as both tracks are seen; only an input without audio waits all of it.
inline constexpr int k_live_read_wait_seconds = 10;

// The options, placed before -i, with which the probe and ffmpeg read a live input.
std::vector<std::string> live_read_options();

// The ffmpeg format name for writing to an endpoint ("flv" for RTMP, "mpegts" for SRT).
std::string output_format(const Endpoint& endpoint);

} // namespace mtxrelay::ffmpeg
