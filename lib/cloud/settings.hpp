#pragma once

#include "core/env.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace mtxrelay::cloud {

// Where the cloud is and how patiently we talk to it. Env first, flags override.
struct CloudSettings {
    std::string base_url;                             // CLOUD_API_URL, e.g. https://api.example.com
    std::string token;                                // CLOUD_API_TOKEN (Authorization: Bearer), never logged
    std::chrono::milliseconds connect_timeout{3000};  // CLOUD_API_CONNECT_TIMEOUT
    std::chrono::milliseconds request_timeout{10000}; // CLOUD_API_REQUEST_TIMEOUT, one attempt
    std::chrono::milliseconds deadline{30000};        // CLOUD_API_TIMEOUT, all attempts together
    int max_attempts = 5;                             // CLOUD_API_RETRIES + 1
};

struct CloudFlags {
    std::optional<std::string> url;
    std::optional<double> timeout_seconds;
};

// Reads CLOUD_API_* from env, applies flags, validates. Throws UsageError naming the bad value.
// When `required` is false a missing URL is allowed (the settings' base_url stays empty).
CloudSettings load_cloud_settings(const CloudFlags& flags, const core::EnvLookup& env, bool required = true);

} // namespace mtxrelay::cloud
