#pragma once

#include <string>
#include <string_view>

namespace mtxrelay::core {

// The CMake project version, e.g. "0.1.0" (defined in the generated version.cpp).
std::string_view project_version();

// The short git revision the build was configured from, or "unknown" outside git.
std::string_view git_revision();

// What `<tool> --version` prints: "relay-clean 0.1.0 (git 61deaf2c1a3b)".
std::string version_line(std::string_view tool);

} // namespace mtxrelay::core
