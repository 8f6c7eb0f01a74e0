#pragma once

#include "status/overview.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace mtxrelay::status {

// The human view: one block per stream (its state, MediaMTX paths, encoder, fan-out with one
// row per destination, HLS announcement), then stale documents and problems. Every string from
// a document or the cloud is masked again and stripped of control characters.
std::string render_table(const Overview& overview);

// The same as one JSON document (relay-status --json, GET /status).
nlohmann::json render_json(const Overview& overview);

// Prometheus text exposition format 0.0.4: gauges and counters labelled by path, user, stream,
// tool and destination name. No label carries a URL or a key (only names and ids).
std::string render_metrics(const Overview& overview);

} // namespace mtxrelay::status
