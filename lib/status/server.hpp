#pragma once

#include "status/overview.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace mtxrelay::status {

// Where `relay-status --serve` listens: "PORT" (127.0.0.1), "HOST:PORT" or "[V6]:PORT". The
// host must be an IP literal; anything but loopback is refused unless `allow_remote`, because
// the status names every stream and destination of the relay.
struct ListenAddress {
    std::string host;
    int port = 0;
};
ListenAddress parse_listen_address(const std::string& text, bool allow_remote);

// The HTTP view of relay-status (cpp-httplib): GET /metrics (Prometheus text format 0.0.4),
// GET /status (JSON), GET / (the table). Each request takes a fresh overview.
class StatusServer {
public:
    explicit StatusServer(std::function<Overview()> snapshot);
    ~StatusServer();
    StatusServer(const StatusServer&) = delete;
    StatusServer& operator=(const StatusServer&) = delete;

    // Binds (port 0 picks a free one); returns the bound port or throws.
    int bind(const ListenAddress& address);
    // Serves until stop(); run it on its own thread.
    void serve();
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace mtxrelay::status
