#pragma once

#include "cloud/settings.hpp"
#include "cloud/types.hpp"
#include "core/error.hpp"
#include "http/retry.hpp"
#include "http/transport.hpp"

#include <functional>
#include <random>
#include <string>

namespace mtxrelay::cloud {

struct Sent {};

// The relay's side of the cloud API (SPEC §5): typed calls with retries, bearer auth, and
// failures classified (not_found, auth, unreachable, bad_response) with the next step to take.
class CloudClient {
public:
    CloudClient(CloudSettings settings, http::Transport& transport,
                http::RetryHooks hooks = http::default_retry_hooks());

    core::Result<CfUrl> cf_url(const std::string& user_id, const std::string& stream_id);
    core::Result<Destinations> destinations(const std::string& user_id, const std::string& stream_id);
    core::Result<Sent> post_hls_ready(const HlsReady& event);
    core::Result<Sent> post_stream_status(const StreamStatus& status);

    // The request a call would send, for --dry-run (print it through redact()).
    http::Request build_request(const std::string& method, const std::string& path, const std::string& body = {},
                                const http::Headers& extra_headers = {}) const;
    // The extra headers of an hls-ready POST (its Idempotency-Key).
    static http::Headers hls_ready_headers(const HlsReady& event);
    static std::string cf_url_path(const std::string& user_id, const std::string& stream_id);
    static std::string destinations_path(const std::string& user_id, const std::string& stream_id);

    const CloudSettings& settings() const { return m_settings; }
    // Overrides the overall deadline of later calls (status posts use a short one).
    void set_deadline(std::chrono::milliseconds deadline) { m_settings.deadline = deadline; }
    // A predicate polled during transfers; true aborts the call in flight.
    void set_cancel(std::function<bool()> cancelled) { m_cancelled = std::move(cancelled); }

private:
    core::Result<http::Response> call(const std::string& method, const std::string& path, const std::string& body,
                                      const std::string& what, const http::Headers& extra_headers = {});

    CloudSettings m_settings;
    http::Transport& m_transport;
    http::RetryHooks m_hooks;
    std::mt19937_64 m_rng;
    std::function<bool()> m_cancelled;
};

} // namespace mtxrelay::cloud
