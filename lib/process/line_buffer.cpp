#include "process/line_buffer.hpp"

#include "process/byte_pipe.hpp"

namespace mtxrelay::process {

void LineBuffer::feed(const char* data, size_t size)
{
    m_pending.append(data, size);
}

std::optional<std::string> LineBuffer::next_line()
{
    while (true) {
        const size_t end = m_pending.find_first_of("\r\n");
        if (end != std::string::npos && end > m_max_line) {
            std::string line = m_pending.substr(0, m_max_line);
            m_pending.erase(0, m_max_line);
            return line;
        }
        if (end == std::string::npos) {
            if (m_pending.size() > m_max_line) {
                std::string line = m_pending.substr(0, m_max_line);
                m_pending.erase(0, m_max_line);
                return line;
            }
            return std::nullopt;
        }
        std::string line = m_pending.substr(0, end);
        m_pending.erase(0, end + 1);
        if (!line.empty()) {
            return line;
        }
    }
}

std::optional<std::string> LineBuffer::flush()
{
    if (m_pending.empty()) {
        return std::nullopt;
    }
    std::string rest;
    rest.swap(m_pending);
    return rest;
}

bool read_available(int fd, LineBuffer& buffer)
{
    // A pipe holds 64 KiB by default: one call takes what is there, a busy child is read again
    // at the next poll.
    std::string bytes;
    const bool open = read_bytes(fd, bytes, 1024 * 1024);
    buffer.feed(bytes.data(), bytes.size());
    return open;
}

} // namespace mtxrelay::process
