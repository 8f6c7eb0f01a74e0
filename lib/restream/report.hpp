#pragma once

#include "restream/destination_set.hpp"
#include "restream/fanout.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace mtxrelay::restream {

// The stream-status `status` for a fan-out: "error" when there are destinations and every one
// is in error or waits for the source, else "active" (per-destination states carry the detail).
std::string overall_status(const std::vector<DestinationStatus>& destinations);

// The stream's state as relay-restream sees it: "source_gone" when every destination waits
// for the clean source, else "active".
std::string stream_state(const std::vector<DestinationStatus>& destinations);

// The destinations of the runtime state document (relay-status): every running destination with
// its state, reason class, masked last error, since, retries, bytes and frames out and key
// fingerprint, then every refused entry (state "refused", reason dns|policy|invalid|duplicate).
// URLs and errors are masked; the document stays on the relay (mode 0600 in a 0700 directory).
nlohmann::json state_document(const std::vector<DestinationStatus>& destinations,
                              const std::vector<RefusedDestination>& refused);

// The status-post details: {"destinations":[{id,name,url,state,lastError,retries,...}],
// "refused":[{destination,reason}], counts}. URLs are masked already; the cloud client masks
// the whole payload again before sending. What the cloud learns is limited on purpose: a
// failure's class in fixed words (never ffmpeg's connect error) and a refusal's public reason
// (never how a name resolved), so a destination list cannot be used to probe the relay's
// network (docs/security.md).
nlohmann::json status_details(const std::vector<DestinationStatus>& destinations,
                              const std::vector<RefusedDestination>& refused);

// One line for the operator: "3 destination(s): 2 streaming, 1 error | dest 1 YouTube streaming
// pid 4242 2510 kbit/s; dest 2 ... error (3 failures: ...)".
std::string status_line(const std::vector<DestinationStatus>& destinations);

} // namespace mtxrelay::restream
