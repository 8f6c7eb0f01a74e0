#include "app/cli.hpp"
#include "app/inspect.hpp"

int main(int argc, char** argv)
{
    using namespace mtxrelay;
    app::InspectOptions options;
    CLI::App cli{"Analyse a stream or file with ffprobe (codecs, B-frames, keyframe intervals, timestamps, frame "
                 "rate, bitrate, A/V offset) and say, one line per requirement, whether it meets a target profile. "
                 "See docs/relay-inspect.md.",
                 "relay-inspect"};
    cli.footer("\nExit codes: 0 every requirement passes, 1 a requirement fails or cannot be measured from this "
               "input, 2 usage error, 7 input unreadable (missing file, unreachable URL, not media, no video, "
               "nothing read in time), 8 ffprobe missing or its output cut, 130 interrupted.\n"
               "Secrets: stream keys in URLs are masked in everything printed.");
    app::add_settings(cli, app::Tool::inspect, options);
    if (const auto code = app::parse_command_line(cli, argc, argv)) {
        return *code;
    }
    return app::guarded_main("relay-inspect", [&] { return app::run_inspect(options); });
}
