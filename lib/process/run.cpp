#include "process/run.hpp"

#include "process/byte_pipe.hpp"
#include "process/signals.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>

namespace mtxrelay::process {

namespace {

// Appends what is readable, up to max_bytes in all (the rest is read and dropped, noted in
// `truncated`); returns false at end of stream.
bool drain(int fd, std::string& into, size_t max_bytes, bool& truncated)
{
    constexpr size_t k_chunk = 64 * 1024;
    std::string chunk;
    while (true) {
        chunk.clear();
        const bool open = read_bytes(fd, chunk, k_chunk);
        const size_t room = into.size() < max_bytes ? max_bytes - into.size() : 0;
        into.append(chunk, 0, std::min(room, chunk.size()));
        truncated = truncated || chunk.size() > room;
        if (!open) {
            return false;
        }
        if (chunk.size() < k_chunk) {
            return true; // nothing more readable now
        }
    }
}

} // namespace

core::Result<RunResult> run_capture(const std::vector<std::string>& argv, std::chrono::milliseconds time_limit,
                                    size_t max_bytes)
{
    SpawnOptions options;
    options.argv = argv;
    options.out = Stdio::pipe;
    options.err = Stdio::pipe;
    auto spawned = Child::spawn(options);
    if (!spawned) {
        return spawned.error();
    }
    Child child = std::move(spawned.value());
    RunResult result;
    const auto deadline = std::chrono::steady_clock::now() + time_limit;
    while (child.stdout_fd() >= 0 || child.stderr_fd() >= 0) {
        if (StopSignal::requested()) {
            result.interrupted = true;
            break;
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            break;
        }
        pollfd fds[3] = {
            {child.stdout_fd(), POLLIN, 0}, {child.stderr_fd(), POLLIN, 0}, {StopSignal::wake_fd(), POLLIN, 0}};
        ::poll(fds, 3, static_cast<int>(std::min<long long>(left.count(), 200)));
        if (child.stdout_fd() >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
            !drain(child.stdout_fd(), result.out, max_bytes, result.truncated)) {
            child.close_stdout();
        }
        if (child.stderr_fd() >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
            !drain(child.stderr_fd(), result.err, max_bytes, result.truncated)) {
            child.close_stderr();
        }
    }
    // Both pipes closed: the program is exiting; give it a moment before stopping it.
    for (int i = 0; i < 200 && !result.timed_out && !result.interrupted && !child.try_wait(); ++i) {
        ::usleep(10000);
    }
    result.status = child.stop();
    return result;
}

} // namespace mtxrelay::process
