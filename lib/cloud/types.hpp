#pragma once

#include "core/error.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtxrelay::cloud {

// GET /api/relay/cf-url/{userId}/{streamId}
struct CfUrl {
    std::string url;
    nlohmann::json raw; // the whole answer, for relay-cf-url --json
};

struct Destination {
    std::string url;
    std::string name; // optional in the cloud's answer; empty when absent
};

// One entry of the destinations list: parsed, or the reason it cannot be used. A bad entry
// never spoils the good ones.
struct DestinationEntry {
    size_t index = 0;
    std::optional<Destination> destination;
    std::string problem;
};

// GET /api/rtmp-relay/restream-destinations/{userId}/{streamId}
struct Destinations {
    std::vector<DestinationEntry> entries;
};

// POST /api/rtmp-relay/hls-ready
struct HlsReady {
    std::string user_id;
    std::string stream_id;
    std::string hls_url;
    std::optional<std::string> dash_url;
    std::optional<std::string> webrtc_url;
    // Sent as the Idempotency-Key header (not in the body): one value per stream run, the same
    // on every retry, so a cloud that got a request but whose answer was lost counts it once.
    std::string idempotency_key;
};

// POST /api/rtmp-relay/stream-status: status is active|error|stopped; details carries the
// optional figures (bitrate, fps, restarts, destinations...) merged into the body.
struct StreamStatus {
    std::string user_id;
    std::string stream_id;
    std::string status;
    nlohmann::json details = nlohmann::json::object();
};

// A supervised ffmpeg (a relay-restream destination's copy, relay-clean's encoder) as the
// stream-status details and the relay-status documents name it (docs/cloud-api.md): starting
// (also while waiting to retry), streaming, error (failed k times in a row), stopping, ready
// (stopped), waiting (not at fault: what it reads, the clean source or the input, is gone).
enum class RunStatus { starting, streaming, error, stopping, ready, waiting };
// The word sent and written for a status: the one place these words are spelled.
const char* status_word(RunStatus status);
// Every RunStatus, in the order relay-status lists them.
inline constexpr RunStatus k_run_statuses[] = {RunStatus::starting, RunStatus::streaming, RunStatus::error,
                                               RunStatus::waiting,  RunStatus::stopping,  RunStatus::ready};
// The state of a listed destination relay-restream refused to copy to (bad URL, policy, dns).
inline constexpr const char* k_refused_word = "refused";

// Parsers: a malformed body, a wrong type or a missing field gives a Failure naming the field.
core::Result<CfUrl> parse_cf_url(std::string_view body);
core::Result<Destinations> parse_destinations(std::string_view body);
// Parses a destinations document from a file or the cloud (same shape).
core::Result<Destinations> parse_destinations_json(const nlohmann::json& document);

nlohmann::json to_json(const HlsReady& event);
nlohmann::json to_json(const StreamStatus& status);

} // namespace mtxrelay::cloud
