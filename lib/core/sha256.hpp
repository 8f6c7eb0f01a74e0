#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mtxrelay::core {

// SHA-256 of a byte string (FIPS 180-4). Only for fingerprints of secrets shown to operators;
// small enough to keep out a crypto dependency.
std::array<std::uint8_t, 32> sha256(std::string_view data);

// The digest as 64 lower-case hex characters.
std::string sha256_hex(std::string_view data);

} // namespace mtxrelay::core
