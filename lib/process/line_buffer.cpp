#include "process/line_buffer.hpp"

#include <unistd.h>

#include <cerrno>

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
    char chunk[4096];
    while (true) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n > 0) {
            buffer.feed(chunk, static_cast<size_t>(n));
            continue;
        }
        if (n == 0) {
            return false;
        }
        if (errno == EINTR) {
            continue;
        }
        return errno == EAGAIN || errno == EWOULDBLOCK;
    }
}

} // namespace mtxrelay::process
