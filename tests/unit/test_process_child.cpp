#include "process/child.hpp"
#include "process/line_buffer.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using mtxrelay::process::Child;
using mtxrelay::process::ExitStatus;
using mtxrelay::process::LineBuffer;
using mtxrelay::process::SpawnOptions;
using mtxrelay::process::Stdio;
using mtxrelay::process::StopStep;
using Clock = std::chrono::steady_clock;

namespace {

SpawnOptions fake_child_options(const std::vector<std::string>& args, Stdio out = Stdio::inherit,
                                Stdio err = Stdio::inherit)
{
    SpawnOptions options;
    options.argv = {MTXRELAY_FAKE_CHILD};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.out = out;
    options.err = err;
    return options;
}

Child spawn_ok(const SpawnOptions& options)
{
    auto result = Child::spawn(options);
    if (!result) {
        FAIL("spawn failed: " << result.error().message);
    }
    return std::move(result.value());
}

std::optional<ExitStatus> wait_exit(Child& child, std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (auto status = child.try_wait()) {
            return status;
        }
        std::this_thread::sleep_for(5ms);
    }
    return child.try_wait();
}

// True once the process no longer runs: reaped here (when it is our child), gone (ESRCH), or a
// zombie that some other parent has yet to reap.
bool is_gone(pid_t pid)
{
    int raw = 0;
    if (::waitpid(pid, &raw, WNOHANG) == pid) {
        return true;
    }
    if (::kill(pid, 0) != 0) {
        return errno == ESRCH;
    }
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto paren = text.rfind(')');
    return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z';
}

bool wait_gone(pid_t pid, std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (is_gone(pid)) {
            return true;
        }
        std::this_thread::sleep_for(5ms);
    }
    return is_gone(pid);
}

// Kills and reaps a process a failed test left behind.
void kill_leftover(pid_t pid)
{
    if (pid > 0 && !is_gone(pid)) {
        ::kill(pid, SIGKILL);
        wait_gone(pid, 1000ms);
    }
}

// Orphans re-parent to this test process (not to PID 1), so the tests can reap and observe them.
struct Subreaper {
    Subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }
    ~Subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 0); }
    Subreaper(const Subreaper&) = delete;
    Subreaper& operator=(const Subreaper&) = delete;
};

struct TempDir {
    std::string path;
    TempDir()
    {
        char name[] = "/tmp/mtxrelay-unit-XXXXXX";
        REQUIRE(::mkdtemp(name) != nullptr);
        path = name;
    }
    ~TempDir()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

// Reads lines from a child's non-blocking pipe until end of stream (or the timeout).
std::vector<std::string> read_lines_until_eof(int fd, std::chrono::milliseconds timeout)
{
    LineBuffer buffer;
    std::vector<std::string> lines;
    const auto deadline = Clock::now() + timeout;
    bool open = true;
    while (open && Clock::now() < deadline) {
        pollfd pfd{fd, POLLIN, 0};
        ::poll(&pfd, 1, 50);
        open = mtxrelay::process::read_available(fd, buffer);
        while (auto line = buffer.next_line()) {
            lines.push_back(*line);
        }
    }
    if (auto rest = buffer.flush()) {
        lines.push_back(*rest);
    }
    return lines;
}

// Waits until the child prints `expected` on its piped stderr (it has then set up its signals).
bool wait_for_stderr_line(const Child& child, const std::string& expected, std::chrono::milliseconds timeout)
{
    LineBuffer buffer;
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        pollfd pfd{child.stderr_fd(), POLLIN, 0};
        ::poll(&pfd, 1, 20);
        mtxrelay::process::read_available(child.stderr_fd(), buffer);
        while (auto line = buffer.next_line()) {
            if (*line == expected) {
                return true;
            }
        }
    }
    return false;
}

pid_t read_pidfile(const std::string& path, std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        std::ifstream file(path);
        std::string text;
        if (file && std::getline(file, text) && !text.empty()) {
            return static_cast<pid_t>(std::stoi(text));
        }
        std::this_thread::sleep_for(5ms);
    }
    return -1;
}

