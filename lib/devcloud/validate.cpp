#include "devcloud/validate.hpp"

#include "core/json.hpp"
#include "core/strings.hpp"
#include "net/address.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string_view>

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

// Percent-decoding that keeps a malformed escape as it is: a query is the publisher's text.
std::string lenient_decode(std::string_view text)
{
    auto decoded = core::url_decode(text);
    return decoded ? *decoded : std::string(text);
}

// The values of key/token/pass/password in the query, each pair decoded on its own so one
// malformed pair ("x=%", "%zz") does not hide the others.
std::vector<std::string> query_keys(std::string_view query)
{
    if (!query.empty() && query.front() == '?') {
        query.remove_prefix(1);
    }
    std::vector<std::string> keys;
    for (const auto& pair : core::split(query, '&')) {
        const size_t eq = pair.find('=');
        if (eq == std::string::npos) {
            continue;
        }
        const auto name = lenient_decode(std::string_view(pair).substr(0, eq));
        if (name == "key" || name == "token" || name == "pass" || name == "password") {
            keys.push_back(lenient_decode(std::string_view(pair).substr(eq + 1)));
        }
    }
    return keys;
}

std::vector<std::string> presented_keys(const json& body)
{
    std::vector<std::string> keys = query_keys(string_field(body, "query"));
    keys.push_back(string_field(body, "password"));
    keys.push_back(string_field(body, "token"));
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
    if (string_field(body, "query").size() > k_max_query_bytes) {
        return {false, "query longer than " + std::to_string(k_max_query_bytes) +
                           " bytes (MediaMTX passes it to every hook's environment)"};
    }
    bool accepted = false;
    for (const auto& key : presented_keys(body)) {
        for (const auto& expected : stream->stream_keys) {
            accepted = core::constant_time_equals(key, expected) || accepted; // every key compared, always
        }
    }
    return accepted ? AuthDecision{true, "stream key accepted"} : AuthDecision{false, "missing or wrong stream key"};
}

json validate_record(const std::string& body_text, const AuthDecision& decision)
{
    const auto body = core::parse_json(body_text);
    json record = {{"allowed", decision.allowed}, {"reason", decision.reason}};
    if (body && body.value().is_object()) {
        for (const auto* name : {"action", "path", "ip", "protocol"}) {
            record[name] = string_field(body.value(), name);
        }
    }
    return record;
}

} // namespace mtxrelay::devcloud
