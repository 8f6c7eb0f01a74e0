#pragma once

#include "cloud/types.hpp"
#include "ffmpeg/endpoint.hpp"
#include "net/policy.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtxrelay::restream {

// One destination relay-restream should be copying to, after validation.
struct DesiredDestination {
    std::string key;   // identity: the normalized URL (secret: never logged)
    std::string url;   // as given by the cloud (secret: never logged)
    std::string name;  // "Cloudflare" for the cf-url destination, else the cloud's name (may be empty)
    std::string label; // for logs and status: the name, or the masked URL when there is none
    // What ffmpeg is given: the URL with the checked address pinned, and its options. A new
    // address for the same URL (DNS moved) is used at the next start, never an interruption.
    ffmpeg::Endpoint target;
};

// An entry that will not run, with the reason (its URL masked and shortened for display).
struct RefusedDestination {
    std::string label;
    std::string reason;        // for the relay's log: the whole story
    std::string public_reason; // for the cloud: never says how a name resolved (no DNS oracle)
    std::string reason_class;  // for the operator: dns|policy|invalid|duplicate
    std::string name;          // the entry's name when it has one (relay-status rows, metric labels)
};

// What the lists asked for: the destinations to run and the entries refused.
struct DestinationSet {
    std::vector<DesiredDestination> destinations;
    std::vector<RefusedDestination> refused;
};

// What a poll learned about the host names of the lists: the addresses, or why there are none.
using Resolutions = std::map<std::string, core::Result<std::vector<net::IpAddress>>>;

// The host names the lists need resolved: those of URLs that pass the policy's static half.
std::vector<std::string> names_to_resolve(const std::optional<std::string>& cf_url,
                                          const std::vector<cloud::DestinationEntry>& entries,
                                          const net::DestinationPolicy& policy);

// Resolves each name once (a name that fails keeps its failure, the others go on).
Resolutions resolve_names(const std::vector<std::string>& names, const net::Resolver& resolve);

// Validates the cf-url destination (first, when given) and the cloud's entries with the
// destination policy (both halves: a name is checked with every address `resolved` has for
// it; a name missing there is refused as unresolved), drops entries the parser already
// refused, merges duplicates (same normalized URL: the first one wins, later ones are
// reported). Pure: no I/O, no logging.
DestinationSet build_destination_set(const std::optional<std::string>& cf_url,
                                     const std::vector<cloud::DestinationEntry>& entries,
                                     const net::DestinationPolicy& policy, const Resolutions& resolved = {});

// The identity of a URL: scheme and host lower-cased (both are case-insensitive), the rest
// (stream key, query) kept as is. A string that is not a valid URL is its own identity.
std::string normalize_url(std::string_view url);

// A URL safe to print: secrets masked, control characters replaced, at most 120 characters.
std::string display_url(std::string_view url);

// The fingerprint ("key#1a2b") of the URL's stream key (or first secret), as masking shows it;
// empty when the URL carries none. Lets an operator check which key is in use.
std::string key_fingerprint(std::string_view url);

// Registers the secret parts of a destination URL (stream key path, password) with the log
// redaction, so they are masked even where ffmpeg prints them outside a URL.
void register_url_secrets(std::string_view url);

} // namespace mtxrelay::restream
