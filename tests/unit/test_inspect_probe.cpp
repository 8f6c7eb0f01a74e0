// ffprobe's side of relay-inspect: the command, the parser, the input endpoint, and how a failing
// or missing ffprobe is reported (through a fake ffprobe script, so no media is needed).
#include "app/inspect.hpp"
#include "core/error.hpp"
#include "core/redact.hpp"
#include "inspect/probe_packets.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace mtxrelay;
using namespace std::chrono_literals;

namespace {

// A throwaway ffprobe stand-in: a shell script printing `out`, `err` and exiting with `code`;
// its directory is removed with it.
class FakeProbe {
public:
    FakeProbe(const std::string& out, const std::string& err, int code)
    {
        char dir[] = "/tmp/inspect-test-XXXXXX";
        REQUIRE(::mkdtemp(dir) != nullptr);
        m_dir = dir;
        std::ofstream(path() + ".out") << out;
        std::ofstream(path() + ".err") << err;
        std::ofstream(path()) << "#!/bin/sh\ncat '" << path() << ".out'\ncat '" << path() << ".err' >&2\nexit " << code
                              << "\n";
        ::chmod(path().c_str(), 0755);
    }
    FakeProbe(const FakeProbe&) = delete;
    FakeProbe& operator=(const FakeProbe&) = delete;
    ~FakeProbe() { std::filesystem::remove_all(m_dir); }
    std::string path() const { return m_dir + "/ffprobe"; }

private:
    std::string m_dir;
};

bool contains(const std::vector<std::string>& args, const std::vector<std::string>& run)
{
    return std::search(args.begin(), args.end(), run.begin(), run.end()) != args.end();
}

const char* k_sample =
    "packet|stream_index=1|pts_time=0.000000|dts_time=0.000000|duration_time=0.021000|size=300|flags=K_\n"
    "packet|stream_index=0|pts_time=0.000000|dts_time=0.000000|duration_time=0.033000|size=50000|flags=K_\n"
    "packet|stream_index=2|pts_time=0.000000|dts_time=0.000000|duration_time=N/A|size=10|flags=K_\n"
    "packet|stream_index=0|pts_time=0.033000|dts_time=N/A|duration_time=0.033000|size=9000|flags=__\n"
    "stream|index=0|codec_name=h264|profile=High|codec_type=video|width=1280|height=720|has_b_frames=0\n"
    "stream|index=1|codec_name=aac|profile=LC|codec_type=audio|sample_rate=48000|channels=2\n"
    "stream|index=2|codec_name=unknown|profile=unknown|codec_type=data\n";

} // namespace

TEST_CASE("parse_compact keeps the first video and audio stream and their packets", "[inspect][probe]")
{
    const auto data = inspect::parse_compact(k_sample);
    REQUIRE(data.video);
    CHECK(data.video->codec == "h264");
    CHECK(data.video->profile == "High");
    CHECK(data.video->width == 1280);
    REQUIRE(data.audio);
    CHECK(data.audio->sample_rate == 48000);
    CHECK(data.audio->channels == 2);
    REQUIRE(data.packets.size() == 3); // the data stream's packet is dropped
    CHECK(data.packets[0].type == inspect::MediaType::audio);
    CHECK(data.packets[1].type == inspect::MediaType::video);
    CHECK(data.packets[1].keyframe);
    CHECK(data.packets[1].size == 50000);
    CHECK_FALSE(data.packets[2].keyframe);
    CHECK(data.packets[2].pts == 0.033);
    CHECK_FALSE(data.packets[2].dts); // N/A
}

TEST_CASE("probe_command bounds live reads and puts protocol options before the URL", "[inspect][probe]")
{
    inspect::ProbeRequest request;
    request.input = {"rtmp://127.0.0.1:1935/live/u/s", {"-rtmp_app", "live", "-rtmp_playpath", "u/s"}, true};
    request.duration = 20;
    const auto args = inspect::probe_command(request);
    CHECK(contains(args, {"-rw_timeout", "5000000"}));
    CHECK(contains(args, {"-read_intervals", "%+20"}));
    CHECK(contains(args, {"-rtmp_app", "live", "-rtmp_playpath", "u/s"}));
    CHECK(contains(args, {"-of", "compact", "-i", "rtmp://127.0.0.1:1935/live/u/s"}));
    CHECK(args.back() == "rtmp://127.0.0.1:1935/live/u/s");

    request.input = ffmpeg::from_url("/tmp/x.flv");
    request.duration.reset();
    const auto file_args = inspect::probe_command(request);
    CHECK_FALSE(contains(file_args, {"-rw_timeout", "5000000"}));
    CHECK(std::find(file_args.begin(), file_args.end(), "-read_intervals") == file_args.end());
}

