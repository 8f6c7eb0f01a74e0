#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mtxrelay::process {

// Reads what a non-blocking fd has now, appending at most `max` bytes to `out`. Returns false
// at end of stream or on an error other than "would block", true while the pipe is open.
bool read_bytes(int fd, std::string& out, std::size_t max);

// Bytes queued for a child's stdin and written as the pipe takes them, without blocking the
// loop that owns it. Bounded: append() refuses data beyond `capacity` (the reader is too slow
// or stuck) and the owner decides what that means.
class PipeWriter {
public:
    explicit PipeWriter(std::size_t capacity = 32 * 1024 * 1024) : m_capacity(capacity) {}

    // Queues bytes; false (nothing queued) when they would exceed the capacity.
    bool append(std::string_view bytes);
    // Writes as much as the non-blocking fd takes now. False when the reader is gone (EPIPE)
    // or the write failed; error() says why.
    bool flush(int fd);
    std::size_t pending() const { return m_data.size() - m_pos; }
    void clear();
    const std::string& error() const { return m_error; }

private:
    std::size_t m_capacity;
    std::string m_data;
    std::size_t m_pos = 0;
    std::string m_error;
};

} // namespace mtxrelay::process
