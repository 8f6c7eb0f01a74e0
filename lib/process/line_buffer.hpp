#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace mtxrelay::process {

// Splits a byte stream from a child's pipe into lines ('\n' or '\r' ends a line).
// Lines longer than the cap are cut so a child that never prints a newline cannot grow us.
class LineBuffer {
public:
    explicit LineBuffer(size_t max_line = 8192) : m_max_line(max_line) {}

    void feed(const char* data, size_t size);
    std::optional<std::string> next_line();
    // Returns the unterminated rest (at end of stream).
    std::optional<std::string> flush();

private:
    size_t m_max_line;
    std::string m_pending;
};

// Reads what is available from a non-blocking fd into the buffer. Returns false at end of
// stream (or a read error), true while the pipe is still open.
bool read_available(int fd, LineBuffer& buffer);

} // namespace mtxrelay::process
