#include "net/url.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using mtxrelay::core::split_url;
using mtxrelay::net::HostKind;
using mtxrelay::net::parse_host;
using mtxrelay::net::parse_url;

TEST_CASE("URLs are split where ffmpeg and libcurl split them")
{
    const auto url = parse_url("RTMP://User:Pa55@Live.Example.COM:1935/app/key?x=1");
    REQUIRE(url);
    CHECK(url.value().scheme == "rtmp");
    CHECK(url.value().userinfo == "User:Pa55");
    CHECK(url.value().host.text == "live.example.com");
    CHECK(url.value().host.kind == HostKind::name);
    CHECK(url.value().port == 1935);
    CHECK(url.value().path == "/app/key");
    CHECK(url.value().query == "x=1");
    CHECK(url.value().to_string() == "rtmp://User:Pa55@live.example.com:1935/app/key?x=1");

    // SRT stream ids start with "#!::": for ffmpeg's protocols '#' is no fragment.
    const auto srt = parse_url("srt://h.example:9000?streamid=#!::r=live/k,m=publish");
    REQUIRE(srt);
    CHECK(srt.value().query == "streamid=#!::r=live/k,m=publish");
    CHECK_FALSE(srt.value().fragment.has_value());
    // For http(s), libcurl strips the fragment.
    const auto http = parse_url("http://h.example/a?b#c");
    REQUIRE(http);
    CHECK(http.value().fragment == "c");
    CHECK(http.value().query == "b");
    // The authority ends at the first of / ? # whatever the scheme.
    CHECK(parse_url("rtmp://h.example#x/y").value().host.text == "h.example");
    CHECK(parse_url("rtmp://h.example?a@b").value().host.text == "h.example");
}

TEST_CASE("numeric hosts carry the address they connect to")
{
    struct Case {
        std::string url;
        HostKind kind;
        std::string address;
    };
    const std::vector<Case> cases = {
        {"rtmp://127.0.0.1/a/k", HostKind::ipv4, "127.0.0.1"},
        {"rtmp://0x7f.1/a/k", HostKind::ipv4, "127.0.0.1"},
        {"rtmp://0177.0.0.1:1935/a/k", HostKind::ipv4, "127.0.0.1"},
        {"rtmp://2130706433/a/k", HostKind::ipv4, "127.0.0.1"},
        {"rtmp://127.1/a/k", HostKind::ipv4, "127.0.0.1"},
        {"rtmp://[::1]:1935/a/k", HostKind::ipv6, "::1"},
        {"rtmp://[::ffff:7f00:1]/a/k", HostKind::ipv6, "::ffff:127.0.0.1"},
        {"rtmp://[0:0:0:0:0:0:0:1]/a/k", HostKind::ipv6, "::1"},
    };
    for (const auto& c : cases) {
        INFO(c.url);
        const auto url = parse_url(c.url);
        REQUIRE(url);
        CHECK(url.value().host.kind == c.kind);
        REQUIRE(url.value().host.address.has_value());
        CHECK(url.value().host.address->to_string() == c.address);
    }
}