long long elapsed_ms(Clock::time_point start)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

} // namespace

TEST_CASE("a child's exit code passes through", "[process][child]")
{
    for (const int code : {0, 1, 7, 42}) {
        CAPTURE(code);
        auto child = spawn_ok(fake_child_options({"--exit", std::to_string(code)}));
        CHECK(child.pid() > 0);
        const auto status = wait_exit(child, 5000ms);
        REQUIRE(status.has_value());
        CHECK(status->signal == 0);
        CHECK(status->code == code);
        CHECK(status->as_exit_code() == code);
        CHECK_FALSE(child.running());
        CHECK(status->describe() == "exited with code " + std::to_string(code));
    }
}

TEST_CASE("stop() on a child that already exited returns its exit code", "[process][child]")
{
    auto child = spawn_ok(fake_child_options({"--exit", "3"}));
    REQUIRE(wait_exit(child, 5000ms).has_value());
    const auto status = child.stop();
    CHECK(status.code == 3);
    CHECK(status.signal == 0);
}

TEST_CASE("spawning a missing program fails with strerror text", "[process][child]")
{
    SpawnOptions options;
    SECTION("absolute path")
    {
        options.argv = {"/nonexistent/mtxrelay-no-such-program", "--flag"};
    }
    SECTION("looked up in PATH")
    {
        options.argv = {"mtxrelay-no-such-program-in-path"};
    }
    const auto result = Child::spawn(options);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().kind == mtxrelay::core::ErrorKind::failed);
    CHECK_THAT(result.error().message, Catch::Contains(options.argv[0]));
    CHECK_THAT(result.error().message, Catch::Contains(std::strerror(ENOENT)));
}

TEST_CASE("spawning a file that is not executable fails with EACCES text", "[process][child]")
{
    TempDir dir;
    const auto path = dir.path + "/not-executable";
    std::ofstream(path) << "#!/bin/sh\nexit 0\n";
    ::chmod(path.c_str(), 0644);
    SpawnOptions options;
    options.argv = {path};
    const auto result = Child::spawn(options);
    REQUIRE_FALSE(result.ok());
    CHECK_THAT(result.error().message, Catch::Contains(std::strerror(EACCES)));
}

TEST_CASE("spawning with an empty argv is a usage failure", "[process][child]")
{
    const auto result = Child::spawn(SpawnOptions{});
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().kind == mtxrelay::core::ErrorKind::invalid);
}

TEST_CASE("spawning, failing and stopping children leaks no descriptors", "[process][child]")
{
    auto count_fds = [] {
        return std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                             std::filesystem::directory_iterator{});
    };
    const auto before = count_fds();
    for (int i = 0; i < 3; ++i) {
        auto child = spawn_ok(fake_child_options({"--sleep", "30"}, Stdio::pipe, Stdio::pipe));
        child.stop({{SIGINT, 1000ms}});
        SpawnOptions missing;
        missing.argv = {"/nonexistent/mtxrelay-no-such-program"};
        missing.out = Stdio::pipe;
        missing.err = Stdio::pipe;
        CHECK_FALSE(Child::spawn(missing).ok());
    }
    CHECK(count_fds() == before);
}

TEST_CASE("stop() ends a child with SIGINT first", "[process][child]")
{
    auto child = spawn_ok(fake_child_options({"--sleep", "30"}));
    const auto start = Clock::now();
    const auto status = child.stop({{SIGINT, 2000ms}, {SIGKILL, 2000ms}});
    CHECK(status.signal == SIGINT);
    CHECK(status.as_exit_code() == 128 + SIGINT);
    CHECK_THAT(status.describe(), Catch::StartsWith("killed by signal 2"));
    CHECK(elapsed_ms(start) < 1000);
    CHECK_FALSE(child.running());
}

