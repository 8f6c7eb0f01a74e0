#include "restream/report.hpp"

#include <catch2/catch.hpp>

using mtxrelay::cloud::RunStatus;
using mtxrelay::restream::DestinationStatus;
using mtxrelay::restream::overall_status;
using mtxrelay::restream::RefusedDestination;
using mtxrelay::restream::status_details;
using mtxrelay::restream::status_line;
using mtxrelay::restream::stream_state;

namespace {

DestinationStatus destination(int id, const std::string& name, RunStatus state)
{
    DestinationStatus status;
    status.id = id;
    status.name = name;
    status.url = "rtmp://h.example/app/***";
    status.state = state;
    return status;
}

} // namespace

TEST_CASE("the overall status is error only when every destination is in error")
{
    CHECK(overall_status({}) == "active");
    CHECK(overall_status({destination(1, "A", RunStatus::error), destination(2, "B", RunStatus::streaming)}) ==
          "active");
    CHECK(overall_status({destination(1, "A", RunStatus::error), destination(2, "B", RunStatus::error)}) == "error");
}

TEST_CASE("the source gone is a state of the stream, not an error of the destinations")
{
    CHECK(stream_state({destination(1, "A", RunStatus::waiting), destination(2, "B", RunStatus::waiting)}) ==
          "source_gone");
    CHECK(stream_state({destination(1, "A", RunStatus::waiting), destination(2, "B", RunStatus::streaming)}) ==
          "active");
    CHECK(stream_state({}) == "active");
}

TEST_CASE("status details list every destination with its state, error and retries, and the refused ones")
{
    auto failing = destination(2, "", RunStatus::error);
    failing.last_error = "ffmpeg exited with code 1: rtmp://h.example/app/*** Connection refused";
    failing.failure = "timeout";
    failing.retries = 4;
    failing.failures = 3;
    auto streaming = destination(1, "YouTube", RunStatus::streaming);
    streaming.pid = 4242;
    streaming.bitrate_kbps = 2500;
    const auto details = status_details(
        {streaming, failing},
        {RefusedDestination{"destinations[3]", "host inside.example resolves to 10.0.0.7, a private address",
                            "host name does not resolve to a public address", "policy", "Inside"}});
    REQUIRE(details["destinations"].size() == 2);
    CHECK(details["destinations"][0]["state"] == "streaming");
    CHECK(details["destinations"][0]["pid"] == 4242);
    CHECK(details["destinations"][1]["pid"].is_null());
    // The cloud gets the class of the failure in fixed words, never ffmpeg's connect error:
    // "refused" against "timed out" would tell it which ports are open (docs/security.md).
    CHECK(details["destinations"][1]["lastError"] == "the destination could not be reached");
    CHECK(details["destinations"][1]["retries"] == 4);
    // Relay-side classes dns, unreachable and timeout all read "connection" for the cloud.
    CHECK(details["destinations"][1]["failureClass"] == "connection");
    CHECK(details["refused"][0]["reason"] == "host name does not resolve to a public address");
    CHECK(details.dump().find("Connection refused") == std::string::npos);
    CHECK(details.dump().find("10.0.0.7") == std::string::npos);
    CHECK(details["destinationsStreaming"] == 1);
    CHECK(details["bitrate"] == 2500);

    const auto line = status_line({streaming, failing});
    CHECK(line.find("2 destination(s): 1 error, 1 streaming") == 0);
    CHECK(line.find("dest 1 YouTube streaming pid 4242 2500 kbit/s") != std::string::npos);
    CHECK(line.find("dest 2 <rtmp://h.example/app/***> error (3 failure(s) in a row, 4 retries") != std::string::npos);
    CHECK(line.find("Connection refused") != std::string::npos); // the operator's log keeps the detail
}

TEST_CASE("every state reads in the cloud's words in the status post, the state document and the log line")
{
    const std::vector<std::pair<RunStatus, std::string>> words = {
        {RunStatus::starting, "starting"}, {RunStatus::streaming, "streaming"}, {RunStatus::error, "error"},
        {RunStatus::stopping, "stopping"}, {RunStatus::ready, "ready"},         {RunStatus::waiting, "waiting"}};
    for (const auto& [state, word] : words) {
        const auto d = destination(1, "A", state);
        CHECK(status_details({d}, {})["destinations"][0]["state"] == word);
        CHECK(mtxrelay::restream::state_document({d}, {})[0]["state"] == word);
        CHECK(status_line({d}).find("1 destination(s): 1 " + word + " | dest 1 A " + word) == 0);
    }
}

TEST_CASE("a supervised run's states are reported as the cloud knows them")
{
    using mtxrelay::ffmpeg::RunState;
    using mtxrelay::restream::reported_status;
    CHECK(reported_status(RunState::starting) == RunStatus::starting);
    CHECK(reported_status(RunState::backoff) == RunStatus::starting); // waiting to retry
    CHECK(reported_status(RunState::streaming) == RunStatus::streaming);
    CHECK(reported_status(RunState::error) == RunStatus::error);
    CHECK(reported_status(RunState::stopping) == RunStatus::stopping);
    CHECK(reported_status(RunState::stopped) == RunStatus::ready);
}
