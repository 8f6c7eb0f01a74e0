// The MediaMTX hook context from any environment: lines "NAME=value" become the environment
// (MTX_PATH, G1, G2, MTX_QUERY...), the first three lines may also be --user/--stream/--path.
// A bad value must be a UsageError, never another exception or a crash.
#include "mtx/hook_context.hpp"
#include "mtx/relay_paths.hpp"

#include "core/error.hpp"
#include "core/strings.hpp"

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace mtxrelay;
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::map<std::string, std::string> values;
    mtx::ContextFlags flags;
    const auto lines = core::split(text, '\n');
    for (size_t i = 0; i < lines.size(); ++i) {
        const auto& line = lines[i];
        const size_t eq = line.find('=');
        if (eq == std::string::npos) {
            continue;
        }
        const auto name = line.substr(0, eq);
        const auto value = line.substr(eq + 1);
        if (name == "--user") {
            flags.user_id = value;
        } else if (name == "--stream") {
            flags.stream_id = value;
        } else if (name == "--path") {
            flags.path = value;
        } else {
            values[name] = value;
        }
    }
    const core::EnvLookup env = [&values](std::string_view name) -> std::optional<std::string> {
        const auto it = values.find(std::string(name));
        if (it == values.end() || it->second.empty()) {
            return std::nullopt;
        }
        return it->second;
    };
    try {
        if (const auto context = mtx::try_resolve_context(flags, env)) {
            if (!mtx::is_valid_id(context->user_id) || !mtx::is_valid_id(context->stream_id)) {
                std::abort(); // documented: only valid ids come out
            }
            (void)mtx::hook_path(mtx::Stage::clean, *context);
        }
    } catch (const core::UsageError&) {
    }
    return 0;
}
