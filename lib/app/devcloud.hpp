#pragma once

#include <optional>
#include <string>

namespace mtxrelay::app {

// relay-devcloud's command line. Each field is the flag of a row in app/settings.hpp:
// devcloud_config, devcloud_host, devcloud_port, log_format, allow_unauthenticated. The
// initial values are the rows' defaults (checked by the unit tests).
struct DevCloudOptions {
    std::string config_path;
    std::string host = "127.0.0.1";
    int port = 8080;
    std::optional<std::string> log_format;
    bool allow_unauthenticated = false; // listen beyond loopback without a token and an admin_token
};

// relay-devcloud: serves the reference cloud until SIGINT/SIGTERM. Prints its base URL on
// stdout once listening (so --port 0 callers learn the port).
int run_devcloud(const DevCloudOptions& options);

} // namespace mtxrelay::app
