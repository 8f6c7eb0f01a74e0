#include "core/json.hpp"

#include <catch2/catch.hpp>

#include <string>

using mtxrelay::core::dump_json;
using mtxrelay::core::json_depth;
using mtxrelay::core::parse_json;

TEST_CASE("JSON from outside is refused past 64 levels before nlohmann ever sees it", "[core][json]")
{
    // 100 000 levels in 200 KB: nlohmann's recursive copy/dump/destructor overflowed the stack.
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    const auto refused = parse_json(deep);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message == "JSON nested deeper than 64 levels");
    const std::string deep_objects = [] {
        std::string text;
        for (int i = 0; i < 1000; ++i) {
            text += "{\"a\":";
        }
        return text + "1" + std::string(1000, '}');
    }();
    CHECK_FALSE(parse_json(deep_objects));

    CHECK(parse_json(std::string(64, '[') + std::string(64, ']')));
    CHECK_FALSE(parse_json(std::string(65, '[') + std::string(65, ']')));
    // Brackets inside strings (escaped quotes included) are not nesting.
    CHECK(parse_json(R"({"a":"[[[[[[[[[[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["})"));
    CHECK(json_depth(R"(["]]]][[[", [1, [2]], {"k": {}}])", 100) == 3);
}

TEST_CASE("JSON limits: size, malformed text", "[core][json]")
{
    CHECK(parse_json("{\"a\":1}").value()["a"] == 1);
    CHECK(parse_json("not json").error().message == "not valid JSON");
    CHECK(parse_json("{\"a\":1}", {64, 3}).error().message == "JSON of 7 bytes (limit 3)");
    CHECK_FALSE(parse_json("\"\xff\"")); // invalid UTF-8 in a string
}

TEST_CASE("dump_json never throws on invalid UTF-8", "[core][json]")
{
    const nlohmann::json value = {{"name", std::string("cut \xe2\x82")}};
    CHECK_THROWS(value.dump()); // what the status reporter's thread did before
    CHECK(dump_json(value) == "{\"name\":\"cut \xef\xbf\xbd\"}");
}
