#include "http/transport.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>

using mtxrelay::http::CurlTransport;
using mtxrelay::http::Request;

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
