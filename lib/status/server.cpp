#include "status/server.hpp"

#include "core/error.hpp"
#include "net/address.hpp"
#include "status/render.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <charconv>

namespace mtxrelay::status {

namespace {

int parse_port(std::string_view text, const std::string& whole)
{
    int port = -1;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (error != std::errc() || end != text.data() + text.size() || port < 0 || port > 65535) {
        throw core::UsageError(
            fmt::format("--serve '{}': the port must be a number from 0 to 65535 (0 picks a free one)", whole));
    }
    return port;
}

} // namespace

ListenAddress parse_listen_address(const std::string& text, bool allow_remote)
{
    ListenAddress address{"127.0.0.1", 0};
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) {
        address.port = parse_port(text, text);
        return address;
    }
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    address.port = parse_port(std::string_view(text).substr(colon + 1), text);
    if (host.empty()) {
        return address;
    }
    const auto ip = net::parse_address(host);
    if (!ip) {
        throw core::UsageError(
            fmt::format("--serve '{}': the host must be an IP address such as 127.0.0.1 or [::1]", text));
    }
    if (net::classify(*ip) != net::AddressClass::loopback && !allow_remote) {
        throw core::UsageError(fmt::format(
            "--serve '{}' is not a loopback address: the status names every stream and destination of this relay. "
            "Listen on 127.0.0.1 (and scrape through a sidecar or port-forward), or pass --allow-remote to accept "
            "that",
            text));
    }
    address.host = host;
    return address;
}

struct StatusServer::Impl {
    std::function<Overview()> snapshot;
    httplib::Server server;
};

StatusServer::StatusServer(std::function<Overview()> snapshot) : m_impl(std::make_unique<Impl>())
{
    m_impl->snapshot = std::move(snapshot);
    auto& server = m_impl->server;
    server.set_read_timeout(5, 0);
    server.set_write_timeout(5, 0);
    server.set_keep_alive_max_count(1); // one request per connection: stop() is never held up
    server.set_payload_max_length(4096);
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(render_metrics(m_impl->snapshot()), "text/plain; version=0.0.4; charset=utf-8");
    });
    server.Get("/status", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(render_json(m_impl->snapshot()).dump(2) + "\n", "application/json");
    });
    server.Get("/", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(render_table(m_impl->snapshot()), "text/plain; charset=utf-8");
    });
}

StatusServer::~StatusServer()
{
    stop();
}

int StatusServer::bind(const ListenAddress& address)
{
    auto& server = m_impl->server;
    const int bound = address.port == 0 ? server.bind_to_any_port(address.host)
                                        : (server.bind_to_port(address.host, address.port) ? address.port : -1);
    if (bound <= 0) {
        throw core::Error(core::ExitCode::failure,
                          fmt::format("cannot listen on {}:{}: the port is busy or the address is not local",
                                      address.host, address.port));
    }
    return bound;
}

void StatusServer::serve()
{
    m_impl->server.listen_after_bind();
}

void StatusServer::stop()
{
    m_impl->server.stop();
}

} // namespace mtxrelay::status
