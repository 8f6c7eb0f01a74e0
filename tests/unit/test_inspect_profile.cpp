// Profiles as data: thresholds, timestamp-rounding tolerance, inconclusive inputs, the twitch
// table, and the report an operator reads.
#include "inspect/render.hpp"
#include "test_inspect_streams.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace inspect_test;

TEST_CASE("profiles are tables with unique ids; unknown names are not found", "[inspect][profile]")
{
    REQUIRE(profiles().size() >= 2);
    CHECK(profiles().front().name == "cloudflare");
    for (const auto& profile : profiles()) {
        std::set<std::string> ids;
        for (const auto& r : profile.requirements) {
            CHECK(ids.insert(r.id).second);
        }
    }
    CHECK(find_profile("twitch") != nullptr);
    CHECK(find_profile("youtube") == nullptr);
}

TEST_CASE("twitch wants 2 s keyframes: a 4 s GOP passes cloudflare and fails twitch", "[inspect][profile]")
{
    const auto two = analyse(make_stream());
    CHECK(all_pass(evaluate(*find_profile("twitch"), two)));

    const auto four = analyse(make_stream({.gop = 4}));
    CHECK(all_pass(cloudflare(four)));
    const auto results = evaluate(*find_profile("twitch"), four);
    CHECK(result(results, "keyframe_interval_max").status == Status::fail);
    CHECK(result(results, "keyframe_interval_max").measured.value == Approx(4.0));
    CHECK(not_passing(results) == std::vector<std::string>{"keyframe_interval_max"});
}

TEST_CASE("twitch CBR compares the highest and lowest 1 s windows", "[inspect][profile]")
{
    auto data = make_stream();
    for (auto& p : data.packets) {
        if (p.type == MediaType::video && *p.dts >= 12 && *p.dts < 13) {
            p.size *= 3; // a burst: 3x the bits for one second
        }
    }
    const auto results = evaluate(*find_profile("twitch"), analyse(data));
    CHECK(result(results, "cbr").status == Status::fail);
    CHECK(result(results, "cbr").measured.value.value() > 2.5);
}

TEST_CASE("whole-ms timestamps: one dropped frame (66/67 ms) is within 2 frame intervals, two are not",
          "[inspect][profile]")
{
    for (const double drop_at : {5.0, 5.067}) { // steps of 66 and 67 ms after rounding
        auto data = make_stream();
        drop_video(data, drop_at - 0.001, drop_at + 0.02);
        const auto results = cloudflare(analyse(data));
        INFO("dropped frame at " << drop_at);
        CHECK(result(results, "max_frame_gap").status == Status::pass);
        CHECK(result(results, "max_frame_gap").limit == "<= 2 frame intervals (0.067 s)");
    }
    auto data = make_stream();
    drop_video(data, 4.99, 5.05);
    const auto results = cloudflare(analyse(data));
    CHECK(result(results, "max_frame_gap").status == Status::fail);
    CHECK(result(results, "max_frame_gap").measured.shown.starts_with("0.100 s = 3.00 frame intervals"));
}

TEST_CASE("29.97 fps in whole-ms timestamps is constant frame rate", "[inspect][profile]")
{
    const auto report = analyse(make_stream({.fps = 30000.0 / 1001, .seconds = 60}));
    const auto results = cloudflare(report);
    CHECK(result(results, "cfr_frame_durations").status == Status::pass);
    CHECK(result(results, "cfr_frames_per_second").status == Status::pass);
    CHECK(result(results, "cfr_frames_per_second").measured.value == 1); // 29 or 30 frames a second
}

TEST_CASE("variable frame rate fails both constant-frame-rate lines", "[inspect][profile]")
{
    auto data = make_stream({.audio = false});
    double t = 0;
    int n = 0;
    for (auto& p : data.packets) {
        p.pts = p.dts = std::round(t * 1000) / 1000;
        t += (n++ % 2 == 0) ? 0.029 : 0.045; // 29/45 ms: mean 27 fps
    }
    const auto results = cloudflare(analyse(data));
    CHECK(result(results, "cfr_frame_durations").status == Status::fail);
    CHECK(result(results, "cfr_frame_durations").measured.value == Approx(8.0).margin(0.01));
}

