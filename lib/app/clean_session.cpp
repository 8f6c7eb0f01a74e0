#include "app/clean_session.hpp"

#include "core/log.hpp"
#include "core/redact.hpp"
#include "ffmpeg/live_input.hpp"
#include "ffmpeg/probe.hpp"
#include "process/signals.hpp"
#include "restream/fanout.hpp"

#include <fmt/format.h>

#include <cmath>

namespace mtxrelay::app {

using namespace std::chrono;
using ffmpeg::Clock;
using Kind = ffmpeg::SupervisorEvent::Kind;

namespace {

// The pump has no progress of its own: bytes arriving are its progress. It is given as long
// as the encoder to show them, from its spawn (a join waits at most one keyframe gap).
ffmpeg::SupervisorSettings pump_settings(const ffmpeg::SupervisorSettings& encoder)
{
    auto settings = encoder;
    settings.startup_grace = encoder.stall_timeout;
    return settings;
}

// With the pump, the encoder's clock starts when its first keyframe is handed over: from
// then on it has the stall timeout to show output, like any stall.
ffmpeg::SupervisorSettings encoder_settings(const CleanPlan& plan)
{
    auto settings = plan.supervision;
    if (plan.pump) {
        settings.startup_grace = plan.supervision.stall_timeout;
    }
    return settings;
}

// Why the live input ended for good: read once and gone, or never read at all.
CleanEnding input_gone(bool ever_read)
{
    return ever_read ? CleanEnding{Outcome::publisher_gone, "the publisher is gone"}
                     : CleanEnding{Outcome::input_never_appeared, "the input never appeared"};
}

} // namespace

CleanCommands ffmpeg_commands()
{
    CleanCommands commands;
    commands.pump = [](const CleanPlan& plan) { return ffmpeg::pump_command(plan.input); };
    commands.encoder = [](const CleanPlan& plan) {
        return ffmpeg::clean_command(plan.profile, ffmpeg::InputShape{}, ffmpeg::pipe_input(), plan.output, false);
    };
    commands.seed = [](const CleanPlan& plan) { return ffmpeg::seed_command(plan.input, plan.output); };
    return commands;
}

CleanSession::CleanSession(const CleanPlan& plan, StartupOrigin origin, flv::FeedSettings feed, CleanDeps deps)
    : m_plan(plan), m_deps(std::move(deps)), m_now(m_deps.clock.now), m_origin(std::move(origin)),
      m_reporter(plan.cloud, plan.context ? plan.context->user_id : "", plan.context ? plan.context->stream_id : "",
                 m_deps.transport, m_deps.clock),
      m_started(m_now()), m_last_input_seen(m_started), m_loop(m_now),
      m_encoder(
          "ffmpeg", [this] { return next_encoder_run(); }, encoder_settings(plan)),
      m_feed(feed), m_state_file(plan.runtime_dir, "relay-clean")
{
    m_encoder.set_finish_on_clean_exit(!plan.input.network);
    if (plan.pump) {
        m_input.emplace(
            "input", [this] { return next_pump_run(); }, pump_settings(plan.supervision));
        m_input->set_data_handler(
            [this](std::string_view bytes, Clock::time_point now) { on_input_bytes(bytes, now); });
    }
}

ffmpeg::NextRun CleanSession::next_encoder_run()
{
    if (!m_plan.pump) {
        return next_direct_run();
    }
    ffmpeg::NextRun next;
    next.argv = m_deps.commands.encoder(m_plan);
    next.stdin_pipe = true;
    next.await_input = true;
    return next;
}

ffmpeg::NextRun CleanSession::next_direct_run()
{
    if (m_plan.seed_recipe) {
        return {m_deps.commands.seed(m_plan), false, {}};
    }
    // Above the probe's own analysis, which an input without audio uses in full.
    auto probe = ffmpeg::probe_streams(m_plan.input, seconds(ffmpeg::k_live_read_wait_seconds + 5));
    if (!probe) {
        if (probe.error().kind == core::ErrorKind::interrupted) {
            return {std::nullopt, true, "interrupted"};
        }
        if (m_plan.input.network && m_now() - m_last_input_seen > m_plan.input_gone_after) {
            m_ending = input_gone(m_ever_read);
            return {std::nullopt, true, m_ending->reason + ": " + probe.error().message};
        }
        return {std::nullopt, false, "input not readable: " + probe.error().message};
    }
    m_last_input_seen = m_now();
    m_ever_read = true;
    const auto& info = probe.value();
    const ffmpeg::InputShape shape{info.has_audio, m_plan.input.network ? 0.0 : info.duration_seconds};
    core::log::info("input: {} {}x{}, {}", info.video_codec, info.width, info.height,
                    info.has_audio ? "audio " + info.audio_codec : "no audio (silence will be inserted)");
    return {ffmpeg::clean_command(m_plan.profile, shape, m_plan.input, m_plan.output, m_plan.realtime), false, {}};
}

ffmpeg::NextRun CleanSession::next_pump_run()
{
    if (m_now() - m_last_input_seen > m_plan.input_gone_after) {
        m_ending = input_gone(m_ever_read);
        return {std::nullopt, true, m_ending->reason};
    }
    m_reader = flv::TagReader();
    ffmpeg::NextRun next;
    next.argv = m_deps.commands.pump(m_plan);
    next.data_stdout = true;
    return next;
}

void CleanSession::on_input_bytes(std::string_view bytes, Clock::time_point now)
{
    m_last_input_seen = now;
    m_ever_read = true;
    m_reader.feed(bytes);
    while (auto tag = m_reader.next()) {
        feed_encoder(m_feed.push(*tag, now), now);
    }
}

void CleanSession::feed_encoder(const flv::FeedOutput& out, Clock::time_point now)
{
    if (m_encoder.stdin_fd() < 0) {
        return; // no encoder to feed (backoff): the next one starts at a later keyframe
    }
    if (!out.bytes.empty() && !m_to_encoder.append(out.bytes) && m_restart_encoder.empty()) {
        m_restart_encoder =
            fmt::format("ffmpeg does not read its input ({} MiB waiting)", m_to_encoder.pending() / (1024 * 1024));
    }
    if (out.started) {
        m_encoder.input_started(now);
        if (m_feed.info()) {
            log_input(*m_feed.info());
        }
    }
}

void CleanSession::log_input(const flv::InputInfo& info)
{
    const auto size =
        info.width > 0 ? fmt::format(" {}x{}{}", info.width, info.height, info.height > info.width ? " (portrait)" : "")
                       : std::string(" (size not announced)");
    const auto audio = info.has_audio ? fmt::format("audio {} ({})", info.audio_codec, info.audio_source)
                                      : fmt::format("no audio ({}): silence inserted", info.audio_source);
    const auto text = fmt::format("input: {}{}, {}", info.video_codec, size, audio);
    const auto since = duration<double>(m_now() - m_origin.hook_start).count();
    if (text != m_logged_input) {
        core::log::info("{}; first keyframe {:.1f} s after the hook start", text, since);
        m_logged_input = text;
    } else {
        core::log::info("ffmpeg: fed from the input's next keyframe ({:.1f} s after the hook start)", since);
    }
}

// How long, at the end, what the input delivered and an encoder running behind real time has
// not read yet is still handed to it before its stdin closes. With the encoder's own 2 s to
// finish after that and the 1.5 s final status post, the hook still exits within 5 s.
constexpr milliseconds k_tail_handover{1500};

void CleanSession::handle_input_events(const std::vector<ffmpeg::SupervisorEvent>& events, Clock::time_point now)
{
    for (const auto& event : events) {
        if (event.kind != Kind::exited) {
            continue;
        }
        // A new join starts at its own keyframe: the encoder starts over with it, after it got
        // what this join delivered (the publisher's last seconds when it left).
        hand_over_tail(now + k_tail_handover);
        m_to_encoder.clear();
        if (m_encoder.running()) {
            handle_encoder_events(m_encoder.restart(now, "input lost: " + event.reason), now);
        } else {
            m_active = false;
            auto details = stats();
            details["reason"] = core::redact("input lost: " + event.reason);
            m_reporter.post("error", details);
        }
    }
}

void CleanSession::handle_encoder_events(const std::vector<ffmpeg::SupervisorEvent>& events, Clock::time_point now)
{
    for (const auto& event : events) {
        if (event.kind == Kind::started && m_plan.pump) {
            m_to_encoder.clear();
            m_to_encoder.append(m_feed.begin());
        } else if (event.kind == Kind::streaming) {
            if (!m_plan.pump) {
                m_last_input_seen = now;
            }
            auto details = stats();
            if (!m_reported_startup) {
                const double startup = duration<double>(now - m_origin.at()).count();
                details["startupSeconds"] = std::round(startup * 10) / 10;
                m_startup_seconds = std::round(startup * 10) / 10;
                details["startupFrom"] = m_origin.from();
                core::log::info("active: clean output flowing {:.1f} s after the {}", startup, m_origin.from());
                m_reported_startup = true;
            } else if (!m_active) {
                core::log::info("active: clean output flowing again");
            }
            m_active = true;
            m_reporter.post("active", details);
            m_loop.reschedule(m_status_timer, now + m_plan.status_interval);
        } else if (event.kind == Kind::exited && !m_plan.output.network) {
            // A restart would truncate the file written so far: a file output fails once.
            m_ending =
                CleanEnding{Outcome::output_failed, "ffmpeg failed writing " + m_plan.output.url + ": " + event.reason};
        } else if (event.kind == Kind::exited) {
            m_active = false;
            m_to_encoder.clear();
            auto details = stats();
            details["reason"] = core::redact(event.reason);
            m_reporter.post("error", details);
        }
    }
}

void CleanSession::after_step(Clock::time_point now)
{
    const auto& info = m_feed.info();
    if (!m_late_audio_handled && m_restart_encoder.empty() && m_encoder.running() && !m_encoder.stopping_child() &&
        m_feed.flowing() && info && !info->has_audio && m_feed.dropped_audio_tags() > 0) {
        m_late_audio_handled = true; // once per run: an input whose audio comes and goes is not chased
        m_restart_encoder = "audio appeared after the start: restarting ffmpeg to include it";
    }
    const int fd = m_encoder.stdin_fd();
    if (fd >= 0 && m_to_encoder.pending() > 0 && !m_to_encoder.flush(fd)) {
        m_to_encoder.clear(); // the encoder is exiting; the next step reports why
    }
    if (!m_restart_encoder.empty()) {
        const auto reason = m_restart_encoder;
        m_restart_encoder.clear();
        m_to_encoder.clear();
        handle_encoder_events(m_encoder.restart(now, reason), now);
    }
}

nlohmann::json CleanSession::stats() const
{
    const auto& p = m_encoder.progress();
    return {{"bitrate", static_cast<long>(p.bitrate_kbps)},
            {"fps", std::round(p.fps * 10) / 10},
            {"frames", p.frame},
            {"droppedFrames", p.drop_frames},
            {"duplicatedFrames", p.dup_frames},
            {"speed", p.speed},
            {"restarts", std::max(0, m_encoder.restarts())},
            {"uptimeSeconds", duration_cast<seconds>(m_now() - m_started).count()},
            {"output", core::redact(m_plan.output.url)}};
}

nlohmann::json CleanSession::encoder_state() const
{
    const auto& p = m_encoder.progress();
    auto state = restream::reported_status(m_encoder.state());
    const bool input_away = m_input && m_input->state() != ffmpeg::RunState::streaming && !m_active;
    if (state != cloud::RunStatus::streaming && state != cloud::RunStatus::stopping && input_away) {
        state = cloud::RunStatus::waiting; // for the input: the encoder is not at fault
    }
    const auto input_error = m_input ? m_input->last_error() : std::string();
    const auto& last_error = state == cloud::RunStatus::waiting ? input_error : m_encoder.last_error();
    nlohmann::json encoder = {{"state", cloud::status_word(state)},
                              {"fps", std::round(p.fps * 10) / 10},
                              {"speed", p.speed},
                              {"bitrateKbps", p.bitrate_kbps},
                              {"frames", p.frame},
                              {"droppedFrames", p.drop_frames},
                              {"duplicatedFrames", p.dup_frames},
                              {"restarts", std::max(0, m_encoder.restarts())},
                              {"lastError", core::redact(last_error)},
                              {"uptimeSeconds", duration_cast<seconds>(m_now() - m_started).count()},
                              {"startupSeconds", m_startup_seconds ? nlohmann::json(*m_startup_seconds) : nullptr}};
    return encoder;
}

void CleanSession::write_state()
{
    const auto encoder = encoder_state();
    m_state_file.write({{"path", m_plan.context ? m_plan.context->path : std::string()},
                        {"user", m_plan.context ? m_plan.context->user_id : std::string()},
                        {"stream", m_plan.context ? m_plan.context->stream_id : std::string()},
                        {"role", "clean"},
                        {"state", encoder["state"] == "streaming" ? "active" : encoder["state"]},
                        {"input", core::redact(m_plan.input.url)},
                        {"output", core::redact(m_plan.output.url)},
                        {"encoder", encoder}});
}

void CleanSession::watch_children(EventLoop& loop, bool with_input)
{
    loop.watch([this, with_input](std::vector<pollfd>& fds) {
        if (m_input && with_input) {
            m_input->append_fds(fds);
        }
        m_encoder.append_fds(fds);
        if (m_to_encoder.pending() > 0 && m_encoder.stdin_fd() >= 0) {
            fds.push_back({m_encoder.stdin_fd(), POLLOUT, 0});
        }
    });
}

void CleanSession::on_turn(Clock::time_point now)
{
    if (m_input) {
        handle_input_events(m_input->step(now), now);
    }
    handle_encoder_events(m_encoder.step(now), now);
    if (m_plan.pump) {
        after_step(now);
    }
    if (!ended() && !m_plan.pump && m_encoder.state() == ffmpeg::RunState::streaming) {
        m_last_input_seen = now;
    }
}

bool CleanSession::ended() const
{
    const bool input_finished = m_input && m_input->state() == ffmpeg::RunState::stopped;
    return input_finished || m_encoder.state() == ffmpeg::RunState::stopped || m_ending.has_value();
}

void CleanSession::report_periodic()
{
    if (!m_active) {
        return;
    }
    const auto& p = m_encoder.progress();
    core::log::info("streaming: {:.1f} fps, {:.0f} kbit/s, speed {:.2f}x, dup {}, drop {}, restarts {}", p.fps,
                    p.bitrate_kbps, p.speed, p.dup_frames, p.drop_frames, std::max(0, m_encoder.restarts()));
    m_reporter.post("active", stats(), true);
}

int CleanSession::run()
{
    watch_children(m_loop, true);
    m_loop.on_wake([this](Clock::time_point now) { on_turn(now); });
    m_loop.every(seconds(1), [this](Clock::time_point) { write_state(); });
    m_status_timer = m_loop.every(
        m_plan.status_interval, [this](Clock::time_point) { report_periodic(); }, m_started);
    if (m_plan.pump) {
        // The feed's wait for announced audio is timed here.
        m_loop.every(milliseconds(100), [this](Clock::time_point now) { feed_encoder(m_feed.tick(now), now); });
        m_loop.set_tick(milliseconds(100));
    }
    m_loop.run([this] { return ended(); });
    // A stop signal decides even when the run was ending anyway (a probe it interrupted).
    return finish(process::StopSignal::requested());
}

void CleanSession::hand_over_tail(Clock::time_point until)
{
    const auto handed_over = [this] { return m_to_encoder.pending() == 0 || m_encoder.stdin_fd() < 0; };
    if (handed_over()) {
        return;
    }
    EventLoop tail(m_now);
    tail.set_tick(milliseconds(20));
    watch_children(tail, false);
    bool broken = false;
    tail.on_wake([this, &broken](Clock::time_point now) {
        if (m_encoder.stdin_fd() >= 0 && !m_to_encoder.flush(m_encoder.stdin_fd())) {
            broken = true; // the encoder is exiting
        }
        m_encoder.step(now); // keeps its progress and stderr pipes read
    });
    tail.run([&] { return broken || handed_over(); }, until, EventLoop::OnStop::ignore);
}

int CleanSession::finish(bool interrupted)
{
    // The input stops at once; the encoder first gets what the input already delivered (the
    // end of the broadcast), then both are stopped (stdin closed, SIGINT, then harder).
    auto now = m_now();
    write_state();
    if (m_input) {
        m_input->begin_stop(now);
    }
    hand_over_tail(now + k_tail_handover);
    now = m_now();
    m_encoder.begin_stop(now);
    EventLoop stopping(m_now);
    stopping.set_tick(milliseconds(20));
    watch_children(stopping, true);
    stopping.on_wake([this](Clock::time_point at) {
        m_encoder.step(at);
        if (m_input) {
            m_input->step(at);
        }
    });
    const auto both_stopped = [this] {
        return m_encoder.state() == ffmpeg::RunState::stopped &&
               (!m_input || m_input->state() == ffmpeg::RunState::stopped);
    };
    stopping.run(both_stopped, now + seconds(6), EventLoop::OnStop::ignore);
    m_encoder.stop(); // reaps whatever the deadline left (normally nothing)
    if (m_input) {
        m_input->stop();
    }
    auto ending = m_ending.value_or(CleanEnding{Outcome::input_ended, "the input ended"});
    if (interrupted) {
        ending = {Outcome::interrupted, fmt::format("stopped by signal {}", process::StopSignal::received())};
    }
    const int code = exit_status(ending.outcome);
    auto details = stats();
    details["reason"] = ending.reason;
    m_reporter.finish("stopped", details, milliseconds(1500));
    core::log::info("exiting ({}): {}", code, ending.reason);
    return code;
}

} // namespace mtxrelay::app
