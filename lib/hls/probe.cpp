#include "hls/probe.hpp"

#include "hls/playlist.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mtxrelay::hls {

using namespace std::chrono;

PlayabilityProbe::PlayabilityProbe(http::Transport& transport, ProbeSettings settings, http::RetryHooks clock)
    : m_transport(transport), m_settings(std::move(settings)), m_clock(std::move(clock))
{
}

PlayabilityProbe::Fetch PlayabilityProbe::get(const std::string& url, steady_clock::time_point deadline, bool segment)
{
    const auto left = duration_cast<milliseconds>(deadline - m_clock.now());
    if (left.count() <= 0) {
        return {std::nullopt, false, true, fmt::format("no time left to GET {}", url)};
    }
    http::Request request;
    request.url = url;
    request.cookies = true; // MediaMTX answers the first GET with a 302 that sets a cookie
    request.max_redirects = 5;
    request.total_timeout = std::min(m_settings.request_timeout, left);
    request.connect_timeout = std::min(milliseconds(3000), request.total_timeout);
    request.cancelled = m_settings.cancelled;
    if (segment) {
        // Only the first bytes: enough to know it is served. A server that ignores Range
        // sends the whole segment, hence the larger cap.
        request.headers["Range"] = fmt::format("bytes=0-{}", m_settings.segment_probe_bytes - 1);
        request.max_body_bytes = 64 * 1024 * 1024;
    }
    auto outcome = m_transport.perform(request);
    if (!outcome.response) {
        const bool cancelled =
            outcome.error == http::TransportError::cancelled || (m_settings.cancelled && m_settings.cancelled());
        return {std::nullopt, cancelled, false, fmt::format("GET {}: {}", url, http::describe(outcome))};
    }
    const long status = outcome.response->status;
    if (status != 200 && status != 206) {
        return {std::nullopt, false, false, fmt::format("GET {} answered HTTP {}", url, status)};
    }
    if (segment && outcome.response->body.empty()) {
        return {std::nullopt, false, false, fmt::format("GET {} answered HTTP {} with an empty body", url, status)};
    }
    return {std::move(outcome.response), false, false, {}};
}

bool PlayabilityProbe::check_segments(const std::vector<Segment>& segments, Probe& probe,
                                      steady_clock::time_point deadline)
{
    const auto count = static_cast<size_t>(m_settings.min_segments);
    std::vector<std::string> urls;
    for (auto it = segments.end() - static_cast<std::ptrdiff_t>(count); it != segments.end(); ++it) {
        if (it->init_uri && std::find(urls.begin(), urls.end(), *it->init_uri) == urls.end()) {
            urls.push_back(*it->init_uri);
        }
    }
    for (auto it = segments.end() - static_cast<std::ptrdiff_t>(count); it != segments.end(); ++it) {
        urls.push_back(it->uri);
    }
    for (const auto& url : urls) {
        auto fetch = get(url, deadline, true);
        if (!fetch.response) {
            probe.cancelled = fetch.cancelled;
            probe.out_of_time = fetch.out_of_time;
            probe.detail = fmt::format("segment not served yet: {}", fetch.problem);
            return false;
        }
    }
    return true;
}

Probe PlayabilityProbe::once(const std::string& playlist_url, steady_clock::time_point deadline)
{
    Probe probe;
    std::string url = playlist_url;
    for (int level = 0; level < 2; ++level) {
        auto fetch = get(url, deadline, false);
        if (!fetch.response) {
            probe.cancelled = fetch.cancelled;
            probe.out_of_time = fetch.out_of_time;
            probe.detail = fetch.problem;
            return probe;
        }
        const auto base = fetch.response->effective_url.empty() ? url : fetch.response->effective_url;
        auto parsed = parse_playlist(fetch.response->body, base);
        if (!parsed) {
            probe.detail = fmt::format("{}: {}", url, parsed.error().message);
            return probe;
        }
        const auto& playlist = parsed.value();
        if (playlist.kind == PlaylistKind::multivariant) {
            if (level > 0) {
                probe.detail = fmt::format("{}: a variant of a multivariant playlist is itself multivariant", url);
                return probe;
            }
            url = playlist.variants.front();
            continue;
        }
        probe.media_url = url;
        probe.segments = playlist.segments.size();
        if (probe.segments < static_cast<size_t>(m_settings.min_segments)) {
            probe.detail =
                fmt::format("media playlist {} lists {} of {} segments{}", url, probe.segments, m_settings.min_segments,
                            playlist.parts > 0 ? fmt::format(" ({} LL-HLS parts)", playlist.parts) : "");
            return probe;
        }
        probe.playable = check_segments(playlist.segments, probe, deadline);
        if (probe.playable) {
            probe.detail = fmt::format("media playlist {} lists {} segments, the last {} answer", url, probe.segments,
                                       m_settings.min_segments);
        }
        return probe;
    }
    return probe;
}

WaitResult PlayabilityProbe::wait(const std::string& playlist_url, milliseconds timeout, milliseconds interval,
                                  const std::function<void(const Probe&)>& on_probe)
{
    const auto start = m_clock.now();
    const auto deadline = start + timeout;
    WaitResult result;
    while (true) {
        if (m_settings.cancelled && m_settings.cancelled()) {
            result.outcome = WaitOutcome::interrupted;
            break;
        }
        if (result.polls > 0 && duration_cast<milliseconds>(deadline - m_clock.now()).count() <= 0) {
            result.outcome = WaitOutcome::timed_out;
            break;
        }
        auto probe = once(playlist_url, deadline);
        ++result.polls;
        if (probe.out_of_time && result.polls > 1) {
            // A look cut short says nothing new: keep the last complete one for the report.
            result.outcome = WaitOutcome::timed_out;
            break;
        }
        result.last = std::move(probe);
        if (result.last.playable) {
            result.outcome = WaitOutcome::playable;
            break;
        }
        if (result.last.cancelled) {
            result.outcome = WaitOutcome::interrupted;
            break;
        }
        if (on_probe) {
            on_probe(result.last);
        }
        const auto left = duration_cast<milliseconds>(deadline - m_clock.now());
        if (left.count() <= 0) {
            result.outcome = WaitOutcome::timed_out;
            break;
        }
        if (!m_clock.sleep(std::min(interval, left))) {
            result.outcome = WaitOutcome::interrupted;
            break;
        }
    }
    result.waited = duration_cast<milliseconds>(m_clock.now() - start);
    return result;
}

} // namespace mtxrelay::hls
