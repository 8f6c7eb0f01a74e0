#include "mtx/api.hpp"

#include "core/strings.hpp"
#include "mtx/hook_context.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cctype>

namespace mtxrelay::mtx {

using core::ErrorKind;
using core::Failure;
using namespace std::chrono;

namespace {

// MediaMTX v1.20 codec labels of audio formats (internal/formatlabel).
constexpr std::array k_audio_labels = {"Opus",           "FLAC", "Vorbis", "MPEG-4 Audio", "MPEG-4 Audio LATM",
                                       "MPEG-1/2 Audio", "AC3",  "Speex",  "G726",         "G722",
                                       "G711",           "LPCM"};

int int_field(const nlohmann::json& object, const char* key)
{
    const auto it = object.find(key);
    return it != object.end() && it->is_number_integer() ? it->get<int>() : 0;
}

std::optional<int> digits(std::string_view text, size_t at, size_t count)
{
    if (text.size() < at + count) {
        return std::nullopt;
    }
    int value = 0;
    for (size_t i = at; i < at + count; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
            return std::nullopt;
        }
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

Track parse_track(const nlohmann::json& item)
{
    Track track;
    track.codec = item.value("codec", "");
    for (const char* label : k_audio_labels) {
        track.audio = track.audio || track.codec == label;
    }
    const auto props = item.find("codecProps");
    if (props != item.end() && props->is_object()) {
        track.width = int_field(*props, "width");
        track.height = int_field(*props, "height");
        track.sample_rate = int_field(*props, "sampleRate");
        track.channels = int_field(*props, "channelCount");
    }
    return track;
}

} // namespace

bool PathInfo::has_audio() const
{
    for (const auto& track : tracks) {
        if (track.audio) {
            return true;
        }
    }
    return false;
}

const Track* PathInfo::video() const
{
    for (const auto& track : tracks) {
        if (!track.audio) {
            return &track;
        }
    }
    return nullptr;
}

std::optional<system_clock::time_point> parse_rfc3339(std::string_view text)
{
    const auto year = digits(text, 0, 4);
    const auto month = digits(text, 5, 2);
    const auto day = digits(text, 8, 2);
    const auto hour = digits(text, 11, 2);
    const auto minute = digits(text, 14, 2);
    const auto second = digits(text, 17, 2);
    if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
        (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' || text[16] != ':' || *hour > 23 ||
        *minute > 59 || *second > 60) {
        return std::nullopt;
    }
    const year_month_day date{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                              std::chrono::day{static_cast<unsigned>(*day)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    size_t at = 19;
    nanoseconds fraction{0};
    if (at < text.size() && text[at] == '.') {
        ++at;
        long long scale = 100000000;
        const size_t start = at;
        while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
            fraction += nanoseconds((text[at] - '0') * scale);
            scale /= 10;
            ++at;
        }
        if (at == start) {
            return std::nullopt;
        }
    }
    minutes offset{0};
    if (at < text.size() && (text[at] == 'Z' || text[at] == 'z') && at + 1 == text.size()) {
        // UTC
    } else if (at < text.size() && (text[at] == '+' || text[at] == '-') && text.size() == at + 6 &&
               text[at + 3] == ':') {
        const auto oh = digits(text, at + 1, 2);
        const auto om = digits(text, at + 4, 2);
        if (!oh || !om || *oh > 23 || *om > 59) {
            return std::nullopt;
        }
        offset = hours(*oh) + minutes(*om);
        if (text[at] == '-') {
            offset = -offset;
        }
    } else {
        return std::nullopt; // no zone: not RFC 3339
    }
    const auto local = sys_days(date) + hours(*hour) + minutes(*minute) + seconds(*second) + fraction;
    return time_point_cast<system_clock::duration>(local - offset);
}

core::Result<PathInfo> parse_path_info(std::string_view body)
{
    const auto document = nlohmann::json::parse(body, nullptr, false);
    if (document.is_discarded() || !document.is_object()) {
        return Failure{ErrorKind::bad_response, "the MediaMTX API answered something that is not a JSON object"};
    }
    const auto name = document.find("name");
    const auto tracks = document.find("tracks2");
    if (name == document.end() || !name->is_string()) {
        return Failure{ErrorKind::bad_response, "the MediaMTX API's path has no 'name' string"};
    }
    if (tracks == document.end() || !(tracks->is_array() || tracks->is_null())) {
        return Failure{ErrorKind::bad_response,
                       "the MediaMTX API's path has no 'tracks2' list (MediaMTX older than v1.15?)"};
    }
    PathInfo info;
    info.name = name->get<std::string>();
    const auto available = document.find("available");
    const auto ready = document.find("ready");
    info.available = available != document.end() && available->is_boolean()
                         ? available->get<bool>()
                         : ready != document.end() && ready->is_boolean() && ready->get<bool>();
    for (const char* key : {"availableTime", "readyTime"}) {
        const auto time = document.find(key);
        if (!info.available_time && time != document.end() && time->is_string()) {
            info.available_time = parse_rfc3339(time->get<std::string>());
        }
    }
    const auto source = document.find("source");
    if (source != document.end() && source->is_object()) {
        info.source_type = source->value("type", "");
        info.source_id = source->value("id", "");
    }
    if (tracks->is_array()) {
        for (const auto& item : *tracks) {
            if (item.is_object()) {
                info.tracks.push_back(parse_track(item));
            }
        }
    }
    return info;
}

core::Result<system_clock::time_point> parse_created(std::string_view body)
{
    const auto document = nlohmann::json::parse(body, nullptr, false);
    if (document.is_discarded() || !document.is_object()) {
        return Failure{ErrorKind::bad_response, "the MediaMTX API answered something that is not a JSON object"};
    }
    const auto created = document.find("created");
    if (created == document.end() || !created->is_string()) {
        return Failure{ErrorKind::bad_response, "the MediaMTX API's connection has no 'created' time"};
    }
    const auto time = parse_rfc3339(created->get<std::string>());
    if (!time) {
        return Failure{ErrorKind::bad_response, "the MediaMTX API's 'created' is not an RFC 3339 time"};
    }
    return *time;
}

std::optional<std::string> source_collection(std::string_view source_type)
{
    static const std::array<std::pair<const char*, const char*>, 6> k_collections = {{
        {"rtmpConn", "rtmpconns"},
        {"rtmpsConn", "rtmpsconns"},
        {"rtspSession", "rtspsessions"},
        {"rtspsSession", "rtspssessions"},
        {"srtConn", "srtconns"},
        {"webRTCSession", "webrtcsessions"},
    }};
    for (const auto& [type, collection] : k_collections) {
        if (source_type == type) {
            return collection;
        }
    }
    return std::nullopt;
}

ApiClient::ApiClient(std::string base_url, http::Transport& transport, milliseconds timeout)
    : m_base(std::move(base_url)), m_transport(transport), m_timeout(timeout)
{
}

core::Result<std::string> ApiClient::get(const std::string& api_path)
{
    http::Request request;
    request.url = m_base + api_path;
    request.connect_timeout = m_timeout;
    request.total_timeout = m_timeout;
    request.max_body_bytes = 256 * 1024;
    request.max_redirects = 0;
    const auto outcome = m_transport.perform(request);
    if (!outcome.response) {
        return Failure{ErrorKind::unreachable, fmt::format("GET {}: {}", request.url, outcome.reason)};
    }
    const auto& response = *outcome.response;
    if (response.status == 404) {
        return Failure{ErrorKind::not_found, fmt::format("GET {}: 404 (not known to MediaMTX)", request.url)};
    }
    if (response.status != 200) {
        return Failure{ErrorKind::bad_response, fmt::format("GET {}: HTTP {}", request.url, response.status)};
    }
    return response.body;
}

core::Result<PathInfo> ApiClient::path(const std::string& name)
{
    if (!is_valid_path(name)) {
        return Failure{ErrorKind::invalid, fmt::format("'{}' is not a MediaMTX path name", name)};
    }
    const auto body = get("/v3/paths/get/" + name);
    if (!body) {
        return body.error();
    }
    return parse_path_info(body.value());
}

core::Result<system_clock::time_point> ApiClient::source_created(const PathInfo& path)
{
    const auto collection = source_collection(path.source_type);
    if (!collection) {
        return Failure{ErrorKind::not_found, fmt::format("source type '{}' has no connection endpoint",
                                                         path.source_type.empty() ? "none" : path.source_type)};
    }
    // Ids are UUIDs: anything else is not put into a URL.
    for (const char c : path.source_id) {
        if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == '-')) {
            return Failure{ErrorKind::bad_response, "the path's source id is not a UUID"};
        }
    }
    if (path.source_id.empty()) {
        return Failure{ErrorKind::bad_response, "the path's source has no id"};
    }
    const auto body = get(fmt::format("/v3/{}/get/{}", *collection, path.source_id));
    if (!body) {
        return body.error();
    }
    return parse_created(body.value());
}

std::optional<std::string> api_base_url(const std::string& setting, const std::string& what)
{
    const auto lower = core::to_lower(core::trim(setting));
    if (lower == "off" || lower == "no" || lower == "0" || lower == "false") {
        return std::nullopt;
    }
    std::string base(core::trim(setting));
    if (base.find("://") == std::string::npos) {
        base = "http://" + base;
    }
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    const auto rest = std::string_view(base).substr(base.find("://") + 3);
    const bool http = core::starts_with_ci(base, "http://") || core::starts_with_ci(base, "https://");
    if (!http || rest.empty() || rest.find_first_of("/?#@ \t\r\n") != std::string_view::npos) {
        throw core::UsageError(fmt::format("{} '{}' must be HOST:PORT or http://HOST:PORT of MediaMTX's control API "
                                           "(e.g. 127.0.0.1:9997), or 'off'",
                                           what, setting));
    }
    return base;
}

} // namespace mtxrelay::mtx
