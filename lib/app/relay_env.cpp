#include "app/relay_env.hpp"

#include "app/settings.hpp"

#include "core/error.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"
#include "net/address.hpp"
#include "net/policy.hpp"
#include "net/url.hpp"

#include <fmt/format.h>

#include <cmath>

namespace mtxrelay::app {

int int_setting(const std::optional<int>& flag, std::string_view flag_name, const core::EnvLookup& env,
                std::string_view env_name, int fallback, int min, int max)
{
    int value = fallback;
    std::string source = "default";
    if (flag) {
        value = *flag;
        source = std::string(flag_name);
    } else if (const auto raw = env(env_name)) {
        const auto parsed = core::parse_seconds(*raw);
        if (!parsed || *parsed != static_cast<int>(*parsed)) {
            throw core::UsageError(fmt::format("{}='{}' is not an integer", env_name, *raw));
        }
        value = static_cast<int>(*parsed);
        source = std::string(env_name);
    }
    if (value < min || value > max) {
        throw core::UsageError(fmt::format("{} {} is out of range: use {}-{}", source, value, min, max));
    }
    return value;
}

double seconds_setting(const std::optional<double>& flag, std::string_view flag_name, const core::EnvLookup& env,
                       std::string_view env_name, double fallback, double min, double max)
{
    double value = fallback;
    std::string source = "default";
    if (flag) {
        value = *flag;
        source = std::string(flag_name);
    } else if (const auto raw = env(env_name)) {
        const auto parsed = core::parse_seconds(*raw);
        if (!parsed) {
            throw core::UsageError(fmt::format("{}='{}' is not a number of seconds", env_name, *raw));
        }
        value = *parsed;
        source = std::string(env_name);
    }
    if (!std::isfinite(value) || value < min || value > max) { // NaN passes both comparisons
        throw core::UsageError(fmt::format("{} {} s is out of range: use {}-{} s", source, value, min, max));
    }
    return value;
}

bool bool_env(const core::EnvLookup& env, std::string_view env_name, bool fallback)
{
    const auto raw = env(env_name);
    if (!raw) {
        return fallback;
    }
    const auto value = core::to_lower(*raw);
    if (value == "1" || value == "true" || value == "yes" || value == "on") {
        return true;
    }
    if (value == "0" || value == "false" || value == "no" || value == "off") {
        return false;
    }
    throw core::UsageError(fmt::format("{}='{}' must be 1/0, true/false, yes/no or on/off", env_name, *raw));
}

RtmpServer load_rtmp_server(const std::optional<std::string>& host_flag, const std::optional<int>& port_flag,
                            const core::EnvLookup& env)
{
    RtmpServer server;
    const auto raw = read_text(settings::rtmp_host, host_flag, env).value_or("");
    server.port = read_int(settings::rtmp_port, port_flag, env);
    const auto host = net::parse_host(raw, host_flag ? "--rtmp-host" : "RELAY_RTMP_HOST");
    if (!host) {
        throw core::UsageError(host.error().message + ": give a host name or address of the relay's RTMP server");
    }
    server.host = host.value().for_url(); // IPv6 in brackets, ready for rtmp://HOST:PORT/...
    return server;
}

ffmpeg::Endpoint operator_endpoint(const std::string& url)
{
    auto endpoint = ffmpeg::from_url(url);
    const auto parsed = net::parse_url(url);
    if (!core::starts_with_ci(url, "rtmp") || !parsed || parsed.value().path.empty()) {
        return endpoint;
    }
    const auto& host = parsed.value().host;
    const bool local =
        host.address ? net::classify(*host.address) == net::AddressClass::loopback : net::is_localhost_name(host.text);
    if (!local) {
        return endpoint;
    }
    // rtmp://127.0.0.1:1935/live/u/s -> app "live", playpath "u/s" (query kept), like relay-clean.
    const std::string path_only = parsed.value().path.substr(1);
    const std::string path = path_only + (parsed.value().query ? "?" + *parsed.value().query : std::string());
    const size_t app_end = path_only.find('/');
    if (app_end == std::string::npos || path_only.find('/', app_end + 1) == std::string::npos) {
        return endpoint; // "app/stream": ffmpeg splits it the same way
    }
    const std::string playpath(path.substr(app_end + 1));
    core::register_secret(playpath);
    endpoint.options = {"-rtmp_app", path.substr(0, app_end), "-rtmp_playpath", playpath};
    return endpoint;
}

} // namespace mtxrelay::app
