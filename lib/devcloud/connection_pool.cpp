#include "devcloud/connection_pool.hpp"

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>
#include <string>

namespace mtxrelay::devcloud {

ConnectionPool::ConnectionPool(size_t max_threads, std::chrono::milliseconds idle_exit)
    : m_max_threads(max_threads), m_idle_exit(idle_exit)
{
}

ConnectionPool::~ConnectionPool()
{
    shutdown();
}

size_t ConnectionPool::threads() const
{
    std::lock_guard lock(m_mutex);
    return m_threads.size() - m_finished.size();
}

void ConnectionPool::reap_finished(std::unique_lock<std::mutex>& lock)
{
    auto finished = std::move(m_finished);
    m_finished.clear();
    std::vector<std::thread> joinable;
    for (auto it : finished) {
        joinable.push_back(std::move(*it));
        m_threads.erase(it);
    }
    lock.unlock();
    for (auto& thread : joinable) {
        thread.join(); // it has left work(): this returns at once
    }
    lock.lock();
}

void ConnectionPool::enqueue(std::function<void()> job)
{
    std::unique_lock lock(m_mutex);
    reap_finished(lock);
    m_jobs.push_back(std::move(job));
    // More jobs waiting than idle threads to take them: one more thread, unless at the cap.
    if (m_jobs.size() > m_idle && m_threads.size() - m_finished.size() < m_max_threads) {
        m_threads.emplace_back();
        auto self = std::prev(m_threads.end());
        *self = std::thread([this, self] { work(self); });
    }
    m_wake.notify_one();
}

void ConnectionPool::work(std::list<std::thread>::iterator self)
{
    std::unique_lock lock(m_mutex);
    while (true) {
        if (m_jobs.empty()) {
            ++m_idle;
            const bool woken = m_wake.wait_for(lock, m_idle_exit, [this] { return !m_jobs.empty() || m_shutdown; });
            --m_idle;
            if (!woken || m_jobs.empty()) {
                m_finished.push_back(self); // idle too long, or shutting down with nothing left
                return;
            }
        }
        auto job = std::move(m_jobs.front());
        m_jobs.pop_front();
        lock.unlock();
        job();
        lock.lock();
    }
}

void ConnectionPool::shutdown()
{
    std::list<std::thread> threads;
    {
        std::lock_guard lock(m_mutex);
        m_shutdown = true;
        m_wake.notify_all();
    }
    while (true) {
        std::unique_lock lock(m_mutex);
        if (m_threads.empty()) {
            return;
        }
        auto thread = std::move(m_threads.front());
        m_threads.pop_front();
        lock.unlock();
        if (thread.joinable()) {
            thread.join();
        }
        lock.lock();
        m_finished.clear(); // iterators into threads already joined
    }
}

void shutdown_connections_on_port(int port)
{
    DIR* fds = ::opendir("/proc/self/fd");
    if (fds == nullptr) {
        return;
    }
    while (const dirent* entry = ::readdir(fds)) {
        char* end = nullptr;
        const long fd = std::strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end != '\0' || fd == ::dirfd(fds)) {
            continue;
        }
        sockaddr_storage local{};
        socklen_t length = sizeof local;
        if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &length) != 0) {
            continue;
        }
        int local_port = -1;
        if (local.ss_family == AF_INET) {
            local_port = ntohs(reinterpret_cast<const sockaddr_in*>(&local)->sin_port);
        } else if (local.ss_family == AF_INET6) {
            local_port = ntohs(reinterpret_cast<const sockaddr_in6*>(&local)->sin6_port);
        }
        int listening = 0;
        socklen_t option_length = sizeof listening;
        if (local_port == port &&
            ::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_ACCEPTCONN, &listening, &option_length) == 0 &&
            listening == 0) {
            ::shutdown(static_cast<int>(fd), SHUT_RDWR);
        }
    }
    ::closedir(fds);
}

} // namespace mtxrelay::devcloud
