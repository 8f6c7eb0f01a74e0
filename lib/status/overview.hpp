#pragma once

#include "http/transport.hpp"
#include "runtime/state_file.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mtxrelay::status {

// One MediaMTX path as its control API lists it (GET /v3/paths/list).
struct MtxPath {
    std::string name;
    bool available = false; // a publisher (or source) is there
    bool online = false;    // its tracks are ready for readers
    std::string source;     // e.g. "rtmpConn", empty without a publisher
    int readers = 0;
    unsigned long long inbound_bytes = 0;
};

// What MediaMTX answered: the paths, or why it did not.
struct MtxPaths {
    bool answered = false;
    std::string api; // base URL asked
    std::string error;
    std::vector<MtxPath> paths;
};

// Lists MediaMTX's paths through its control API (default http://127.0.0.1:9997), within 2 s.
MtxPaths fetch_mtx_paths(http::Transport& transport, const std::string& api_base);

// Everything relay-status knows about one stream (user/stream): the MediaMTX paths of that pair
// and the state documents of its hooks (relay-clean, relay-restream, relay-hls-ready).
struct StreamView {
    std::string user;
    std::string stream;
    std::vector<MtxPath> paths;
    std::vector<nlohmann::json> hooks; // live documents, each with "file"
    std::string state;                 // see stream_state()
};

struct Overview {
    std::string generated_at;
    std::string runtime_dir;
    MtxPaths mediamtx;
    std::vector<StreamView> streams;
    std::vector<nlohmann::json> stale; // documents whose process is gone: {file, tool, pid, path}
    std::vector<std::string> problems;
};

// Groups the documents of `scan` and MediaMTX's paths by stream. A path not of the form
// <stage>/<user>/<stream> is its own stream (user = the path, stream empty).
Overview build_overview(const runtime::Scan& scan, MtxPaths mediamtx, std::string runtime_dir);

// The one-word state of a stream, most urgent first:
//   source_gone   the clean source is gone (relay-restream's destinations all wait for it)
//   encoder_down  relay-clean's encoder is in error or waiting for its input
//   not_published MediaMTX answered and no path of the stream has a publisher
//   degraded      some destination is in error or refused
//   active        otherwise
std::string stream_state(const StreamView& stream, bool mediamtx_answered);

} // namespace mtxrelay::status