TEST_CASE("a stream shorter than 2 keyframe intervals says so instead of passing", "[inspect][profile]")
{
    const auto results = cloudflare(analyse(make_stream({.seconds = 3})));
    CHECK(result(results, "keyframe_interval_min").status == Status::pass);
    CHECK(result(results, "keyframe_interval_min").measured.shown.find("1 interval in 3.0 s: too short") !=
          std::string::npos);
    CHECK(result(results, "keyframe_interval_regular").status == Status::unknown);
    CHECK(result(results, "keyframe_interval_regular").measured.shown ==
          "needs 2 keyframe intervals, got 1: read longer (--duration)");
    CHECK_FALSE(all_pass(results));
}

TEST_CASE("one keyframe: a long tail proves the max fails, a short one proves nothing", "[inspect][profile]")
{
    const auto long_tail = cloudflare(analyse(make_stream({.seconds = 12, .gop = 100})));
    CHECK(result(long_tail, "keyframe_interval_max").status == Status::fail);
    CHECK(result(long_tail, "keyframe_interval_max").measured.value == Approx(12.0));
    CHECK(result(long_tail, "keyframe_interval_max").measured.lower_bound);
    CHECK(result(long_tail, "keyframe_interval_min").status == Status::unknown);

    const auto short_tail = cloudflare(analyse(make_stream({.seconds = 5, .gop = 100})));
    CHECK(result(short_tail, "keyframe_interval_max").status == Status::unknown);
}

TEST_CASE("a non-H.264, non-AAC stream fails the codec lines with what it found", "[inspect][profile]")
{
    auto data = make_stream();
    data.video->codec = "hevc";
    data.audio->codec = "opus";
    data.audio->profile = "";
    data.audio->sample_rate = 32000;
    const auto results = cloudflare(analyse(data));
    CHECK(result(results, "video_codec").status == Status::fail);
    CHECK(result(results, "video_codec").measured.shown == "hevc (High, 1280x720)");
    CHECK(result(results, "audio_codec").status == Status::fail);
    CHECK(result(results, "audio_profile").status == Status::fail);
    CHECK(result(results, "audio_sample_rate").status == Status::fail);
    CHECK(result(results, "audio_sample_rate").limit == "one of 44100, 48000");
}

TEST_CASE("the text report prints one status line per requirement and a verdict", "[inspect][render]")
{
    auto data = make_stream();
    data.video->has_b_frames = 2;
    const auto report = analyse(data);
    const auto* profile = find_profile("cloudflare");
    const auto results = evaluate(*profile, report);
    const auto text = render_text({"rtmp://127.0.0.1/live/***", true, 20.0}, report, *profile, results);
    CHECK(text.starts_with("input    rtmp://127.0.0.1/live/*** (live, 20.01 s read, --duration 20)\n"));
    CHECK(text.find("  FAIL     no B-frames ") != std::string::npos);
    CHECK(text.find("  PASS     keyframe interval at least 2 s ") != std::string::npos);
    CHECK(text.find("  NOTE     closed GOPs ") != std::string::npos);
    CHECK(text.ends_with("result: FAIL, 1 of 19 requirements not met; failed: no_b_frames\n"));

    const auto json = render_json({"x.flv", false, std::nullopt}, report, *profile, results);
    CHECK(json["result"] == "fail");
    CHECK(json["figures"]["video"]["keyframe_interval_s"]["max"] == Approx(2.0));
    CHECK(json["requirements"].size() == results.size());
    CHECK(json["requirements"][1]["id"] == "no_b_frames");
    CHECK(json["requirements"][1]["status"] == "fail");
    CHECK(json["requirements"][1]["value"] == 2);
}
