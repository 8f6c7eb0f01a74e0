#pragma once

#include "inspect/analysis.hpp"
#include "inspect/metrics.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtxrelay::inspect {

// How the measured value is compared with the threshold. `near` passes within `tolerance` of
// it either way. `info` never passes or fails.
enum class Compare { at_least, at_most, one_of, near, info };

// Which caller expectation (relay-inspect --expect-*, see expectations.hpp) replaces a
// requirement's threshold or allowed values for one run.
enum class Expectation { none, fps, size, orientation, duration };

// One line of a profile: data only, so a new profile is a new table.
struct Requirement {
    std::string id;   // stable key for --json, e.g. "keyframe_interval_max"
    std::string name; // what the operator reads, e.g. "keyframe interval at most 10 s"
    Metric metric{};
    Compare compare = Compare::info;
    double threshold = 0;             // in the metric's unit (frame_intervals: a count of them)
    std::vector<std::string> allowed; // one_of
    double tolerance = 0;             // near
    Expectation expectation = Expectation::none;
};

struct Profile {
    std::string name;
    std::string description;
    std::vector<Requirement> requirements;
};

// The profiles relay-inspect knows; the first is the default.
const std::vector<Profile>& profiles();
const Profile* find_profile(std::string_view name);

enum class Status { pass, fail, unknown, info };
std::string_view status_name(Status status);

struct RequirementResult {
    Requirement requirement;
    Status status = Status::unknown;
    Measurement measured;
    std::string limit; // the threshold as printed, e.g. "<= 10 s"
};

// Evaluates every requirement of a profile against a report.
std::vector<RequirementResult> evaluate(const Profile& profile, const Report& report);

// True when no requirement failed or stayed unknown (the exit-0 condition).
bool all_pass(const std::vector<RequirementResult>& results);

} // namespace mtxrelay::inspect
