#include "app/status_reporter.hpp"

#include "cloud/client.hpp"
#include "core/log.hpp"
#include "http/transport.hpp"

namespace mtxrelay::app {

StatusReporter::StatusReporter(std::optional<cloud::CloudSettings> settings, std::string user_id, std::string stream_id,
                               http::TransportFactory transport, http::RetryHooks clock)
    : m_settings(std::move(settings)), m_user_id(std::move(user_id)), m_stream_id(std::move(stream_id)),
      m_transport(std::move(transport)), m_clock(std::move(clock))
{
    if (m_settings && !m_settings->base_url.empty()) {
        m_thread = std::thread([this] { work(); });
    } else {
        m_settings.reset();
    }
}

StatusReporter::~StatusReporter()
{
    {
        std::lock_guard lock(m_mutex);
        m_closing = true;
        m_queue.clear();
        m_cancel_below = UINT64_MAX;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void StatusReporter::post(const std::string& status, nlohmann::json details, bool periodic)
{
    if (!m_settings) {
        return;
    }
    std::lock_guard lock(m_mutex);
    if (m_closing) {
        return;
    }
    if (periodic && !m_queue.empty() && m_queue.back().periodic) {
        m_queue.back() = Item{status, std::move(details), true, false, m_next_serial++};
    } else {
        m_queue.push_back(Item{status, std::move(details), periodic, false, m_next_serial++});
    }
    m_wake.notify_all();
}

long long StatusReporter::steady_ms() const
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(m_clock.now().time_since_epoch()).count();
}

void StatusReporter::finish(const std::string& status, nlohmann::json details, std::chrono::milliseconds budget)
{
    if (!m_settings) {
        return;
    }
    m_hard_deadline_ms = steady_ms() + budget.count();
    {
        std::lock_guard lock(m_mutex);
        m_queue.clear();
        const auto serial = m_next_serial++;
        m_queue.push_back(Item{status, std::move(details), false, true, serial});
        m_closing = true;
        m_cancel_below = serial; // abandon a post still retrying; the final one goes next
    }
    m_wake.notify_all();
    std::unique_lock lock(m_mutex);
    m_wake.wait_for(lock, budget, [this] { return m_final_done; });
}

void StatusReporter::work()
{
    const auto transport = m_transport();
    cloud::CloudClient client(*m_settings, *transport, m_clock);
    client.set_cancel([this] {
        const auto hard = m_hard_deadline_ms.load();
        return m_sending.load() < m_cancel_below.load() || (hard != 0 && steady_ms() > hard);
    });
    while (true) {
        Item item;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] {
                return !m_queue.empty() || (m_closing && m_final_done) || (m_closing && m_queue.empty());
            });
            if (m_queue.empty()) {
                return;
            }
            item = std::move(m_queue.front());
            m_queue.pop_front();
            m_sending = item.serial;
        }
        cloud::StreamStatus status{m_user_id, m_stream_id, item.status, item.details};
        const auto sent = client.post_stream_status(status);
        if (!sent) {
            core::log::warn("stream-status '{}' not delivered: {}", item.status, sent.error().message);
        }
        if (item.final) {
            std::lock_guard lock(m_mutex);
            m_final_done = true;
            m_wake.notify_all();
            return;
        }
    }
}

} // namespace mtxrelay::app
