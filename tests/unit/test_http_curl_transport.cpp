#include "http/transport.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>

using namespace std::chrono_literals;
using mtxrelay::http::CurlTransport;
using mtxrelay::http::Request;
using mtxrelay::http::TransportError;

namespace {

// A server that accepts connections (the kernel does, from the backlog) and never answers.
struct SilentServer {
    int fd = -1;
    int port = 0;
    SilentServer()
    {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(fd, 8) == 0);
        socklen_t length = sizeof address;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
        port = ntohs(address.sin_port);
    }
    ~SilentServer() { ::close(fd); }
};

} // namespace

TEST_CASE("a stop request ends a call to a silent server long before its timeout", "[http][curl]")
{
    // libcurl's progress callback runs about once a second while a server is silent; the
    // transfer must notice the stop request far sooner. The attempt's own timeout is set below
    // that second, so a transport that only looked at the callback would report a timeout.
    constexpr auto k_timeout_below_progress_interval = 700ms;
    SilentServer server;
    const auto started = std::chrono::steady_clock::now();
    Request request;
    request.url = "http://127.0.0.1:" + std::to_string(server.port) + "/api/relay/cf-url/a/b";
    request.total_timeout = k_timeout_below_progress_interval;
    request.cancelled = [started] { return std::chrono::steady_clock::now() - started > 100ms; };
    CurlTransport transport;
    const auto outcome = transport.perform(request);
    CHECK_FALSE(outcome.response.has_value());
    CHECK(outcome.error == TransportError::cancelled);
    CHECK(outcome.reason == "interrupted");
}

TEST_CASE("without a stop request the silent server ends in a timeout", "[http][curl]")
{
    SilentServer server;
    Request request;
    request.url = "http://127.0.0.1:" + std::to_string(server.port) + "/";
    request.total_timeout = 300ms;
    CurlTransport transport;
    const auto outcome = transport.perform(request);
    CHECK(outcome.error == TransportError::timeout);
}
