#include "devcloud/config.hpp"

#include "core/file.hpp"
#include "core/json.hpp"
#include "mtx/hook_context.hpp"

#include <fmt/format.h>

namespace mtxrelay::devcloud {

using core::ErrorKind;
using core::Failure;
using nlohmann::json;

namespace {

constexpr size_t k_max_config_bytes = 4 * 1024 * 1024;

core::Result<StreamConfig> parse_stream(const std::string& key, const json& item)
{
    const auto field = fmt::format("streams[\"{}\"]", key);
    const auto slash = key.find('/');
    if (slash == std::string::npos || !mtx::is_valid_id(key.substr(0, slash)) ||
        !mtx::is_valid_id(key.substr(slash + 1))) {
        return Failure{ErrorKind::invalid,
                       fmt::format("{}: the key must be \"<user>/<stream>\" with valid ids", field)};
    }
    if (!item.is_object()) {
        return Failure{ErrorKind::invalid, fmt::format("{} is a {}, expected an object", field, item.type_name())};
    }
    StreamConfig stream;
    if (item.contains("cf_url")) {
        if (!item["cf_url"].is_string()) {
            return Failure{ErrorKind::invalid, fmt::format("{}.cf_url must be a string", field)};
        }
        stream.cf_url = item["cf_url"].get<std::string>();
    }
    if (item.contains("destinations")) {
        if (!item["destinations"].is_array()) {
            return Failure{ErrorKind::invalid, fmt::format("{}.destinations must be an array", field)};
        }
        stream.destinations = item["destinations"];
    }
    if (item.contains("stream_keys")) {
        const auto& keys = item["stream_keys"];
        if (!keys.is_array()) {
            return Failure{ErrorKind::invalid, fmt::format("{}.stream_keys must be an array of strings", field)};
        }
        for (const auto& k : keys) {
            if (!k.is_string()) {
                return Failure{ErrorKind::invalid, fmt::format("{}.stream_keys must be an array of strings", field)};
            }
            stream.stream_keys.push_back(k.get<std::string>());
        }
    }
    return stream;
}

} // namespace

core::Result<DevCloudConfig> parse_devcloud_config(const json& document)
{
    if (!document.is_object()) {
        return Failure{ErrorKind::invalid, "the config must be a JSON object"};
    }
    DevCloudConfig config;
    for (const auto* name : {"token", "admin_token"}) {
        if (document.contains(name)) {
            if (!document[name].is_string()) {
                return Failure{ErrorKind::invalid, fmt::format("'{}' must be a string", name)};
            }
            (std::string(name) == "token" ? config.token : config.admin_token) = document[name].get<std::string>();
        }
    }
    if (document.contains("streams")) {
        if (!document["streams"].is_object()) {
            return Failure{ErrorKind::invalid, "'streams' must be an object keyed by \"<user>/<stream>\""};
        }
        for (const auto& [key, item] : document["streams"].items()) {
            auto stream = parse_stream(key, item);
            if (!stream) {
                return stream.error();
            }
            config.streams[key] = stream.value();
        }
    }
    for (const auto& [key, value] : document.items()) {
        if (key != "token" && key != "admin_token" && key != "streams" && key.rfind("_", 0) != 0) {
            return Failure{
                ErrorKind::invalid,
                fmt::format("unknown key '{}' (known: token, admin_token, streams; keys starting with _ are comments)",
                            key)};
        }
    }
    return config;
}

DevCloudConfig load_devcloud_config(const std::string& path)
{
    const auto text = core::read_regular_file(path, k_max_config_bytes);
    if (!text) {
        throw core::UsageError(fmt::format("cannot read config file: {}", text.error().message));
    }
    const auto document = core::parse_json(text.value(), {64, k_max_config_bytes});
    if (!document) {
        throw core::UsageError(fmt::format("config file '{}' is {}", path, document.error().message));
    }
    auto config = parse_devcloud_config(document.value());
    if (!config) {
        throw core::UsageError(fmt::format("config file '{}': {}", path, config.error().message));
    }
    return config.value();
}

} // namespace mtxrelay::devcloud
