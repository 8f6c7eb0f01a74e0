#pragma once
// Fakes for the tools' control-flow tests: a log capture that threads may write to, and the
// argv of the stand-in ffmpeg (tests/support/fake_child).

#include "core/log.hpp"
#include "http/transport.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mtxrelay::testing {

// Captures log lines (from any thread) and restores stderr logging afterwards.
struct SharedLogCapture {
    std::mutex mutex;
    std::vector<std::string> lines;
    SharedLogCapture()
    {
        core::log::set_sink([this](std::string_view line) {
            std::lock_guard lock(mutex);
            lines.emplace_back(line);
        });
    }
    ~SharedLogCapture() { core::log::set_sink(nullptr); }
    SharedLogCapture(const SharedLogCapture&) = delete;
    SharedLogCapture& operator=(const SharedLogCapture&) = delete;

    int count(const std::string& text)
    {
        std::lock_guard lock(mutex);
        return static_cast<int>(std::count_if(
            lines.begin(), lines.end(), [&](const std::string& line) { return line.find(text) != std::string::npos; }));
    }
    bool has(const std::string& text) { return count(text) > 0; }
};

// The stand-in ffmpeg with these arguments.
inline std::vector<std::string> fake_ffmpeg(std::vector<std::string> args)
{
    args.insert(args.begin(), MTXRELAY_FAKE_CHILD);
    return args;
}

// The cloud as the reporter's worker thread sees it: the `status` of every stream-status POST
// attempted and of every one delivered; a cloud that is down refuses every connection.
struct FakeCloud {
    std::mutex mutex;
    std::vector<std::string> attempted;
    std::vector<std::string> delivered;
    bool down = false;

    http::TransportFactory factory()
    {
        return [this] { return std::make_unique<Transport>(*this); };
    }
    std::vector<std::string> attempts()
    {
        std::lock_guard lock(mutex);
        return attempted;
    }
    std::vector<std::string> deliveries()
    {
        std::lock_guard lock(mutex);
        return delivered;
    }

    struct Transport : http::Transport {
        explicit Transport(FakeCloud& cloud) : m_cloud(cloud) {}
        http::Outcome perform(const http::Request& request) override
        {
            std::lock_guard lock(m_cloud.mutex);
            if (request.method != "POST") {
                return {std::nullopt, http::TransportError::other, "only status posts are expected"};
            }
            const auto status = nlohmann::json::parse(request.body).value("status", "");
            m_cloud.attempted.push_back(status);
            if (m_cloud.down) {
                return {std::nullopt, http::TransportError::connect, "connection refused"};
            }
            m_cloud.delivered.push_back(status);
            http::Response response;
            response.status = 200;
            return {response, http::TransportError::none, {}};
        }
        FakeCloud& m_cloud;
    };
};

} // namespace mtxrelay::testing
