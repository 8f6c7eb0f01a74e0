#include "cloud/types.hpp"
#include "core/error.hpp"
#include "core/redact.hpp"
#include "status/overview.hpp"
#include "status/render.hpp"
#include "status/server.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <set>

using mtxrelay::core::UsageError;
using namespace mtxrelay::status;

namespace {

// Ids of their own: other tests register literal secrets (e.g. relay-inspect's playpath
// "alice/s1"), which the renderers mask wherever they appear.
nlohmann::json destination(const std::string& name, const std::string& state, const std::string& reason)
{
    return {{"name", name},
            {"state", state},
            {"reason", reason},
            {"lastError", ""},
            {"retries", 3},
            {"bytesOut", 1000},
            {"framesOut", 30},
            {"bitrateKbps", 2500.5},
            {"since", "2026-12-01T19:00:45.123Z"},
            {"keyFingerprint", "key#1a2b"}};
}

Overview sample()
{
    mtxrelay::runtime::Scan scan;
    nlohmann::json fanout = {
        {"tool", "relay-restream"},
        {"pid", 42},
        {"path", "clean/zoe/z9"},
        {"user", "zoe"},
        {"stream", "z9"},
        {"state", "active"},
        {"destinations",
         {destination("Good \"quoted\"\\name", "streaming", ""), destination("Denied", "error", "auth")}}};
    fanout["destinations"][1]["lastError"] = "rtmp://a.rtmp.youtube.com/live2/SECRET-KEY-77: Broken pipe";
    nlohmann::json encoder = {
        {"tool", "relay-clean"}, {"pid", 41},
        {"path", "live/zoe/z9"}, {"user", "zoe"},
        {"stream", "z9"},        {"encoder", {{"state", "streaming"}, {"fps", 30.0}, {"restarts", 1}}}};
    scan.documents.push_back({"/r/relay-restream-42.json", fanout, true});
    scan.documents.push_back({"/r/relay-clean-41.json", encoder, true});
    scan.documents.push_back({"/r/relay-restream-9.json", {{"tool", "relay-restream"}, {"pid", 9}}, false});
    MtxPaths paths;
    paths.answered = true;
    paths.paths.push_back({"live/zoe/z9", true, true, "rtmpConn", 1, 100});
    paths.paths.push_back({"live/ann/s3", false, false, "", 0, 0});
    return build_overview(scan, paths, "/r");
}

} // namespace

TEST_CASE("the overview groups documents and paths by stream and names its state", "[status]")
{
    const auto overview = sample();
    REQUIRE(overview.streams.size() == 2);
    // Sorted by ids: ann (a MediaMTX path without publisher), then zoe.
    CHECK(overview.streams[0].user == "ann");
    CHECK(overview.streams[0].state == "not_published");
    CHECK(overview.streams[1].user == "zoe");
    CHECK(overview.streams[1].hooks.size() == 2);
    CHECK(overview.streams[1].state == "degraded"); // a destination in error
    REQUIRE(overview.stale.size() == 1);
    CHECK(overview.stale[0]["pid"] == 9);
}

