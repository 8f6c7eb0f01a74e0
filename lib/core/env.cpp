#include "core/env.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace mtxrelay::core {

EnvLookup process_env()
{
    return [](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr || *value == '\0') {
            return std::nullopt;
        }
        return std::string(value);
    };
}

std::string errno_message(std::string_view what)
{
    return std::string(what) + ": " + std::strerror(errno);
}

} // namespace mtxrelay::core
