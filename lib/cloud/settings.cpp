#include "cloud/settings.hpp"

#include "core/error.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"

#include <fmt/format.h>

#include <cmath>

namespace mtxrelay::cloud {

namespace {

std::chrono::milliseconds seconds_from_env(const core::EnvLookup& env, const char* name,
                                           std::chrono::milliseconds fallback, double max_seconds)
{
    const auto raw = env(name);
    if (!raw) {
        return fallback;
    }
    const auto value = core::parse_seconds(*raw);
    if (!value || *value <= 0 || *value > max_seconds) {
        throw core::UsageError(fmt::format("{}='{}' is not a number of seconds in (0, {}]", name, *raw, max_seconds));
    }
    return std::chrono::milliseconds(static_cast<int64_t>(*value * 1000));
}

} // namespace

CloudSettings load_cloud_settings(const CloudFlags& flags, const core::EnvLookup& env, bool required)
{
    CloudSettings settings;
    settings.base_url = flags.url ? *flags.url : env("CLOUD_API_URL").value_or("");
    while (!settings.base_url.empty() && settings.base_url.back() == '/') {
        settings.base_url.pop_back();
    }
    if (settings.base_url.empty()) {
        if (required) {
            throw core::UsageError("no cloud API URL: set CLOUD_API_URL or pass --cloud-url "
                                   "(e.g. http://127.0.0.1:8080 for relay-devcloud)");
        }
    } else if (!core::starts_with_ci(settings.base_url, "http://") &&
               !core::starts_with_ci(settings.base_url, "https://")) {
        throw core::UsageError(
            fmt::format("cloud API URL '{}' must start with http:// or https://", core::redact_url(settings.base_url)));
    }
    settings.token = env("CLOUD_API_TOKEN").value_or("");
    core::register_secret(settings.token);
    settings.connect_timeout = seconds_from_env(env, "CLOUD_API_CONNECT_TIMEOUT", settings.connect_timeout, 60);
    settings.request_timeout = seconds_from_env(env, "CLOUD_API_REQUEST_TIMEOUT", settings.request_timeout, 300);
    settings.deadline = seconds_from_env(env, "CLOUD_API_TIMEOUT", settings.deadline, 3600);
    if (flags.timeout_seconds) {
        if (!std::isfinite(*flags.timeout_seconds) || *flags.timeout_seconds <= 0 || *flags.timeout_seconds > 3600) {
            throw core::UsageError("--cloud-timeout must be in (0, 3600] seconds");
        }
        settings.deadline = std::chrono::milliseconds(static_cast<int64_t>(*flags.timeout_seconds * 1000));
    }
    if (const auto retries = env("CLOUD_API_RETRIES")) {
        const auto value = core::parse_seconds(*retries);
        if (!value || *value > 20 || *value != static_cast<int>(*value)) {
            throw core::UsageError(fmt::format("CLOUD_API_RETRIES='{}' must be an integer 0-20", *retries));
        }
        settings.max_attempts = static_cast<int>(*value) + 1;
    }
    return settings;
}

} // namespace mtxrelay::cloud
