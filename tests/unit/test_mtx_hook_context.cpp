#include "mtx/hook_context.hpp"

#include "core/error.hpp"
#include "fakes.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using mtxrelay::core::UsageError;
using mtxrelay::mtx::ContextFlags;
using mtxrelay::mtx::is_valid_id;
using mtxrelay::mtx::is_valid_path;
using mtxrelay::mtx::resolve_context;
using mtxrelay::mtx::try_resolve_context;
using mtxrelay::testing::map_env;

namespace {

ContextFlags flags(std::optional<std::string> user, std::optional<std::string> stream,
                   std::optional<std::string> path = std::nullopt)
{
    return ContextFlags{std::move(user), std::move(stream), std::move(path)};
}

std::string usage_error(const ContextFlags& f, std::map<std::string, std::string> env)
{
    try {
        resolve_context(f, map_env(std::move(env)));
    } catch (const UsageError& e) {
        CHECK(e.code() == mtxrelay::core::ExitCode::usage);
        return e.what();
    }
    FAIL("expected a UsageError");
    return {};
}

} // namespace

TEST_CASE("ids come from MTX_PATH <prefix>/<user>/<stream>", "[mtx][hook_context]")
{
    const auto context = resolve_context({}, map_env({{"MTX_PATH", "live/alice/s1"}}));
    CHECK(context.user_id == "alice");
    CHECK(context.stream_id == "s1");
    CHECK(context.path == "live/alice/s1");
}

TEST_CASE("G1/G2 win over MTX_PATH, flags win over G1/G2", "[mtx][hook_context]")
{
    const std::map<std::string, std::string> env = {{"MTX_PATH", "live/alice/s1"}, {"G1", "bob"}, {"G2", "s2"}};
    SECTION("G1/G2 over MTX_PATH")
    {
        const auto context = resolve_context({}, map_env(env));
        CHECK(context.user_id == "bob");
        CHECK(context.stream_id == "s2");
        CHECK(context.path == "live/alice/s1");
    }
    SECTION("flags over G1/G2")
    {
        const auto context = resolve_context(flags("carol", "s3"), map_env(env));
        CHECK(context.user_id == "carol");
        CHECK(context.stream_id == "s3");
    }
    SECTION("each id is picked on its own")
    {
        const auto context =
            resolve_context(flags("carol", std::nullopt), map_env({{"MTX_PATH", "live/alice/s1"}, {"G2", "s2"}}));
        CHECK(context.user_id == "carol");
        CHECK(context.stream_id == "s2");
    }
    SECTION("empty G1/G2 count as unset")
    {
        const auto context = resolve_context({}, map_env({{"MTX_PATH", "live/alice/s1"}, {"G1", ""}, {"G2", ""}}));
        CHECK(context.user_id == "alice");
        CHECK(context.stream_id == "s1");
    }
    SECTION("--path wins over MTX_PATH")
    {
        const auto context = resolve_context(flags(std::nullopt, std::nullopt, "clean/dave/s4"),
                                             map_env({{"MTX_PATH", "live/alice/s1"}}));
        CHECK(context.user_id == "dave");
        CHECK(context.stream_id == "s4");
        CHECK(context.path == "clean/dave/s4");
    }
    SECTION("manual runs get <user>/<stream> as their path")
    {
        const auto context = resolve_context(flags("erin", "s5"), map_env({}));
        CHECK(context.path == "erin/s5");
    }
}

TEST_CASE("no ids at all: try_resolve_context gives nothing, resolve_context throws", "[mtx][hook_context]")
{
    CHECK_FALSE(try_resolve_context({}, map_env({})).has_value());
    CHECK_FALSE(try_resolve_context({}, map_env({{"MTX_PATH", "single"}})).has_value());
    CHECK_THAT(usage_error({}, {}), Catch::Contains("--user") && Catch::Contains("MTX_PATH"));
}

TEST_CASE("one id without the other is a usage error naming the missing one", "[mtx][hook_context]")
{
    CHECK_THAT(usage_error(flags("alice", std::nullopt), {}), Catch::Contains("missing stream id"));
    CHECK_THAT(usage_error({}, {{"G2", "s1"}}), Catch::Contains("missing user id"));
}

