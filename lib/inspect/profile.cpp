#include "inspect/profile.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

namespace mtxrelay::inspect {

namespace {

std::string format_value(Unit unit, double value)
{
    switch (unit) {
    case Unit::seconds:
        return fmt::format("{:g} s", value);
    case Unit::milliseconds:
        return fmt::format("{:g} ms", value);
    case Unit::mbps:
        return fmt::format("{:g} Mbit/s", value);
    case Unit::frame_intervals:
        return fmt::format("{:g} frame intervals", value);
    case Unit::fps:
        return fmt::format("{:g} fps", value);
    default:
        return fmt::format("{:g}", value);
    }
}

// A frame-interval limit in seconds, rounded up to the container's timestamp resolution: with
// whole-ms FLV timestamps at 30 fps, one dropped frame is a 66 or 67 ms step, both = 2 intervals.
double frame_interval_limit(const Report& r, double intervals)
{
    const double seconds = intervals * r.nominal_frame_interval;
    const double q = r.timestamp_resolution;
    return q > 0 ? std::ceil(seconds / q - k_time_epsilon) * q : seconds;
}

Status judge(const Requirement& req, const Measurement& m, const Report& r, std::string& limit)
{
    if (req.compare == Compare::info) {
        return Status::info;
    }
    if (req.compare == Compare::one_of) {
        limit = req.allowed.size() == 1 ? req.allowed.front() : fmt::format("one of {}", fmt::join(req.allowed, ", "));
        if (!m.text) {
            return Status::unknown;
        }
        const bool ok = std::find(req.allowed.begin(), req.allowed.end(), *m.text) != req.allowed.end();
        return ok ? Status::pass : Status::fail;
    }
    if (req.compare == Compare::near) {
        const double low = req.threshold - req.tolerance;
        const double high = req.threshold + req.tolerance;
        limit = fmt::format("{} to {}", format_value(m.unit, low), format_value(m.unit, high));
        if (!m.value) {
            return Status::unknown;
        }
        if (*m.value > high + k_time_epsilon) {
            return Status::fail;
        }
        if (m.lower_bound) {
            return Status::unknown; // the true value may still be above the high end
        }
        return *m.value >= low - k_time_epsilon ? Status::pass : Status::fail;
    }
    const bool at_most = req.compare == Compare::at_most;
    double value = m.value.value_or(0);
    double threshold = req.threshold;
    limit = fmt::format("{} {}", at_most ? "<=" : ">=", format_value(m.unit, req.threshold));
    if (m.unit == Unit::frame_intervals && m.value) {
        threshold = frame_interval_limit(r, req.threshold);
        value = *m.value * r.nominal_frame_interval;
        limit += fmt::format(" ({:.3f} s)", threshold);
    }
    if (!m.value) {
        return Status::unknown;
    }
    const bool ok = at_most ? value <= threshold + k_time_epsilon : value >= threshold - k_time_epsilon;
    if (m.lower_bound) {
        // Only the side the bound proves is conclusive.
        return at_most ? (ok ? Status::unknown : Status::fail) : (ok ? Status::pass : Status::unknown);
    }
    return ok ? Status::pass : Status::fail;
}

} // namespace

std::string_view status_name(Status status)
{
    switch (status) {
    case Status::pass:
        return "PASS";
    case Status::fail:
        return "FAIL";
    case Status::unknown:
        return "UNKNOWN";
    case Status::info:
        return "NOTE";
    }
    return "?";
}

std::vector<RequirementResult> evaluate(const Profile& profile, const Report& report)
{
    std::vector<RequirementResult> results;
    for (const auto& requirement : profile.requirements) {
        RequirementResult result;
        result.requirement = requirement;
        result.measured = measure(report, requirement.metric);
        result.status = judge(requirement, result.measured, report, result.limit);
        results.push_back(std::move(result));
    }
    return results;
}

bool all_pass(const std::vector<RequirementResult>& results)
{
    return std::all_of(results.begin(), results.end(),
                       [](const auto& r) { return r.status == Status::pass || r.status == Status::info; });
}

} // namespace mtxrelay::inspect
