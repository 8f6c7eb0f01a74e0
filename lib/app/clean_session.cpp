#include "app/clean_session.hpp"

#include "core/log.hpp"
#include "core/redact.hpp"
#include "ffmpeg/live_input.hpp"
#include "ffmpeg/probe.hpp"
#include "process/signals.hpp"
#include "restream/fanout.hpp"

#include <fmt/format.h>

#include <poll.h>

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

} // namespace

CleanSession::CleanSession(const CleanPlan& plan, StartupOrigin origin, flv::FeedSettings feed)
    : m_plan(plan), m_origin(std::move(origin)),
      m_reporter(plan.cloud, plan.context ? plan.context->user_id : "", plan.context ? plan.context->stream_id : ""),
      m_started(Clock::now()), m_last_input_seen(m_started),
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
    next.argv = ffmpeg::clean_command(m_plan.profile, ffmpeg::InputShape{}, ffmpeg::pipe_input(), m_plan.output, false);
    next.stdin_pipe = true;
    next.await_input = true;
    return next;
}

ffmpeg::NextRun CleanSession::next_direct_run()
{
    if (m_plan.seed_recipe) {
        return {ffmpeg::seed_command(m_plan.input, m_plan.output), false, {}};
    }
    // Above the probe's own analysis, which an input without audio uses in full.
    auto probe = ffmpeg::probe_streams(m_plan.input, seconds(ffmpeg::k_live_read_wait_seconds + 5));
    if (!probe) {
        if (probe.error().kind == core::ErrorKind::interrupted) {
            return {std::nullopt, true, "interrupted"};
        }
        if (m_plan.input.network && Clock::now() - m_last_input_seen > m_plan.input_gone_after) {
            m_finish_reason = m_ever_read ? "the publisher is gone" : "the input never appeared";
            return {std::nullopt, true, m_finish_reason + ": " + probe.error().message};
        }
        return {std::nullopt, false, "input not readable: " + probe.error().message};
    }
    m_last_input_seen = Clock::now();
    m_ever_read = true;
    const auto& info = probe.value();
    const ffmpeg::InputShape shape{info.has_audio, m_plan.input.network ? 0.0 : info.duration_seconds};
    core::log::info("input: {} {}x{}, {}", info.video_codec, info.width, info.height,
                    info.has_audio ? "audio " + info.audio_codec : "no audio (silence will be inserted)");
    return {ffmpeg::clean_command(m_plan.profile, shape, m_plan.input, m_plan.output, m_plan.realtime), false, {}};
}

ffmpeg::NextRun CleanSession::next_pump_run()
{
    if (Clock::now() - m_last_input_seen > m_plan.input_gone_after) {
        m_finish_reason = m_ever_read ? "the publisher is gone" : "the input never appeared";
        return {std::nullopt, true, m_finish_reason};
    }
    m_reader = flv::TagReader();
    ffmpeg::NextRun next;
    next.argv = ffmpeg::pump_command(m_plan.input);
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
    const auto since = duration<double>(Clock::now() - m_origin.hook_start).count();
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
            m_next_status = now + m_plan.status_interval;
        } else if (event.kind == Kind::exited && !m_plan.output.network) {
            // A restart would truncate the file written so far: a file output fails once.
            m_finish_reason = "ffmpeg failed writing " + m_plan.output.url + ": " + event.reason;
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
    feed_encoder(m_feed.tick(now), now);
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
            {"uptimeSeconds", duration_cast<seconds>(Clock::now() - m_started).count()},
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
                              {"uptimeSeconds", duration_cast<seconds>(Clock::now() - m_started).count()},
                              {"startupSeconds", m_startup_seconds ? nlohmann::json(*m_startup_seconds) : nullptr}};
    return encoder;
}

