#include "hls/playlist.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace mtxrelay::hls;

namespace {

const std::string k_url = "http://127.0.0.1:8888/clean/alice/s1/index.m3u8";

// What MediaMTX (gohlslib, low-latency variant) serves for a path with video and audio.
const std::string k_mediamtx_multivariant = "#EXTM3U\n"
                                            "#EXT-X-VERSION:9\n"
                                            "#EXT-X-INDEPENDENT-SEGMENTS\n"
                                            "\n"
                                            "#EXT-X-MEDIA:TYPE=\"AUDIO\",GROUP-ID=\"audio\",NAME=\"audio2\","
                                            "AUTOSELECT=YES,DEFAULT=YES,URI=\"audio2_stream.m3u8\"\n"
                                            "#EXT-X-STREAM-INF:BANDWIDTH=4200000,AVERAGE-BANDWIDTH=4000000,"
                                            "CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720,"
                                            "FRAME-RATE=30.000,AUDIO=\"audio\"\n"
                                            "video1_stream.m3u8\n"
                                            "#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS=\"avc1.64001f\"\n"
                                            "low/stream.m3u8\n";

const std::string k_mediamtx_media = "#EXTM3U\n"
                                     "#EXT-X-VERSION:9\n"
                                     "#EXT-X-TARGETDURATION:2\n"
                                     "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.50000\n"
                                     "#EXT-X-PART-INF:PART-TARGET=0.20000\n"
                                     "#EXT-X-MEDIA-SEQUENCE:3\n"
                                     "#EXT-X-MAP:URI=\"aa_video1_init.mp4\"\n"
                                     "#EXT-X-PROGRAM-DATE-TIME:2025-01-01T00:00:00.000Z\n"
                                     "#EXT-X-PART:DURATION=0.20000,URI=\"aa_video1_part0.mp4\",INDEPENDENT=YES\n"
                                     "#EXT-X-PART:DURATION=0.20000,URI=\"aa_video1_part1.mp4\"\n"
                                     "#EXTINF:2.00000,\n"
                                     "aa_video1_seg3.mp4\n"
                                     "#EXT-X-PROGRAM-DATE-TIME:2025-01-01T00:00:02.000Z\n"
                                     "#EXTINF:2.00000,\n"
                                     "aa_video1_seg4.mp4\n"
                                     "#EXT-X-PART:DURATION=0.20000,URI=\"aa_video1_part20.mp4\",INDEPENDENT=YES\n"
                                     "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"aa_video1_part21.mp4\"\n";

std::string crlf(const std::string& text)
{
    std::string out;
    for (const char c : text) {
        out += c == '\n' ? std::string("\r\n") : std::string(1, c);
    }
    return out;
}

} // namespace

TEST_CASE("a multivariant playlist gives its variants in order, resolved", "[hls][playlist]")
{
    const auto parsed = parse_playlist(k_mediamtx_multivariant, k_url + "?user=u");
    REQUIRE(parsed.ok());
    CHECK(parsed.value().kind == PlaylistKind::multivariant);
    REQUIRE(parsed.value().variants.size() == 2);
    CHECK(parsed.value().variants[0] == "http://127.0.0.1:8888/clean/alice/s1/video1_stream.m3u8");
    CHECK(parsed.value().variants[1] == "http://127.0.0.1:8888/clean/alice/s1/low/stream.m3u8");
    CHECK(parsed.value().segments.empty());
}

TEST_CASE("an LL-HLS media playlist counts full segments only, with their init segment", "[hls][playlist]")
{
    const auto parsed = parse_playlist(k_mediamtx_media, "http://h:8888/clean/alice/s1/video1_stream.m3u8");
    REQUIRE(parsed.ok());
    const auto& playlist = parsed.value();
    CHECK(playlist.kind == PlaylistKind::media);
    REQUIRE(playlist.segments.size() == 2);
    CHECK(playlist.parts == 3);
    CHECK(playlist.segments[0].uri == "http://h:8888/clean/alice/s1/aa_video1_seg3.mp4");
    CHECK(playlist.segments[1].uri == "http://h:8888/clean/alice/s1/aa_video1_seg4.mp4");
    CHECK(playlist.segments[1].duration == Approx(2.0));
    CHECK(playlist.segments[1].init_uri ==
          std::optional<std::string>("http://h:8888/clean/alice/s1/aa_video1_init.mp4"));
    CHECK_FALSE(playlist.ended);
}

