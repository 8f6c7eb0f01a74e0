#include "inspect/expectations.hpp"

#include "ffmpeg/clean_profile.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace mtxrelay::inspect {

namespace {

using core::ErrorKind;
using core::Failure;

std::optional<int> parse_side(std::string_view digits)
{
    int value = 0;
    if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::nullopt;
    }
    std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return value;
}

std::optional<Failure> range_failure(std::string_view flag, double value, double low, double high, bool low_open,
                                     std::string_view unit)
{
    const bool below = low_open ? value <= low : value < low;
    if (std::isfinite(value) && !below && value <= high) {
        return std::nullopt;
    }
    return Failure{ErrorKind::invalid, fmt::format("{} must be {} {:g} and at most {:g} {} (got {})", flag,
                                                   low_open ? "above" : "at least", low, high, unit, value)};
}

std::optional<Failure> size_out_of_range(const FrameSize& size)
{
    if (size.width >= 2 && size.height >= 2 && size.width <= k_max_frame_side && size.height <= k_max_frame_side) {
        return std::nullopt;
    }
    return Failure{ErrorKind::invalid, fmt::format("--expect-size sides must be 2-{} pixels (got {}x{})",
                                                   k_max_frame_side, size.width, size.height)};
}

std::string orientation_of_size(const FrameSize& size)
{
    return size.width > size.height ? "landscape" : size.height > size.width ? "portrait" : "square";
}

std::string format_seconds(double value)
{
    return fmt::format("{:g} s", value);
}

void apply_one(Requirement& r, const Expectations& e)
{
    switch (r.expectation) {
    case Expectation::none:
        return;
    case Expectation::fps:
        if (e.fps) {
            r.compare = Compare::near;
            r.threshold = *e.fps;
            r.tolerance = *e.fps * k_fps_tolerance;
            r.name = fmt::format("frame rate {:g} fps (within 1 %)", *e.fps);
        }
        return;
    case Expectation::size:
        if (e.size) {
            const auto size = fmt::format("{}x{}", e.size->width, e.size->height);
            r.compare = Compare::one_of;
            r.allowed = {size};
            r.name = "frame size " + size;
        }
        return;
    case Expectation::orientation:
        if (e.orientation) {
            r.compare = Compare::one_of;
            r.allowed = {*e.orientation};
            r.name = "orientation " + *e.orientation;
        }
        return;
    case Expectation::duration:
        if (e.duration) {
            const double tolerance = e.duration_tolerance.value_or(k_default_duration_tolerance);
            r.compare = Compare::near;
            r.threshold = *e.duration;
            r.tolerance = tolerance;
            r.name = fmt::format("duration {} (within {})", format_seconds(*e.duration), format_seconds(tolerance));
        }
        return;
    }
}

} // namespace

core::Result<FrameSize> parse_frame_size(std::string_view text)
{
    const size_t x = text.find('x');
    const auto width = x == std::string_view::npos ? std::nullopt : parse_side(text.substr(0, x));
    const auto height = x == std::string_view::npos ? std::nullopt : parse_side(text.substr(x + 1));
    if (!width || !height) {
        return Failure{ErrorKind::invalid,
                       fmt::format("--expect-size must be WIDTHxHEIGHT in pixels, e.g. 1280x720 (got '{}')", text)};
    }
    const FrameSize size{*width, *height};
    if (auto bad = size_out_of_range(size)) {
        return *bad;
    }
    return size;
}

std::optional<Failure> validate(const Expectations& e)
{
    if (e.fps) {
        if (auto bad = range_failure("--expect-fps", *e.fps, k_min_fps, k_max_fps, false, "frames per second")) {
            return bad;
        }
    }
    if (e.size) {
        if (auto bad = size_out_of_range(*e.size)) {
            return bad;
        }
    }
    if (e.orientation && *e.orientation != "landscape" && *e.orientation != "portrait") {
        return Failure{ErrorKind::invalid,
                       fmt::format("--expect-orientation must be landscape or portrait (got '{}')", *e.orientation)};
    }
    if (e.size && e.orientation && orientation_of_size(*e.size) != *e.orientation) {
        return Failure{ErrorKind::invalid,
                       fmt::format("--expect-size {}x{} is {}, not {} as --expect-orientation says", e.size->width,
                                   e.size->height, orientation_of_size(*e.size), *e.orientation)};
    }
    if (e.duration) {
        if (auto bad = range_failure("--expect-duration", *e.duration, 0, k_max_duration, true, "seconds")) {
            return bad;
        }
    }
    if (e.duration_tolerance) {
        if (!e.duration) {
            return Failure{ErrorKind::invalid, "--expect-duration-tolerance needs --expect-duration"};
        }
        if (auto bad = range_failure("--expect-duration-tolerance", *e.duration_tolerance, 0, k_max_duration, false,
                                     "seconds")) {
            return bad;
        }
    }
    return std::nullopt;
}

Profile apply(const Profile& profile, const Expectations& expectations)
{
    Profile applied = profile;
    for (auto& requirement : applied.requirements) {
        apply_one(requirement, expectations);
    }
    return applied;
}

std::vector<std::string> preset_frame_sizes()
{
    std::vector<std::string> sizes;
    for (const auto& quality : ffmpeg::qualities()) {
        sizes.push_back(fmt::format("{}x{}", quality.long_side, quality.short_side));
        sizes.push_back(fmt::format("{}x{}", quality.short_side, quality.long_side));
    }
    return sizes;
}

} // namespace mtxrelay::inspect
