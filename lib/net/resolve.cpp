#include "net/resolve.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace mtxrelay::net {

namespace {

using core::ErrorKind;
using core::Failure;
using Answer = core::Result<std::vector<IpAddress>>;

Answer lookup(const std::string& name)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int code = ::getaddrinfo(name.c_str(), nullptr, &hints, &found);
    if (code != 0) {
        const bool transient = code == EAI_AGAIN || code == EAI_SYSTEM || code == EAI_MEMORY;
        return Failure{transient ? ErrorKind::unreachable : ErrorKind::invalid,
                       fmt::format("cannot resolve host {}: {}", name, ::gai_strerror(code))};
    }
    std::vector<IpAddress> addresses;
    for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
        IpAddress address;
        if (ai->ai_family == AF_INET) {
            const auto* in = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
            const auto* raw = reinterpret_cast<const uint8_t*>(&in->sin_addr);
            std::copy(raw, raw + 4, address.bytes.begin());
        } else if (ai->ai_family == AF_INET6) {
            const auto* in6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
            address.v6 = true;
            const auto* raw = reinterpret_cast<const uint8_t*>(&in6->sin6_addr);
            std::copy(raw, raw + 16, address.bytes.begin());
        } else {
            continue;
        }
        if (std::find(addresses.begin(), addresses.end(), address) == addresses.end()) {
            addresses.push_back(address);
        }
    }
    ::freeaddrinfo(found);
    if (addresses.empty()) {
        return Failure{ErrorKind::invalid, fmt::format("host {} has no IPv4 or IPv6 address", name)};
    }
    return addresses;
}

// Shared with the lookup thread, which may outlive the caller when it gives up waiting.
struct Pending {
    std::mutex mutex;
    std::condition_variable done_signal;
    bool done = false;
    std::optional<Answer> answer;
};

} // namespace

Resolver system_resolver(std::function<bool()> cancelled, std::chrono::milliseconds limit)
{
    return [cancelled = std::move(cancelled), limit](const std::string& name) -> Answer {
        auto pending = std::make_shared<Pending>();
        std::thread([pending, name] {
            auto answer = lookup(name);
            std::lock_guard lock(pending->mutex);
            pending->answer = std::move(answer);
            pending->done = true;
            pending->done_signal.notify_all();
        }).detach();
        const auto deadline = std::chrono::steady_clock::now() + limit;
        std::unique_lock lock(pending->mutex);
        while (!pending->done) {
            if (cancelled && cancelled()) {
                return Failure{ErrorKind::interrupted, fmt::format("looking up {}: interrupted", name)};
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                return Failure{ErrorKind::unreachable, fmt::format("cannot resolve host {}: no answer within {} s",
                                                                   name, limit.count() / 1000.0)};
            }
            pending->done_signal.wait_for(lock, std::chrono::milliseconds(50));
        }
        return *pending->answer;
    };
}

} // namespace mtxrelay::net
