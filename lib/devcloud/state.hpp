#pragma once

#include "devcloud/config.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mtxrelay::devcloud {

// A canned answer queued by the admin API to simulate a failing cloud.
struct FaultResponse {
    int status = 200;
    std::map<std::string, std::string> headers;
    std::optional<std::string> body;
    int hang_ms = 0;          // accept the request and answer nothing for this long
    size_t body_bytes = 0;    // answer with a body of this size
    bool then_handle = false; // after hang_ms, handle the request normally (a slow cloud that still acts)
};

core::Result<FaultResponse> parse_fault(const nlohmann::json& item);

// Everything relay-devcloud knows and records; safe to use from the server's threads.
class DevCloudState {
public:
    explicit DevCloudState(DevCloudConfig config);

    std::string token() const;
    std::string admin_token() const;
    std::optional<StreamConfig> stream(const std::string& user_id, const std::string& stream_id) const;
    void set_destinations(const std::string& user_id, const std::string& stream_id, const nlohmann::json& list);

    void add_faults(const std::string& path_prefix, std::vector<FaultResponse> responses);
    std::optional<FaultResponse> take_fault(const std::string& path);

    // Records an event; with an idempotency key, only the first request carrying that key is
    // recorded (later ones count as `duplicates` on it). False for a duplicate.
    bool record_event(const std::string& type, const nlohmann::json& body, const std::string& idempotency_key = {});
    nlohmann::json events(const std::string& type_filter) const;
    void record_request(const std::string& method, const std::string& path, int status);
    nlohmann::json requests() const;
    void clear_records();

private:
    mutable std::mutex m_mutex;
    DevCloudConfig m_config;
    std::vector<std::pair<std::string, std::deque<FaultResponse>>> m_faults;
    std::vector<nlohmann::json> m_events;
    std::map<std::string, size_t> m_event_by_key; // "<type> <Idempotency-Key>" -> index in m_events
    std::vector<nlohmann::json> m_requests;
};

int64_t unix_millis();

} // namespace mtxrelay::devcloud
