#include "status/render.hpp"

#include "cloud/types.hpp"
#include "core/redact.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace mtxrelay::status {

namespace {

using nlohmann::json;

// Masked, one line, at most `limit` characters.
std::string shown(const std::string& text, size_t limit = 200)
{
    std::string out;
    for (const char c : core::redact(text)) {
        out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
    }
    if (out.size() > limit) {
        out = out.substr(0, limit - 3) + "...";
    }
    return out;
}

std::string field(const json& object, const char* name)
{
    const auto it = object.find(name);
    if (it == object.end() || it->is_null()) {
        return {};
    }
    return shown(it->is_string() ? it->get<std::string>() : it->dump());
}

double number_of(const json& object, const char* name)
{
    const auto it = object.find(name);
    return it != object.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::string bytes_text(double bytes)
{
    if (bytes >= 1e9) {
        return fmt::format("{:.1f} GB", bytes / 1e9);
    }
    if (bytes >= 1e6) {
        return fmt::format("{:.1f} MB", bytes / 1e6);
    }
    if (bytes >= 1e3) {
        return fmt::format("{:.1f} kB", bytes / 1e3);
    }
    return fmt::format("{:.0f} B", bytes);
}

std::string or_dash(const std::string& text)
{
    return text.empty() ? "-" : text;
}

std::string stream_name(const StreamView& stream)
{
    return stream.stream.empty() ? stream.user : stream.user + "/" + stream.stream;
}

// Columns padded to the widest cell; the last column is not padded.
std::string table(const std::vector<std::vector<std::string>>& rows, const std::string& indent)
{
    std::vector<size_t> widths;
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()));
        for (size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], row[i].size());
        }
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line = indent;
        for (size_t i = 0; i < row.size(); ++i) {
            line += i + 1 == row.size() ? row[i] : fmt::format("{:<{}}  ", row[i], widths[i]);
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        out += line + "\n";
    }
    return out;
}

void render_encoder(const json& hook, std::string& out)
{
    const auto& e = hook["encoder"];
    out += fmt::format("  encoder  {} pid {}  {}  fps {:.1f}  speed {:.2f}x  {:.0f} kbit/s  restarts {}  up {:.0f} s",
                       field(hook, "tool"), field(hook, "pid"), or_dash(field(e, "state")), number_of(e, "fps"),
                       number_of(e, "speed"), number_of(e, "bitrateKbps"), number_of(e, "restarts"),
                       number_of(e, "uptimeSeconds"));
    if (e.contains("startupSeconds") && e["startupSeconds"].is_number()) {
        out += fmt::format("  start-up {:.1f} s", number_of(e, "startupSeconds"));
    }
    const auto error = field(e, "lastError");
    out += error.empty() ? "\n" : fmt::format("\n           last error: {}\n", error);
}

void render_fanout(const json& hook, std::string& out)
{
    out += fmt::format("  fan-out  {} pid {}  {}\n", field(hook, "tool"), field(hook, "pid"),
                       or_dash(field(hook, "state")));
    std::vector<std::vector<std::string>> rows = {
        {"DESTINATION", "STATE", "REASON", "SINCE", "RETRIES", "OUT", "KEY", "LAST ERROR"}};
    for (const auto& d : hook.value("destinations", json::array())) {
        const auto since = field(d, "since");
        rows.push_back({shown(field(d, "name"), 40), or_dash(field(d, "state")), or_dash(field(d, "reason")),
                        since.size() > 19 ? since.substr(11, 8) : or_dash(since), field(d, "retries"),
                        bytes_text(number_of(d, "bytesOut")), or_dash(field(d, "keyFingerprint")),
                        or_dash(shown(field(d, "lastError"), 100))});
    }
    out += rows.size() == 1 ? "    (no destinations)\n" : table(rows, "    ");
}

void render_stream(const StreamView& stream, std::string& out)
{
    out += fmt::format("{}  {}\n", shown(stream_name(stream)), stream.state);
    for (const auto& path : stream.paths) {
        out += fmt::format("  path     {}  {}{}  {} reader(s)  {} in\n", shown(path.name),
                           path.available ? "publishing" : "no publisher",
                           path.source.empty() ? "" : " (" + shown(path.source) + ")", path.readers,
                           bytes_text(static_cast<double>(path.inbound_bytes)));
    }
    for (const auto& hook : stream.hooks) {
        if (hook.contains("encoder") && hook["encoder"].is_object()) {
            render_encoder(hook, out);
        }
        if (hook.contains("destinations")) {
            render_fanout(hook, out);
        }
        if (field(hook, "role") == "hls") {
            out += fmt::format("  hls      {} pid {}  {}  {}\n", field(hook, "tool"), field(hook, "pid"),
                               field(hook, "state"), field(hook, "detail"));
        }
    }
}

