#include "process/child.hpp"

#include "core/env.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>

namespace mtxrelay::process {

namespace {

using namespace std::chrono_literals;

void close_fd(int& fd)
{
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

// Runs in the forked child: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(const SpawnOptions& options, char* const* argv, char* const* envp, pid_t parent,
                             int error_pipe, int in_pipe, int out_pipe, int err_pipe, int null_fd)
{
    auto fail = [&](int code) {
        [[maybe_unused]] const auto ignored = ::write(error_pipe, &code, sizeof code);
        ::_exit(127);
    };
    if (options.die_with_parent) {
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
            fail(errno);
        }
        if (::getppid() != parent) {
            ::_exit(127); // the parent already died between fork and prctl
        }
    }
    if (options.new_process_group && ::setpgid(0, 0) != 0) {
        fail(errno);
    }
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            ::signal(sig, SIG_DFL);
        }
    }
    sigset_t empty;
    sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
    if (::dup2(options.in == Stdio::pipe ? in_pipe : null_fd, STDIN_FILENO) < 0) {
        fail(errno);
    }
    auto route = [&](Stdio mode, int pipe_fd, int target) {
        if (mode == Stdio::pipe && ::dup2(pipe_fd, target) < 0) {
            fail(errno);
        }
        if (mode == Stdio::null && ::dup2(null_fd, target) < 0) {
            fail(errno);
        }
    };
    route(options.out, out_pipe, STDOUT_FILENO);
    route(options.err, err_pipe, STDERR_FILENO);
    // Close every inherited descriptor except the exec-error pipe (which is close-on-exec).
    if (error_pipe > 3) {
        ::close_range(3, static_cast<unsigned>(error_pipe - 1), 0);
    }
    ::close_range(static_cast<unsigned>(error_pipe + 1), ~0U, 0);
    ::execvpe(argv[0], argv, envp); // looked up in our PATH, run with the child's own environment
    fail(errno);
    ::_exit(127);
}

bool make_pipe(int fds[2])
{
    return ::pipe2(fds, O_CLOEXEC) == 0;
}

constexpr std::array<std::string_view, 13> k_passed_variables = {
    "PATH",          "HOME",         "TMPDIR",         "TZ",         "LANG",
    "LANGUAGE",      "LC_ALL",       "LC_CTYPE",       "LC_NUMERIC", "LD_LIBRARY_PATH",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "FONTCONFIG_FILE"};

} // namespace

std::vector<std::string> minimal_environment()
{
    std::vector<std::string> env;
    for (const auto name : k_passed_variables) {
        if (const char* value = std::getenv(std::string(name).c_str())) {
            env.push_back(std::string(name) + "=" + value);
        }
    }
    return env;
}

core::Result<std::unique_ptr<Process>> spawn_process(const SpawnOptions& options)
{
    auto child = Child::spawn(options);
    if (!child) {
        return child.error();
    }
    return std::unique_ptr<Process>(std::make_unique<Child>(std::move(child.value())));
}

std::string ExitStatus::describe() const
{
    if (signal != 0) {
        return fmt::format("killed by signal {} ({})", signal, ::strsignal(signal));
    }
    return fmt::format("exited with code {}", code);
}

