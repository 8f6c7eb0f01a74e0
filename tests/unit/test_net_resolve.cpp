#include "net/resolve.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using mtxrelay::core::ErrorKind;
using mtxrelay::net::system_resolver;

TEST_CASE("the system resolver answers like getaddrinfo and gives up when cancelled")
{
    const auto resolve = system_resolver({}, std::chrono::milliseconds(3000));
    const auto local = resolve("localhost");
    REQUIRE(local);
    CHECK(std::any_of(local.value().begin(), local.value().end(), [](const auto& address) {
        return address.to_string() == "127.0.0.1" || address.to_string() == "::1";
    }));

    const auto numeric = resolve("0x7f.1"); // getaddrinfo reads numeric spellings itself
    REQUIRE(numeric);
    CHECK(numeric.value().front().to_string() == "127.0.0.1");

    const auto missing = resolve("no-such-host.invalid");
    REQUIRE_FALSE(missing);
    CHECK_THAT(missing.error().message, Catch::Contains("cannot resolve host no-such-host.invalid"));

    const auto cancelled = system_resolver([] { return true; })("localhost");
    REQUIRE_FALSE(cancelled);
    CHECK(cancelled.error().kind == ErrorKind::interrupted);
}
