#include "devcloud/validate.hpp"

#include "core/json.hpp"
#include "core/strings.hpp"
#include "net/address.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace mtxrelay::devcloud {

using nlohmann::json;

namespace {

std::string string_field(const json& body, const char* name)
{
    return body.contains(name) && body[name].is_string() ? body[name].get<std::string>() : std::string();
}

bool is_loopback(const std::string& ip)
{
    const auto address = net::parse_address(ip);
    return address && net::classify(*address) == net::AddressClass::loopback;
}

std::vector<std::string> presented_keys(const json& body)
{
    std::vector<std::string> keys = {string_field(body, "password"), string_field(body, "token")};
    if (const auto query = core::parse_query(string_field(body, "query"))) {
        for (const auto* name : {"key", "token", "pass", "password"}) {
            if (const auto it = query->find(name); it != query->end()) {
                keys.push_back(it->second);
            }
        }
    }
    keys.erase(std::remove(keys.begin(), keys.end(), std::string()), keys.end());
    return keys;
}

} // namespace

AuthDecision validate_publisher(const DevCloudState& state, const std::string& body_text)
{
    const auto parsed = core::parse_json(body_text);
    if (!parsed || !parsed.value().is_object()) {
        return {false, "body is not a JSON object"};
    }
    const auto& body = parsed.value();
    const auto action = string_field(body, "action");
    const auto path = string_field(body, "path");
    const auto ip = string_field(body, "ip");
    if (action == "read" || action == "playback") {
        return {true, "viewing is open"};
    }
    if (action != "publish") {
        return {is_loopback(ip), is_loopback(ip) ? "local access" : "only local access to " + action};
    }
    const auto parts = core::split(path, '/');
    if (parts.size() == 3 && parts[0] == "clean") {
        return {is_loopback(ip),
                is_loopback(ip) ? "relay's own clean publish" : "clean/ is published by the relay only"};
    }
    if (parts.size() != 3 || parts[0] != "live") {
        return {false, "publish only to live/<user>/<stream>"};
    }
    const auto stream = state.stream(parts[1], parts[2]);
    if (!stream) {
        return {false, "unknown stream"};
    }
    bool accepted = false;
    for (const auto& key : presented_keys(body)) {
        for (const auto& expected : stream->stream_keys) {
            accepted = core::constant_time_equals(key, expected) || accepted; // every key compared, always
        }
    }
    return accepted ? AuthDecision{true, "stream key accepted"} : AuthDecision{false, "missing or wrong stream key"};
}

} // namespace mtxrelay::devcloud
