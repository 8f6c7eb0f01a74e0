#pragma once

#include "app/event_loop.hpp"
#include "app/outcome.hpp"
#include "app/status_reporter.hpp"
#include "cloud/settings.hpp"
#include "ffmpeg/clean_profile.hpp"
#include "ffmpeg/endpoint.hpp"
#include "ffmpeg/supervisor.hpp"
#include "flv/encoder_feed.hpp"
#include "flv/tag.hpp"
#include "mtx/hook_context.hpp"
#include "process/byte_pipe.hpp"
#include "runtime/state_file.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mtxrelay::app {

// Everything a relay-clean run needs, resolved and validated before any ffmpeg starts.
struct CleanPlan {
    std::optional<mtx::HookContext> context;
    std::optional<cloud::CloudSettings> cloud;
    ffmpeg::Endpoint input;
    std::string input_path; // the relay's own path read in hook mode ("live/<user>/<stream>"), else empty
    ffmpeg::Endpoint output;
    bool output_from_cloud = false;
    ffmpeg::CleanProfile profile;
    ffmpeg::SupervisorSettings supervision;
    std::chrono::seconds status_interval{10};
    std::chrono::milliseconds input_gone_after{15000};
    bool seed_recipe = false; // the seeds' command, for comparisons
    bool realtime = false;
    // Read the live input once (RTMP pump) and feed the encoder on stdin; otherwise ffmpeg
    // reads the input itself after an ffprobe (files, other protocols, the seed recipe).
    bool pump = false;
    std::optional<std::string> mtx_api; // MediaMTX control API base URL (hook mode on the relay's own path)
    std::string runtime_dir;            // where the state document for relay-status goes
};

// Where the start-up time is counted from: the publish when MediaMTX told when the publisher
// connected, else this hook's start.
struct StartupOrigin {
    std::chrono::steady_clock::time_point hook_start;
    std::optional<std::chrono::steady_clock::time_point> publish;
    std::chrono::steady_clock::time_point at() const { return publish ? *publish : hook_start; }
    const char* from() const { return publish ? "publish" : "hook start"; }
};

// The programs a session runs, built from the plan (a seam: unit tests run a stand-in ffmpeg).
struct CleanCommands {
    using Build = std::function<std::vector<std::string>(const CleanPlan& plan)>;
    Build pump;    // the live input's reader (plan.pump)
    Build encoder; // the encoder fed on stdin (plan.pump)
    Build seed;    // the seeds' command (plan.seed_recipe)
};

// The ffmpeg commands of lib/ffmpeg.
CleanCommands ffmpeg_commands();

// What relay-clean takes from outside: HTTP, time, and the programs it runs.
struct CleanDeps : ToolDeps {
    CleanCommands commands = ffmpeg_commands();
};

// How a session ended: the typed outcome (the exit code) and the words logged and posted.
struct CleanEnding {
    Outcome outcome;
    std::string reason;
};

// One relay-clean run: supervises the encoder (and, with plan.pump, the input pump that
// feeds it), posts status, and ends on a stop signal, a finished file or a vanished input.
class CleanSession {
public:
    CleanSession(const CleanPlan& plan, StartupOrigin origin, flv::FeedSettings feed, CleanDeps deps = {});
    CleanSession(const CleanSession&) = delete;
    CleanSession& operator=(const CleanSession&) = delete;

    // Runs until the end; returns the exit code (0 input ended/gone, 1 failure, 130 signal).
    int run();

private:
    ffmpeg::NextRun next_encoder_run();
    ffmpeg::NextRun next_direct_run();
    ffmpeg::NextRun next_pump_run();
    void on_input_bytes(std::string_view bytes, ffmpeg::Clock::time_point now);
    void handle_input_events(const std::vector<ffmpeg::SupervisorEvent>& events, ffmpeg::Clock::time_point now);
    void handle_encoder_events(const std::vector<ffmpeg::SupervisorEvent>& events, ffmpeg::Clock::time_point now);
    void feed_encoder(const flv::FeedOutput& out, ffmpeg::Clock::time_point now);
    void after_step(ffmpeg::Clock::time_point now);
    nlohmann::json stats() const;
    // The encoder as relay-status shows it: its state (waiting while the input is away),
    // fps over the last second, speed, bitrate, restarts, last error, uptime, start-up time.
    nlohmann::json encoder_state() const;
    void write_state();
    void log_input(const flv::InputInfo& info);
    void on_turn(ffmpeg::Clock::time_point now);
    bool ended() const;
    void report_periodic();
    void watch_children(EventLoop& loop, bool with_input);
    int finish(bool interrupted);
    void hand_over_tail(ffmpeg::Clock::time_point until);

    const CleanPlan& m_plan;
    CleanDeps m_deps;
    std::function<ffmpeg::Clock::time_point()> m_now;
    StartupOrigin m_origin;
    StatusReporter m_reporter;
    ffmpeg::Clock::time_point m_started;
    ffmpeg::Clock::time_point m_last_input_seen;
    bool m_ever_read = false;
    bool m_active = false;
    bool m_reported_startup = false;
    std::optional<CleanEnding> m_ending; // set when the run must end (input gone, file output failed)
    EventLoop m_loop;
    EventLoop::TimerId m_status_timer = 0;
    ffmpeg::Supervisor m_encoder;
    std::optional<ffmpeg::Supervisor> m_input;
    flv::TagReader m_reader;
    flv::EncoderFeed m_feed;
    process::PipeWriter m_to_encoder;
    std::string m_restart_encoder; // why the encoder must restart after this step, if it must
    bool m_late_audio_handled = false;
    std::string m_logged_input; // the last input description logged
    runtime::StateFile m_state_file;
    std::optional<double> m_startup_seconds;
};

} // namespace mtxrelay::app
