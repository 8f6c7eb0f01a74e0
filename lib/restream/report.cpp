#include "restream/report.hpp"

#include "core/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace mtxrelay::restream {

namespace {

// What the cloud is told about a failed copy: its class in fixed words. ffmpeg's own message
// ("Connection refused", "Connection timed out", a server's error text) stays in the relay's
// log: relayed to whoever controls the destination list, it would tell open ports from closed
// ones and so turn the relay into a port scanner.
std::string public_error(const DestinationStatus& d)
{
    if (d.last_error.empty()) {
        return {};
    }
    if (d.failure == "source_gone") {
        return "the relay could not read its own clean stream";
    }
    if (d.failure == "unreachable" || d.failure == "dns" || d.failure == "timeout") {
        return "the destination could not be reached";
    }
    if (d.failure == "auth") {
        return "the destination refused the stream (check the stream key)";
    }
    return "the copy to this destination failed";
}

// The class the cloud is told: the relay-side classes dns, unreachable and timeout all read
// "connection" (which of them would tell closed ports from filtered ones), source_gone "source".
std::string public_class(const std::string& failure)
{
    if (failure == "dns" || failure == "unreachable" || failure == "timeout") {
        return "connection";
    }
    return failure == "source_gone" ? "source" : failure;
}

std::string display_name(const DestinationStatus& d)
{
    return d.name.empty() ? fmt::format("dest {} <{}>", d.id, d.url) : fmt::format("dest {} {}", d.id, d.name);
}

} // namespace

std::string overall_status(const std::vector<DestinationStatus>& destinations)
{
    const bool all_failed =
        !destinations.empty() && std::all_of(destinations.begin(), destinations.end(), [](const auto& d) {
            return d.state == cloud::RunStatus::error || d.state == cloud::RunStatus::waiting;
        });
    return all_failed ? "error" : "active";
}

std::string stream_state(const std::vector<DestinationStatus>& destinations)
{
    const bool waiting =
        !destinations.empty() && std::all_of(destinations.begin(), destinations.end(),
                                             [](const auto& d) { return d.state == cloud::RunStatus::waiting; });
    return waiting ? "source_gone" : "active";
}

nlohmann::json state_document(const std::vector<DestinationStatus>& destinations,
                              const std::vector<RefusedDestination>& refused)
{
    auto list = nlohmann::json::array();
    for (const auto& d : destinations) {
        list.push_back({{"id", d.id},
                        {"name", d.name.empty() ? fmt::format("dest {}", d.id) : d.name},
                        {"url", d.url},
                        {"state", cloud::status_word(d.state)},
                        {"reason", d.reason},
                        {"lastError", d.last_error},
                        {"since", core::log::timestamp(d.since)},
                        {"retries", d.retries},
                        {"consecutiveFailures", d.failures},
                        {"pid", d.pid ? nlohmann::json(*d.pid) : nlohmann::json(nullptr)},
                        {"bitrateKbps", d.bitrate_kbps},
                        {"bytesOut", d.bytes},
                        {"framesOut", d.frames},
                        {"keyFingerprint", d.key_fingerprint}});
    }
    for (const auto& r : refused) {
        list.push_back({{"name", r.name.empty() ? r.label : r.name},
                        {"entry", r.label},
                        {"state", cloud::k_refused_word},
                        {"reason", r.reason_class},
                        {"lastError", r.reason},
                        {"retries", 0},
                        {"bytesOut", 0},
                        {"framesOut", 0},
                        {"keyFingerprint", ""}});
    }
    return list;
}

nlohmann::json status_details(const std::vector<DestinationStatus>& destinations,
                              const std::vector<RefusedDestination>& refused)
{
    auto list = nlohmann::json::array();
    int streaming = 0;
    double bitrate = 0;
    for (const auto& d : destinations) {
        nlohmann::json item = {{"id", d.id},
                               {"name", d.name},
                               {"url", d.url},
                               {"state", cloud::status_word(d.state)},
                               {"lastError", public_error(d)},
                               {"retries", d.retries},
                               {"consecutiveFailures", d.failures},
                               {"pid", d.pid ? nlohmann::json(*d.pid) : nlohmann::json(nullptr)},
                               {"bitrate", static_cast<long>(d.bitrate_kbps)}};
        if (!d.failure.empty()) {
            item["failureClass"] = public_class(d.failure);
        }
        list.push_back(std::move(item));
        if (d.state == cloud::RunStatus::streaming) {
            ++streaming;
            bitrate += d.bitrate_kbps;
        }
    }
    auto refused_list = nlohmann::json::array();
    for (const auto& r : refused) {
        refused_list.push_back({{"destination", r.label}, {"reason", r.public_reason}});
    }
    return {{"destinations", list},
            {"refused", refused_list},
            {"destinationsStreaming", streaming},
            {"bitrate", static_cast<long>(bitrate)}};
}

std::string status_line(const std::vector<DestinationStatus>& destinations)
{
    if (destinations.empty()) {
        return "no destinations";
    }
    std::map<std::string, int> counts; // by word: the summary lists them alphabetically
    std::string details;
    for (const auto& d : destinations) {
        const std::string word = cloud::status_word(d.state);
        ++counts[word];
        details += details.empty() ? "" : "; ";
        details += fmt::format("{} {}", display_name(d), word);
        if (d.pid) {
            details += fmt::format(" pid {}", *d.pid);
        }
        if (d.state == cloud::RunStatus::streaming) {
            details += fmt::format(" {:.0f} kbit/s", d.bitrate_kbps);
        } else if (!d.last_error.empty()) {
            details += fmt::format(" ({} failure(s) in a row, {} retries: {})", d.failures, d.retries, d.last_error);
        }
    }
    std::string summary;
    for (const auto& [state, count] : counts) {
        summary += fmt::format("{}{} {}", summary.empty() ? "" : ", ", count, state);
    }
    return fmt::format("{} destination(s): {} | {}", destinations.size(), summary, details);
}

} // namespace mtxrelay::restream
