#pragma once

#include "cloud/settings.hpp"
#include "http/retry.hpp"
#include "http/transport.hpp"
#include "net/resolve.hpp"
#include "restream/destination_set.hpp"
#include "restream/poller.hpp"

#include <functional>
#include <optional>
#include <string>

namespace mtxrelay::restream {

// Where the destination lists come from: the cf-url lookup (optional), and either the cloud's
// restream-destinations or a file of the same JSON shape (re-read at every poll).
struct ListSources {
    std::optional<cloud::CloudSettings> cloud;
    std::string user_id;
    std::string stream_id;
    bool cf_url = false;
    std::optional<std::string> destinations_file;
    net::DestinationPolicy policy; // which host names are worth resolving
};

// One poll: a 404 means "none" (no Cloudflare destination, no re-stream destinations); any
// other failure marks that part failed with the reason, so the caller keeps its previous list.
// The host names of the URLs that pass the policy's static half are then resolved (on the
// caller's thread: the poller's, never the loop that drains ffmpeg's pipes).
PollResult fetch_lists(const ListSources& sources, http::Transport& transport, const http::RetryHooks& hooks,
                       const net::Resolver& resolve, const std::function<bool()>& cancelled = {});

// Retry hooks whose waits end early when `cancelled` turns true (the poller stopping).
http::RetryHooks cancellable_hooks(std::function<bool()> cancelled);

// The lists as last read successfully, merged with each poll: a part that failed keeps its
// previous value (a failed poll never tears destinations down), and so does a host name whose
// lookup failed this time. Logs problems and refusals once per change, not at every poll.
class ListState {
public:
    // Merges a poll, validates the result and registers the destinations' secrets for masking.
    DestinationSet absorb(PollResult result, const net::DestinationPolicy& policy);
    const std::vector<RefusedDestination>& refused() const { return m_refused; }

private:
    std::optional<std::string> m_cf_url;
    std::vector<cloud::DestinationEntry> m_entries;
    Resolutions m_resolved;
    std::vector<RefusedDestination> m_refused;
    std::string m_refused_text;
    std::string m_problems_text;
    std::string m_kept_text;
};

// Reads a destinations file ({"destinations":[...]}, at most 1 MiB, a regular file).
core::Result<cloud::Destinations> read_destinations_file(const std::string& path);

} // namespace mtxrelay::restream
