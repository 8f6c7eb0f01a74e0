#include "restream/fanout.hpp"

#include "core/backoff.hpp"
#include "core/log.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mtxrelay::restream {

namespace {

constexpr auto k_refusal_window = std::chrono::seconds(5);

} // namespace

cloud::RunStatus reported_status(ffmpeg::RunState state)
{
    switch (state) {
    case ffmpeg::RunState::starting:
    case ffmpeg::RunState::backoff:
        return cloud::RunStatus::starting;
    case ffmpeg::RunState::streaming:
        return cloud::RunStatus::streaming;
    case ffmpeg::RunState::error:
        return cloud::RunStatus::error;
    case ffmpeg::RunState::stopping:
        return cloud::RunStatus::stopping;
    case ffmpeg::RunState::stopped:
        return cloud::RunStatus::ready;
    }
    return cloud::RunStatus::starting;
}

Fanout::Fanout(CommandBuilder command, std::string masked_source, FanoutSettings settings)
    : m_command(std::move(command)), m_masked_source(std::move(masked_source)), m_settings(std::move(settings)),
      m_rng(core::make_rng())
{
}

Fanout::~Fanout()
{
    // Normally the owner has already stopped everything in parallel; this is the safety net.
    for (auto* list : {&m_active, &m_stopping}) {
        for (auto& entry : *list) {
            if (entry->supervisor) {
                entry->supervisor->stop();
            }
        }
    }
}

void Fanout::start(Entry& entry)
{
    auto settings = m_settings.supervision;
    settings.retry_delay = [this, &entry](const std::string&, int failures, const std::deque<std::string>& tail,
                                          Clock::time_point now) {
        const bool streamed = entry.streaming_since && now - *entry.streaming_since >= k_refusal_window;
        entry.last_failure = classify_failure(tail, m_masked_source, streamed);
        entry.streaming_since.reset();
        return retry_delay(*entry.last_failure, failures, m_settings.retry, m_rng);
    };
    auto command = [this, &entry]() -> ffmpeg::NextRun { return {m_command(entry.desired), false, {}}; };
    entry.supervisor =
        std::make_unique<ffmpeg::Supervisor>(entry.label, std::move(command), std::move(settings), m_settings.seams);
}

bool Fanout::key_stopping(const std::string& key) const
{
    return std::any_of(m_stopping.begin(), m_stopping.end(),
                       [&](const std::unique_ptr<Entry>& entry) { return entry->desired.key == key; });
}

void Fanout::stop(std::vector<std::unique_ptr<Entry>>::iterator it, Clock::time_point now, const std::string& why)
{
    auto& entry = **it;
    core::log::info("{}: stopping ({})", entry.label, why);
    if (entry.supervisor) {
        entry.supervisor->begin_stop(now);
        m_stopping.push_back(std::move(*it));
    }
    m_active.erase(it);
}

void Fanout::apply(const DestinationSet& set, Clock::time_point now)
{
    std::vector<RunningDestination> running;
    for (const auto& entry : m_active) {
        running.push_back({entry->desired.key, entry->desired.name});
    }
    const auto plan = reconcile(set.destinations, running);
    auto find = [this](const std::string& key) {
        return std::find_if(m_active.begin(), m_active.end(),
                            [&](const std::unique_ptr<Entry>& entry) { return entry->desired.key == key; });
    };
    for (const auto& key : plan.stop) {
        stop(find(key), now, "removed from the destination list");
    }
    std::vector<size_t> to_start = plan.start;
    for (const auto& restart : plan.restart) {
        stop(find(restart.old_key), now, "its URL changed: restarting with the new one");
        to_start.push_back(restart.desired_index);
    }
    for (const size_t index : plan.keep) {
        auto& entry = **find(set.destinations[index].key);
        entry.desired = set.destinations[index]; // a new name is a relabel, never an interruption
    }
    for (const size_t index : to_start) {
        auto entry = std::make_unique<Entry>();
        entry->id = m_next_id++;
        entry->desired = set.destinations[index];
        entry->label = fmt::format("dest {} {}", entry->id, entry->desired.label);
        core::log::info("{}: added", entry->label);
        m_active.push_back(std::move(entry));
    }
}

