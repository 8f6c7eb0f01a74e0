#include "devcloud/state.hpp"

#include <catch2/catch.hpp>

using mtxrelay::devcloud::DevCloudConfig;
using mtxrelay::devcloud::DevCloudState;
using nlohmann::json;

TEST_CASE("an event retried under one idempotency key is recorded once", "[devcloud][state]")
{
    DevCloudState state{DevCloudConfig{}};
    const json body = {{"userId", "alice"}, {"streamId", "s1"}, {"hlsUrl", "http://h/x.m3u8"}};
    CHECK(state.record_event("hls-ready", body, "key-1"));
    CHECK_FALSE(state.record_event("hls-ready", body, "key-1"));
    CHECK_FALSE(state.record_event("hls-ready", body, "key-1"));
    CHECK(state.record_event("hls-ready", body, "key-2")); // another run of the stream
    CHECK(state.record_event("hls-ready", body));          // no key: every request counts
    CHECK(state.record_event("hls-ready", body));
    const auto events = state.events("hls-ready")["events"];
    REQUIRE(events.size() == 4);
    CHECK(events[0]["idempotencyKey"] == "key-1");
    CHECK(events[0]["duplicates"] == 2);
    CHECK(events[1]["duplicates"] == 0);
    CHECK_FALSE(events[2].contains("idempotencyKey"));
    state.clear_records();
    CHECK(state.record_event("hls-ready", body, "key-1"));
}
