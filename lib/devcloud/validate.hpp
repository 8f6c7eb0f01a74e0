#pragma once

#include "devcloud/state.hpp"

#include <string>

namespace mtxrelay::devcloud {

struct AuthDecision {
    bool allowed = false;
    std::string reason; // never contains the key
};

// Decides a MediaMTX `authMethod: http` request (body {ip,user,password,token,action,path,
// protocol,id,query}): publishing to live/<user>/<stream> needs one of the stream's keys (as
// password, token, or ?key=/?token= in the query); publishing clean/... and API/metrics access
// only from loopback (the relay's own hooks); reading and playback are open.
AuthDecision validate_publisher(const DevCloudState& state, const std::string& body);

} // namespace mtxrelay::devcloud
