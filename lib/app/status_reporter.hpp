#pragma once

#include "cloud/settings.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
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
    StatusReporter(std::optional<cloud::CloudSettings> settings, std::string user_id, std::string stream_id);
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
    };
    void work();

    std::optional<cloud::CloudSettings> m_settings;
    std::string m_user_id;
    std::string m_stream_id;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Item> m_queue;
    bool m_closing = false;
    bool m_final_done = false;
    std::atomic<bool> m_cancel_current{false};
    std::atomic<long long> m_hard_deadline_ms{0};
    std::thread m_thread;
};

} // namespace mtxrelay::app
