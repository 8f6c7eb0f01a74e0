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
// - rtmps:// with a name: the name stays (ffmpeg 5.1 takes the TLS server name, SNI, from the
//   URL host and sends none for an address; ingests such as Cloudflare need it), and
//   -tls_verify 1 makes ffmpeg check the certificate against that name with the system CAs
//   (ffmpeg's default is no check): a name re-pointed at one of the relay's own TLS services
//   meets a certificate that is not its own, and the handshake fails before any data flows.
Endpoint pinned_output(const net::Target& target);

// The RTMP application ffmpeg 5.1's rtmpproto derives from "path?query" (checked against the
// installed ffmpeg: "/app/key" -> "app", "/a/b/key" -> "a/b", "/single" -> "single",
// "/ondemand/x" -> "ondemand", "/app/inst:x/key" -> "app").
std::string rtmp_app(std::string_view path_and_query);

} // namespace mtxrelay::ffmpeg
