#include "status/overview.hpp"

#include "cloud/types.hpp"
#include "core/redact.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace mtxrelay::status {

namespace {

using nlohmann::json;

// ("alice", "s1") from "live/alice/s1" or "clean/alice/s1"; the path itself otherwise.
std::pair<std::string, std::string> ids_of_path(const std::string& path)
{
    const size_t first = path.find('/');
    const size_t second = first == std::string::npos ? std::string::npos : path.find('/', first + 1);
    if (second == std::string::npos || path.find('/', second + 1) != std::string::npos) {
        return {path, ""};
    }
    return {path.substr(first + 1, second - first - 1), path.substr(second + 1)};
}

std::string text_of(const json& object, const char* name)
{
    const auto it = object.find(name);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool any_destination(const StreamView& stream, const std::function<bool(const json&)>& predicate)
{
    for (const auto& hook : stream.hooks) {
        const auto it = hook.find("destinations");
        if (it != hook.end() && it->is_array() && std::any_of(it->begin(), it->end(), predicate)) {
            return true;
        }
    }
    return false;
}

} // namespace

MtxPaths fetch_mtx_paths(http::Transport& transport, const std::string& api_base)
{
    MtxPaths result;
    result.api = api_base;
    http::Request request;
    request.url = api_base + "/v3/paths/list?itemsPerPage=1000";
    request.connect_timeout = std::chrono::milliseconds(1000);
    request.total_timeout = std::chrono::milliseconds(2000);
    request.max_body_bytes = 8 * 1024 * 1024;
    const auto outcome = transport.perform(request);
    if (!outcome.response) {
        result.error = fmt::format("no answer from {}: {}", api_base, outcome.reason);
        return result;
    }
    if (outcome.response->status != 200) {
        result.error = fmt::format("{} answered HTTP {} (is `api: yes` set and this host allowed?)", request.url,
                                   outcome.response->status);
        return result;
    }
    const auto body = json::parse(outcome.response->body, nullptr, false);
    if (body.is_discarded() || !body.contains("items") || !body["items"].is_array()) {
        result.error = fmt::format("{} answered something that is not a MediaMTX path list", request.url);
        return result;
    }
    for (const auto& item : body["items"]) {
        if (!item.is_object()) {
            continue;
        }
        MtxPath path;
        path.name = text_of(item, "name");
        path.available = item.value("available", item.value("ready", false));
        path.online = item.value("online", false);
        if (const auto source = item.find("source"); source != item.end() && source->is_object()) {
            path.source = text_of(*source, "type");
        }
        if (const auto readers = item.find("readers"); readers != item.end() && readers->is_array()) {
            path.readers = static_cast<int>(readers->size());
        }
        const auto bytes = item.find("inboundBytes");
        path.inbound_bytes = bytes != item.end() && bytes->is_number_unsigned() ? bytes->get<unsigned long long>() : 0;
        result.paths.push_back(std::move(path));
    }
    result.answered = true;
    return result;
}

Overview build_overview(const runtime::Scan& scan, MtxPaths mediamtx, std::string runtime_dir)
{
    Overview overview;
    overview.generated_at = runtime::now_text();
    overview.runtime_dir = std::move(runtime_dir);
    overview.problems = scan.problems;
    std::map<std::pair<std::string, std::string>, StreamView> streams;
    auto stream_of = [&](const std::pair<std::string, std::string>& ids) -> StreamView& {
        auto& view = streams[ids];
        view.user = ids.first;
        view.stream = ids.second;
        return view;
    };
    for (const auto& path : mediamtx.paths) {
        stream_of(ids_of_path(path.name)).paths.push_back(path);
    }
    for (const auto& found : scan.documents) {
        auto document = found.document;
        document["file"] = found.file;
        if (!found.alive) {
            overview.stale.push_back({{"file", found.file},
                                      {"tool", text_of(document, "tool")},
                                      {"pid", document.value("pid", 0)},
                                      {"path", text_of(document, "path")}});
            continue;
        }
        const auto user = text_of(document, "user");
        const auto ids =
            user.empty() ? ids_of_path(text_of(document, "path")) : std::pair{user, text_of(document, "stream")};
        stream_of(ids).hooks.push_back(std::move(document));
    }
    overview.mediamtx = std::move(mediamtx);
    for (auto& [ids, view] : streams) {
        view.state = stream_state(view, overview.mediamtx.answered);
        overview.streams.push_back(std::move(view));
    }
    return overview;
}

std::string stream_state(const StreamView& stream, bool mediamtx_answered)
{
    for (const auto& hook : stream.hooks) {
        if (text_of(hook, "state") == "source_gone") {
            return "source_gone";
        }
    }
    for (const auto& hook : stream.hooks) {
        if (const auto encoder = hook.find("encoder"); encoder != hook.end() && encoder->is_object()) {
            const auto state = text_of(*encoder, "state");
            if (state == cloud::status_word(cloud::RunStatus::error) ||
                state == cloud::status_word(cloud::RunStatus::waiting)) {
                return "encoder_down";
            }
        }
    }
    const bool published =
        std::any_of(stream.paths.begin(), stream.paths.end(), [](const MtxPath& path) { return path.available; });
    if (mediamtx_answered && !published) {
        return "not_published";
    }
    if (any_destination(stream, [](const json& d) {
            const auto state = text_of(d, "state");
            return state == cloud::status_word(cloud::RunStatus::error) || state == cloud::k_refused_word;
        })) {
        return "degraded";
    }
    return "active";
}

} // namespace mtxrelay::status
