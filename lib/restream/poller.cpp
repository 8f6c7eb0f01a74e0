#include "restream/poller.hpp"

#include "core/env.hpp"
#include "core/error.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace mtxrelay::restream {

Poller::Poller(Fetch fetch, std::chrono::milliseconds interval) : m_fetch(std::move(fetch)), m_interval(interval)
{
    if (::pipe2(m_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        throw core::Error(core::ExitCode::failure, core::errno_message("creating the poller's wake pipe"));
    }
    m_thread = std::thread([this] { work(); });
}

Poller::~Poller()
{
    stop();
    for (int fd : m_pipe) {
        ::close(fd);
    }
}

void Poller::request_stop()
{
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    m_wake.notify_all();
}

void Poller::stop()
{
    request_stop();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

std::optional<PollResult> Poller::take()
{
    char buffer[64];
    while (::read(m_pipe[0], buffer, sizeof buffer) > 0) {
    }
    std::lock_guard lock(m_mutex);
    auto result = std::move(m_result);
    m_result.reset();
    return result;
}

void Poller::work()
{
    const auto cancelled = [this] {
        std::lock_guard lock(m_mutex);
        return m_stopping;
    };
    while (true) {
        auto result = m_fetch(cancelled);
        std::unique_lock lock(m_mutex);
        if (m_stopping) {
            return;
        }
        m_result = std::move(result);
        const char byte = 1;
        [[maybe_unused]] const auto ignored = ::write(m_pipe[1], &byte, 1);
        m_wake.wait_for(lock, m_interval, [this] { return m_stopping; });
        if (m_stopping) {
            return;
        }
    }
}

} // namespace mtxrelay::restream
