#pragma once

#include "cloud/settings.hpp"
#include "http/retry.hpp"
#include "http/transport.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace mtxrelay::app {

// Posts stream-status events from a background thread, so a slow or unreachable cloud never
// blocks the loop that drains ffmpeg's pipes (a full pipe would stall the video). Transitions
// are sent in order; periodic updates coalesce to the latest. Disabled without a cloud URL.
class StatusReporter {
public:
    // `transport` makes the worker's HTTP transport; `clock` gives it time (now() for the final
    // post's budget, sleep() between retries). Unit tests pass fakes.
    StatusReporter(std::optional<cloud::CloudSettings> settings, std::string user_id, std::string stream_id,
                   http::TransportFactory transport = http::curl_transport_factory(),
                   http::RetryHooks clock = http::default_retry_hooks());
    ~StatusReporter();
    StatusReporter(const StatusReporter&) = delete;
    StatusReporter& operator=(const StatusReporter&) = delete;

    // Queues a status; `periodic` updates replace a queued periodic update instead of piling up.
    void post(const std::string& status, nlohmann::json details, bool periodic = false);
    // Drops what is still queued, sends the final status and waits for it at most `budget`.
    void finish(const std::string& status, nlohmann::json details, std::chrono::milliseconds budget);

private:
    struct Item {
        std::string status;
        nlohmann::json details;
        bool periodic = false;
        bool final = false;
        std::uint64_t serial = 0; // order of queueing, for cancelling exactly the posts before one
    };
    void work();
    long long steady_ms() const;

    std::optional<cloud::CloudSettings> m_settings;
    std::string m_user_id;
    std::string m_stream_id;
    http::TransportFactory m_transport;
    http::RetryHooks m_clock;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Item> m_queue;
    bool m_closing = false;
    bool m_final_done = false;
    std::uint64_t m_next_serial = 1;
    // The post in flight is abandoned when its serial is below m_cancel_below. finish() sets
    // it to the final item's serial in the same critical section that queues it, so the final
    // post itself can only be ended by its time budget (the destructor cancels everything).
    std::atomic<std::uint64_t> m_sending{0};
    std::atomic<std::uint64_t> m_cancel_below{0};
    std::atomic<long long> m_hard_deadline_ms{0};
    std::thread m_thread;
};

} // namespace mtxrelay::app