// A label value escaped as the exposition format requires (backslash, quote, newline).
std::string label_value(const std::string& text)
{
    std::string out;
    for (const char c : shown(text, 120)) {
        if (c == '\\' || c == '"') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    return out;
}

std::string labels(const std::vector<std::pair<std::string, std::string>>& pairs)
{
    std::string out;
    for (const auto& [name, value] : pairs) {
        out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", name, label_value(value));
    }
    return "{" + out + "}";
}

// Families keep their samples together, each with one HELP and TYPE line, as the format wants.
class Metrics {
public:
    void add(const std::string& name, const char* type, const char* help, const std::string& labels, double value)
    {
        auto& family = m_families[name];
        family.type = type;
        family.help = help;
        family.samples += fmt::format("{}{} {}\n", name, labels, fmt::format("{}", value));
    }
    std::string text() const
    {
        std::string out;
        for (const auto& [name, family] : m_families) {
            out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{}", name, family.help, name, family.type, family.samples);
        }
        return out;
    }

private:
    struct Family {
        std::string type;
        std::string help;
        std::string samples;
    };
    std::map<std::string, Family> m_families;
};

// What a destination's state can read: the run statuses relay-restream writes (a copy waiting
// to retry reads starting; one stopped at the end reads ready) and refused.
const std::vector<std::string>& destination_states()
{
    static const std::vector<std::string> k_states = [] {
        std::vector<std::string> states;
        for (const auto status : cloud::k_run_statuses) {
            states.emplace_back(cloud::status_word(status));
        }
        states.emplace_back(cloud::k_refused_word);
        return states;
    }();
    return k_states;
}

void destination_metrics(const StreamView& stream, const json& hook, Metrics& metrics)
{
    for (const auto& d : hook.value("destinations", json::array())) {
        const std::vector<std::pair<std::string, std::string>> base = {
            {"user", stream.user}, {"stream", stream.stream}, {"destination", field(d, "name")}};
        const auto state = field(d, "state");
        for (const auto& candidate : destination_states()) {
            auto with_state = base;
            with_state.emplace_back("state", candidate);
            metrics.add("mtxrelay_destination_state", "gauge",
                        "1 for the state the destination is in (starting, streaming, error, waiting for the "
                        "source, stopping, ready: stopped at the end, refused)",
                        labels(with_state), candidate == state ? 1 : 0);
        }
        metrics.add("mtxrelay_destination_up", "gauge", "1 when the copy to the destination is streaming", labels(base),
                    state == "streaming" ? 1 : 0);
        metrics.add("mtxrelay_destination_retries_total", "counter",
                    "Restarts of the destination's copy since relay-restream added it", labels(base),
                    number_of(d, "retries"));
        metrics.add("mtxrelay_destination_bitrate_kbps", "gauge", "Output bitrate of the copy in kbit/s", labels(base),
                    number_of(d, "bitrateKbps"));
        metrics.add("mtxrelay_destination_run_bytes", "gauge", "Bytes written by the copy's current run", labels(base),
                    number_of(d, "bytesOut"));
        const auto reason = field(d, "reason");
        if (!reason.empty()) {
            auto with_reason = base;
            with_reason.emplace_back("reason", reason);
            metrics.add("mtxrelay_destination_failure_reason", "gauge",
                        "1 for the class of the destination's current failure (auth, dns, unreachable, timeout, "
                        "source_gone, policy, other)",
                        labels(with_reason), 1);
        }
    }
}

void stream_metrics(const StreamView& stream, Metrics& metrics)
{
    const std::vector<std::pair<std::string, std::string>> ids = {{"user", stream.user}, {"stream", stream.stream}};
    for (const char* state : {"active", "degraded", "not_published", "encoder_down", "source_gone"}) {
        auto with_state = ids;
        with_state.emplace_back("state", state);
        metrics.add("mtxrelay_stream_state", "gauge",
                    "1 for the state of the stream (active, degraded, not_published, encoder_down, source_gone)",
                    labels(with_state), stream.state == state ? 1 : 0);
    }
    for (const auto& path : stream.paths) {
        const auto path_labels = labels({{"path", path.name}, {"user", stream.user}, {"stream", stream.stream}});
        metrics.add("mtxrelay_path_available", "gauge", "1 when MediaMTX has a publisher on the path", path_labels,
                    path.available ? 1 : 0);
        metrics.add("mtxrelay_path_readers", "gauge", "Readers of the path (MediaMTX)", path_labels, path.readers);
    }
    for (const auto& hook : stream.hooks) {
        const auto hook_labels = labels({{"tool", field(hook, "tool")},
                                         {"path", field(hook, "path")},
                                         {"user", stream.user},
                                         {"stream", stream.stream}});
        metrics.add("mtxrelay_hook_up", "gauge", "1 for each running hook with a state document", hook_labels, 1);
        if (hook.contains("encoder") && hook["encoder"].is_object()) {
            const auto& e = hook["encoder"];
            metrics.add("mtxrelay_encoder_up", "gauge", "1 when relay-clean's encoder is streaming", hook_labels,
                        field(e, "state") == "streaming" ? 1 : 0);
            metrics.add("mtxrelay_encoder_fps", "gauge", "Encoder frames per second over the last seconds", hook_labels,
                        number_of(e, "fps"));
            metrics.add("mtxrelay_encoder_speed", "gauge", "Encoder speed (1 = real time)", hook_labels,
                        number_of(e, "speed"));
            metrics.add("mtxrelay_encoder_bitrate_kbps", "gauge", "Encoder output bitrate in kbit/s", hook_labels,
                        number_of(e, "bitrateKbps"));
            metrics.add("mtxrelay_encoder_restarts_total", "counter", "Encoder restarts since the hook started",
                        hook_labels, number_of(e, "restarts"));
        }
        destination_metrics(stream, hook, metrics);
    }
}

} // namespace

