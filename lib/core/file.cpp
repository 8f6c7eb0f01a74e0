#include "core/file.hpp"

#include "core/env.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>

namespace mtxrelay::core {

namespace {

struct Fd {
    int fd = -1;
    ~Fd()
    {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

} // namespace

Result<std::string> read_regular_file(const std::string& path, size_t max_bytes)
{
    Fd file;
    file.fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (file.fd < 0) {
        return Failure{ErrorKind::invalid, errno_message(fmt::format("cannot open {}", path))};
    }
    struct stat st {};
    if (::fstat(file.fd, &st) != 0) {
        return Failure{ErrorKind::invalid, errno_message(fmt::format("cannot stat {}", path))};
    }
    if (!S_ISREG(st.st_mode)) {
        return Failure{
            ErrorKind::invalid,
            fmt::format("{} is not a regular file (a FIFO, device, socket or directory): give a file", path)};
    }
    if (static_cast<size_t>(st.st_size) > max_bytes) {
        return Failure{ErrorKind::invalid, fmt::format("{} is larger than {} bytes", path, max_bytes)};
    }
    std::string text;
    char buffer[65536];
    while (true) {
        const ssize_t n = ::read(file.fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return Failure{ErrorKind::invalid, errno_message(fmt::format("reading {}", path))};
        }
        if (n == 0) {
            return text;
        }
        if (text.size() + static_cast<size_t>(n) > max_bytes) { // it grew while we read
            return Failure{ErrorKind::invalid, fmt::format("{} is larger than {} bytes", path, max_bytes)};
        }
        text.append(buffer, static_cast<size_t>(n));
    }
}

} // namespace mtxrelay::core
