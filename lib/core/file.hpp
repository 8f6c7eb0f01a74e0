#pragma once

#include "core/error.hpp"

#include <cstddef>
#include <string>

namespace mtxrelay::core {

// Reads a whole file that must be a regular file of at most max_bytes. It is opened without
// blocking (O_NONBLOCK) and checked with fstat before any read, so a FIFO, a terminal or a
// device such as /dev/zero is refused at once instead of blocking the caller or growing
// without end. Failures (kind invalid) name the path and what to do.
Result<std::string> read_regular_file(const std::string& path, size_t max_bytes);

} // namespace mtxrelay::core
