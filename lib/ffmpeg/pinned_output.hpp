#pragma once

#include "ffmpeg/endpoint.hpp"
#include "net/policy.hpp"

#include <string>
#include <string_view>

namespace mtxrelay::ffmpeg {

// The output ffmpeg is given for a destination that passed the policy. ffmpeg resolves a host
// name itself, again, when it connects: a name that answered a public address at our check
// could answer 127.0.0.1 a moment later (DNS rebinding). So where the protocol allows it the
// URL carries the checked address instead of the name:
// - rtmp://: the address in the URL and -rtmp_tcurl naming the original host, so the server
//   sees the same tcUrl (virtual hosts) as without pinning;
// - srt://: the address in the URL (SRT routes by its streamid, not by host name);
// - rtmps://: the name stays. ffmpeg 5.1 takes the TLS server name (SNI) from the URL host and
//   sends none for an address, which ingests such as Cloudflare need; the residual risk is
//   written down in docs/security.md.
Endpoint pinned_output(const net::Target& target);

// The RTMP application ffmpeg 5.1's rtmpproto derives from "path?query" (checked against the
// installed ffmpeg: "/app/key" -> "app", "/a/b/key" -> "a/b", "/single" -> "single",
// "/ondemand/x" -> "ondemand", "/app/inst:x/key" -> "app").
std::string rtmp_app(std::string_view path_and_query);

} // namespace mtxrelay::ffmpeg
