#include "core/strings.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace mtxrelay::core;

TEST_CASE("split keeps empty fields", "[core][strings]")
{
    CHECK(split("live/alice/s1", '/') == std::vector<std::string>{"live", "alice", "s1"});
    CHECK(split("a//b/", '/') == std::vector<std::string>{"a", "", "b", ""});
    CHECK(split("", '/') == std::vector<std::string>{""});
    CHECK(split("no-separator", '/') == std::vector<std::string>{"no-separator"});
}

TEST_CASE("trim, to_lower and starts_with_ci", "[core][strings]")
{
    CHECK(trim("  2 \t\r\n") == "2");
    CHECK(trim("   ").empty());
    CHECK(trim("a b") == "a b");
    CHECK(to_lower("Retry-After") == "retry-after");
    CHECK(starts_with_ci("HTTPS://api.example.com", "https://"));
    CHECK(starts_with_ci("http://x", "HTTP://"));
    CHECK_FALSE(starts_with_ci("ftp://x", "http://"));
    CHECK_FALSE(starts_with_ci("http", "http://"));
}

TEST_CASE("url_decode decodes escapes and '+', and rejects malformed escapes", "[core][strings]")
{
    CHECK(url_decode("a%2Fb") == std::optional<std::string>("a/b"));
    CHECK(url_decode("a%2fb") == std::optional<std::string>("a/b"));
    CHECK(url_decode("x+y") == std::optional<std::string>("x y"));
    CHECK(url_decode("x+y", false) == std::optional<std::string>("x+y"));
    CHECK(url_decode("%41%42C") == std::optional<std::string>("ABC"));
    CHECK(url_decode("") == std::optional<std::string>(""));
    CHECK_FALSE(url_decode("%zz").has_value());
    CHECK_FALSE(url_decode("abc%").has_value());
    CHECK_FALSE(url_decode("abc%4").has_value());
    CHECK_FALSE(url_decode("%g0").has_value());
}

TEST_CASE("url_encode escapes everything outside the unreserved set and round-trips", "[core][strings]")
{
    CHECK(url_encode("alice") == "alice");
    CHECK(url_encode("A-z_0.9~") == "A-z_0.9~");
    CHECK(url_encode("a b/c?d") == "a%20b%2Fc%3Fd");
    CHECK(url_encode("\xc3\xbc") == "%C3%BC");
    const std::string odd = "key=a/b&c d+e%";
    CHECK(url_decode(url_encode(odd), false) == std::optional<std::string>(odd));
}

TEST_CASE("parse_query decodes pairs, later keys win", "[core][strings]")
{
    const auto query = parse_query("?a=1&b=x%20y&c=p+q&flag&a=2&&d=");
    REQUIRE(query.has_value());
    CHECK(query->at("a") == "2");
    CHECK(query->at("b") == "x y");
    CHECK(query->at("c") == "p q");
    CHECK(query->at("flag").empty());
    CHECK(query->at("d").empty());
    CHECK(query->size() == 5);

    CHECK(parse_query("")->empty());
    CHECK(parse_query("?")->empty());
    CHECK_FALSE(parse_query("a=%zz").has_value());
    CHECK_FALSE(parse_query("%zz=1").has_value());
}

TEST_CASE("parse_seconds accepts non-negative decimals only", "[core][strings]")
{
    CHECK(parse_seconds("2") == std::optional<double>(2.0));
    CHECK(parse_seconds("0.5") == std::optional<double>(0.5));
    CHECK(parse_seconds(" 3 ") == std::optional<double>(3.0));
    CHECK(parse_seconds("0") == std::optional<double>(0.0));
    for (const char* bad : {"", " ", "-1", "abc", "2s", "1,5", "inf", "nan", "1 2"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_seconds(bad).has_value());
    }
}

TEST_CASE("constant_time_equals compares whole secrets", "[core][strings]")
{
    using mtxrelay::core::constant_time_equals;
    CHECK(constant_time_equals("Bearer tok-123", "Bearer tok-123"));
    CHECK_FALSE(constant_time_equals("Bearer tok-124", "Bearer tok-123"));
    CHECK_FALSE(constant_time_equals("Bearer tok-12", "Bearer tok-123"));
    CHECK_FALSE(constant_time_equals("Bearer tok-1234", "Bearer tok-123"));
    CHECK_FALSE(constant_time_equals("", "x"));
    CHECK(constant_time_equals("", ""));
    // A shorter string that is a zero-padded prefix must not match either.
    CHECK_FALSE(constant_time_equals(std::string("ab\0", 3), "ab"));
}
