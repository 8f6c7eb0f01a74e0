#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace mtxrelay::devcloud {

// The worker model of relay-devcloud: one thread per connection, up to a cap. cpp-httplib's
// own pool has a fixed number of threads (8 here) and hands each one a connection for as long
// as the client keeps it open, so 40 clients that connect and send nothing delayed /health by
// 19 s and ~500 made it unreachable. Here a connection never waits for another one's thread
// until `max_threads` connections are open at once; threads idle for `idle_exit` end.
class ConnectionPool : public httplib::TaskQueue {
public:
    explicit ConnectionPool(size_t max_threads, std::chrono::milliseconds idle_exit = std::chrono::seconds(5));
    ~ConnectionPool() override;
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    void enqueue(std::function<void()> job) override;
    // Runs what is queued, then joins every thread (the server has stopped accepting).
    void shutdown() override;

    size_t threads() const;

private:
    void work(std::list<std::thread>::iterator self);
    void reap_finished(std::unique_lock<std::mutex>& lock);

    const size_t m_max_threads;
    const std::chrono::milliseconds m_idle_exit;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::function<void()>> m_jobs;
    std::list<std::thread> m_threads;
    std::vector<std::list<std::thread>::iterator> m_finished;
    size_t m_idle = 0;
    bool m_shutdown = false;
};

// Shuts down (both directions) every accepted TCP connection of this process whose local
// port is `port`: blocked reads return at once, so stopping does not wait for idle clients
// (cpp-httplib 0.11 gives no handle on the sockets it accepted).
void shutdown_connections_on_port(int port);

} // namespace mtxrelay::devcloud
