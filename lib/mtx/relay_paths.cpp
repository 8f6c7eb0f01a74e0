#include "mtx/relay_paths.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mtxrelay::mtx {

std::string stage_path(Stage stage, const HookContext& context)
{
    return fmt::format("{}/{}/{}", stage == Stage::live ? "live" : "clean", context.user_id, context.stream_id);
}

std::string hook_path(Stage stage, const HookContext& context)
{
    const bool from_mediamtx = std::count(context.path.begin(), context.path.end(), '/') >= 2;
    return from_mediamtx ? context.path : stage_path(stage, context);
}

} // namespace mtxrelay::mtx
