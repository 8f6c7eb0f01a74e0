#pragma once

#include "cloud/types.hpp"
#include "ffmpeg/supervisor.hpp"
#include "restream/destination_set.hpp"
#include "restream/failure.hpp"
#include "restream/reconciler.hpp"

#include <poll.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace mtxrelay::restream {

using ffmpeg::Clock;

struct FanoutSettings {
    // Per destination (relay-restream sets ffmpeg::k_copy_stop_steps); its retry_delay is set
    // by the fan-out.
    ffmpeg::SupervisorSettings supervision;
    RetryPolicy retry;
    // Seams for tests (fake children, a fake clock); the same for every destination.
    ffmpeg::SupervisorSeams seams;
};

// How a supervised run's state is reported: waiting to retry reads `starting`, stopped reads
// `ready` (a stall being stopped still reads what it was until it is gone).
cloud::RunStatus reported_status(ffmpeg::RunState state);

// One destination as the status posts and the status line show it (URL masked).
struct DestinationStatus {
    int id = 0; // serial number in this run, for telling unnamed destinations apart in logs
    std::string name;
    std::string url; // masked
    // As reported (reported_status()), or waiting: the copy is fine but the relay's own clean
    // source is gone (a state of the stream, not of this destination).
    cloud::RunStatus state = cloud::RunStatus::starting;
    std::string last_error;
    std::string failure;                         // class of the last failure (class_name()), empty before any
    std::string reason;                          // the failure class while not streaming, else empty
    std::string key_fingerprint;                 // "key#1a2b" of the destination's stream key, empty without one
    std::chrono::system_clock::time_point since; // when `state` last changed
    int retries = 0;                             // restarts since this destination was added
    int failures = 0;                            // consecutive failed runs
    std::optional<pid_t> pid;
    double bitrate_kbps = 0;
    long long bytes = 0; // written by the current run
    long frames = 0;     // written by the current run
};

// A destination changed state (or was added or removed); `detail` carries the error when
// there is one.
struct FanoutEvent {
    std::string label;
    std::optional<cloud::RunStatus> from; // nullopt: the destination is new
    std::optional<cloud::RunStatus> to;   // nullopt: it was removed
    std::string detail;

    // For log lines: the status word, "new" or "removed".
    const char* from_word() const { return from ? cloud::status_word(*from) : "new"; }
    const char* to_word() const { return to ? cloud::status_word(*to) : "removed"; }
};

// Owns one supervised copy ffmpeg per destination. apply() reconciles with a new desired set:
// unchanged destinations are never touched; removed ones are stopped without blocking (SIGINT,
// grace, SIGKILL, all in parallel); a destination re-added or restarted under the same URL
// starts only once its previous ffmpeg is gone. Each destination fails and retries on its own.
class Fanout {
public:
    // Builds the argv for one destination (a seam: unit tests run a fake ffmpeg).
    using CommandBuilder = std::function<std::vector<std::string>(const DesiredDestination& destination)>;

    Fanout(CommandBuilder command, std::string masked_source, FanoutSettings settings);
    ~Fanout();
    Fanout(const Fanout&) = delete;
    Fanout& operator=(const Fanout&) = delete;

    void apply(const DestinationSet& set, Clock::time_point now);
    void append_fds(std::vector<pollfd>& fds) const;
    // Drives every supervisor; returns the state changes since the last call.
    std::vector<FanoutEvent> step(Clock::time_point now);
    // Starts stopping everything at once; step() until idle().
    void begin_stop_all(Clock::time_point now);
    bool idle() const { return m_active.empty() && m_stopping.empty(); }
    std::vector<DestinationStatus> snapshot() const;
    // True when there are destinations and every one waits for the clean source.
    bool source_gone() const;

private:
    struct Entry {
        int id = 0;
        DesiredDestination desired;
        std::string label;
        std::unique_ptr<ffmpeg::Supervisor> supervisor; // null while the previous run of its URL stops
        std::optional<FailureClass> last_failure;
        std::optional<cloud::RunStatus> last_state; // as last reported in a FanoutEvent
        // When the current run started delivering output. A run that ends within
        // k_refusal_window of that was refused, not dropped: servers that refuse a key
        // (nginx-rtmp `deny publish`) take the first packets, then close.
        std::optional<Clock::time_point> streaming_since;
        std::chrono::system_clock::time_point since = std::chrono::system_clock::now();
    };

    // The state shown for an entry: the supervisor's, or `waiting` when the source is gone.
    static cloud::RunStatus shown_state(const Entry& entry);

    void start(Entry& entry);
    void stop(std::vector<std::unique_ptr<Entry>>::iterator it, Clock::time_point now, const std::string& why);
    bool key_stopping(const std::string& key) const;
    void step_entry(Entry& entry, Clock::time_point now, std::vector<FanoutEvent>& events);
    DestinationStatus status_of(const Entry& entry) const;

    CommandBuilder m_command;
    std::string m_masked_source;
    FanoutSettings m_settings;
    std::mt19937_64 m_rng;
    int m_next_id = 1;
    std::vector<std::unique_ptr<Entry>> m_active;
    std::vector<std::unique_ptr<Entry>> m_stopping;
};

} // namespace mtxrelay::restream
