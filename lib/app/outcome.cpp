#include "app/outcome.hpp"

namespace mtxrelay::app {

core::ExitCode exit_code(Outcome outcome)
{
    using core::ExitCode;
    switch (outcome) {
    case Outcome::input_ended:
    case Outcome::publisher_gone:
    case Outcome::hls_sent:
        return ExitCode::ok;
    case Outcome::input_never_appeared:
    case Outcome::output_failed:
    case Outcome::hls_timeout:
        return ExitCode::failure;
    case Outcome::interrupted:
        return ExitCode::interrupted;
    }
    return ExitCode::failure;
}

int exit_status(Outcome outcome)
{
    return static_cast<int>(exit_code(outcome));
}

} // namespace mtxrelay::app
