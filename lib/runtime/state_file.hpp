#pragma once

#include "core/env.hpp"

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mtxrelay::runtime {

// Where the hooks keep their state documents: --runtime-dir, else env RELAY_RUNTIME_DIR, else
// $XDG_RUNTIME_DIR/mtxrelay, else /tmp/mtxrelay-<uid>. relay-status reads the same place.
std::string runtime_dir(const std::optional<std::string>& flag, const core::EnvLookup& env);

// One hook's current state as a JSON document in the runtime directory, named
// `<tool>-<pid>.json`. Every write replaces the whole file atomically (write a temporary file,
// then rename), so a reader sees the old or the new document, never half of one. The file is
// removed when the object is destroyed; one left behind by a killed hook is recognised as stale
// because its pid (and that pid's start time) no longer matches a running process.
class StateFile {
public:
    // Creates the directory (mode 0700) when missing. A directory that cannot be used is not
    // fatal for a hook: the failure is logged once and writes become no-ops.
    StateFile(std::string dir, std::string tool);
    ~StateFile();
    StateFile(const StateFile&) = delete;
    StateFile& operator=(const StateFile&) = delete;

    // Writes `document` plus the envelope: schema, tool, pid, pidStart, startedAt, updatedAt.
    void write(nlohmann::json document);
    bool enabled() const { return m_enabled; }
    const std::string& file() const { return m_file; }

private:
    std::string m_dir;
    std::string m_tool;
    std::string m_file;
    std::string m_started_at;
    unsigned long long m_pid_start = 0;
    bool m_enabled = false;
    bool m_warned = false;
};

// A document found in the runtime directory.
struct FoundDocument {
    std::string file;
    nlohmann::json document;
    bool alive = false; // its process still runs (same pid and start time)
};

// Reads every `*.json` document of the directory (at most 1 MiB each; unreadable or invalid
// ones are skipped and named in `problems`). A missing directory is an empty list.
struct Scan {
    std::vector<FoundDocument> documents;
    std::vector<std::string> problems;
};
Scan scan_runtime_dir(const std::string& dir);

// The start time of a process in clock ticks since boot (/proc/<pid>/stat field 22), 0 when
// the process does not exist. Together with the pid it names one process run.
unsigned long long process_start_ticks(pid_t pid);

// "2026-12-01T19:00:45.123Z" for now.
std::string now_text();

} // namespace mtxrelay::runtime
