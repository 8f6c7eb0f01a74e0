#include "hls/uri.hpp"

#include <catch2/catch.hpp>

using mtxrelay::hls::is_http_url;
using mtxrelay::hls::resolve_uri;

TEST_CASE("playlist URIs resolve against the playlist URL", "[hls][uri]")
{
    const std::string base = "http://127.0.0.1:8888/clean/alice/s1/index.m3u8?token=abc";
    SECTION("a file name lands next to the playlist, without the playlist's query")
    {
        CHECK(resolve_uri(base, "video1_stream.m3u8") == "http://127.0.0.1:8888/clean/alice/s1/video1_stream.m3u8");
    }
    SECTION("the reference keeps its own query (MediaMTX repeats the reader's query on every URI)")
    {
        CHECK(resolve_uri(base, "seg7.mp4?token=abc") == "http://127.0.0.1:8888/clean/alice/s1/seg7.mp4?token=abc");
    }
    SECTION("absolute paths, dot segments, network paths and absolute URLs")
    {
        CHECK(resolve_uri(base, "/hls/x/1.ts") == "http://127.0.0.1:8888/hls/x/1.ts");
        CHECK(resolve_uri(base, "../bob/seg.ts") == "http://127.0.0.1:8888/clean/alice/bob/seg.ts");
        CHECK(resolve_uri(base, "./a/../b.ts") == "http://127.0.0.1:8888/clean/alice/s1/b.ts");
        CHECK(resolve_uri(base, "../../../../../x.ts") == "http://127.0.0.1:8888/x.ts");
        CHECK(resolve_uri(base, "//cdn.example.com/a.ts") == "http://cdn.example.com/a.ts");
        CHECK(resolve_uri(base, "https://cdn.example.com/p/a.ts?x=1") == "https://cdn.example.com/p/a.ts?x=1");
    }
    SECTION("a query-only reference replaces the query; fragments and blanks are dropped")
    {
        CHECK(resolve_uri(base, "?_HLS_msn=5") == "http://127.0.0.1:8888/clean/alice/s1/index.m3u8?_HLS_msn=5");
        CHECK(resolve_uri(base, "seg.ts#t=1") == "http://127.0.0.1:8888/clean/alice/s1/seg.ts");
        CHECK(resolve_uri(base, "  seg.ts \r") == "http://127.0.0.1:8888/clean/alice/s1/seg.ts");
    }
    SECTION("a base without a path")
    {
        CHECK(resolve_uri("http://h:1", "a.ts") == "http://h:1/a.ts");
        CHECK(resolve_uri("http://h:1?q=1", "a.ts") == "http://h:1/a.ts");
    }
}

TEST_CASE("is_http_url accepts http(s) URLs with a host only", "[hls][uri]")
{
    CHECK(is_http_url("http://127.0.0.1:8888"));
    CHECK(is_http_url("HTTPS://relay.example.com/prefix"));
    CHECK_FALSE(is_http_url("rtmp://127.0.0.1/live"));
    CHECK_FALSE(is_http_url("http://"));
    CHECK_FALSE(is_http_url("http:///path"));
    CHECK_FALSE(is_http_url("127.0.0.1:8888"));
}