TEST_CASE("metrics are well-formed exposition lines, escaped, grouped, and never carry a key", "[status]")
{
    const auto text = render_metrics(sample());
    CHECK(text.find("SECRET-KEY-77") == std::string::npos);
    CHECK(text.find("key#") == std::string::npos); // not even a fingerprint: labels are names and ids
    CHECK(text.find(R"(destination="Good \"quoted\"\\name")") != std::string::npos);
    CHECK(text.find(R"(mtxrelay_destination_state{user="zoe",stream="z9",destination="Denied",state="error"} 1)") !=
          std::string::npos);
    CHECK(text.find(R"(mtxrelay_destination_failure_reason{user="zoe",stream="z9",destination="Denied",)"
                    R"(reason="auth"} 1)") != std::string::npos);
    CHECK(text.find("# TYPE mtxrelay_destination_retries_total counter") != std::string::npos);
    CHECK(text.find("mtxrelay_stale_documents 1\n") != std::string::npos);
    const std::regex sample_line(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [-+0-9.eE]+(Inf|NaN)?$)");
    for (size_t at = 0; at < text.size();) {
        const size_t end = text.find('\n', at);
        REQUIRE(end != std::string::npos);
        const auto line = text.substr(at, end - at);
        CAPTURE(line);
        CHECK((line.starts_with("# HELP ") || line.starts_with("# TYPE ") || std::regex_match(line, sample_line)));
        at = end + 1;
    }
}

TEST_CASE("the destination states offered are the words the tools write", "[status]")
{
    // relay-restream writes a stopped copy as `ready` and one waiting to retry as `starting`:
    // the label set has exactly the words of cloud::RunStatus plus `refused`.
    const auto text = render_metrics(sample());
    std::set<std::string> offered;
    const std::regex state_label(
        R"re(mtxrelay_destination_state\{user="zoe",stream="z9",destination="Denied",state="([a-z_]+)"\})re");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), state_label); it != std::sregex_iterator(); ++it) {
        offered.insert((*it)[1].str());
    }
    std::set<std::string> written = {mtxrelay::cloud::k_refused_word};
    for (const auto status : mtxrelay::cloud::k_run_statuses) {
        written.insert(mtxrelay::cloud::status_word(status));
    }
    CHECK(offered == written);
    CHECK(offered.count("ready") == 1);
    CHECK(offered.count("backoff") == 0);
}

TEST_CASE("an encoder waiting for its input puts the stream in encoder_down", "[status]")
{
    StreamView stream;
    stream.user = "u";
    stream.stream = "s";
    stream.hooks.push_back({{"role", "clean"}, {"encoder", {{"state", "waiting"}}}});
    CHECK(stream_state(stream, false) == "encoder_down");
    stream.hooks[0]["encoder"]["state"] = "starting";
    CHECK(stream_state(stream, false) == "active");
    stream.hooks[0]["encoder"]["state"] = "error";
    CHECK(stream_state(stream, false) == "encoder_down");
}

TEST_CASE("the table and JSON show fingerprints and masked errors, never the key", "[status]")
{
    const auto overview = sample();
    const auto table = render_table(overview);
    CHECK(table.find("SECRET-KEY-77") == std::string::npos);
    CHECK(table.find("zoe/z9  degraded") != std::string::npos);
    CHECK(std::regex_search(table, std::regex(R"(\n    Denied\s+error\s+auth\s+19:00:45\s+3\s+1\.0 kB\s+key#1a2b)")));
    CHECK(table.find("stale: relay-restream pid 9") != std::string::npos);
    const auto json = render_json(overview).dump();
    CHECK(json.find("SECRET-KEY-77") == std::string::npos);
    CHECK(json.find(mtxrelay::core::fingerprint("SECRET-KEY-77")) != std::string::npos);
}

TEST_CASE("--serve listens on loopback unless remote listening is allowed", "[status]")
{
    CHECK(parse_listen_address("9108", false).host == "127.0.0.1");
    CHECK(parse_listen_address("9108", false).port == 9108);
    CHECK(parse_listen_address("127.0.0.2:0", false).host == "127.0.0.2");
    CHECK(parse_listen_address("[::1]:9108", false).host == "::1");
    CHECK(parse_listen_address(":9108", false).host == "127.0.0.1");
    CHECK_THROWS_AS(parse_listen_address("0.0.0.0:9108", false), UsageError);
    CHECK_THROWS_AS(parse_listen_address("10.0.0.5:9108", false), UsageError);
    CHECK(parse_listen_address("0.0.0.0:9108", true).host == "0.0.0.0");
    CHECK_THROWS_AS(parse_listen_address("localhost:9108", false), UsageError);
    CHECK_THROWS_AS(parse_listen_address("127.0.0.1:70000", false), UsageError);
    CHECK_THROWS_AS(parse_listen_address("127.0.0.1:x", false), UsageError);
}