TEST_CASE("inspect_endpoint splits local multi-segment RTMP paths like relay-clean", "[inspect][probe]")
{
    app::InspectOptions options;
    options.input = "rtmp://127.0.0.1:1935/live/alice/s1";
    auto endpoint = app::inspect_endpoint(options);
    CHECK(endpoint.network);
    CHECK(endpoint.options == std::vector<std::string>{"-rtmp_app", "live", "-rtmp_playpath", "alice/s1"});

    options.input = "rtmp://localhost/clean/alice/s1?user=u&pass=p";
    CHECK(app::inspect_endpoint(options).options ==
          std::vector<std::string>{"-rtmp_app", "clean", "-rtmp_playpath", "alice/s1?user=u&pass=p"});

    // One segment after the app, or a remote server (Wowza's app/instance): ffmpeg's own split.
    options.input = "rtmp://127.0.0.1/live/key";
    CHECK(app::inspect_endpoint(options).options.empty());
    options.input = "rtmps://live.example.com:443/live/_definst_/key";
    CHECK(app::inspect_endpoint(options).options.empty());

    options.input = "rtmp://10.0.0.5/a/b/c";
    options.rtmp_app = "a";
    options.rtmp_playpath = "b/c";
    CHECK(app::inspect_endpoint(options).options ==
          std::vector<std::string>{"-rtmp_app", "a", "-rtmp_playpath", "b/c"});

    options.input = "/tmp/x.flv";
    CHECK_THROWS_AS(app::inspect_endpoint(options), core::UsageError);
    app::InspectOptions file;
    file.input = "/tmp/x.flv";
    CHECK_FALSE(app::inspect_endpoint(file).network);
}

TEST_CASE("probe_packets returns the parsed probe from a successful ffprobe", "[inspect][probe]")
{
    inspect::ProbeRequest request;
    request.input = ffmpeg::from_url("/tmp/x.flv");
    const FakeProbe fake(k_sample, "", 0);
    request.ffprobe = fake.path();
    request.time_limit = 10s;
    const auto probe = inspect::probe_packets(request);
    REQUIRE(probe.ok());
    CHECK(probe.value().packets.size() == 3);
}

TEST_CASE("probe_packets explains failures and never shows a stream key", "[inspect][probe]")
{
    inspect::ProbeRequest request;
    request.time_limit = 10s;

    request.input = ffmpeg::from_url("rtmp://relay.example.com/live/sk_live_SECRET123");
    const FakeProbe refused("", "rtmp://relay.example.com/live/sk_live_SECRET123: Connection refused\n", 1);
    request.ffprobe = refused.path();
    auto probe = inspect::probe_packets(request);
    REQUIRE_FALSE(probe.ok());
    CHECK(probe.error().kind == core::ErrorKind::unreachable);
    CHECK(
        probe.error().message ==
        "cannot read rtmp://relay.example.com/live/key#59c0 (Connection refused): check the URL, that the server is up "
        "and that the stream is publishing");
    // What main prints passes through redaction again: it must survive it unchanged.
    CHECK(core::redact(probe.error().message) == probe.error().message);

    request.input = ffmpeg::from_url("/tmp/notes.txt");
    const FakeProbe not_media("", "/tmp/notes.txt: Invalid data found when processing input\n", 1);
    request.ffprobe = not_media.path();
    probe = inspect::probe_packets(request);
    REQUIRE_FALSE(probe.ok());
    CHECK(probe.error().kind == core::ErrorKind::bad_response);

    const FakeProbe audio_only("stream|index=0|codec_name=aac|profile=LC|codec_type=audio|sample_rate=48000\n", "", 0);
    request.ffprobe = audio_only.path();
    probe = inspect::probe_packets(request);
    REQUIRE_FALSE(probe.ok());
    CHECK(probe.error().message.find("/tmp/notes.txt has no video stream (audio only)") == 0);

    request.ffprobe = "/nonexistent/ffprobe";
    probe = inspect::probe_packets(request);
    REQUIRE_FALSE(probe.ok());
    CHECK(probe.error().kind == core::ErrorKind::failed);
    CHECK(probe.error().message.find("is FFmpeg installed") != std::string::npos);
}
