#pragma once

#include "core/error.hpp"
#include "inspect/profile.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtxrelay::inspect {

// A frame size in pixels.
struct FrameSize {
    int width = 0;
    int height = 0;
};

// What the caller expects of this one stream (relay-inspect --expect-*). Each one given replaces
// the profile's default for the requirement that checks it; one not given keeps the default
// (cloudflare: 30 fps, a quality-preset size; orientation and duration are then only shown).
struct Expectations {
    std::optional<double> fps = {};
    std::optional<FrameSize> size = {};
    std::optional<std::string> orientation = {}; // "landscape" or "portrait"
    std::optional<double> duration = {};         // seconds of content the stream must hold
    std::optional<double> duration_tolerance = {};
};

// A frame rate passes within this fraction of the expected one: 30 fps is 29.7-30.3 (29.97 passes,
// 25 and 60 do not).
inline constexpr double k_fps_tolerance = 0.01;
// A duration passes within this many seconds of the expected one unless the caller gives another:
// a file cleaned whole ends within a GOP's rounding of its input's content.
inline constexpr double k_default_duration_tolerance = 1.0;

// The accepted ranges, checked by validate().
inline constexpr double k_min_fps = 1;
inline constexpr double k_max_fps = 240;
inline constexpr int k_max_frame_side = 8192;
inline constexpr double k_max_duration = 24 * 3600;

// Parses "1280x720" (digits, a lowercase x, digits); Failure(invalid) names what is wrong.
core::Result<FrameSize> parse_frame_size(std::string_view text);

// Range-checks every expectation given (finite, inside the ranges above, a tolerance only with a
// duration, a size that agrees with the orientation); the Failure(invalid) names the flag.
std::optional<core::Failure> validate(const Expectations& expectations);

// The profile with every expectation given applied to the requirements that check it.
Profile apply(const Profile& profile, const Expectations& expectations);

// The frame sizes relay-clean's quality presets produce, landscape and portrait
// ("854x480", "480x854", "1280x720", ...): the sizes the clean contract allows.
std::vector<std::string> preset_frame_sizes();

} // namespace mtxrelay::inspect