TEST_CASE("#EXT-X-GAP segments are not segments", "[hls][playlist]")
{
    // MediaMTX v1.20.1's LL-HLS playlist of a path that just became available: the window of
    // hlsSegmentCount segments is padded with gaps that hold no media (and answer 401).
    const std::string body = "#EXTM3U\n"
                             "#EXT-X-VERSION:10\n"
                             "#EXT-X-TARGETDURATION:2\n"
                             "#EXT-X-PART-INF:PART-TARGET=0.20000\n"
                             "#EXT-X-MEDIA-SEQUENCE:1\n"
                             "#EXT-X-MAP:URI=\"ff_video1_init.mp4?session=s\"\n"
                             "#EXT-X-GAP\n"
                             "#EXTINF:2.00000,\n"
                             "gap.mp4\n"
                             "#EXT-X-GAP\n"
                             "#EXTINF:2.00000,\n"
                             "gap.mp4\n"
                             "#EXT-X-PROGRAM-DATE-TIME:2026-12-01T16:08:49.976Z\n"
                             "#EXT-X-PART:DURATION=0.20000,URI=\"ff_video1_part0.mp4?session=s\",INDEPENDENT=YES\n"
                             "#EXTINF:2.00000,\n"
                             "ff_video1_seg7.mp4?session=s\n"
                             "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"ff_video1_part1.mp4?session=s\"\n";
    const auto parsed = parse_playlist(body, "http://h:8888/clean/alice/s1/video1_stream.m3u8?session=s");
    REQUIRE(parsed.ok());
    REQUIRE(parsed.value().segments.size() == 1);
    CHECK(parsed.value().gaps == 2);
    CHECK(parsed.value().segments[0].uri == "http://h:8888/clean/alice/s1/ff_video1_seg7.mp4?session=s");
}

TEST_CASE("line ends, blank lines, comments and unknown tags do not matter", "[hls][playlist]")
{
    const std::string nginx_rtmp = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-TARGETDURATION:2\n"
                                   "\n#EXTINF:2.000,\n0.ts\n#EXT-X-DISCONTINUITY\n# a comment\n#EXTINF:2.000,\n1.ts\n"
                                   "#EXT-X-FUTURE-TAG:X=1\n#EXTINF:1.5,\n2.ts\n#EXT-X-ENDLIST\n";
    for (const auto& body : {nginx_rtmp, crlf(nginx_rtmp), "\xEF\xBB\xBF" + crlf(nginx_rtmp)}) {
        const auto parsed = parse_playlist(body, "http://h/hls/s1/index.m3u8");
        REQUIRE(parsed.ok());
        REQUIRE(parsed.value().segments.size() == 3);
        CHECK(parsed.value().segments[2].uri == "http://h/hls/s1/2.ts");
        CHECK(parsed.value().segments[2].duration == Approx(1.5));
        CHECK_FALSE(parsed.value().segments[0].init_uri);
        CHECK(parsed.value().ended);
    }
}

TEST_CASE("a segment is counted only once its URI line is there", "[hls][playlist]")
{
    const auto parsed = parse_playlist("#EXTM3U\n#EXTINF:2,\na.ts\n#EXTINF:2,\n", k_url);
    REQUIRE(parsed.ok());
    CHECK(parsed.value().segments.size() == 1);
    const auto stray = parse_playlist("#EXTM3U\nstray.ts\n#EXTINF:2,\n#EXT-X-BYTERANGE:100@0\nb.ts\n", k_url);
    REQUIRE(stray.ok());
    REQUIRE(stray.value().segments.size() == 1);
    CHECK(stray.value().segments[0].uri == "http://127.0.0.1:8888/clean/alice/s1/b.ts");
}

TEST_CASE("what is not a playlist is refused with a hint of what it was", "[hls][playlist]")
{
    const auto html = parse_playlist("<!DOCTYPE html>\n<html><body>index</body></html>", k_url);
    REQUIRE_FALSE(html.ok());
    CHECK_THAT(html.error().message, Catch::Contains("not an HLS playlist") && Catch::Contains("<!DOCTYPE html>"));
    CHECK_FALSE(parse_playlist("", k_url).ok());
    CHECK_FALSE(parse_playlist("\n\n", k_url).ok());
    CHECK_FALSE(parse_playlist("#EXTINF:2,\na.ts\n", k_url).ok());
    CHECK_FALSE(parse_playlist(std::string("#EXTM3U\n\0\x01garbage", 17), k_url).ok());
    const auto no_variant = parse_playlist("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n", k_url);
    REQUIRE_FALSE(no_variant.ok());
    CHECK_THAT(no_variant.error().message, Catch::Contains("no variant"));
}

TEST_CASE("a new #EXT-X-MAP applies to the segments after it", "[hls][playlist]")
{
    const auto parsed = parse_playlist("#EXTM3U\n#EXT-X-MAP:URI=\"i1.mp4\"\n#EXTINF:2,\ns1.mp4\n"
                                       "#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"i2.mp4\",BYTERANGE=\"100@0\"\n"
                                       "#EXTINF:2,\ns2.mp4\n",
                                       "http://h/p/x.m3u8");
    REQUIRE(parsed.ok());
    REQUIRE(parsed.value().segments.size() == 2);
    CHECK(parsed.value().segments[0].init_uri == std::optional<std::string>("http://h/p/i1.mp4"));
    CHECK(parsed.value().segments[1].init_uri == std::optional<std::string>("http://h/p/i2.mp4"));
}

TEST_CASE("attribute lists keep commas inside quotes", "[hls][playlist]")
{
    const auto attributes = parse_attributes("BANDWIDTH=1,CODECS=\"avc1.64001f,mp4a.40.2\",URI=\"a,b.m3u8\",X=y");
    CHECK(attributes.at("BANDWIDTH") == "1");
    CHECK(attributes.at("CODECS") == "avc1.64001f,mp4a.40.2");
    CHECK(attributes.at("URI") == "a,b.m3u8");
    CHECK(attributes.at("X") == "y");
    CHECK(parse_attributes("URI=\"unterminated").at("URI") == "unterminated");
}
