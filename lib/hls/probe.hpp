#pragma once

#include "hls/playlist.hpp"
#include "http/retry.hpp"
#include "http/transport.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mtxrelay::hls {

struct ProbeSettings {
    int min_segments = 2;                             // full media segments that must be listed and answer
    std::chrono::milliseconds request_timeout{10000}; // cap for one GET (a server may hold a playlist request)
    size_t segment_probe_bytes = 64 * 1024;           // segments are read with a Range GET of their first bytes
    std::function<bool()> cancelled;                  // true aborts the probe (stop signal)
};

// The result of one look at a stream: playable, or what stands in the way right now.
struct Probe {
    bool playable = false;
    bool cancelled = false;
    bool out_of_time = false; // the deadline came before the look was complete
    std::string media_url;    // the media playlist that was read (after multivariant -> variant)
    size_t segments = 0;      // full segments it lists
    std::string detail;       // "media playlist ... lists 1 of 2 segments", "segment ... answered HTTP 404"...
};

enum class WaitOutcome { playable, timed_out, interrupted };

struct WaitResult {
    WaitOutcome outcome = WaitOutcome::timed_out;
    Probe last;
    int polls = 0;
    std::chrono::milliseconds waited{0};
};

// Decides whether an HLS stream is really playable, through the http::Transport seam: GETs the
// playlist (cookies kept across redirects, for MediaMTX's 302 cookie check), follows a
// multivariant playlist to its first variant, then needs at least min_segments full segments
// listed, the last min_segments of them (and their #EXT-X-MAP init segment) answering 200/206.
class PlayabilityProbe {
public:
    // `clock` supplies now() and an interruptible sleep() (tests pass a fake clock).
    PlayabilityProbe(http::Transport& transport, ProbeSettings settings, http::RetryHooks clock);

    // One look; no request runs past `deadline`.
    Probe once(const std::string& playlist_url, std::chrono::steady_clock::time_point deadline);

    // Looks every `interval` until playable, `timeout` passed, or cancelled. `on_probe` sees
    // each result that was not playable (for progress logs).
    WaitResult wait(const std::string& playlist_url, std::chrono::milliseconds timeout,
                    std::chrono::milliseconds interval, const std::function<void(const Probe&)>& on_probe = {});

private:
    struct Fetch {
        std::optional<http::Response> response;
        bool cancelled = false;
        bool out_of_time = false;
        std::string problem; // set when there is no usable 2xx response
    };
    Fetch get(const std::string& url, std::chrono::steady_clock::time_point deadline, bool segment);
    bool check_segments(const std::vector<Segment>& segments, Probe& probe,
                        std::chrono::steady_clock::time_point deadline);

    http::Transport& m_transport;
    ProbeSettings m_settings;
    http::RetryHooks m_clock;
};

} // namespace mtxrelay::hls
