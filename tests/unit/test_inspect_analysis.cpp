// relay-inspect's analysis on synthetic packet lists: each case checks the figure an operator
// reads and the PASS/FAIL line the cloudflare profile prints for it.
#include "test_inspect_streams.hpp"

#include <catch2/catch.hpp>

using namespace inspect_test;

TEST_CASE("a clean CFR stream with 2 s GOPs passes every cloudflare requirement", "[inspect][analysis]")
{
    const auto report = analyse(make_stream());
    CHECK(report.frames == 600);
    CHECK(report.keyframe_times.size() == 10);
    CHECK(report.keyframe_intervals.min == Approx(2.0));
    CHECK(report.keyframe_intervals.max == Approx(2.0));
    CHECK(report.keyframe_intervals.stddev == Approx(0).margin(1e-9));
    CHECK(report.effective_fps == Approx(30).epsilon(0.01));
    CHECK(report.nominal_frame_interval == Approx(1.0 / 30).epsilon(0.01));
    // Whole-ms timestamps: durations alternate 33/34 ms, a stddev under 0.5 ms.
    CHECK(report.timestamp_resolution == 0.001);
    CHECK(report.frame_durations.stddev * 1000 < 0.5);
    CHECK(report.frames_per_second.size() == 20);
    CHECK(report.largest_gap == Approx(0.034));
    CHECK(report.bitrate_mean / 1e6 == Approx(3.21).epsilon(0.01));
    REQUIRE(report.bitrate_lowest_window);
    CHECK(*report.bitrate_lowest_window / 1e6 > 3.0);
    REQUIRE(report.av_start_offset);
    CHECK(*report.av_start_offset == Approx(0).margin(1e-9));

    const auto results = cloudflare(report);
    CHECK(not_passing(results).empty());
    CHECK(all_pass(results));
    CHECK(result(results, "closed_gops").status == Status::info);
    CHECK(result(results, "closed_gops").measured.shown.find("implied by no B-frames") != std::string::npos);
}

TEST_CASE("irregular keyframes fail the 2 s minimum and the fixed-interval rule", "[inspect][analysis]")
{
    auto data = make_stream({.seconds = 18, .gop = 100});
    const std::vector<double> keys = {0, 0.4, 1.5, 4, 11, 11.6, 13.3, 17};
    for (auto& p : data.packets) {
        if (p.type == MediaType::video) {
            p.keyframe = std::any_of(keys.begin(), keys.end(), [&](double k) { return std::abs(*p.pts - k) < 0.01; });
        }
    }
    const auto report = analyse(data);
    CHECK(report.keyframe_intervals.count == 7);
    CHECK(report.keyframe_intervals.min == Approx(0.4).margin(0.002));
    CHECK(report.keyframe_intervals.max == Approx(7.0).margin(0.002));
    CHECK(report.keyframe_intervals.stddev == Approx(2.147).margin(0.001));

    const auto results = cloudflare(report);
    CHECK(result(results, "keyframe_interval_min").status == Status::fail);
    CHECK(result(results, "keyframe_interval_min").measured.shown.starts_with("0.400 s"));
    CHECK(result(results, "keyframe_interval_max").status == Status::pass);
    CHECK(result(results, "keyframe_interval_regular").status == Status::fail);
    CHECK(not_passing(results) == std::vector<std::string>{"keyframe_interval_min", "keyframe_interval_regular"});
}

TEST_CASE("a 5 s forward timestamp jump fails jumps, frame gap, frame rate and the bitrate floor",
          "[inspect][analysis]")
{
    auto data = make_stream();
    shift_from(data, 8.0, 5.0);
    const auto report = analyse(data);
    REQUIRE(report.video_timing.jumps.size() == 1);
    CHECK(report.video_timing.jumps[0].at == Approx(13.0));
    CHECK(report.video_timing.jumps[0].step == Approx(5.033).margin(0.001));
    CHECK(report.audio_timing.jumps.size() == 1);
    CHECK(report.largest_gap == Approx(5.033).margin(0.001));
    CHECK(*report.bitrate_lowest_window < 1e5); // a window inside the jump carries one packet or two
    CHECK(report.video_timing.dts_backward == 0);

    const auto results = cloudflare(report);
    CHECK(result(results, "no_timestamp_jumps").status == Status::fail);
    CHECK(result(results, "no_timestamp_jumps").measured.shown ==
          "2: video +5.033 s at 13.000 s, audio +5.021 s at 13.000 s");
    CHECK(result(results, "dts_monotonic").status == Status::pass);
    // The GOP spanning the jump measures 7 s, so the keyframe interval is irregular too.
    CHECK(not_passing(results) == std::vector<std::string>{"keyframe_interval_regular", "cfr_frame_durations",
                                                           "cfr_frames_per_second", "no_timestamp_jumps",
                                                           "max_frame_gap", "bitrate_window_min"});
}

