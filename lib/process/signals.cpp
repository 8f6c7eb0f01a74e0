#include "process/signals.hpp"

#include "core/env.hpp"
#include "core/error.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace mtxrelay::process {

namespace {

volatile std::sig_atomic_t g_received = 0;
int g_pipe[2] = {-1, -1};

extern "C" void on_stop_signal(int signal_number)
{
    const int saved_errno = errno;
    g_received = signal_number;
    const char byte = 1;
    [[maybe_unused]] const auto ignored = ::write(g_pipe[1], &byte, 1);
    errno = saved_errno;
}

} // namespace

void StopSignal::install()
{
    if (g_pipe[0] >= 0) {
        return;
    }
    if (::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        throw core::Error(core::ExitCode::failure, core::errno_message("creating the signal pipe"));
    }
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, nullptr);
}

bool StopSignal::requested()
{
    return g_received != 0;
}

int StopSignal::received()
{
    return g_received;
}

int StopSignal::wake_fd()
{
    install();
    return g_pipe[0];
}

void StopSignal::reset()
{
    g_received = 0;
    if (g_pipe[0] >= 0) {
        char buffer[64];
        while (::read(g_pipe[0], buffer, sizeof buffer) > 0) {
        }
    }
}

void StopSignal::request(int signal_number)
{
    install();
    on_stop_signal(signal_number);
}

bool sleep_unless_stopped(std::chrono::milliseconds duration)
{
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + duration;
    while (!StopSignal::requested()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
        if (left.count() <= 0) {
            return true;
        }
        pollfd fd{StopSignal::wake_fd(), POLLIN, 0};
        ::poll(&fd, 1, static_cast<int>(left.count()));
    }
    return false;
}

} // namespace mtxrelay::process
