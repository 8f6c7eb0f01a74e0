#include "devcloud/state.hpp"

#include <fmt/format.h>

#include <chrono>

namespace mtxrelay::devcloud {

using core::ErrorKind;
using core::Failure;
using nlohmann::json;

namespace {

constexpr size_t k_max_records = 10000;

} // namespace

int64_t unix_millis()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

core::Result<FaultResponse> parse_fault(const json& item)
{
    if (!item.is_object()) {
        return Failure{ErrorKind::invalid, "each response must be an object"};
    }
    FaultResponse fault;
    if (item.contains("status")) {
        if (!item["status"].is_number_integer() || item["status"] < 100 || item["status"] > 599) {
            return Failure{ErrorKind::invalid, "'status' must be an HTTP status code"};
        }
        fault.status = item["status"].get<int>();
    }
    if (item.contains("headers")) {
        if (!item["headers"].is_object()) {
            return Failure{ErrorKind::invalid, "'headers' must be an object of strings"};
        }
        for (const auto& [name, value] : item["headers"].items()) {
            if (!value.is_string()) {
                return Failure{ErrorKind::invalid, fmt::format("headers.{} must be a string", name)};
            }
            fault.headers[name] = value.get<std::string>();
        }
    }
    if (item.contains("body")) {
        if (!item["body"].is_string()) {
            return Failure{ErrorKind::invalid, "'body' must be a string"};
        }
        fault.body = item["body"].get<std::string>();
    }
    if (item.contains("hang_ms")) {
        if (!item["hang_ms"].is_number_integer() || item["hang_ms"] < 0 || item["hang_ms"] > 600000) {
            return Failure{ErrorKind::invalid, "'hang_ms' must be 0-600000"};
        }
        fault.hang_ms = item["hang_ms"].get<int>();
    }
    if (item.contains("then_handle")) {
        if (!item["then_handle"].is_boolean()) {
            return Failure{ErrorKind::invalid, "'then_handle' must be true or false"};
        }
        fault.then_handle = item["then_handle"].get<bool>();
    }
    if (item.contains("body_bytes")) {
        if (!item["body_bytes"].is_number_unsigned() || item["body_bytes"] > 64 * 1024 * 1024) {
            return Failure{ErrorKind::invalid, "'body_bytes' must be 0-67108864"};
        }
        fault.body_bytes = item["body_bytes"].get<size_t>();
    }
    return fault;
}

DevCloudState::DevCloudState(DevCloudConfig config) : m_config(std::move(config)) {}

std::string DevCloudState::token() const
{
    std::lock_guard lock(m_mutex);
    return m_config.token;
}

std::string DevCloudState::admin_token() const
{
    std::lock_guard lock(m_mutex);
    return m_config.admin_token;
}

std::optional<StreamConfig> DevCloudState::stream(const std::string& user_id, const std::string& stream_id) const
{
    std::lock_guard lock(m_mutex);
    const auto it = m_config.streams.find(user_id + "/" + stream_id);
    if (it == m_config.streams.end()) {
        return std::nullopt;
    }
    return it->second;
}

void DevCloudState::set_destinations(const std::string& user_id, const std::string& stream_id, const json& list)
{
    std::lock_guard lock(m_mutex);
    m_config.streams[user_id + "/" + stream_id].destinations = list;
}

void DevCloudState::add_faults(const std::string& path_prefix, std::vector<FaultResponse> responses)
{
    std::lock_guard lock(m_mutex);
    m_faults.emplace_back(path_prefix, std::deque<FaultResponse>(responses.begin(), responses.end()));
}

std::optional<FaultResponse> DevCloudState::take_fault(const std::string& path)
{
    std::lock_guard lock(m_mutex);
    for (auto& [prefix, queue] : m_faults) {
        if (!queue.empty() && path.rfind(prefix, 0) == 0) {
            auto fault = queue.front();
            queue.pop_front();
            return fault;
        }
    }
    return std::nullopt;
}

bool DevCloudState::record_event(const std::string& type, const json& body, const std::string& idempotency_key)
{
    std::lock_guard lock(m_mutex);
    const auto key = type + " " + idempotency_key;
    if (!idempotency_key.empty()) {
        if (const auto it = m_event_by_key.find(key); it != m_event_by_key.end()) {
            auto& event = m_events[it->second];
            event["duplicates"] = event.value("duplicates", 0) + 1;
            return false;
        }
    }
    if (m_events.size() >= k_max_records) {
        return true;
    }
    json event = {{"type", type}, {"received_at_ms", unix_millis()}, {"body", body}};
    if (!idempotency_key.empty()) {
        event["idempotencyKey"] = idempotency_key;
        event["duplicates"] = 0;
        m_event_by_key[key] = m_events.size();
    }
    m_events.push_back(std::move(event));
    return true;
}

json DevCloudState::events(const std::string& type_filter) const
{
    std::lock_guard lock(m_mutex);
    json list = json::array();
    for (const auto& event : m_events) {
        if (type_filter.empty() || event["type"] == type_filter) {
            list.push_back(event);
        }
    }
    return {{"events", list}};
}

void DevCloudState::record_request(const std::string& method, const std::string& path, int status)
{
    std::lock_guard lock(m_mutex);
    if (m_requests.size() < k_max_records) {
        m_requests.push_back(
            {{"method", method}, {"path", path}, {"status", status}, {"received_at_ms", unix_millis()}});
    }
}

json DevCloudState::requests() const
{
    std::lock_guard lock(m_mutex);
    return {{"requests", m_requests}};
}

void DevCloudState::clear_records()
{
    std::lock_guard lock(m_mutex);
    m_events.clear();
    m_event_by_key.clear();
    m_requests.clear();
}

} // namespace mtxrelay::devcloud
