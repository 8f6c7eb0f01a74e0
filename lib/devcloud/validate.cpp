#include "devcloud/validate.hpp"

#include "core/strings.hpp"

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
    return ip.rfind("127.", 0) == 0 || ip == "::1" || ip.rfind("::ffff:127.", 0) == 0;
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
    const json body = json::parse(body_text, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        return {false, "body is not a JSON object"};
    }
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
    for (const auto& key : presented_keys(body)) {
        if (std::find(stream->stream_keys.begin(), stream->stream_keys.end(), key) != stream->stream_keys.end()) {
            return {true, "stream key accepted"};
        }
    }
    return {false, "missing or wrong stream key"};
}

json validate_record(const std::string& body_text, const AuthDecision& decision)
{
    const json body = json::parse(body_text, nullptr, false);
    json record = {{"allowed", decision.allowed}, {"reason", decision.reason}};
    if (body.is_object()) {
        for (const auto* name : {"action", "path", "ip", "protocol"}) {
            record[name] = string_field(body, name);
        }
    }
    return record;
}

} // namespace mtxrelay::devcloud
