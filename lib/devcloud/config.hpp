#pragma once

#include "core/error.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace mtxrelay::devcloud {

// One stream the reference cloud knows.
struct StreamConfig {
    std::string cf_url;                                    // empty: cf-url answers 404
    nlohmann::json destinations = nlohmann::json::array(); // served as-is (tests serve hostile lists)
    std::vector<std::string> stream_keys;                  // publisher keys accepted by /validate
};

// relay-devcloud's configuration file (docs/relay-devcloud.md).
struct DevCloudConfig {
    std::string token;                           // bearer token the /api endpoints require; empty: no auth
    std::string admin_token;                     // bearer token the /admin endpoints require; empty: no auth
    std::map<std::string, StreamConfig> streams; // key "<user>/<stream>"
};

// Validates a parsed config document; the Failure names the offending field.
core::Result<DevCloudConfig> parse_devcloud_config(const nlohmann::json& document);

// Reads and validates a config file; throws UsageError (exit 2) with the file and field.
DevCloudConfig load_devcloud_config(const std::string& path);

} // namespace mtxrelay::devcloud
