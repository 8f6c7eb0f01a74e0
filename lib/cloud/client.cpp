#include "cloud/client.hpp"

#include "core/json.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"

#include <fmt/format.h>

namespace mtxrelay::cloud {

using core::ErrorKind;
using core::Failure;

CloudClient::CloudClient(CloudSettings settings, http::Transport& transport, http::RetryHooks hooks)
    : m_settings(std::move(settings)), m_transport(transport), m_hooks(std::move(hooks)), m_rng(core::make_rng())
{
}

std::string CloudClient::cf_url_path(const std::string& user_id, const std::string& stream_id)
{
    return fmt::format("/api/relay/cf-url/{}/{}", core::url_encode(user_id), core::url_encode(stream_id));
}

std::string CloudClient::destinations_path(const std::string& user_id, const std::string& stream_id)
{
    return fmt::format("/api/rtmp-relay/restream-destinations/{}/{}", core::url_encode(user_id),
                       core::url_encode(stream_id));
}

http::Headers CloudClient::hls_ready_headers(const HlsReady& event)
{
    if (event.idempotency_key.empty()) {
        return {};
    }
    return {{"Idempotency-Key", event.idempotency_key}};
}

http::Request CloudClient::build_request(const std::string& method, const std::string& path, const std::string& body,
                                         const http::Headers& extra_headers) const
{
    http::Request request;
    request.method = method;
    request.url = m_settings.base_url + path;
    request.body = body;
    request.connect_timeout = m_settings.connect_timeout;
    request.total_timeout = m_settings.request_timeout;
    request.headers["Accept"] = "application/json";
    if (!body.empty()) {
        request.headers["Content-Type"] = "application/json";
    }
    if (!m_settings.token.empty()) {
        request.headers["Authorization"] = "Bearer " + m_settings.token;
    }
    for (const auto& [name, value] : extra_headers) {
        request.headers[name] = value;
    }
    request.cancelled = m_cancelled;
    return request;
}

core::Result<http::Response> CloudClient::call(const std::string& method, const std::string& path,
                                               const std::string& body, const std::string& what,
                                               const http::Headers& extra_headers)
{
    http::RetryPolicy policy;
    policy.max_attempts = m_settings.max_attempts;
    policy.deadline = m_settings.deadline;
    const auto outcome =
        http::perform_with_retry(m_transport, build_request(method, path, body, extra_headers), policy, m_hooks, m_rng);
    if (!outcome.response) {
        if (outcome.error == http::TransportError::cancelled) {
            return Failure{ErrorKind::interrupted, fmt::format("{}: interrupted", what)};
        }
        if (outcome.error == http::TransportError::too_large) {
            return Failure{ErrorKind::bad_response, fmt::format("{}: the cloud's {}", what, outcome.reason)};
        }
        return Failure{
            ErrorKind::unreachable,
            fmt::format("{}: cannot reach the cloud at {} ({}); check CLOUD_API_URL and that the cloud is up", what,
                        m_settings.base_url, outcome.reason)};
    }
    const auto& response = *outcome.response;
    const long status = response.status;
    if (status >= 200 && status <= 299) {
        return response;
    }
    if (status == 404) {
        return Failure{ErrorKind::not_found,
                       fmt::format("{}: the cloud answered 404 (unknown stream); check the user and stream ids", what)};
    }
    if (status == 401 || status == 403) {
        return Failure{
            ErrorKind::auth,
            fmt::format("{}: the cloud refused our credentials (HTTP {}); check CLOUD_API_TOKEN", what, status)};
    }
    if (status == 429 || status >= 500) {
        return Failure{ErrorKind::unreachable,
                       fmt::format("{}: the cloud kept failing ({}{}); try again later or check the cloud's health",
                                   what, http::describe(outcome), outcome.reason.empty() ? "" : ", " + outcome.reason)};
    }
    return Failure{ErrorKind::bad_response,
                   fmt::format("{}: the cloud answered HTTP {}: {}", what, status, response.body.substr(0, 200))};
}

core::Result<CfUrl> CloudClient::cf_url(const std::string& user_id, const std::string& stream_id)
{
    const auto what = fmt::format("cf-url lookup for {}/{}", user_id, stream_id);
    auto response = call("GET", cf_url_path(user_id, stream_id), {}, what);
    if (!response) {
        return response.error();
    }
    auto parsed = parse_cf_url(response.value().body);
    if (!parsed) {
        return Failure{ErrorKind::bad_response, fmt::format("{}: {}", what, parsed.error().message)};
    }
    return parsed;
}

core::Result<Destinations> CloudClient::destinations(const std::string& user_id, const std::string& stream_id)
{
    const auto what = fmt::format("restream-destinations lookup for {}/{}", user_id, stream_id);
    auto response = call("GET", destinations_path(user_id, stream_id), {}, what);
    if (!response) {
        return response.error();
    }
    auto parsed = parse_destinations(response.value().body);
    if (!parsed) {
        return Failure{ErrorKind::bad_response, fmt::format("{}: {}", what, parsed.error().message)};
    }
    return parsed;
}

core::Result<Sent> CloudClient::post_hls_ready(const HlsReady& event)
{
    // Every attempt carries the same Idempotency-Key: an attempt that timed out may still have
    // reached the cloud, and the retry must not count as a second announcement.
    auto response = call("POST", "/api/rtmp-relay/hls-ready", core::dump_json(to_json(event)), "hls-ready notification",
                         hls_ready_headers(event));
    if (!response) {
        return response.error();
    }
    return Sent{};
}

core::Result<Sent> CloudClient::post_stream_status(const StreamStatus& status)
{
    // Status payloads carry destination URLs and errors: they pass through redaction.
    auto response = call("POST", "/api/rtmp-relay/stream-status", core::redact(core::dump_json(to_json(status))),
                         fmt::format("stream-status '{}'", status.status));
    if (!response) {
        return response.error();
    }
    return Sent{};
}

} // namespace mtxrelay::cloud