TEST_CASE("strings two readers would take differently are refused, saying why")
{
    struct Case {
        std::string url;
        std::string reason_part;
    };
    const std::vector<Case> cases = {
        {"rtmp://h.example:1935:80/a/k", "second ':'"},    // ffmpeg: port 1935; others: 80
        {"rtmp://h.example:80:x/a/k", "second ':'"},       //
        {"rtmp://127.0.0.1:1935:1936/a/k", "second ':'"},  //
        {"rtmp://[::1]:1935:1/a/k", "second ':'"},         //
        {"rtmp://a@b@127.0.0.1/a/k", "more than one '@'"}, // ffmpeg: last '@'; libcurl: first
        {"rtmp://evil.example@127.0.0.1@x/a", "more than one '@'"},
        {"rtmp://h.example:80abc/a", "port '80abc'"},          // ffmpeg atoi: 80
        {"rtmp://h.example:/a", "port ''"},                    // ffmpeg: port 0
        {"rtmp://h.example:0/a", "port '0'"},                  //
        {"rtmp://h.example:65536/a", "port '65536'"},          //
        {"rtmp://h.example:-1/a", "port '-1'"},                //
        {"rtmp://h.example: 80/a", "whitespace"},              //
        {"rtmp://h.example\\@127.0.0.1/a", "backslash"},       // WHATWG readers take '\' for '/'
        {"rtmp://127.0.0.1\\.evil.example/a", "backslash"},    //
        {"rtmp://h.example/a\nb", "whitespace or a control"},  // a newline would split log lines
        {"rtmp://h.example/a\tb", "whitespace or a control"},  //
        {"rtmp://h.example/a\x7f", "whitespace or a control"}, //
        {"rtmp://h.example /a", "whitespace or a control"},    //
        {"rtmp://%31%32%37.0.0.1/a", "percent sign"},          // libcurl decodes, ffmpeg does not
        {"rtmp://127.0.0.1%2f/a", "percent sign"},             //
        {"rtmp://[fe80::1%25eth0]/a", "zone"},                 // getaddrinfo picks an interface
        {"rtmp://[fe80::1%eth0]/a", "zone"},                   //
        {"rtmp://[::ffff:127.0.0.1%lo]/a", "zone"},            //
        {"rtmp://[::1]x/a", "not ':port'"},                    //
        {"rtmp://[::1/a", "without its ']'"},                  //
        {"rtmp://[127.0.0.1]/a", "not an IPv6 address"},       //
        {"rtmp://[::1]]/a", "not ':port'"},                    //
        {"rtmp://::1/a", "second ':'"},                        // unbracketed IPv6
        {"rtmp:///a/k", "no host"},                            //
        {"rtmp://:1935/a", "no host"},                         //
        {"rtmp://user@/a", "no host"},                         //
        {"rtmp:/h.example/a", "not an absolute URL"},          // ffmpeg skips one '/', others do not
        {"rtmp:h.example/a", "not an absolute URL"},           //
        {"//h.example/a", "not an absolute URL"},              //
        {"h.example/a", "not an absolute URL"},                //
        {"1rtmp://h.example/a", "not an absolute URL"},        //
        {"rtmp://1.2.3.4.5/a", "ends in a number"},            // read as IPv4 by URL parsers, refused by inet_aton
        {"rtmp://127.0.0.1./a", "ends in a number"},           //
        {"rtmp://example.0x/a", "ends in a number"},           //
        {"rtmp://08.0.0.1/a", "ends in a number"},             //
        {"rtmp://h..example/a", "empty label"},                //
        {"rtmp://h.example./a", "empty label"},                //
        {"rtmp://.h.example/a", "empty label"},                //
        {"rtmp://h_\x01.example/a", "control"},                //
        {"rtmp://h\xc3\xa9.example/a", "non-ASCII"},           // IDN: libcurl converts, ffmpeg does not
        {"rtmp://\xe2\x85\xbcocalhost/a", "non-ASCII"},        // a confusable that IDNA maps to "localhost"
        {"rtmp://h*.example/a", "character '*'"},              //
        {"rtmp://h!.example/a", "character '!'"},              //
        {"rtmp://" + std::string(100, 'a') + ".example/a", "label longer"},
        {"rtmp://" + std::string(200, 'a') + "." + std::string(60, 'b') + "/a", "characters long"},
        // ffmpeg's TLS layer keeps 199 bytes of a host: the rest would name another host.
        {"rtmps://" + std::string(40, 'a') + "." + std::string(60, 'b') + "." + std::string(60, 'c') + "." +
             std::string(40, 'd') + ".example/a",
         "ffmpeg cuts longer hosts"},
        // A numeric host had no length limit: 250 zeros and "1" is 0.0.0.1 to us, 255 zeros to ffmpeg.
        {"rtmp://" + std::string(250, '0') + "1/a", "ffmpeg cuts longer hosts"},
        {"rtmp://h.example/" + std::string(9000, 'k'), "characters long"},
        {"", "not an absolute URL"},
    };
    for (const auto& c : cases) {
        INFO("url: " << c.url);
        const auto url = parse_url(c.url, "destination URL");
        REQUIRE_FALSE(url);
        CHECK_THAT(url.error().message, Catch::Contains(c.reason_part));
        CHECK_THAT(url.error().message, Catch::StartsWith("destination URL "));
    }
}

TEST_CASE("the lenient split never fails on a scheme:// string, so redaction can mask malformed URLs")
{
    const auto parts = split_url("rtmp://u:p@x@h:1:2/app/key?token=t#f");
    REQUIRE(parts.has_value());
    CHECK(parts->userinfo == "u:p@x");
    CHECK(parts->host_port == "h:1:2");
    CHECK(parts->path == "/app/key");
    CHECK(parts->query == "token=t#f"); // not http: '#' stays
    CHECK_FALSE(split_url("no scheme here").has_value());
    CHECK_FALSE(split_url("://x").has_value());
}

TEST_CASE("bare hosts follow the same rules")
{
    CHECK(parse_host("127.0.0.1").value().address->to_string() == "127.0.0.1");
    CHECK(parse_host("0x7f.1").value().address->to_string() == "127.0.0.1");
    CHECK(parse_host("::1").value().kind == HostKind::ipv6);
    CHECK(parse_host("[::1]").value().for_url() == "[::1]");
    CHECK(parse_host("Example.COM").value().text == "example.com");
    CHECK_FALSE(parse_host("fe80::1%eth0"));
    CHECK_FALSE(parse_host("a b"));
    CHECK_FALSE(parse_host("h/x"));
    CHECK_FALSE(parse_host(""));
}
