#pragma once

#include "restream/destination_set.hpp"
#include "restream/fanout.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace mtxrelay::restream {

// The stream-status `status` for a fan-out: "error" when there are destinations and every one
// is in error, else "active" (per-destination states carry the detail).
std::string overall_status(const std::vector<DestinationStatus>& destinations);

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