void Fanout::append_fds(std::vector<pollfd>& fds) const
{
    for (const auto* list : {&m_active, &m_stopping}) {
        for (const auto& entry : *list) {
            if (entry->supervisor) {
                entry->supervisor->append_fds(fds);
            }
        }
    }
}

cloud::RunStatus Fanout::shown_state(const Entry& entry)
{
    if (!entry.supervisor) {
        return cloud::RunStatus::starting;
    }
    const auto state = entry.supervisor->state();
    const bool running = state == ffmpeg::RunState::streaming || state == ffmpeg::RunState::stopping ||
                         state == ffmpeg::RunState::stopped;
    if (!running && entry.last_failure == FailureClass::source) {
        return cloud::RunStatus::waiting;
    }
    return reported_status(state);
}

void Fanout::step_entry(Entry& entry, Clock::time_point now, std::vector<FanoutEvent>& events)
{
    // Every change of the shown state comes with a supervisor event (started, streaming,
    // exited): only those are looked at.
    for (const auto& event : entry.supervisor->step(now)) {
        if (event.kind == ffmpeg::SupervisorEvent::Kind::streaming && !entry.streaming_since) {
            entry.streaming_since = now;
        }
        const auto state = shown_state(entry);
        if (state == entry.last_state) {
            continue;
        }
        using cloud::RunStatus;
        const bool failed = state == RunStatus::error || state == RunStatus::starting || state == RunStatus::waiting;
        const auto detail = failed ? entry.supervisor->last_error() : std::string();
        events.push_back({entry.label, entry.last_state, state, detail});
        entry.last_state = state;
        entry.since = std::chrono::system_clock::now();
    }
}

std::vector<FanoutEvent> Fanout::step(Clock::time_point now)
{
    std::vector<FanoutEvent> events;
    for (auto& entry : m_active) {
        if (!entry->supervisor && !key_stopping(entry->desired.key)) {
            start(*entry);
        }
        if (entry->supervisor) {
            step_entry(*entry, now, events);
        }
    }
    for (auto it = m_stopping.begin(); it != m_stopping.end();) {
        (*it)->supervisor->step(now);
        if ((*it)->supervisor->state() == ffmpeg::RunState::stopped) {
            events.push_back({(*it)->label, cloud::RunStatus::stopping, std::nullopt, {}});
            it = m_stopping.erase(it);
        } else {
            ++it;
        }
    }
    return events;
}

void Fanout::begin_stop_all(Clock::time_point now)
{
    while (!m_active.empty()) {
        stop(m_active.begin(), now, "relay-restream is stopping");
    }
}

DestinationStatus Fanout::status_of(const Entry& entry) const
{
    DestinationStatus status;
    status.id = entry.id;
    status.name = entry.desired.name;
    status.url = display_url(entry.desired.url);
    status.key_fingerprint = key_fingerprint(entry.desired.url);
    status.state = shown_state(entry);
    status.since = entry.since;
    if (entry.last_failure) {
        status.failure = class_name(*entry.last_failure);
        if (status.state != cloud::RunStatus::streaming) {
            status.reason = status.failure;
        }
    }
    if (const auto* supervisor = entry.supervisor.get()) {
        status.last_error = supervisor->last_error();
        status.retries = std::max(0, supervisor->restarts());
        status.failures = supervisor->consecutive_failures();
        status.pid = supervisor->pid();
        if (supervisor->state() == ffmpeg::RunState::streaming) {
            status.bitrate_kbps = supervisor->progress().bitrate_kbps;
            status.bytes = supervisor->progress().total_size;
            status.frames = supervisor->progress().frame;
        }
    }
    return status;
}

bool Fanout::source_gone() const
{
    return !m_active.empty() && std::all_of(m_active.begin(), m_active.end(), [](const std::unique_ptr<Entry>& entry) {
        return shown_state(*entry) == cloud::RunStatus::waiting;
    });
}

std::vector<DestinationStatus> Fanout::snapshot() const
{
    std::vector<DestinationStatus> result;
    for (const auto* list : {&m_active, &m_stopping}) {
        for (const auto& entry : *list) {
            result.push_back(status_of(*entry));
        }
    }
    return result;
}

} // namespace mtxrelay::restream
