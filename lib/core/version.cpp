#include "core/version.hpp"

#include <fmt/format.h>

namespace mtxrelay::core {

std::string version_line(std::string_view tool)
{
    return fmt::format("{} {} (git {})", tool, project_version(), git_revision());
}

} // namespace mtxrelay::core
