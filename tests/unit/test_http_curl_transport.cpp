#include "http/transport.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

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

namespace {

// MediaMTX's HLS on plain HTTP: the multivariant playlist answers with a session cookie
// (Secure, Partitioned: a browser keeps it for 127.0.0.1), and every later request of that
// session, which is a new request and not a redirect, must carry it or gets 401.
class SessionServer {
public:
    SessionServer()
    {
        m_server.Get("/index.m3u8", [](const httplib::Request&, httplib::Response& res) {
            res.set_header("Set-Cookie", "hlsSession=abc; HttpOnly; Secure; SameSite=None; Partitioned");
            res.set_content("#EXTM3U\n", "application/vnd.apple.mpegurl");
        });
        m_server.Get("/media.m3u8", [](const httplib::Request& req, httplib::Response& res) {
            const bool has_session = req.get_header_value("Cookie").find("hlsSession=abc") != std::string::npos;
            res.status = has_session ? 200 : 401;
            res.set_content(has_session ? "#EXTM3U\n#EXTINF:1,\nseg.mp4\n" : "", "text/plain");
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        while (!m_server.is_running()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    ~SessionServer()
    {
        m_server.stop();
        m_thread.join();
    }
    SessionServer(const SessionServer&) = delete;
    SessionServer& operator=(const SessionServer&) = delete;

    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(m_port) + path; }

private:
    httplib::Server m_server;
    int m_port = 0;
    std::thread m_thread;
};

long get_status(CurlTransport& transport, const std::string& url, bool cookies)
{
    Request request;
    request.url = url;
    request.cookies = cookies;
    const auto outcome = transport.perform(request);
    REQUIRE(outcome.response);
    return outcome.response->status;
}

} // namespace

TEST_CASE("requests with cookies share one cookie store per transport, like a browser session",
          "[http][curl_transport]")
{
    const SessionServer server;
    CurlTransport transport;
    CHECK(get_status(transport, server.url("/media.m3u8"), true) == 401);
    CHECK(get_status(transport, server.url("/index.m3u8"), true) == 200);
    CHECK(get_status(transport, server.url("/media.m3u8"), true) == 200);

    SECTION("a request without cookies sends none")
    {
        CHECK(get_status(transport, server.url("/media.m3u8"), false) == 401);
    }
    SECTION("another transport is another session")
    {
        CurlTransport other;
        CHECK(get_status(other, server.url("/media.m3u8"), true) == 401);
    }
}
