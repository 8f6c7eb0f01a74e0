#pragma once

#include "devcloud/state.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace mtxrelay::devcloud {

struct AuthDecision {
    bool allowed = false;
    std::string reason; // never contains the key
};

// The longest publisher query accepted. MediaMTX hands it, URL-encoded (up to three times
// longer), to every hook's environment, and Linux refuses to start a program with an
// environment string over 128 KiB: a longer query would keep every hook from starting.
inline constexpr size_t k_max_query_bytes = 4096;

// Decides a MediaMTX `authMethod: http` request (body {ip,user,password,token,action,path,
// protocol,id,query,userAgent}): publishing to live/<user>/<stream> needs one of the stream's
// keys (as password, token, or ?key=/?token=/?pass=/?password= in the query, read leniently:
// a stray '%' elsewhere in the query does not hide the key) and a query of at most
// k_max_query_bytes; publishing clean/... and API/metrics access only from loopback (the
// relay's own hooks); reading and playback are open.
AuthDecision validate_publisher(const DevCloudState& state, const std::string& body);

// What relay-devcloud keeps of a validate call for /admin/events: action, path, ip, protocol
// and the decision; never the user, password, token or query (they may hold the stream key).
nlohmann::json validate_record(const std::string& body, const AuthDecision& decision);

} // namespace mtxrelay::devcloud
