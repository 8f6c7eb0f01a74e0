#pragma once

#include "restream/destination_set.hpp"

#include <string>
#include <vector>

namespace mtxrelay::restream {

// A destination the fan-out is running now (any state but stopping).
struct RunningDestination {
    std::string key;
    std::string name;
};

// A running destination replaced by a new URL under the same name.
struct Restart {
    std::string old_key;
    size_t desired_index = 0;
};

// What to do to turn the running set into the desired one. Indices point into the desired
// list; keys name running destinations.
struct ReconcilePlan {
    std::vector<size_t> start;
    std::vector<std::string> stop;
    std::vector<Restart> restart; // stop old_key, then start the desired entry
    std::vector<size_t> keep;     // running with the same URL: never interrupted (a new name is only a relabel)

    bool changes_nothing() const { return start.empty() && stop.empty() && restart.empty(); }
};

// Compares desired and running destinations by key (the normalized URL). A running destination
// whose URL is no longer wanted while a new URL appears under its (non-empty) name is a restart;
// otherwise it is stopped and the new URL started. Pure.
ReconcilePlan reconcile(const std::vector<DesiredDestination>& desired, const std::vector<RunningDestination>& running);

} // namespace mtxrelay::restream
