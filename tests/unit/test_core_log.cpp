#include "core/log.hpp"
#include "core/redact.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <regex>
#include <string>
#include <vector>

namespace mlog = mtxrelay::core::log;

namespace {

// Captures log lines for one test and restores the defaults afterwards (the logger is global).
// Text lines start with "2026-12-01T19:00:45.123Z "; the tests compare what follows it.
std::string without_time(const std::string& line)
{
    const std::regex stamp(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z )");
    REQUIRE(std::regex_search(line, stamp));
    return std::regex_replace(line, stamp, "");
}

struct CapturedLog {
    std::vector<std::string> lines;

    CapturedLog(const std::string& tool, mlog::Format format, mlog::Level level = mlog::Level::info)
    {
        mlog::configure(tool, format, level);
        mlog::set_context("");
        mlog::set_sink([this](std::string_view line) { lines.emplace_back(line); });
    }
    ~CapturedLog()
    {
        mlog::set_sink(nullptr);
        mlog::set_context("");
        mlog::configure("mtxrelay", mlog::Format::text, mlog::Level::info);
    }
    CapturedLog(const CapturedLog&) = delete;
    CapturedLog& operator=(const CapturedLog&) = delete;
};

} // namespace

TEST_CASE("text log lines read '<UTC time> tool[path] level: message'", "[core][log]")
{
    CapturedLog captured("relay-clean", mlog::Format::text);
    mlog::set_context("live/alice/s1");
    mlog::warn("ffmpeg restarted {} times", 3);
    mlog::info("plain");
    mlog::set_context("");
    mlog::error("no context");
    REQUIRE(captured.lines.size() == 3);
    CHECK(without_time(captured.lines[0]) == "relay-clean[live/alice/s1] warn: ffmpeg restarted 3 times");
    CHECK(without_time(captured.lines[1]) == "relay-clean[live/alice/s1] info: plain");
    CHECK(without_time(captured.lines[2]) == "relay-clean error: no context");
}

TEST_CASE("log lines below the minimum level are dropped", "[core][log]")
{
    CapturedLog captured("relay-restream", mlog::Format::text, mlog::Level::warn);
    mlog::debug("d");
    mlog::info("i");
    mlog::warn("w");
    mlog::error("e");
    REQUIRE(captured.lines.size() == 2);
    CHECK(without_time(captured.lines[0]) == "relay-restream warn: w");
    CHECK(without_time(captured.lines[1]) == "relay-restream error: e");
}

TEST_CASE("json log lines are one object with ts_ms, tool, path, level and msg", "[core][log]")
{
    CapturedLog captured("relay-hls-ready", mlog::Format::json);
    mlog::set_context("live/bob/s2");
    mlog::info("segments: {}", 2);
    REQUIRE(captured.lines.size() == 1);
    CHECK(captured.lines[0].find('\n') == std::string::npos);
    const auto object = nlohmann::json::parse(captured.lines[0]);
    CHECK(object["tool"] == "relay-hls-ready");
    CHECK(object["path"] == "live/bob/s2");
    CHECK(object["level"] == "info");
    CHECK(object["msg"] == "segments: 2");
    CHECK(object["ts_ms"].get<long long>() > 1600000000000LL);
    CHECK(std::regex_match(object["time"].get<std::string>(),
                           std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")));
}

TEST_CASE("json log survives invalid UTF-8 in a message", "[core][log]")
{
    CapturedLog captured("relay-clean", mlog::Format::json);
    mlog::warn("ffmpeg said: {}", std::string("bad \xff\xfe bytes"));
    REQUIRE(captured.lines.size() == 1);
    const auto object = nlohmann::json::parse(captured.lines[0]);
    CHECK(object["msg"].get<std::string>().find("ffmpeg said: bad") == 0);
}

TEST_CASE("log lines never carry a stream key, bearer token or registered secret", "[core][log]")
{
    mtxrelay::core::register_secret("log-literal-secret-4711");
    for (const auto format : {mlog::Format::text, mlog::Format::json}) {
        CapturedLog captured("relay-restream", format);
        mlog::warn("pushing to rtmp://a.rtmp.youtube.com/live2/log-yt-key-1 failed");
        mlog::info("Authorization: Bearer log-bearer-2");
        mlog::error("token log-literal-secret-4711 refused");
        REQUIRE(captured.lines.size() == 3);
        for (const auto& line : captured.lines) {
            CAPTURE(line);
            CHECK(line.find("log-yt-key-1") == std::string::npos);
            CHECK(line.find("log-bearer-2") == std::string::npos);
            CHECK(line.find("log-literal-secret-4711") == std::string::npos);
        }
        CHECK(captured.lines[0].find("a.rtmp.youtube.com/live2/") != std::string::npos);
    }
}

TEST_CASE("parse_format accepts text and json only", "[core][log]")
{
    auto format = mlog::Format::json;
    CHECK(mlog::parse_format("text", format));
    CHECK(format == mlog::Format::text);
    CHECK(mlog::parse_format("json", format));
    CHECK(format == mlog::Format::json);
    CHECK_FALSE(mlog::parse_format("JSON", format));
    CHECK_FALSE(mlog::parse_format("", format));
    CHECK(format == mlog::Format::json);
}

TEST_CASE("the time stamp is UTC with milliseconds", "[core][log]")
{
    const auto when = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764615645123LL));
    CHECK(mlog::timestamp(when) == "2025-12-01T19:00:45.123Z");
}

TEST_CASE("the context path is an id: a URL ending in it is never masked", "[core][log]")
{
    CapturedLog captured("relay-restream", mlog::Format::text);
    mlog::set_context("clean/ctxuser/ctxstream");
    mlog::info("reading rtmp://127.0.0.1:1935/clean/ctxuser/ctxstream");
    REQUIRE(captured.lines.size() == 1);
    CHECK(without_time(captured.lines[0]) ==
          "relay-restream[clean/ctxuser/ctxstream] info: reading rtmp://127.0.0.1:1935/clean/ctxuser/ctxstream");
}