TEST_CASE("a backward jump fails DTS monotonicity and jumps", "[inspect][analysis]")
{
    auto data = make_stream();
    shift_from(data, 10.0, -3.0);
    const auto report = analyse(data);
    CHECK(report.video_timing.dts_backward == 1);
    CHECK(report.audio_timing.dts_backward == 1);
    REQUIRE(report.video_timing.jumps.size() == 1);
    CHECK(report.video_timing.jumps[0].step == Approx(-2.967).margin(0.001));

    const auto results = cloudflare(report);
    CHECK(result(results, "dts_monotonic").status == Status::fail);
    CHECK(result(results, "dts_monotonic").measured.shown == "2 (2 backward, 0 repeated, 0 missing)");
    CHECK(result(results, "no_timestamp_jumps").status == Status::fail);
    CHECK(result(results, "pts_not_before_dts").status == Status::pass);
}

TEST_CASE("B-frame reordering is found from packets even when the header says none", "[inspect][analysis]")
{
    // Decode order I0 P3 B1 B2 P6 B4 B5 ...: display index d, decode index k, dts = (k - 1) / fps.
    ProbeData data;
    data.video = VideoStreamInfo{"h264", "High", 1280, 720, 0};
    int k = 0;
    auto emit = [&](int d) {
        const double pts = d / 30.0;
        const double dts = (k++ - 1) / 30.0;
        data.packets.push_back({MediaType::video, pts, dts, 1 / 30.0, 10000, d % 60 == 0});
    };
    emit(0);
    for (int anchor = 3; anchor < 600; anchor += 3) {
        emit(anchor);
        emit(anchor - 2);
        emit(anchor - 1);
    }
    const auto report = analyse(data);
    CHECK(report.reordered_frames == 398); // every B-frame: 2 per group of 3, 199 groups
    CHECK(report.video_timing.pts_before_dts == 0);
    CHECK(report.video_timing.dts_backward == 0);

    auto results = cloudflare(report);
    CHECK(result(results, "no_b_frames").status == Status::fail);
    CHECK(result(results, "no_b_frames").measured.shown == "has_b_frames 0, 398 of 598 packets out of PTS order");
    CHECK(result(results, "closed_gops").measured.shown.find("GOPs may be open") != std::string::npos);
    CHECK(result(results, "dts_monotonic").status == Status::pass);

    // The header alone is enough too.
    auto header_only = make_stream();
    header_only.video->has_b_frames = 2;
    results = cloudflare(analyse(header_only));
    CHECK(result(results, "no_b_frames").status == Status::fail);
    CHECK(result(results, "no_b_frames").measured.value == 2);
}

TEST_CASE("a 0.5 s video hole fails the frame gap and frame rate but is not a jump", "[inspect][analysis]")
{
    auto data = make_stream();
    drop_video(data, 8.01, 8.5); // the step from 8.000 to 8.500 is exactly 0.5 s
    const auto report = analyse(data);
    CHECK(report.largest_gap == Approx(0.5));
    CHECK(report.largest_gap_at == Approx(8.5));
    CHECK(report.video_timing.jumps.empty());
    const auto [low, high] = std::minmax_element(report.frames_per_second.begin(), report.frames_per_second.end());
    CHECK(*low == 16);
    CHECK(*high == 30);

    const auto results = cloudflare(report);
    CHECK(result(results, "max_frame_gap").status == Status::fail);
    CHECK(result(results, "max_frame_gap").measured.shown.starts_with("0.500 s = 15.00 frame intervals"));
    CHECK(result(results, "no_timestamp_jumps").status == Status::pass);
    CHECK(result(results, "cfr_frames_per_second").status == Status::fail);
    CHECK(result(results, "cfr_frame_durations").status == Status::fail);
}

TEST_CASE("no audio fails audio presence; the audio figures are unknown, not passed", "[inspect][analysis]")
{
    const auto report = analyse(make_stream({.audio = false}));
    CHECK_FALSE(report.audio);
    CHECK_FALSE(report.av_start_offset);

    const auto results = cloudflare(report);
    CHECK(result(results, "audio_present").status == Status::fail);
    CHECK(result(results, "audio_present").measured.shown == "no audio track");
    CHECK(result(results, "audio_codec").status == Status::unknown);
    CHECK(result(results, "av_start_offset").status == Status::unknown);
    CHECK(result(results, "av_end_offset").status == Status::unknown);
    CHECK_FALSE(all_pass(results));
}

TEST_CASE("a low-bitrate second fails the 1 s window floor while the mean passes", "[inspect][analysis]")
{
    auto data = make_stream();
    for (auto& p : data.packets) {
        if (p.type == MediaType::video && *p.dts >= 10.3 && *p.dts < 11.5) {
            p.size = 2000; // a static scene the encoder barely spends bits on
        }
    }
    const auto report = analyse(data);
    REQUIRE(report.bitrate_lowest_window);
    CHECK(*report.bitrate_lowest_window / 1e6 == Approx(0.62).margin(0.02));
    CHECK(report.bitrate_lowest_window_at >= 10.3 - 1e-9);
    CHECK(report.bitrate_lowest_window_at <= 10.5 + 1e-9);

    const auto results = cloudflare(report);
    CHECK(result(results, "bitrate_window_min").status == Status::fail);
    CHECK(result(results, "bitrate_mean_min").status == Status::pass);
    CHECK(not_passing(results) == std::vector<std::string>{"bitrate_window_min"});
}

