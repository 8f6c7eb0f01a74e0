#include "process/byte_pipe.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mtxrelay::process {

bool read_bytes(int fd, std::string& out, std::size_t max)
{
    char chunk[64 * 1024];
    std::size_t taken = 0;
    while (taken < max) {
        const ssize_t n = ::read(fd, chunk, std::min(sizeof chunk, max - taken));
        if (n > 0) {
            out.append(chunk, static_cast<std::size_t>(n));
            taken += static_cast<std::size_t>(n);
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
    return true;
}

bool PipeWriter::append(std::string_view bytes)
{
    if (pending() + bytes.size() > m_capacity) {
        return false;
    }
    if (m_pos > 0 && m_pos >= m_data.size() / 2) {
        m_data.erase(0, m_pos);
        m_pos = 0;
    }
    m_data.append(bytes);
    return true;
}

bool PipeWriter::flush(int fd)
{
    while (pending() > 0) {
        const ssize_t n = ::write(fd, m_data.data() + m_pos, pending());
        if (n > 0) {
            m_pos += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return true;
        }
        m_error = n < 0 ? std::strerror(errno) : "write returned 0";
        return false;
    }
    m_data.clear();
    m_pos = 0;
    return true;
}

void PipeWriter::clear()
{
    m_data.clear();
    m_pos = 0;
    m_error.clear();
}

} // namespace mtxrelay::process
