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
    CHECK(text.ends_with("result: FAIL, 1 of 22 requirements not met; failed: no_b_frames\n"));

    const auto json = render_json({"x.flv", false, std::nullopt}, report, *profile, results);
    CHECK(json["result"] == "fail");
    CHECK(json["figures"]["video"]["keyframe_interval_s"]["max"] == Approx(2.0));
    CHECK(json["requirements"].size() == results.size());
    CHECK(json["requirements"][1]["id"] == "no_b_frames");
    CHECK(json["requirements"][1]["status"] == "fail");
    CHECK(json["requirements"][1]["value"] == 2);
}

TEST_CASE("the frame rate must be 30 fps by default: 25 and 60 fail, 29.97 passes", "[inspect][profile]")
{
    CHECK(result(cloudflare(analyse(make_stream())), "frame_rate").status == Status::pass);
    CHECK(result(cloudflare(analyse(make_stream())), "frame_rate").limit == "29.7 fps to 30.3 fps");
    CHECK(result(cloudflare(analyse(make_stream({.fps = 30000.0 / 1001}))), "frame_rate").status == Status::pass);
    for (const double fps : {15.0, 25.0, 60.0}) {
        INFO(fps << " fps");
        // The same bits per second at every rate, so only the rate differs.
        const auto results =
            cloudflare(analyse(make_stream({.fps = fps, .gop = 2, .frame_bytes = static_cast<int>(12000 * 30 / fps)})));
        CHECK(result(results, "frame_rate").status == Status::fail);
        CHECK(result(results, "frame_rate").measured.value == Approx(fps).epsilon(0.005));
        CHECK(not_passing(results) == std::vector<std::string>{"frame_rate"}); // constant, just not 30
    }
}

TEST_CASE("--expect-fps moves the frame rate the stream must have", "[inspect][profile]")
{
    const auto report = analyse(make_stream({.fps = 25}));
    const auto results = cloudflare(report, {.fps = 25});
    CHECK(result(results, "frame_rate").status == Status::pass);
    CHECK(result(results, "frame_rate").requirement.name == "frame rate 25 fps (within 1 %)");
    CHECK(result(cloudflare(analyse(make_stream()), {.fps = 25}), "frame_rate").status == Status::fail);
}

TEST_CASE("the frame size must be a quality preset's unless one size is expected", "[inspect][profile]")
{
    const auto with_size = [](int width, int height) {
        auto data = make_stream();
        data.video->width = width;
        data.video->height = height;
        return analyse(data);
    };
    CHECK(result(cloudflare(with_size(1280, 720)), "frame_size").status == Status::pass);
    CHECK(result(cloudflare(with_size(720, 1280)), "frame_size").status == Status::pass);
    CHECK(result(cloudflare(with_size(480, 854)), "frame_size").status == Status::pass);
    for (const auto& [w, h] : {std::pair{1920, 1088}, {720, 960}, {640, 480}}) {
        INFO(w << "x" << h);
        const auto results = cloudflare(with_size(w, h));
        CHECK(result(results, "frame_size").status == Status::fail);
        CHECK(not_passing(results) == std::vector<std::string>{"frame_size"});
    }
    // "This output must be 1280x720": another preset size fails.
    const Expectations hd{.size = FrameSize{1280, 720}};
    CHECK(result(cloudflare(with_size(1280, 720), hd), "frame_size").status == Status::pass);
    const auto results = cloudflare(with_size(1920, 1080), hd);
    CHECK(result(results, "frame_size").status == Status::fail);
    CHECK(result(results, "frame_size").requirement.name == "frame size 1280x720");
    CHECK(result(results, "frame_size").measured.shown == "1920x1080");
    CHECK(result(cloudflare(with_size(0, 0)), "frame_size").status == Status::unknown);
}

TEST_CASE("orientation is shown, and judged once --expect-orientation says which", "[inspect][profile]")
{
    auto portrait = make_stream();
    portrait.video->width = 720;
    portrait.video->height = 1280;
    const auto report = analyse(portrait);
    CHECK(result(cloudflare(report), "orientation").status == Status::info);
    CHECK(result(cloudflare(report), "orientation").measured.shown == "portrait (720x1280)");
    // "Portrait input stays portrait."
    CHECK(result(cloudflare(report, {.orientation = "portrait"}), "orientation").status == Status::pass);
    const auto landscape = cloudflare(analyse(make_stream()), {.orientation = "portrait"});
    CHECK(result(landscape, "orientation").status == Status::fail);
    CHECK(result(landscape, "orientation").measured.shown == "landscape (1280x720)");
    CHECK(not_passing(landscape) == std::vector<std::string>{"orientation"});
}

TEST_CASE("an output holding two GOPs of an 18 s input fails --expect-duration 18", "[inspect][profile]")
{
    const auto whole = analyse(make_stream({.seconds = 18}));
    CHECK(result(cloudflare(whole), "duration").status == Status::info);
    CHECK(result(cloudflare(whole, {.duration = 18}), "duration").status == Status::pass);

    const auto two_gops = analyse(make_stream({.seconds = 4}));
    const auto results = cloudflare(two_gops, {.duration = 18});
    CHECK(result(results, "duration").status == Status::fail);
    CHECK(result(results, "duration").requirement.name == "duration 18 s (within 1 s)");
    CHECK(result(results, "duration").limit == "17 s to 19 s");
    CHECK(result(results, "duration").measured.value == Approx(4.0).margin(0.02));

    // The tolerance is the caller's: 17.5 s of 18 passes within 1 s, fails within 0.2 s.
    const auto short_by_half = analyse(make_stream({.seconds = 17.5}));
    CHECK(result(cloudflare(short_by_half, {.duration = 18}), "duration").status == Status::pass);
    CHECK(result(cloudflare(short_by_half, {.duration = 18, .duration_tolerance = 0.2}), "duration").status ==
          Status::fail);
}

TEST_CASE("twitch shows frame rate, size, orientation and duration until they are expected", "[inspect][profile]")
{
    const auto* twitch = find_profile("twitch");
    const auto report = analyse(make_stream({.fps = 60}));
    auto results = evaluate(*twitch, report);
    for (const auto* id : {"frame_rate", "frame_size", "orientation", "duration"}) {
        INFO(id);
        CHECK(result(results, id).status == Status::info);
    }
    CHECK(all_pass(results));
    results = evaluate(apply(*twitch, {.fps = 30, .size = FrameSize{1920, 1080}}), report);
    CHECK(result(results, "frame_rate").status == Status::fail);
    CHECK(result(results, "frame_size").status == Status::fail);
}
