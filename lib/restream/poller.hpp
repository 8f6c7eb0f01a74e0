#pragma once

#include "cloud/types.hpp"
#include "restream/destination_set.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mtxrelay::restream {

// What one poll learned. A part that failed (cloud unreachable, bad answer) is marked so the
// owner keeps what it had: a failed poll never tears destinations down.
struct PollResult {
    bool cf_ok = true;
    std::optional<std::string> cf_url; // none: no Cloudflare destination (disabled or 404)
    bool list_ok = true;
    std::vector<cloud::DestinationEntry> entries;
    Resolutions resolved;              // the host names of the lists, looked up in this poll
    std::vector<std::string> problems; // why parts failed, for the log
};

// Fetches the lists; `cancelled` turns true when the poller stops (abort and return).
using Fetch = std::function<PollResult(const std::function<bool()>& cancelled)>;

// Runs the fetch on a background thread now and then every interval, so a slow cloud never
// blocks the loop that drains the ffmpeg pipes. The owner polls wake_fd() and take()s results.
class Poller {
public:
    Poller(Fetch fetch, std::chrono::milliseconds interval);
    ~Poller();
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    // Readable when a result is waiting.
    int wake_fd() const { return m_pipe[0]; }
    // The newest result not taken yet (older ones are superseded).
    std::optional<PollResult> take();
    // Asks the thread to end (an in-flight fetch is cancelled) without waiting.
    void request_stop();
    // request_stop() and waits for the thread.
    void stop();

private:
    void work();

    Fetch m_fetch;
    std::chrono::milliseconds m_interval;
    int m_pipe[2] = {-1, -1};
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::optional<PollResult> m_result;
    std::thread m_thread;
};

} // namespace mtxrelay::restream
