#include "core/error.hpp"

namespace mtxrelay::core {

ExitCode exit_code_for(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::invalid:
        return ExitCode::usage;
    case ErrorKind::not_found:
        return ExitCode::not_found;
    case ErrorKind::auth:
        return ExitCode::auth_refused;
    case ErrorKind::unreachable:
        return ExitCode::unreachable;
    case ErrorKind::bad_response:
        return ExitCode::bad_response;
    case ErrorKind::interrupted:
        return ExitCode::interrupted;
    case ErrorKind::failed:
        break;
    }
    return ExitCode::failure;
}

void raise(const Failure& failure)
{
    throw Error(exit_code_for(failure.kind), failure.message);
}

} // namespace mtxrelay::core
