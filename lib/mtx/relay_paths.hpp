#pragma once

#include "mtx/hook_context.hpp"

#include <string>

namespace mtxrelay::mtx {

// The relay's path convention in MediaMTX: publishers send live/<user>/<stream>; relay-clean
// publishes clean/<user>/<stream>, which the clean hooks (relay-restream, relay-hls-ready)
// read. The clean stage must not match the live hooks' regex (no transcoding loop).
enum class Stage { live, clean };

// "live/<user>/<stream>" or "clean/<user>/<stream>".
std::string stage_path(Stage stage, const HookContext& context);

// The path a hook works on: MTX_PATH when MediaMTX gave a full one (prefix/user/stream), else
// the stage path of the ids given on the command line.
std::string hook_path(Stage stage, const HookContext& context);

} // namespace mtxrelay::mtx
