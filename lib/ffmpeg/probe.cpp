#include "ffmpeg/probe.hpp"

#include "core/redact.hpp"
#include "process/run.hpp"

#include <cstdlib>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace mtxrelay::ffmpeg {

using core::ErrorKind;
using core::Failure;

core::Result<StreamInfo> probe_streams(const Endpoint& input, std::chrono::milliseconds time_limit)
{
    std::vector<std::string> argv = {"ffprobe", "-v", "error", "-hide_banner"};
    if (input.network) {
        const auto live = live_read_options();
        argv.insert(argv.end(), live.begin(), live.end());
    }
    argv.insert(argv.end(), input.options.begin(), input.options.end());
    argv.insert(argv.end(), {"-show_entries", "stream=codec_type,codec_name,width,height:format=duration", "-of",
                             "json", "-i", input.url});
    auto run = process::run_capture(argv, time_limit, 1024 * 1024);
    if (!run) {
        return run.error();
    }
    const auto& result = run.value();
    if (result.interrupted) {
        return Failure{ErrorKind::interrupted, "interrupted while probing the input"};
    }
    if (result.timed_out) {
        return Failure{ErrorKind::unreachable, fmt::format("no stream from {} within {} s", core::redact(input.url),
                                                           time_limit.count() / 1000.0)};
    }
    if (result.status.as_exit_code() != 0) {
        const auto first_line = result.err.substr(0, result.err.find('\n'));
        return Failure{ErrorKind::unreachable,
                       fmt::format("cannot read {}: {}", core::redact(input.url),
                                   core::redact(first_line.empty() ? result.status.describe() : first_line))};
    }
    const auto document = nlohmann::json::parse(result.out, nullptr, false);
    if (document.is_discarded() || !document.contains("streams") || !document["streams"].is_array()) {
        return Failure{ErrorKind::bad_response, "ffprobe printed no stream list"};
    }
    StreamInfo info;
    for (const auto& stream : document["streams"]) {
        const auto type = stream.value("codec_type", "");
        if (type == "video" && !info.has_video) {
            info.has_video = true;
            info.video_codec = stream.value("codec_name", "");
            info.width = stream.value("width", 0);
            info.height = stream.value("height", 0);
        } else if (type == "audio" && !info.has_audio) {
            info.has_audio = true;
            info.audio_codec = stream.value("codec_name", "");
        }
    }
    if (document.contains("format") && document["format"].contains("duration") &&
        document["format"]["duration"].is_string()) {
        info.duration_seconds = std::strtod(document["format"]["duration"].get<std::string>().c_str(), nullptr);
    }
    if (!info.has_video) {
        return Failure{ErrorKind::bad_response,
                       fmt::format("{} has no video stream{}", core::redact(input.url),
                                   input.network ? fmt::format(" (none within {} s: a longer keyframe gap?)",
                                                               k_live_read_wait_seconds)
                                                 : std::string())};
    }
    return info;
}

} // namespace mtxrelay::ffmpeg
