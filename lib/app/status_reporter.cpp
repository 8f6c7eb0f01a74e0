#include "app/status_reporter.hpp"

#include "cloud/client.hpp"
#include "core/log.hpp"
#include "http/transport.hpp"

namespace mtxrelay::app {

namespace {

long long steady_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

StatusReporter::StatusReporter(std::optional<cloud::CloudSettings> settings, std::string user_id, std::string stream_id)
    : m_settings(std::move(settings)), m_user_id(std::move(user_id)), m_stream_id(std::move(stream_id))
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
    }
    m_cancel_current = true;
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
        m_queue.back() = Item{status, std::move(details), true, false};
    } else {
        m_queue.push_back(Item{status, std::move(details), periodic, false});
    }
    m_wake.notify_all();
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
        m_queue.push_back(Item{status, std::move(details), false, true});
        m_closing = true;
    }
    m_cancel_current = true; // abandon a post still retrying; the final one goes next
    m_wake.notify_all();
    std::unique_lock lock(m_mutex);
    m_wake.wait_for(lock, budget, [this] { return m_final_done; });
}

void StatusReporter::work()
{
    http::CurlTransport transport;
    cloud::CloudClient client(*m_settings, transport);
    client.set_cancel([this] {
        const auto hard = m_hard_deadline_ms.load();
        return m_cancel_current.load() || (hard != 0 && steady_ms() > hard);
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
            if (item.final) {
                m_cancel_current = false;
            }
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