TEST_CASE("signal() delivers one signal to the child", "[process][child]")
{
    auto child = spawn_ok(fake_child_options({"--sleep", "30"}));
    child.signal(SIGTERM);
    const auto status = wait_exit(child, 2000ms);
    REQUIRE(status.has_value());
    CHECK(status->signal == SIGTERM);
    CHECK(status->as_exit_code() == 143);
}

TEST_CASE("a child that ignores SIGINT is escalated to SIGTERM after the SIGINT step", "[process][child]")
{
    auto child = spawn_ok(
        fake_child_options({"--ignore-int", "--stderr", "ready", "--sleep", "30"}, Stdio::inherit, Stdio::pipe));
    REQUIRE(wait_for_stderr_line(child, "ready", 2000ms));
    const auto start = Clock::now();
    const auto status = child.stop({{SIGINT, 300ms}, {SIGTERM, 300ms}, {SIGKILL, 1000ms}});
    const auto took = elapsed_ms(start);
    CHECK(status.signal == SIGTERM);
    CHECK(took >= 290);
    CHECK(took < 900);
}

TEST_CASE("a child that ignores SIGINT and SIGTERM is killed by SIGKILL", "[process][child]")
{
    auto child = spawn_ok(fake_child_options({"--ignore-int", "--ignore-term", "--stderr", "ready", "--sleep", "30"},
                                             Stdio::inherit, Stdio::pipe));
    REQUIRE(wait_for_stderr_line(child, "ready", 2000ms));
    const auto start = Clock::now();
    const auto status = child.stop({{SIGINT, 200ms}, {SIGTERM, 200ms}, {SIGKILL, 1000ms}});
    const auto took = elapsed_ms(start);
    CHECK(status.signal == SIGKILL);
    CHECK(took >= 390);
    CHECK(took < 1400);
}

TEST_CASE("stop() also kills a grandchild in the child's process group", "[process][child]")
{
    Subreaper subreaper;
    TempDir dir;
    const auto pidfile = dir.path + "/grandchild.pid";
    auto child = spawn_ok(fake_child_options({"--sleep", "30", "--grandchild", "--pidfile", pidfile}));
    const pid_t grandchild = read_pidfile(pidfile, 2000ms);
    REQUIRE(grandchild > 0);
    CHECK(::getpgid(grandchild) == child.pid());
    const auto status = child.stop({{SIGINT, 1000ms}, {SIGKILL, 1000ms}});
    CHECK(status.signal == SIGINT);
    CHECK(wait_gone(grandchild, 1000ms));
    kill_leftover(grandchild);
}

TEST_CASE("the destructor stops and reaps the child", "[process][child]")
{
    pid_t pid = -1;
    const auto start = Clock::now();
    {
        auto child = spawn_ok(fake_child_options({"--sleep", "30"}));
        pid = child.pid();
        REQUIRE(::kill(pid, 0) == 0);
    }
    CHECK(elapsed_ms(start) < 2000);
    // Reaped, not a zombie: the pid no longer exists and is not our child any more.
    errno = 0;
    CHECK(::kill(pid, 0) == -1);
    CHECK(errno == ESRCH);
    int raw = 0;
    CHECK(::waitpid(pid, &raw, WNOHANG) == -1);
    kill_leftover(pid);
}

TEST_CASE("the destructor escalates with the default steps for a child ignoring SIGINT", "[process][child]")
{
    pid_t pid = -1;
    const auto start = Clock::now();
    {
        auto child = spawn_ok(
            fake_child_options({"--ignore-int", "--stderr", "ready", "--sleep", "30"}, Stdio::inherit, Stdio::pipe));
        REQUIRE(wait_for_stderr_line(child, "ready", 2000ms));
        pid = child.pid();
    }
    const auto took = elapsed_ms(start);
    CHECK(took >= 2900); // the SIGINT step (3 s) ran out first
    CHECK(took < 4500);  // then SIGTERM ended it at once
    errno = 0;
    CHECK(::kill(pid, 0) == -1);
    CHECK(errno == ESRCH);
    kill_leftover(pid);
}

