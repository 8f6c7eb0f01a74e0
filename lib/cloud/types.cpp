#include "cloud/types.hpp"

#include "core/json.hpp"

#include <fmt/format.h>

namespace mtxrelay::cloud {

using core::ErrorKind;
using core::Failure;
using nlohmann::json;

namespace {

core::Result<json> parse_object(std::string_view body)
{
    auto parsed = core::parse_json(body);
    if (!parsed) {
        return Failure{ErrorKind::bad_response, fmt::format("response is {}", parsed.error().message)};
    }
    auto& document = parsed.value();
    if (!document.is_object()) {
        return Failure{ErrorKind::bad_response,
                       fmt::format("response is a JSON {}, expected an object", document.type_name())};
    }
    return std::move(document);
}

} // namespace

const char* status_word(RunStatus status)
{
    switch (status) {
    case RunStatus::starting:
        return "starting";
    case RunStatus::streaming:
        return "streaming";
    case RunStatus::error:
        return "error";
    case RunStatus::stopping:
        return "stopping";
    case RunStatus::ready:
        return "ready";
    case RunStatus::waiting:
        return "waiting";
    }
    return "starting";
}

core::Result<CfUrl> parse_cf_url(std::string_view body)
{
    auto document = parse_object(body);
    if (!document) {
        return document.error();
    }
    const auto& object = document.value();
    if (!object.contains("url")) {
        return Failure{ErrorKind::bad_response, "response has no field 'url'"};
    }
    if (!object["url"].is_string()) {
        return Failure{ErrorKind::bad_response,
                       fmt::format("field 'url' is a {}, expected a string", object["url"].type_name())};
    }
    const auto url = object["url"].get<std::string>();
    if (url.empty()) {
        return Failure{ErrorKind::bad_response, "field 'url' is empty"};
    }
    return CfUrl{url, object};
}

core::Result<Destinations> parse_destinations_json(const json& document)
{
    if (!document.is_object()) {
        return Failure{ErrorKind::bad_response,
                       fmt::format("destinations document is a JSON {}, expected an object", document.type_name())};
    }
    if (!document.contains("destinations")) {
        return Failure{ErrorKind::bad_response, "response has no field 'destinations'"};
    }
    const auto& list = document["destinations"];
    if (!list.is_array()) {
        return Failure{ErrorKind::bad_response,
                       fmt::format("field 'destinations' is a {}, expected an array", list.type_name())};
    }
    Destinations result;
    for (size_t i = 0; i < list.size(); ++i) {
        DestinationEntry entry;
        entry.index = i;
        const auto& item = list[i];
        const auto field = fmt::format("destinations[{}]", i);
        if (!item.is_object()) {
            entry.problem = fmt::format("{} is a {}, expected an object", field, item.type_name());
        } else if (!item.contains("url")) {
            entry.problem = fmt::format("{} has no field 'url'", field);
        } else if (!item["url"].is_string()) {
            entry.problem = fmt::format("{}.url is a {}, expected a string", field, item["url"].type_name());
        } else if (item.contains("name") && !item["name"].is_string() && !item["name"].is_null()) {
            entry.problem = fmt::format("{}.name is a {}, expected a string", field, item["name"].type_name());
        } else {
            Destination destination;
            destination.url = item["url"].get<std::string>();
            if (item.contains("name") && item["name"].is_string()) {
                destination.name = item["name"].get<std::string>();
            }
            entry.destination = destination;
        }
        result.entries.push_back(std::move(entry));
    }
    return result;
}

core::Result<Destinations> parse_destinations(std::string_view body)
{
    auto document = parse_object(body);
    if (!document) {
        return document.error();
    }
    return parse_destinations_json(document.value());
}

json to_json(const HlsReady& event)
{
    json body = {{"userId", event.user_id}, {"streamId", event.stream_id}, {"hlsUrl", event.hls_url}};
    if (event.dash_url) {
        body["dashUrl"] = *event.dash_url;
    }
    if (event.webrtc_url) {
        body["webrtcUrl"] = *event.webrtc_url;
    }
    return body;
}

json to_json(const StreamStatus& status)
{
    json body = status.details.is_object() ? status.details : json::object();
    body["userId"] = status.user_id;
    body["streamId"] = status.stream_id;
    body["status"] = status.status;
    return body;
}

} // namespace mtxrelay::cloud