std::string render_table(const Overview& overview)
{
    std::string out;
    out += fmt::format("relay-status  {}  runtime dir {}  MediaMTX {}\n", overview.generated_at,
                       shown(overview.runtime_dir),
                       overview.mediamtx.answered ? fmt::format("{} paths", overview.mediamtx.paths.size())
                                                  : "not answering (" + shown(overview.mediamtx.error) + ")");
    if (overview.streams.empty()) {
        out += "no streams: no hook state documents and no MediaMTX paths\n";
    }
    for (const auto& stream : overview.streams) {
        out += "\n";
        render_stream(stream, out);
    }
    for (const auto& stale : overview.stale) {
        out += fmt::format("\nstale: {} pid {} ({}) is gone; its document {} was left behind\n", field(stale, "tool"),
                           field(stale, "pid"), field(stale, "path"), field(stale, "file"));
    }
    for (const auto& problem : overview.problems) {
        out += fmt::format("\nproblem: {}\n", shown(problem));
    }
    return out;
}

json render_json(const Overview& overview)
{
    auto streams = json::array();
    for (const auto& stream : overview.streams) {
        auto paths = json::array();
        for (const auto& path : stream.paths) {
            paths.push_back({{"name", path.name},
                             {"available", path.available},
                             {"online", path.online},
                             {"source", path.source},
                             {"readers", path.readers},
                             {"inboundBytes", path.inbound_bytes}});
        }
        streams.push_back({{"user", stream.user},
                           {"stream", stream.stream},
                           {"state", stream.state},
                           {"paths", paths},
                           {"hooks", stream.hooks}});
    }
    json out = {{"generatedAt", overview.generated_at},
                {"runtimeDir", overview.runtime_dir},
                {"mediamtx",
                 {{"api", overview.mediamtx.api},
                  {"answered", overview.mediamtx.answered},
                  {"error", overview.mediamtx.error}}},
                {"streams", streams},
                {"stale", overview.stale},
                {"problems", overview.problems}};
    // Every string passes the redaction once more: documents are ours, but a file in the
    // directory could have been written by anything.
    return json::parse(core::redact(out.dump(-1, ' ', false, json::error_handler_t::replace)), nullptr, false);
}

std::string render_metrics(const Overview& overview)
{
    Metrics metrics;
    metrics.add("mtxrelay_mediamtx_api_up", "gauge", "1 when MediaMTX's control API answered the path list", "",
                overview.mediamtx.answered ? 1 : 0);
    metrics.add("mtxrelay_stale_documents", "gauge", "State documents left behind by hooks that are gone", "",
                static_cast<double>(overview.stale.size()));
    metrics.add("mtxrelay_streams", "gauge", "Streams known from hook documents or MediaMTX paths", "",
                static_cast<double>(overview.streams.size()));
    for (const auto& stream : overview.streams) {
        stream_metrics(stream, metrics);
    }
    return metrics.text();
}

} // namespace mtxrelay::status