TEST_CASE("audio starting 300 ms after video fails the A/V start offset", "[inspect][analysis]")
{
    const auto report = analyse(make_stream({.audio_start = 0.3}));
    REQUIRE(report.av_start_offset);
    CHECK(*report.av_start_offset == Approx(0.3));

    const auto results = cloudflare(report);
    CHECK(result(results, "av_start_offset").status == Status::fail);
    CHECK(result(results, "av_start_offset").measured.shown == "300 ms (audio starts after video)");
    CHECK(not_passing(results) == std::vector<std::string>{"av_start_offset"});
}

TEST_CASE("the last partial second is never a bitrate window", "[inspect][analysis]")
{
    // 10.5 s of stream: windows start at packets up to 9.5 s, so the half second at the end,
    // which carries half the bytes of a full one, is not reported as the lowest.
    const auto report = analyse(make_stream({.seconds = 10.5}));
    REQUIRE(report.bitrate_lowest_window);
    CHECK(report.bitrate_lowest_window_at <= 9.5);
    CHECK(*report.bitrate_lowest_window / 1e6 > 3.0);
    CHECK(report.frames_per_second.size() == 10);

    const auto tiny = analyse(make_stream({.seconds = 0.5}));
    CHECK_FALSE(tiny.bitrate_lowest_window);
    CHECK(result(cloudflare(tiny), "bitrate_window_min").status == Status::unknown);
}

TEST_CASE("missing and repeated timestamps count against DTS order", "[inspect][analysis]")
{
    auto data = make_stream({.audio = false});
    data.packets[5].dts.reset();
    data.packets[9].dts = data.packets[8].dts;
    data.packets[9].pts = data.packets[8].pts;
    const auto report = analyse(data);
    CHECK(report.video_timing.missing_timestamps == 1);
    CHECK(report.video_timing.dts_repeated == 1);
    CHECK(result(cloudflare(report), "dts_monotonic").measured.shown == "2 (0 backward, 1 repeated, 1 missing)");
}

TEST_CASE("audio whose clock runs 1.5 % fast starts with the video but ends 300 ms after it", "[inspect][analysis]")
{
    auto data = make_stream();
    stretch_audio(data, 1.015);
    const auto report = analyse(data);
    REQUIRE(report.av_start_offset);
    CHECK(*report.av_start_offset == Approx(0).margin(1e-9));
    REQUIRE(report.av_end_offset);
    CHECK(*report.av_end_offset == Approx(0.3).margin(0.025)); // 20 s * 1.5 %, within one AAC frame

    const auto results = cloudflare(report);
    CHECK(result(results, "av_start_offset").status == Status::pass);
    CHECK(result(results, "av_end_offset").status == Status::fail);
    CHECK(result(results, "av_end_offset").measured.shown.ends_with(" ms (audio ends after video)"));
    CHECK(not_passing(results) == std::vector<std::string>{"av_end_offset"});
}

TEST_CASE("video that stops 2 s before the audio fails the end offset, whichever way round", "[inspect][analysis]")
{
    auto data = make_stream();
    drop_video(data, 18, 20);
    auto results = cloudflare(analyse(data));
    CHECK(result(results, "av_end_offset").status == Status::fail);
    CHECK(result(results, "av_end_offset").measured.value == Approx(2011).margin(1)); // audio's last frame ends 20.011
    CHECK(result(results, "av_start_offset").status == Status::pass);

    auto audio_short = make_stream();
    std::erase_if(audio_short.packets, [](const Packet& p) { return p.type == MediaType::audio && *p.dts >= 18; });
    results = cloudflare(analyse(audio_short));
    CHECK(result(results, "av_end_offset").status == Status::fail);
    CHECK(result(results, "av_end_offset").measured.shown.ends_with(" ms (audio ends before video)"));
}

TEST_CASE("the end offset is read over the last second, not moved by an earlier backward jump", "[inspect][analysis]")
{
    // An encoder restart: both tracks go back 3 s at 10 s, so their highest timestamps (~10 s)
    // come before the stream's real end (~17 s), where the video now stops 0.5 s early.
    auto data = make_stream();
    shift_from(data, 10.0, -3.0);
    drop_video(data, 16.5, 20);
    const auto report = analyse(data);
    REQUIRE(report.video_timing.finish);
    CHECK(*report.video_timing.finish == Approx(16.5).margin(0.002));
    REQUIRE(report.av_end_offset);
    CHECK(*report.av_end_offset == Approx(0.511).margin(0.002));
}