core::Result<Child> Child::spawn(const SpawnOptions& options)
{
    using core::Failure;
    if (options.argv.empty()) {
        return Failure{core::ErrorKind::invalid, "cannot start a child: empty argv"};
    }
    std::vector<char*> argv;
    for (const auto& arg : options.argv) {
        argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    const auto env_strings = options.env ? *options.env : minimal_environment();
    std::vector<char*> envp;
    for (const auto& entry : env_strings) {
        envp.push_back(const_cast<char*>(entry.c_str()));
    }
    envp.push_back(nullptr);

    int error_pipe[2] = {-1, -1};
    int in_pipe[2] = {-1, -1};
    int out_pipe[2] = {-1, -1};
    int err_pipe[2] = {-1, -1};
    const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    auto cleanup = [&] {
        for (int* fd : {&error_pipe[0], &error_pipe[1], &in_pipe[0], &in_pipe[1], &out_pipe[0], &out_pipe[1],
                        &err_pipe[0], &err_pipe[1]}) {
            close_fd(*fd);
        }
        if (null_fd >= 0) {
            ::close(null_fd);
        }
    };
    if (null_fd < 0 || !make_pipe(error_pipe) || (options.in == Stdio::pipe && !make_pipe(in_pipe)) ||
        (options.out == Stdio::pipe && !make_pipe(out_pipe)) || (options.err == Stdio::pipe && !make_pipe(err_pipe))) {
        const auto message = core::errno_message("creating pipes for " + options.argv[0]);
        cleanup();
        return Failure{core::ErrorKind::failed, message};
    }

    // Block every signal across fork so no handler of ours runs in the child before it resets
    // dispositions; the child unblocks after the reset.
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &previous);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid != 0) {
        ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    }
    if (pid < 0) {
        const auto message = core::errno_message("fork for " + options.argv[0]);
        cleanup();
        return Failure{core::ErrorKind::failed, message};
    }
    if (pid == 0) {
        exec_child(options, argv.data(), envp.data(), parent, error_pipe[1], in_pipe[0], out_pipe[1], err_pipe[1],
                   null_fd);
    }
    if (options.new_process_group) {
        ::setpgid(pid, pid); // also done in the child; whichever runs first wins the race
    }
    close_fd(error_pipe[1]);
    close_fd(in_pipe[0]);
    close_fd(out_pipe[1]);
    close_fd(err_pipe[1]);

    int child_errno = 0;
    ssize_t n = 0;
    do {
        n = ::read(error_pipe[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);

    Child child;
    child.m_pid = pid;
    child.m_group = options.new_process_group;
    child.m_in = in_pipe[1];
    child.m_out = out_pipe[0];
    child.m_err = err_pipe[0];
    in_pipe[1] = -1;
    out_pipe[0] = -1;
    err_pipe[0] = -1;
    cleanup();
    if (n > 0) {
        // It failed before exec and exits with 127 on its own: no grace to give, only reaping.
        child.stop({{SIGKILL, 2000ms}});
        return Failure{core::ErrorKind::failed,
                       fmt::format("cannot start {}: {}", options.argv[0], std::strerror(child_errno))};
    }
    for (int fd : {child.m_in, child.m_out, child.m_err}) {
        if (fd >= 0) {
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        }
    }
    return child;
}

Child::Child(Child&& other) noexcept
    : m_pid(other.m_pid), m_group(other.m_group), m_in(other.m_in), m_out(other.m_out), m_err(other.m_err),
      m_status(other.m_status)
{
    other.m_pid = -1;
    other.m_in = -1;
    other.m_out = -1;
    other.m_err = -1;
}

Child& Child::operator=(Child&& other) noexcept
{
    if (this != &other) {
        release();
        m_pid = other.m_pid;
        m_group = other.m_group;
        m_in = other.m_in;
        m_out = other.m_out;
        m_err = other.m_err;
        m_status = other.m_status;
        other.m_pid = -1;
        other.m_in = -1;
        other.m_out = -1;
        other.m_err = -1;
    }
    return *this;
}

Child::~Child()
{
    release();
}

void Child::release()
{
    if (m_pid > 0 && !m_status) {
        stop();
    }
    close_stdin();
    close_stdout();
    close_stderr();
    m_pid = -1;
}

void Child::close_stdin()
{
    close_fd(m_in);
}

void Child::close_stdout()
{
    close_fd(m_out);
}

void Child::close_stderr()
{
    close_fd(m_err);
}

std::optional<ExitStatus> Child::try_wait()
{
    if (m_status || m_pid <= 0) {
        return m_status;
    }
    int raw = 0;
    pid_t r = 0;
    do {
        r = ::waitpid(m_pid, &raw, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == m_pid) {
        ExitStatus status;
        if (WIFSIGNALED(raw)) {
            status.signal = WTERMSIG(raw);
        } else {
            status.code = WEXITSTATUS(raw);
        }
        m_status = status;
    } else if (r < 0) {
        m_status = ExitStatus{127, 0}; // not our child any more (ECHILD): nothing left to reap
    }
    return m_status;
}

void Child::signal(int signal_number) const
{
    if (m_pid <= 0 || m_status) {
        return;
    }
    if (m_group) {
        ::kill(-m_pid, signal_number);
    }
    ::kill(m_pid, signal_number);
}

ExitStatus Child::stop(const StopSteps& steps)
{
    for (const auto& step : steps) {
        if (try_wait()) {
            break;
        }
        signal(step.signal);
        const auto deadline = std::chrono::steady_clock::now() + step.wait;
        while (!try_wait() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(10ms);
        }
    }
    if (!try_wait()) {
        signal(SIGKILL);
        while (!try_wait()) {
            std::this_thread::sleep_for(10ms);
        }
    }
    if (m_group) {
        ::kill(-m_pid, SIGKILL); // grandchildren that outlived the leader
    }
    return *m_status;
}

} // namespace mtxrelay::process
