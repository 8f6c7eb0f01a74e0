#pragma once

#include "cloud/types.hpp"
#include "cloud/url_policy.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtxrelay::restream {

// One destination relay-restream should be copying to, after validation.
struct DesiredDestination {
    std::string key;   // identity: the normalized URL (secret: never logged)
    std::string url;   // as given by the cloud; reaches ffmpeg as one argv element
    std::string name;  // "Cloudflare" for the cf-url destination, else the cloud's name (may be empty)
    std::string label; // for logs and status: the name, or the masked URL when there is none
};

// An entry that will not run, with the reason (its URL masked and shortened for display).
struct RefusedDestination {
    std::string label;
    std::string reason;
};

// What the lists asked for: the destinations to run and the entries refused.
struct DestinationSet {
    std::vector<DesiredDestination> destinations;
    std::vector<RefusedDestination> refused;
};

// Validates the cf-url destination (first, when given) and the cloud's entries with the URL
// policy, drops entries the parser already refused, merges duplicates (same normalized URL:
// the first one wins, later ones are reported). Pure: no I/O, no logging.
DestinationSet build_destination_set(const std::optional<std::string>& cf_url,
                                     const std::vector<cloud::DestinationEntry>& entries,
                                     const cloud::UrlPolicy& policy);

// The identity of a URL: scheme and host lower-cased (both are case-insensitive), the rest
// (stream key, query) kept as is.
std::string normalize_url(std::string_view url);

// A URL safe to print: secrets masked, control characters replaced, at most 120 characters.
std::string display_url(std::string_view url);

// Registers the secret parts of a destination URL (stream key path, password) with the log
// redaction, so they are masked even where ffmpeg prints them outside a URL.
void register_url_secrets(std::string_view url);

} // namespace mtxrelay::restream