TEST_CASE("move assignment stops the child it replaces", "[process][child]")
{
    auto first = spawn_ok(fake_child_options({"--sleep", "30"}));
    auto second = spawn_ok(fake_child_options({"--sleep", "30"}));
    const pid_t first_pid = first.pid();
    const pid_t second_pid = second.pid();
    first = std::move(second);
    CHECK(first.pid() == second_pid);
    CHECK(second.pid() == -1);
    errno = 0;
    CHECK(::kill(first_pid, 0) == -1);
    CHECK(errno == ESRCH);
    Child moved(std::move(first));
    CHECK(moved.pid() == second_pid);
    CHECK(moved.running());
    CHECK(moved.stop({{SIGINT, 1000ms}}).signal == SIGINT);
    kill_leftover(first_pid);
}

TEST_CASE("piped stdout is read line by line through LineBuffer", "[process][child]")
{
    auto child = spawn_ok(fake_child_options({"--sleep", "0.5", "--progress"}, Stdio::pipe));
    REQUIRE(child.stdout_fd() >= 0);
    CHECK(child.stderr_fd() == -1);
    CHECK((::fcntl(child.stdout_fd(), F_GETFL) & O_NONBLOCK) != 0);
    const auto lines = read_lines_until_eof(child.stdout_fd(), 5000ms);
    const auto status = wait_exit(child, 2000ms);
    REQUIRE(status.has_value());
    CHECK(status->code == 0);
    REQUIRE(lines.size() == 5 * 9);
    CHECK(lines[0] == "frame=0");
    CHECK(lines[8] == "progress=continue");
    CHECK(lines[9] == "frame=3");
    CHECK(std::count(lines.begin(), lines.end(), "progress=continue") == 5);
}

TEST_CASE("piped stderr carries the child's log lines", "[process][child]")
{
    auto child =
        spawn_ok(fake_child_options({"--stderr", "hello from the child", "--exit", "4"}, Stdio::inherit, Stdio::pipe));
    const auto lines = read_lines_until_eof(child.stderr_fd(), 5000ms);
    CHECK(lines == std::vector<std::string>{"hello from the child"});
    const auto status = wait_exit(child, 2000ms);
    REQUIRE(status.has_value());
    CHECK(status->code == 4);
}

TEST_CASE("the child's stdin is /dev/null and inherited descriptors are closed", "[process][child]")
{
    SECTION("stdin")
    {
        SpawnOptions options;
        options.argv = {"readlink", "/proc/self/fd/0"};
        options.out = Stdio::pipe;
        auto child = spawn_ok(options);
        CHECK(read_lines_until_eof(child.stdout_fd(), 5000ms) == std::vector<std::string>{"/dev/null"});
        CHECK(child.stop().code == 0);
    }
    SECTION("inherited descriptors")
    {
        const int leaked = ::open("/dev/null", O_RDONLY); // deliberately without O_CLOEXEC
        REQUIRE(leaked >= 0);
        REQUIRE(::dup2(leaked, 100) == 100);
        SpawnOptions options;
        options.argv = {"ls", "/proc/self/fd"};
        options.out = Stdio::pipe;
        auto child = spawn_ok(options);
        const auto fds = read_lines_until_eof(child.stdout_fd(), 5000ms);
        ::close(100);
        ::close(leaked);
        CHECK(child.stop().code == 0);
        CAPTURE(fds);
        CHECK(std::find(fds.begin(), fds.end(), "100") == fds.end());
        CHECK(fds.size() <= 4); // 0, 1, 2 and ls's own directory handle
    }
}

TEST_CASE("the child starts with default signal dispositions and an empty mask", "[process][child]")
{
    // SIG_IGN and the blocked mask are inherited through exec unless spawn resets them.
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    struct sigaction previous {};
    ::sigaction(SIGINT, &ignore, &previous);
    sigset_t block;
    sigset_t old_mask;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &block, &old_mask);

    auto child = spawn_ok(fake_child_options({"--sleep", "30"}));
    ::sigaction(SIGINT, &previous, nullptr);
    ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);

    child.signal(SIGINT);
    auto status = wait_exit(child, 1000ms);
    REQUIRE(status.has_value());
    CHECK(status->signal == SIGINT);

    auto second = spawn_ok(fake_child_options({"--sleep", "30"}));
    second.signal(SIGTERM);
    status = wait_exit(second, 1000ms);
    REQUIRE(status.has_value());
    CHECK(status->signal == SIGTERM);
}

