#include "process/byte_pipe.hpp"
#include "process/child.hpp"

#include <catch2/catch.hpp>

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <string>

using namespace mtxrelay::process;
using namespace std::chrono_literals;

TEST_CASE("a child's piped stdin carries bytes in order and its close is the child's end of file", "[process][pipe]")
{
    ::signal(SIGPIPE, SIG_IGN);
    SpawnOptions options;
    options.argv = {"cat"};
    options.in = Stdio::pipe;
    options.out = Stdio::pipe;
    auto spawned = Child::spawn(options);
    REQUIRE(spawned.ok());
    auto& child = spawned.value();
    REQUIRE(child.stdin_fd() >= 0);
    std::string sent;
    for (int i = 0; i < 3000; ++i) {
        sent += std::to_string(i) + std::string(97, 'x') + "\n";
    }
    PipeWriter writer;
    REQUIRE(writer.append(sent));
    std::string received;
    bool open = true;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (open && std::chrono::steady_clock::now() < deadline) {
        if (child.stdin_fd() >= 0) {
            REQUIRE(writer.flush(child.stdin_fd()));
            if (writer.pending() == 0) {
                child.close_stdin();
            }
        }
        pollfd fd{child.stdout_fd(), POLLIN, 0};
        ::poll(&fd, 1, 50);
        open = read_bytes(child.stdout_fd(), received, 1 << 20);
    }
    CHECK(received == sent);
    const auto status = child.stop();
    CHECK(status.code == 0);
    CHECK(status.signal == 0);
}

TEST_CASE("a pipe writer is bounded and reports a reader that is gone", "[process][pipe]")
{
    ::signal(SIGPIPE, SIG_IGN);
    PipeWriter writer(10);
    CHECK(writer.append("12345"));
    CHECK_FALSE(writer.append("1234567"));
    CHECK(writer.pending() == 5);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    ::close(fds[0]);
    CHECK_FALSE(writer.flush(fds[1]));
    CHECK_FALSE(writer.error().empty());
    ::close(fds[1]);
    writer.clear();
    CHECK(writer.pending() == 0);
    CHECK(writer.error().empty());
}
