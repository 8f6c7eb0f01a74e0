#include "ffmpeg/clean_profile.hpp"
#include "ffmpeg/live_input.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace mtxrelay::ffmpeg;

namespace {

// The value following `flag` in argv, or "" when the flag is absent.
std::string after(const std::vector<std::string>& argv, const std::string& flag)
{
    const auto it = std::find(argv.begin(), argv.end(), flag);
    return it == argv.end() || it + 1 == argv.end() ? std::string() : *(it + 1);
}

bool has(const std::vector<std::string>& argv, const std::string& arg)
{
    return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

} // namespace

TEST_CASE("the input pump copies the RTMP stream's bytes to stdout without analysing them", "[ffmpeg][live]")
{
    const auto input = local_rtmp("127.0.0.1", 1935, "live/alice/s1");
    const auto argv = pump_command(input);
    CHECK(argv.front() == "ffmpeg");
    CHECK(after(argv, "-rtmp_app") == "live");
    CHECK(after(argv, "-rtmp_playpath") == "alice/s1");
    CHECK(after(argv, "-i") == "rtmp://127.0.0.1:1935/live/alice/s1");
    // Options before the URL, the raw byte format on both sides, one output: stdout.
    const auto at = [&](const std::string& arg) { return std::find(argv.begin(), argv.end(), arg) - argv.begin(); };
    CHECK(at("-rtmp_app") < at("-i"));
    CHECK(argv[static_cast<size_t>(at("-i")) - 1] == "data");
    CHECK(argv.back() == "pipe:1");
    CHECK(argv[argv.size() - 2] == "data");
    CHECK(after(argv, "-c") == "copy");
    CHECK(after(argv, "-flush_packets") == "1");
    CHECK(is_rtmp(input));
    CHECK(is_rtmp(from_url("RTMPS://ingest.example/app/key")));
    CHECK_FALSE(is_rtmp(from_url("srt://host:9000")));
    CHECK_FALSE(is_rtmp(from_url("/tmp/rtmp://x.flv")));
}

TEST_CASE("the fed encoder reads FLV on stdin, always with audio, analysis bounded", "[ffmpeg][live]")
{
    CleanProfile profile;
    const auto argv = clean_command(profile, InputShape{}, pipe_input(), from_url("rtmp://127.0.0.1/clean/u/s"), false);
    CHECK(after(argv, "-i") == "pipe:0");
    CHECK(after(argv, "-f") == "flv");
    CHECK(after(argv, "-fpsprobesize") == "0");
    CHECK(after(argv, "-analyzeduration") == "1000000");
    CHECK_FALSE(has(argv, "-rw_timeout"));
    CHECK_FALSE(has(argv, "-probesize"));
    const auto graph = after(argv, "-filter_complex");
    CHECK(graph.find("[0:a:0]") != std::string::npos);
    CHECK(graph.find("anullsrc") == std::string::npos);
    CHECK(after(argv, "-stats_period") == "0.5");
}

TEST_CASE("one filter graph for portrait and landscape: the frame follows the input", "[ffmpeg][live]")
{
    CleanProfile profile;
    profile.quality = *find_quality("1080p");
    const auto graph =
        after(clean_command(profile, InputShape{false, 12.5}, from_url("in.flv"), from_url("out.flv"), false),
              "-filter_complex");
    CHECK(graph.find("scale=w='if(gt(ih,iw),1080,1920)':h='if(gt(ih,iw),1920,1080)'") != std::string::npos);
    CHECK(graph.find("pad=w='if(gt(ih,iw),1080,1920)':h='if(gt(ih,iw),1920,1080)'") != std::string::npos);
    CHECK(graph.find("anullsrc=r=48000:cl=stereo,atrim=end=12.500") != std::string::npos);
    CHECK(frame_size(profile, true) == std::pair{1080, 1920});
}