namespace {

// Forks a spawner that starts fake_child and dies at once; returns the fake_child's pid.
pid_t spawn_from_short_lived_parent(bool die_with_parent)
{
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    const pid_t spawner = ::fork();
    REQUIRE(spawner >= 0);
    if (spawner == 0) {
        ::close(fds[0]);
        auto options = fake_child_options({"--sleep", "30"});
        options.die_with_parent = die_with_parent;
        auto result = Child::spawn(options);
        const pid_t pid = result ? result.value().pid() : -1;
        [[maybe_unused]] const auto written = ::write(fds[1], &pid, sizeof pid);
        ::_exit(0); // no destructors: the child is left behind on purpose
    }
    ::close(fds[1]);
    pid_t grandchild = -1;
    ssize_t n = 0;
    do {
        n = ::read(fds[0], &grandchild, sizeof grandchild);
    } while (n < 0 && errno == EINTR);
    ::close(fds[0]);
    int raw = 0;
    while (::waitpid(spawner, &raw, 0) < 0 && errno == EINTR) {
    }
    return n == sizeof grandchild ? grandchild : -1;
}

} // namespace

TEST_CASE("a child spawned with die_with_parent dies with its spawner", "[process][child]")
{
    Subreaper subreaper;
    const pid_t grandchild = spawn_from_short_lived_parent(true);
    REQUIRE(grandchild > 0);
    CHECK(wait_gone(grandchild, 1000ms));
    kill_leftover(grandchild);
}

TEST_CASE("without die_with_parent the child outlives its spawner (control)", "[process][child]")
{
    Subreaper subreaper;
    const pid_t grandchild = spawn_from_short_lived_parent(false);
    REQUIRE(grandchild > 0);
    std::this_thread::sleep_for(300ms);
    CHECK_FALSE(is_gone(grandchild));
    kill_leftover(grandchild);
    CHECK(is_gone(grandchild));
}

TEST_CASE("a child gets a minimal, explicit environment: never the cloud token or the hook's context",
          "[process][child]")
{
    ::setenv("CLOUD_API_TOKEN", "tok-SENTINEL-child-env", 1);
    ::setenv("MTX_QUERY", "key=pub-SENTINEL", 1);
    ::setenv("RELAY_ALLOW_PRIVATE_DESTINATIONS", "1", 1);
    ::setenv("TZ", "UTC", 1);
    auto child = spawn_ok(fake_child_options({"--print-env"}, Stdio::pipe));
    const auto lines = read_lines_until_eof(child.stdout_fd(), 5000ms);
    REQUIRE(wait_exit(child, 2000ms).has_value());
    ::unsetenv("CLOUD_API_TOKEN");
    ::unsetenv("MTX_QUERY");
    ::unsetenv("RELAY_ALLOW_PRIVATE_DESTINATIONS");
    for (const auto& line : lines) {
        CAPTURE(line);
        CHECK(line.find("SENTINEL") == std::string::npos);
        CHECK(line.rfind("RELAY_", 0) != 0);
    }
    CHECK(std::count(lines.begin(), lines.end(), "TZ=UTC") == 1);
    CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& l) { return l.rfind("PATH=", 0) == 0; }));

    // An explicit environment is taken as it is.
    auto options = fake_child_options({"--print-env"}, Stdio::pipe);
    options.env = std::vector<std::string>{"ONLY=this"};
    auto explicit_child = spawn_ok(options);
    CHECK(read_lines_until_eof(explicit_child.stdout_fd(), 5000ms) == std::vector<std::string>{"ONLY=this"});
    REQUIRE(wait_exit(explicit_child, 2000ms).has_value());
}
