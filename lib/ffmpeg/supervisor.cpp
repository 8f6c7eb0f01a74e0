#include "ffmpeg/supervisor.hpp"

#include "core/log.hpp"
#include "core/redact.hpp"
#include "process/byte_pipe.hpp"

#include <fmt/format.h>

namespace mtxrelay::ffmpeg {

using namespace std::chrono;

Supervisor::Supervisor(std::string label, CommandSource command, SupervisorSettings settings, SupervisorSeams seams)
    : m_label(std::move(label)), m_command(std::move(command)), m_settings(std::move(settings)),
      m_seams(std::move(seams)), m_rng(m_seams.seed ? std::mt19937_64(*m_seams.seed) : core::make_rng()),
      m_log(m_label, std::chrono::seconds(10), 20, m_seams.clock), m_parser(m_seams.clock)
{
}

std::optional<pid_t> Supervisor::pid() const
{
    if (m_child && !m_last_exit) {
        return m_child->pid();
    }
    return std::nullopt;
}

void Supervisor::append_fds(std::vector<pollfd>& fds) const
{
    if (!m_child) {
        return;
    }
    for (int fd : {m_child->stdout_fd(), m_child->stderr_fd()}) {
        if (fd >= 0) {
            fds.push_back({fd, POLLIN, 0});
        }
    }
}

void Supervisor::start(Clock::time_point now, std::vector<SupervisorEvent>& events)
{
    const auto asked = m_seams.clock();
    auto next = m_command();
    // The command may probe the input for seconds: the new run's startup grace and progress
    // clock start when ffmpeg is spawned, not when the probe began.
    now += m_seams.clock() - asked;
    if (next.finish) {
        m_state = RunState::stopped;
        m_stopped = true;
        events.push_back({SupervisorEvent::Kind::finished, next.reason});
        return;
    }
    if (next.wait) {
        return;
    }
    if (!next.argv) {
        on_run_end(now, next.reason, true, events);
        return;
    }
    process::SpawnOptions options;
    options.argv = *next.argv;
    options.in = next.stdin_pipe ? process::Stdio::pipe : process::Stdio::null;
    options.out = process::Stdio::pipe;
    options.err = process::Stdio::pipe;
    auto child = m_seams.spawn(options);
    ++m_restarts;
    m_last_exit.reset();
    if (!child) {
        on_run_end(now, child.error().message, true, events);
        return;
    }
    m_child = std::move(child.value());
    m_ending = Ending::none;
    m_out_lines = process::LineBuffer();
    m_err_lines = process::LineBuffer();
    m_tail.clear();
    m_parser = ProgressParser(m_seams.clock);
    m_last_size = -1;
    m_last_time = -1;
    m_run_started = now;
    m_last_advance = now;
    m_awaiting_input = next.await_input;
    m_data_stdout = next.data_stdout;
    m_streaming_since.reset();
    if (m_state != RunState::error) {
        m_state = RunState::starting;
    }
    core::log::info("{}: started ffmpeg pid {}{}", m_label, m_child->pid(),
                    m_restarts > 0 ? fmt::format(" (restart {})", m_restarts) : "");
    events.push_back({SupervisorEvent::Kind::started, {}});
}

void Supervisor::read_data(Clock::time_point now, std::vector<SupervisorEvent>& events)
{
    // Bounded per step so the owner's loop keeps turning on a fast input.
    constexpr size_t k_max_read = 4 * 1024 * 1024;
    std::string bytes;
    if (m_child->stdout_fd() >= 0 && !process::read_bytes(m_child->stdout_fd(), bytes, k_max_read)) {
        m_child->close_stdout();
    }
    if (bytes.empty()) {
        return;
    }
    m_last_advance = now;
    if (!m_streaming_since) {
        m_streaming_since = now;
        m_state = RunState::streaming;
        events.push_back({SupervisorEvent::Kind::streaming, {}});
    }
    if (m_on_data) {
        m_on_data(bytes, now);
    }
}

void Supervisor::read_output(Clock::time_point now, std::vector<SupervisorEvent>& events)
{
    if (m_data_stdout) {
        read_data(now, events);
    } else if (m_child->stdout_fd() >= 0 && !process::read_available(m_child->stdout_fd(), m_out_lines)) {
        m_child->close_stdout();
    }
    while (auto line = m_out_lines.next_line()) {
        auto block = m_parser.feed(*line);
        if (!block) {
            continue;
        }
        m_progress = *block;
        const bool advanced = m_progress.total_size > m_last_size || m_progress.out_time_us > m_last_time;
        // Output flows once it grows, or when the run's first block already shows media muxed
        // (a timestamp past 0: not just a header written before any packet).
        const bool first_with_media = m_last_size < 0 && m_progress.total_size > 0 && m_progress.out_time_us > 0;
        if (advanced) {
            if (((m_last_size >= 0 && m_progress.total_size > m_last_size) || first_with_media) && !m_streaming_since) {
                m_streaming_since = now;
                m_state = RunState::streaming;
                events.push_back({SupervisorEvent::Kind::streaming, {}});
            }
            m_last_size = std::max(m_last_size, m_progress.total_size);
            m_last_time = std::max(m_last_time, m_progress.out_time_us);
            m_last_advance = now;
        }
    }
    if (m_child->stderr_fd() >= 0 && !process::read_available(m_child->stderr_fd(), m_err_lines)) {
        m_child->close_stderr();
    }
    while (auto line = m_err_lines.next_line()) {
        m_log.line(*line);
        if (m_ending != Ending::none) {
            continue; // what a run prints while we stop it is not why it failed
        }
        m_tail.push_back(m_log.last_line());
        if (m_tail.size() > 8) {
            m_tail.pop_front();
        }
    }
}

void Supervisor::on_run_end(Clock::time_point now, const std::string& reason, bool failure,
                            std::vector<SupervisorEvent>& events)
{
    m_log.flush();
    const bool was_stable = m_streaming_since && now - *m_streaming_since >= m_settings.stable_after;
    if (was_stable) {
        m_failures = 0;
    }
    if (failure) {
        ++m_failures;
        m_last_error = reason;
    }
    m_child.reset();
    m_ending = Ending::none;
    m_streaming_since.reset();
    if (m_stopped) {
        m_state = RunState::stopped;
        return;
    }
    std::optional<milliseconds> chosen;
    if (m_settings.retry_delay) {
        chosen = m_settings.retry_delay(reason, m_failures, m_tail, now);
    }
    const auto wait = chosen ? *chosen : m_settings.backoff.delay(std::max(0, m_failures - 1), m_rng);
    m_next_start = now + wait;
    m_state = m_failures >= m_settings.error_after ? RunState::error : RunState::backoff;
    core::log::warn("{}: {}; restarting in {:.1f} s (failure {} in a row)", m_label, reason,
                    duration_cast<milliseconds>(wait).count() / 1000.0, m_failures);
    events.push_back({SupervisorEvent::Kind::exited, reason});
}

std::vector<SupervisorEvent> Supervisor::step(Clock::time_point now)
{
    std::vector<SupervisorEvent> events;
    if (m_child && m_ending != Ending::none) {
        advance_stop(now, events);
        return events;
    }
    if (m_stopped) {
        return events;
    }
    if (!m_child) {
        if (now >= m_next_start) {
            start(now, events);
        }
        return events;
    }
    read_output(now, events);
    if (const auto status = m_child->try_wait()) {
        // Drain what the child wrote before exiting.
        read_output(now, events);
        m_last_exit = *status;
        if (status->code == 0 && status->signal == 0 && m_finish_on_clean_exit) {
            m_log.flush();
            m_child.reset();
            m_stopped = true;
            m_state = RunState::stopped;
            events.push_back({SupervisorEvent::Kind::finished, "ffmpeg finished"});
            return events;
        }
        const auto tail = m_log.last_line().empty() ? std::string() : ": " + m_log.last_line();
        on_run_end(now, fmt::format("ffmpeg {}{}", status->describe(), tail), true, events);
        return events;
    }
    const auto limit = m_streaming_since ? m_settings.stall_timeout : m_settings.startup_grace;
    if (!m_awaiting_input && now - m_last_advance > limit) {
        const auto idle = duration_cast<seconds>(now - m_last_advance).count();
        const auto reason = m_data_stdout ? fmt::format("no data for {} s", idle)
                                          : fmt::format("no output progress for {} s (stalled input or output)", idle);
        const auto stalled = restart(now, reason);
        events.insert(events.end(), stalled.begin(), stalled.end());
    }
    return events;
}

std::optional<Clock::time_point> Supervisor::next_deadline() const
{
    if (m_child && m_ending != Ending::none) {
        return m_stop_deadline;
    }
    if (m_stopped) {
        return std::nullopt;
    }
    if (!m_child) {
        return m_next_start;
    }
    if (m_awaiting_input) {
        return std::nullopt;
    }
    const auto limit = m_streaming_since ? m_settings.stall_timeout : m_settings.startup_grace;
    return m_last_advance + limit + milliseconds(1); // a stall is more than `limit` without progress
}

void Supervisor::input_started(Clock::time_point now)
{
    if (m_child && m_awaiting_input) {
        m_awaiting_input = false;
        m_last_advance = now;
    }
}

std::vector<SupervisorEvent> Supervisor::restart(Clock::time_point now, const std::string& reason)
{
    std::vector<SupervisorEvent> events;
    if (m_stopped || !m_child || m_ending != Ending::none) {
        return events;
    }
    core::log::warn("{}: {}: stopping ffmpeg pid {}", m_label, reason, m_child->pid());
    m_end_reason = reason;
    begin_ending(now, Ending::restart);
    events.push_back({SupervisorEvent::Kind::stalled, reason});
    return events;
}

void Supervisor::begin_stop(Clock::time_point now)
{
    if (m_stopped) {
        return;
    }
    m_stopped = true;
    if (!m_child) {
        m_log.flush();
        m_state = RunState::stopped;
        return;
    }
    m_state = RunState::stopping;
    if (m_ending != Ending::none) {
        m_ending = Ending::finish; // a restart's stop under way: the same steps go on
        return;
    }
    begin_ending(now, Ending::finish);
}

void Supervisor::begin_ending(Clock::time_point now, Ending why)
{
    m_ending = why;
    m_child->close_stdin(); // end of input: an ffmpeg blocked reading it ends at once
    m_stop_step = 0;
    send_stop_step(now);
}

void Supervisor::send_stop_step(Clock::time_point now)
{
    const auto& steps = m_settings.stop_steps;
    const auto step = m_stop_step < steps.size() ? steps[m_stop_step] : process::StopStep{SIGKILL, k_kill_repeat};
    ++m_stop_step;
    m_child->signal(step.signal);
    m_stop_deadline = now + step.wait;
}

void Supervisor::advance_stop(Clock::time_point now, std::vector<SupervisorEvent>& events)
{
    std::vector<SupervisorEvent> ignored; // a last progress block is no news while stopping
    read_output(now, ignored);
    if (const auto status = m_child->try_wait()) {
        read_output(now, ignored);
        m_last_exit = m_child->stop({}); // already exited: reaps and kills leftover grandchildren
        if (m_ending == Ending::restart) {
            on_run_end(now, m_end_reason, true, events);
            return;
        }
        core::log::info("{}: ffmpeg pid {} stopped ({})", m_label, m_child->pid(), m_last_exit->describe());
        m_child.reset();
        m_ending = Ending::none;
        m_log.flush();
        m_state = RunState::stopped;
        events.push_back({SupervisorEvent::Kind::finished, "stopped"});
        return;
    }
    if (now >= m_stop_deadline) {
        send_stop_step(now);
    }
}

void Supervisor::stop()
{
    m_stopped = true;
    if (m_child) {
        m_state = RunState::stopping;
        m_child->close_stdin();
        const auto status = m_child->stop(m_settings.stop_steps);
        m_ending = Ending::finish; // what it printed while stopping is not a failure's reason
        std::vector<SupervisorEvent> ignored;
        read_output(m_seams.clock(), ignored);
        m_last_exit = status;
        core::log::info("{}: ffmpeg pid {} stopped ({})", m_label, m_child->pid(), status.describe());
        m_child.reset();
        m_ending = Ending::none;
    }
    m_log.flush();
    m_state = RunState::stopped;
}

} // namespace mtxrelay::ffmpeg
