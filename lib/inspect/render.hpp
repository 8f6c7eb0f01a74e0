#pragma once

#include "inspect/analysis.hpp"
#include "inspect/profile.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mtxrelay::inspect {

// What was inspected, as shown in the report header (the name is already redacted).
struct InputSummary {
    std::string name;
    bool network = false;
    std::optional<double> duration; // --duration, when given
};

// The human report: figures first, then one PASS/FAIL/UNKNOWN/NOTE line per requirement and a
// one-line verdict.
std::string render_text(const InputSummary& input, const Report& report, const Profile& profile,
                        const std::vector<RequirementResult>& results);

// The same as one JSON document: {"input", "profile", "result", "figures", "requirements"}.
nlohmann::json render_json(const InputSummary& input, const Report& report, const Profile& profile,
                           const std::vector<RequirementResult>& results);

} // namespace mtxrelay::inspect
