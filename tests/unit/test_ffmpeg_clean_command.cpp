#include "ffmpeg/clean_profile.hpp"
#include "ffmpeg/endpoint.hpp"
#include "ffmpeg/live_input.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace mtxrelay::ffmpeg;

namespace {

using Argv = std::vector<std::string>;

// The value following `flag`, or "" when the flag is absent.
std::string value_of(const Argv& argv, const std::string& flag)
{
    const auto it = std::find(argv.begin(), argv.end(), flag);
    return it == argv.end() || it + 1 == argv.end() ? std::string() : *(it + 1);
}

// The output's -f (the last one: an input may have its own before -i).
std::string output_format_of(const Argv& argv)
{
    const auto it = std::find(argv.rbegin(), argv.rend(), "-f");
    return it == argv.rend() || it == argv.rbegin() ? std::string() : *(it - 1);
}

bool has(const Argv& argv, const std::string& arg)
{
    return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

long index_of(const Argv& argv, const std::string& arg)
{
    return static_cast<long>(std::find(argv.begin(), argv.end(), arg) - argv.begin());
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

Endpoint live_input()
{
    return local_rtmp("127.0.0.1", 1935, "live/alice/s1");
}

Endpoint clean_output()
{
    return local_rtmp("127.0.0.1", 1935, "clean/alice/s1");
}

CleanProfile profile_720p30()
{
    CleanProfile profile;
    profile.quality = *find_quality("720p");
    return profile;
}

} // namespace

TEST_CASE("the clean command keeps the output contract for any input", "[ffmpeg][clean]")
{
    // The same contract whatever the input: the decoder of the output (Cloudflare, a player)
    // relies on each of these.
    for (const bool has_audio : {true, false}) {
        for (const auto& input : {live_input(), from_url("/recordings/in.mp4"), pipe_input()}) {
            const auto argv = clean_command(profile_720p30(), InputShape{has_audio, 0}, input, clean_output(), false);
            INFO("audio " << has_audio << ", input " << input.url);
            CHECK(argv.front() == "ffmpeg");
            CHECK(has(argv, "-nostdin")); // ffmpeg never takes keyboard commands from the hook's stdin
            // Progress for the supervisor on stdout, twice a second.
            CHECK(value_of(argv, "-progress") == "pipe:1");
            CHECK(value_of(argv, "-stats_period") == "0.5");
            // A closed 2 s GOP at 30 fps, no B-frames, keyframes forced on time.
            CHECK(value_of(argv, "-g") == "60");
            CHECK(value_of(argv, "-keyint_min") == "60");
            CHECK(value_of(argv, "-sc_threshold") == "0");
            CHECK(value_of(argv, "-bf") == "0");
            CHECK(value_of(argv, "-force_key_frames") == "expr:gte(t,n_forced*2)");
            // CBR with filler: the same rate everywhere and nal-hrd=cbr, closed GOPs.
            CHECK(value_of(argv, "-b:v") == "3000k");
            CHECK(value_of(argv, "-minrate") == "3000k");
            CHECK(value_of(argv, "-maxrate") == "3000k");
            CHECK(value_of(argv, "-bufsize") == "1500k");
            CHECK(value_of(argv, "-x264-params") == "nal-hrd=cbr:open-gop=0");
            CHECK(value_of(argv, "-c:v") == "libx264");
            CHECK(value_of(argv, "-profile:v") == "high");
            CHECK(value_of(argv, "-pix_fmt") == "yuv420p");
            CHECK(value_of(argv, "-r") == "30");
            CHECK(value_of(argv, "-fps_mode") == "cfr");
            // AAC-LC 48 kHz stereo.
            CHECK(value_of(argv, "-c:a") == "aac");
            CHECK(value_of(argv, "-profile:a") == "aac_low");
            CHECK(value_of(argv, "-ar") == "48000");
            CHECK(value_of(argv, "-ac") == "2");
            CHECK(value_of(argv, "-b:a") == "128k");
            // FLV to RTMP, the output URL last (never read as an option), the input after -i.
            CHECK(output_format_of(argv) == "flv");
            CHECK(argv.back() == clean_output().url);
            CHECK(value_of(argv, "-i") == input.url);
            CHECK(value_of(argv, "-map") == "[v]");
            const auto graph = value_of(argv, "-filter_complex");
            CHECK(contains(graph, "fps=30:start_time=0,format=yuv420p[v]"));
            CHECK(contains(graph, "setsar=1"));
            if (has_audio) {
                CHECK(contains(graph, "[0:a:0]"));
                CHECK(contains(graph, "aresample=48000:async=1000"));
                CHECK_FALSE(contains(graph, "anullsrc"));
            } else {
                // Silence is generated: a player expecting audio gets a track.
                CHECK(contains(graph, "anullsrc=r=48000:cl=stereo[a]"));
                CHECK_FALSE(contains(graph, "[0:a:0]"));
            }
        }
    }
}

TEST_CASE("a live input is read with bounded waits, a silent one with a short probe", "[ffmpeg][clean]")
{
    const auto with_audio = clean_command(profile_720p30(), InputShape{true, 0}, live_input(), clean_output(), false);
    CHECK(value_of(with_audio, "-rw_timeout") == "10000000");
    CHECK(value_of(with_audio, "-analyzeduration") == "10000000");
    CHECK_FALSE(has(with_audio, "-probesize"));
    // The server's app/playpath split comes before -i and belongs to the input.
    CHECK(value_of(with_audio, "-rtmp_app") == "live");
    CHECK(index_of(with_audio, "-rtmp_playpath") < index_of(with_audio, "-i"));
    CHECK_FALSE(has(with_audio, "-re"));

    const auto silent = clean_command(profile_720p30(), InputShape{false, 0}, live_input(), clean_output(), false);
    CHECK(value_of(silent, "-probesize") == "32768");
    CHECK(index_of(silent, "-probesize") < index_of(silent, "-i"));
}

TEST_CASE("a file input: no live waits, silence trimmed to its duration, realtime on request", "[ffmpeg][clean]")
{
    const auto file = from_url("/recordings/in.mp4");
    REQUIRE_FALSE(file.network);
    const auto argv = clean_command(profile_720p30(), InputShape{false, 12.5}, file, clean_output(), false);
    CHECK_FALSE(has(argv, "-rw_timeout"));
    CHECK_FALSE(has(argv, "-probesize"));
    CHECK(contains(value_of(argv, "-filter_complex"), "anullsrc=r=48000:cl=stereo,atrim=end=12.500[a]"));
    CHECK_FALSE(has(argv, "-re"));

    const auto realtime = clean_command(profile_720p30(), InputShape{true, 12.5}, file, clean_output(), true);
    REQUIRE(has(realtime, "-re"));
    CHECK(index_of(realtime, "-re") < index_of(realtime, "-i"));
    // A duration only matters for generated silence.
    CHECK_FALSE(contains(value_of(realtime, "-filter_complex"), "atrim"));
}

TEST_CASE("the stdin-fed encoder reads FLV from pipe:0 without a frame-rate probe", "[ffmpeg][clean]")
{
    const auto argv = clean_command(profile_720p30(), InputShape{}, pipe_input(), clean_output(), false);
    CHECK(value_of(argv, "-i") == "pipe:0");
    CHECK(value_of(argv, "-fpsprobesize") == "0");
    CHECK(index_of(argv, "-fpsprobesize") < index_of(argv, "-i"));
    CHECK_FALSE(has(argv, "-rw_timeout")); // the pump reads the network, not the encoder
}

TEST_CASE("portrait and landscape inputs each get their own frame, decided by ffmpeg", "[ffmpeg][clean]")
{
    const auto profile = profile_720p30();
    CHECK(frame_size(profile, false) == std::pair{1280, 720});
    CHECK(frame_size(profile, true) == std::pair{720, 1280});
    const auto graph =
        value_of(clean_command(profile, InputShape{}, live_input(), clean_output(), false), "-filter_complex");
    // One command for both: width and height chosen from the first frame's orientation.
    CHECK(contains(graph, "scale=w='if(gt(ih,iw),720,1280)':h='if(gt(ih,iw),1280,720)'"));
    CHECK(contains(graph, "pad=w='if(gt(ih,iw),720,1280)':h='if(gt(ih,iw),1280,720)'"));
    CHECK(contains(graph, "force_original_aspect_ratio=decrease"));
}

TEST_CASE("the GOP and bitrate follow the profile's frame rate and quality", "[ffmpeg][clean]")
{
    auto profile = profile_720p30();
    profile.fps = 60;
    const auto argv = clean_command(profile, InputShape{}, live_input(), clean_output(), false);
    CHECK(value_of(argv, "-g") == "120"); // still 2 s
    CHECK(value_of(argv, "-r") == "60");
    CHECK(value_of(argv, "-b:v") == "4500k"); // more frames, more bits
    CHECK(value_of(argv, "-maxrate") == "4500k");

    auto low = CleanProfile{};
    low.quality = *find_quality("480p");
    const auto small = clean_command(low, InputShape{}, live_input(), clean_output(), false);
    CHECK(value_of(small, "-b:v") == "2800k");
    CHECK(contains(value_of(small, "-filter_complex"), "if(gt(ih,iw),480,854)"));
}

TEST_CASE("the output's format follows its protocol", "[ffmpeg][clean]")
{
    const auto srt = clean_command(profile_720p30(), InputShape{}, live_input(),
                                   from_url("srt://ingest.example:9000?streamid=abc"), false);
    CHECK(output_format_of(srt) == "mpegts");
    CHECK_FALSE(has(srt, "-flvflags"));
    const auto rtmp = clean_command(profile_720p30(), InputShape{}, live_input(), clean_output(), false);
    CHECK(value_of(rtmp, "-flvflags") == "no_duration_filesize");
}
