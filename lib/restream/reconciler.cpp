#include "restream/reconciler.hpp"

#include <algorithm>

namespace mtxrelay::restream {

ReconcilePlan reconcile(const std::vector<DesiredDestination>& desired, const std::vector<RunningDestination>& running)
{
    ReconcilePlan plan;
    std::vector<size_t> new_ones;
    for (size_t i = 0; i < desired.size(); ++i) {
        const bool is_running = std::any_of(running.begin(), running.end(),
                                            [&](const RunningDestination& r) { return r.key == desired[i].key; });
        (is_running ? plan.keep : new_ones).push_back(i);
    }
    for (const auto& current : running) {
        const bool wanted = std::any_of(desired.begin(), desired.end(),
                                        [&](const DesiredDestination& d) { return d.key == current.key; });
        if (wanted) {
            continue;
        }
        const auto renamed = std::find_if(new_ones.begin(), new_ones.end(), [&](size_t i) {
            return !current.name.empty() && desired[i].name == current.name;
        });
        if (renamed != new_ones.end()) {
            plan.restart.push_back({current.key, *renamed});
            new_ones.erase(renamed);
        } else {
            plan.stop.push_back(current.key);
        }
    }
    plan.start = std::move(new_ones);
    return plan;
}

} // namespace mtxrelay::restream
