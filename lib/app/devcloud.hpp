#pragma once

#include <optional>
#include <string>

namespace mtxrelay::app {

struct DevCloudOptions {
    std::string config_path;
    std::string host = "127.0.0.1";
    int port = 8080;
    std::optional<std::string> log_format;
    // Listen beyond loopback without a token and an admin_token (refused otherwise).
    bool allow_unauthenticated = false;
};

// relay-devcloud: serves the reference cloud until SIGINT/SIGTERM. Prints its base URL on
// stdout once listening (so --port 0 callers learn the port).
int run_devcloud(const DevCloudOptions& options);

} // namespace mtxrelay::app
