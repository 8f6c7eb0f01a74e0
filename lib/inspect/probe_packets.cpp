#include "inspect/probe_packets.hpp"

#include "core/redact.hpp"
#include "core/strings.hpp"
#include "process/run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

namespace mtxrelay::inspect {

namespace {

using core::ErrorKind;
using core::Failure;

constexpr size_t k_max_output = 64 * 1024 * 1024;

using Fields = std::map<std::string, std::string, std::less<>>;

std::optional<double> to_number(const Fields& fields, std::string_view key)
{
    const auto found = fields.find(key);
    if (found == fields.end()) {
        return std::nullopt;
    }
    double value = 0;
    const auto& s = found->second;
    const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (error != std::errc() || end != s.data() + s.size()) {
        return std::nullopt; // "N/A"
    }
    return value;
}

int to_int(const Fields& fields, std::string_view key)
{
    return static_cast<int>(to_number(fields, key).value_or(0));
}

std::string to_text(const Fields& fields, std::string_view key)
{
    const auto found = fields.find(key);
    return found == fields.end() || found->second == "unknown" ? std::string() : found->second;
}

// The most useful line of ffprobe's stderr: the last one ("<url>: Connection refused").
std::string last_line(std::string_view err)
{
    auto lines = core::split(err, '\n');
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        const auto line = core::trim(*it);
        if (!line.empty()) {
            return std::string(line);
        }
    }
    return {};
}

std::string seconds_text(std::chrono::milliseconds ms)
{
    return fmt::format("{:g} s", static_cast<double>(ms.count()) / 1000);
}

} // namespace

std::vector<std::string> probe_command(const ProbeRequest& request)
{
    std::vector<std::string> argv = {request.ffprobe, "-v", "error", "-hide_banner"};
    if (request.input.network) {
        argv.insert(argv.end(), {"-rw_timeout", "5000000"});
    }
    if (request.duration) {
        argv.insert(argv.end(), {"-read_intervals", fmt::format("%+{:g}", *request.duration)});
    }
    argv.insert(argv.end(), request.input.options.begin(), request.input.options.end());
    argv.insert(argv.end(), {"-show_entries",
                             "stream=index,codec_type,codec_name,profile,has_b_frames,width,height,sample_rate,channels"
                             ":packet=stream_index,pts_time,dts_time,duration_time,size,flags",
                             "-of", "compact", "-i", request.input.url});
    return argv;
}

ProbeData parse_compact(std::string_view output)
{
    std::vector<Fields> streams;
    std::vector<Fields> packets;
    for (const auto& line : core::split(output, '\n')) {
        const auto parts = core::split(core::trim(line), '|');
        if (parts.size() < 2 || (parts[0] != "packet" && parts[0] != "stream")) {
            continue;
        }
        Fields fields;
        for (size_t i = 1; i < parts.size(); ++i) {
            const size_t eq = parts[i].find('=');
            if (eq != std::string::npos) {
                fields[parts[i].substr(0, eq)] = parts[i].substr(eq + 1);
            }
        }
        (parts[0] == "packet" ? packets : streams).push_back(std::move(fields));
    }

    ProbeData data;
    std::optional<int> video_index;
    std::optional<int> audio_index;
    for (const auto& s : streams) {
        const auto type = to_text(s, "codec_type");
        if (type == "video" && !data.video) {
            video_index = to_int(s, "index");
            data.video = VideoStreamInfo{to_text(s, "codec_name"), to_text(s, "profile"), to_int(s, "width"),
                                         to_int(s, "height"), to_int(s, "has_b_frames")};
        } else if (type == "audio" && !data.audio) {
            audio_index = to_int(s, "index");
            data.audio = AudioStreamInfo{to_text(s, "codec_name"), to_text(s, "profile"), to_int(s, "sample_rate"),
                                         to_int(s, "channels")};
        }
    }
    for (const auto& p : packets) {
        const int index = to_int(p, "stream_index");
        if (index != video_index && index != audio_index) {
            continue;
        }
        Packet packet;
        packet.type = index == video_index ? MediaType::video : MediaType::audio;
        packet.pts = to_number(p, "pts_time");
        packet.dts = to_number(p, "dts_time");
        packet.duration = to_number(p, "duration_time").value_or(0);
        packet.size = static_cast<std::int64_t>(to_number(p, "size").value_or(0));
        packet.keyframe = to_text(p, "flags").starts_with("K");
        data.packets.push_back(packet);
    }
    return data;
}

core::Result<ProbeData> probe_packets(const ProbeRequest& request)
{
    const auto name = core::redact_url(request.input.url);
    auto run = process::run_capture(probe_command(request), request.time_limit, k_max_output);
    if (!run) {
        return Failure{ErrorKind::failed, fmt::format("cannot run {}: {} (is FFmpeg installed and on PATH?)",
                                                      request.ffprobe, run.error().message)};
    }
    const auto& result = run.value();
    if (result.interrupted) {
        return Failure{ErrorKind::interrupted, "interrupted while reading " + name};
    }
    if (result.timed_out) {
        return Failure{ErrorKind::unreachable,
                       fmt::format("reading {} did not finish within {}: check that it is publishing and that "
                                   "--duration fits",
                                   name, seconds_text(request.time_limit))};
    }
    if (result.truncated) {
        return Failure{ErrorKind::failed,
                       fmt::format("{} is too long to analyse whole: pass --duration to read its start", name)};
    }
    if (result.status.as_exit_code() != 0) {
        auto reason = last_line(result.err);
        if (reason.starts_with(request.input.url + ": ")) {
            reason.erase(0, request.input.url.size() + 2); // ffprobe repeats the URL; we name it once
        }
        const bool not_media = reason.find("Invalid data found") != std::string::npos;
        const char* hint = not_media ? "is it a media file?"
                           : request.input.network
                               ? "check the URL, that the server is up and that the stream is publishing"
                               : "check the file";
        // The URL is never followed by punctuation: redaction would take it for part of the key.
        return Failure{not_media ? ErrorKind::bad_response : ErrorKind::unreachable,
                       fmt::format("cannot read {} ({}): {}", name,
                                   core::redact(reason.empty() ? "ffprobe " + result.status.describe() : reason),
                                   hint)};
    }
    auto data = parse_compact(result.out);
    if (!data.video) {
        return Failure{ErrorKind::bad_response,
                       fmt::format("{} has no video stream ({}): relay-inspect analyses video streams; check the "
                                   "input is the stream you meant",
                                   name, data.audio ? "audio only" : "no audio or video either")};
    }
    const bool any_video = std::any_of(data.packets.begin(), data.packets.end(),
                                       [](const Packet& p) { return p.type == MediaType::video; });
    if (!any_video) {
        return Failure{
            ErrorKind::bad_response,
            fmt::format("no video packets read from {} (an empty file, or a stream that sent nothing)", name)};
    }
    return data;
}

} // namespace mtxrelay::inspect
