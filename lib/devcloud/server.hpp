#pragma once

#include "devcloud/state.hpp"

#include <memory>
#include <string>

namespace mtxrelay::devcloud {

// The reference cloud's HTTP server: SPEC §5 endpoints, MediaMTX publisher auth, and the
// admin API that tests and operators use to change destinations and read events.
class DevCloudServer {
public:
    explicit DevCloudServer(DevCloudState& state);
    ~DevCloudServer();
    DevCloudServer(const DevCloudServer&) = delete;
    DevCloudServer& operator=(const DevCloudServer&) = delete;

    // Binds host:port (0 picks a free port); returns the bound port or throws.
    int bind(const std::string& host, int port);
    // Serves until stop(); run it on its own thread.
    void serve();
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace mtxrelay::devcloud
