#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace mtxrelay::http {

// Header names are stored lower-case.
using Headers = std::map<std::string, std::string>;

struct Request {
    std::string method = "GET";
    std::string url;
    Headers headers;
    std::string body;
    std::chrono::milliseconds connect_timeout{3000};
    std::chrono::milliseconds total_timeout{10000};
    size_t max_body_bytes = 1024 * 1024;
    int max_redirects = 3;
    // Keep cookies across redirects and across this transport's requests, like one browser
    // session (MediaMTX's HLS: a cookie check on the playlist, then a session cookie).
    bool cookies = false;
    std::function<bool()> cancelled; // polled during the transfer; true aborts it
};

struct Response {
    long status = 0;
    Headers headers;
    std::string body;
    std::string effective_url;
};

enum class TransportError { none, connect, timeout, too_large, cancelled, protocol, other };

// Either a response (any HTTP status) or a transport failure with a reason.
struct Outcome {
    std::optional<Response> response;
    TransportError error = TransportError::none;
    std::string reason;
};

// The seam between our HTTP logic and the network; unit tests provide a fake.
class Transport {
public:
    virtual ~Transport() = default;
    virtual Outcome perform(const Request& request) = 0;
};

// libcurl: TLS verification on, http/https only, redirects capped, body size capped. Requests
// with `cookies` share one cookie store per transport.
class CurlTransport : public Transport {
public:
    CurlTransport();
    ~CurlTransport() override;
    CurlTransport(const CurlTransport&) = delete;
    CurlTransport& operator=(const CurlTransport&) = delete;
    Outcome perform(const Request& request) override;

private:
    struct CookieShare;
    std::unique_ptr<CookieShare> m_cookies;
};

// Makes a transport for one owner (a thread, a lookup): the seam through which tools and the
// background workers get their HTTP, so unit tests hand them a fake.
using TransportFactory = std::function<std::unique_ptr<Transport>()>;

// The factory of real transports (libcurl).
inline TransportFactory curl_transport_factory()
{
    return [] { return std::make_unique<CurlTransport>(); };
}

} // namespace mtxrelay::http