TEST_CASE("valid ids are accepted", "[mtx][hook_context]")
{
    const std::vector<std::string> ids = {"alice", "A-z_0.9", "a", "..a", "a..b", "-", std::string(128, 'x')};
    for (const auto& id : ids) {
        CAPTURE(id);
        CHECK(is_valid_id(id));
        const auto context = resolve_context(flags(id, "s1"), map_env({}));
        CHECK(context.user_id == id);
    }
}

TEST_CASE("invalid ids are a UsageError naming the value and where it came from", "[mtx][hook_context]")
{
    struct Case {
        std::string id;
        std::string shown; // how the message shows it
    };
    const std::vector<Case> cases = {
        {"", "''"},
        {std::string(129, 'y'), std::string(80, 'y') + "..."},
        {".", "'.'"},
        {"..", "'..'"},
        {"alice/bob", "'alice/bob'"},
        {"alice bob", "'alice bob'"},
        {"\xc3\xbcser", "'\xc3\xbcser'"},
        {"a\x01z", "'a\\x01z'"},
        {"a\nz", "'a\\x0az'"},
        {"a\x7fz", "'a\\x7fz'"},
        {"a\tz", "'a\\x09z'"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.id);
        CHECK_FALSE(is_valid_id(c.id));
        SECTION("user flag " + c.shown)
        {
            const auto message = usage_error(flags(c.id, "s1"), {});
            CHECK_THAT(message, Catch::Contains("user id") && Catch::Contains(c.shown));
            CHECK_THAT(message, Catch::Contains("command line"));
        }
        SECTION("G2 " + c.shown)
        {
            if (c.id.empty()) {
                continue; // an empty G2 is unset, not invalid
            }
            const auto message = usage_error({}, {{"G1", "alice"}, {"G2", c.id}});
            CHECK_THAT(message, Catch::Contains("stream id") && Catch::Contains(c.shown));
            CHECK_THAT(message, Catch::Contains("env G2"));
        }
    }
}

TEST_CASE("any MTX_QUERY leaves the hook starting with the ids of its path", "[mtx][hook_context]")
{
    // MediaMTX passes the publisher's query as it came (URL-encoded once more since v1.18.1):
    // whatever a publisher puts there must never stop relay-clean, relay-restream or
    // relay-hls-ready from starting, and the stream key it may carry is kept nowhere.
    const std::vector<std::string> queries = {
        "%",
        "key=%",
        "key=abc%",
        "%zz",
        "key=%zz&x=%4",
        "&&",
        "&&=&=",
        "key=SENTINEL-k3y",
        "key%3DSENTINEL-k3y%26x%3D%25zz",
        "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87=\xe2\x9c\x93",
        "\xff\xfe\x01\x7f",
        std::string(100000, '%'),
        "key=" + std::string(65536, 'k'),
        "",
    };
    for (const auto& query : queries) {
        CAPTURE(query.substr(0, 40), query.size());
        const auto context = resolve_context(
            {}, map_env({{"MTX_PATH", "live/alice/s1"}, {"G1", "alice"}, {"G2", "s1"}, {"MTX_QUERY", query}}));
        CHECK(context.user_id == "alice");
        CHECK(context.stream_id == "s1");
        CHECK(context.path == "live/alice/s1");
    }
}

TEST_CASE("MTX_PATH must be segments of valid ids", "[mtx][hook_context]")
{
    for (const char* path : {"live/alice/s1", "clean/alice/s1", "a/b", "x"}) {
        CAPTURE(path);
        CHECK(is_valid_path(path));
    }
    const std::vector<std::string> bad = {"live//s1",   "/live/alice/s1",     "live/alice/s1/",
                                          "live/../s1", "live/al ice/s1",     "live/alice/s\x01",
                                          "",           std::string(513, 'a')};
    for (const auto& path : bad) {
        CAPTURE(path);
        CHECK_FALSE(is_valid_path(path));
        if (!path.empty()) {
            CHECK_THAT(usage_error({}, {{"MTX_PATH", path}}), Catch::Contains("invalid MediaMTX path"));
            CHECK_THAT(usage_error(flags(std::nullopt, std::nullopt, path), {}),
                       Catch::Contains("invalid MediaMTX path"));
        }
    }
    CHECK_THAT(usage_error({}, {{"MTX_PATH", "live/../s1"}}), Catch::Contains("'live/../s1'"));
}
