#include "app/ingest_url.hpp"

#include "app/settings.hpp"
#include "ffmpeg/pinned_output.hpp"
#include "process/signals.hpp"

#include <fmt/format.h>

namespace mtxrelay::app {

net::DestinationPolicy ingest_policy(const core::EnvLookup& env)
{
    net::DestinationPolicy policy;
    policy.allow_private = read_switch(settings::allow_private, env);
    policy.allow_hint = "RELAY_ALLOW_PRIVATE_DESTINATIONS=1";
    return policy;
}

net::Url check_ingest_url(const std::string& url, const core::EnvLookup& env)
{
    auto checked = net::check_destination(url, ingest_policy(env));
    if (!checked) {
        throw core::Error(core::ExitCode::bad_response,
                          fmt::format("the cloud's ingest URL is refused: {}", checked.error().message));
    }
    return std::move(checked.value());
}

ffmpeg::Endpoint ingest_output(const std::string& url, const core::EnvLookup& env)
{
    const auto checked = check_ingest_url(url, env);
    const auto target = net::resolve_destination(checked, ingest_policy(env),
                                                 net::system_resolver([] { return process::StopSignal::requested(); }));
    if (!target) {
        const auto& failure = target.error();
        if (failure.kind == core::ErrorKind::interrupted) {
            throw core::Error(core::ExitCode::interrupted, "interrupted while resolving the ingest host");
        }
        throw core::Error(failure.kind == core::ErrorKind::unreachable ? core::ExitCode::unreachable
                                                                       : core::ExitCode::bad_response,
                          fmt::format("the cloud's ingest URL is refused: {}", failure.message));
    }
    return ffmpeg::pinned_output(target.value());
}

} // namespace mtxrelay::app
