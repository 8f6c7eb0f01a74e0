#include "restream/copy_command.hpp"

namespace mtxrelay::restream {

std::vector<std::string> copy_command(const ffmpeg::Endpoint& source, const ffmpeg::Endpoint& destination)
{
    std::vector<std::string> args = {"ffmpeg",   "-nostdin",  "-hide_banner", "-loglevel",     "warning",
                                     "-nostats", "-progress", "pipe:1",       "-stats_period", "1"};
    if (source.network) {
        args.insert(args.end(), {"-rw_timeout", "5000000"});
    }
    // A copy needs no frame rate: without this, ffmpeg's analysis of the clean stream waits
    // for 40 video frames (1.3 s at 30 fps) to estimate one before the first packet goes out.
    args.insert(args.end(), {"-fpsprobesize", "0"});
    args.insert(args.end(), source.options.begin(), source.options.end());
    args.insert(args.end(), {"-i", source.url, "-map", "0:v?", "-map", "0:a?", "-c", "copy"});
    const auto format = ffmpeg::output_format(destination);
    args.insert(args.end(), {"-f", format});
    if (format == "flv") {
        args.insert(args.end(), {"-flvflags", "no_duration_filesize"});
    }
    // Output side too: a destination that stops acknowledging fails the write instead of hanging.
    args.insert(args.end(), {"-rw_timeout", "10000000"});
    args.insert(args.end(), destination.options.begin(), destination.options.end());
    args.push_back(destination.url);
    return args;
}

} // namespace mtxrelay::restream