void CleanSession::write_state(Clock::time_point now, bool force)
{
    if (!force && now < m_next_state_write) {
        return;
    }
    m_next_state_write = now + seconds(1);
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

int CleanSession::run()
{
    m_next_status = m_started;
    while (!process::StopSignal::requested()) {
        std::vector<pollfd> fds = {{process::StopSignal::wake_fd(), POLLIN, 0}};
        if (m_input) {
            m_input->append_fds(fds);
        }
        m_encoder.append_fds(fds);
        if (m_to_encoder.pending() > 0 && m_encoder.stdin_fd() >= 0) {
            fds.push_back({m_encoder.stdin_fd(), POLLOUT, 0});
        }
        // 100 ms with the pump: the feed's wait for announced audio is timed here.
        ::poll(fds.data(), fds.size(), m_plan.pump ? 100 : 250);
        const auto now = Clock::now();
        if (m_input) {
            handle_input_events(m_input->step(now), now);
        }
        handle_encoder_events(m_encoder.step(now), now);
        if (m_plan.pump) {
            after_step(now);
        }
        const bool input_finished = m_input && m_input->state() == ffmpeg::RunState::stopped;
        if (input_finished || m_encoder.state() == ffmpeg::RunState::stopped || !m_finish_reason.empty()) {
            break;
        }
        if (!m_plan.pump && m_encoder.state() == ffmpeg::RunState::streaming) {
            m_last_input_seen = now;
        }
        write_state(now, false);
        if (m_active && now >= m_next_status) {
            const auto& p = m_encoder.progress();
            core::log::info("streaming: {:.1f} fps, {:.0f} kbit/s, speed {:.2f}x, dup {}, drop {}, restarts {}", p.fps,
                            p.bitrate_kbps, p.speed, p.dup_frames, p.drop_frames, std::max(0, m_encoder.restarts()));
            m_reporter.post("active", stats(), true);
            m_next_status = now + m_plan.status_interval;
        }
    }
    return finish(process::StopSignal::requested());
}

void CleanSession::hand_over_tail(Clock::time_point until)
{
    while (m_to_encoder.pending() > 0 && m_encoder.stdin_fd() >= 0 && Clock::now() < until) {
        std::vector<pollfd> fds = {{m_encoder.stdin_fd(), POLLOUT, 0}};
        m_encoder.append_fds(fds);
        ::poll(fds.data(), fds.size(), 20);
        if (fds[0].revents != 0 && !m_to_encoder.flush(fds[0].fd)) {
            break; // the encoder is exiting
        }
        m_encoder.step(Clock::now()); // keeps its progress and stderr pipes read
    }
}

int CleanSession::finish(bool interrupted)
{
    // The input stops at once; the encoder first gets what the input already delivered (the
    // end of the broadcast), then both are stopped (stdin closed, SIGINT, then harder).
    auto now = Clock::now();
    write_state(now, true);
    if (m_input) {
        m_input->begin_stop(now);
    }
    hand_over_tail(now + k_tail_handover);
    now = Clock::now();
    m_encoder.begin_stop(now);
    const auto deadline = now + seconds(6);
    while ((m_encoder.state() != ffmpeg::RunState::stopped ||
            (m_input && m_input->state() != ffmpeg::RunState::stopped)) &&
           Clock::now() < deadline) {
        std::vector<pollfd> fds;
        m_encoder.append_fds(fds);
        if (m_input) {
            m_input->append_fds(fds);
        }
        ::poll(fds.data(), fds.size(), 20);
        m_encoder.step(Clock::now());
        if (m_input) {
            m_input->step(Clock::now());
        }
    }
    m_encoder.stop(); // reaps whatever the deadline left (normally nothing)
    if (m_input) {
        m_input->stop();
    }
    auto details = stats();
    std::string reason;
    int code = 0;
    if (interrupted) {
        reason = fmt::format("stopped by signal {}", process::StopSignal::received());
        code = static_cast<int>(core::ExitCode::interrupted);
    } else if (m_finish_reason == "the input never appeared" || m_finish_reason.rfind("ffmpeg failed", 0) == 0) {
        reason = m_finish_reason;
        code = static_cast<int>(core::ExitCode::failure);
    } else {
        reason = m_finish_reason.empty() ? "the input ended" : m_finish_reason;
    }
    details["reason"] = reason;
    m_reporter.finish("stopped", details, milliseconds(1500));
    core::log::info("exiting ({}): {}", code, reason);
    return code;
}

} // namespace mtxrelay::app
