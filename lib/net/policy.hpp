#pragma once

#include "core/error.hpp"
#include "net/address.hpp"
#include "net/resolve.hpp"
#include "net/url.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtxrelay::net {

// Which URLs from outside (the cloud, a destinations file) may become a stream destination.
struct DestinationPolicy {
    std::vector<std::string> schemes = {"rtmp", "rtmps", "srt"};
    // Loopback and private networks: for tests, demos and LAN relays. Link-local (cloud
    // metadata), unspecified, multicast and reserved addresses stay refused even then.
    bool allow_private = false;
    // How the operator of this tool allows private hosts, named in refusals.
    std::string allow_hint = "--allow-private-destinations";
    size_t max_length = 2048;
};

// The first half of the check, without I/O: characters (none a shell or ffmpeg could take
// for syntax, no leading '-'), length, parse_url's ambiguity rules, scheme, SRT options that
// would make ffmpeg listen or bind (only mode=caller and transport options), "localhost"
// names, and the class of a numeric host in any spelling. Failure.message is the reason.
core::Result<Url> check_destination(std::string_view url, const DestinationPolicy& policy);

// Whether an address may be connected to under the policy: nullopt, or why not. `host` is how
// the URL spelled it, for the message.
std::optional<std::string> check_address(const IpAddress& address, std::string_view host,
                                         const DestinationPolicy& policy);

// A destination that passed both halves: the URL and the address to connect to.
struct Target {
    Url url;
    IpAddress address; // pinned: ffmpeg is given this address, not the name, where the protocol allows
};

// The second half, at connect time: a numeric host is its address; a name is resolved once
// and every address it has must pass check_address (one private address among public ones
// refuses it: the next resolution may return that one). The first address is the target.
// Failure kinds: invalid (refused by the policy or the name does not exist), unreachable
// (resolution failed, may pass), interrupted.
core::Result<Target> resolve_destination(const Url& url, const DestinationPolicy& policy, const Resolver& resolve);

// True for names that mean this machine whatever DNS says (RFC 6761): localhost, *.localhost.
bool is_localhost_name(std::string_view name);

} // namespace mtxrelay::net
