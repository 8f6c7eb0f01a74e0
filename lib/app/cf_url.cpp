#include "app/cf_url.hpp"

#include "cloud/client.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "process/signals.hpp"

#include <iostream>

namespace mtxrelay::app {

int run_cf_url(const CfUrlOptions& options, const core::EnvLookup& env, http::Transport& transport)
{
    setup_logging("relay-cf-url", options.common, env);
    const auto context = mtx::resolve_context(options.common.context, env);
    core::log::set_context(context.path);
    cloud::CloudClient client(cloud::load_cloud_settings(options.common.cloud, env), transport);

    if (options.common.dry_run) {
        const auto request =
            client.build_request("GET", cloud::CloudClient::cf_url_path(context.user_id, context.stream_id));
        std::cout << "would send: " << request.method << " " << core::redact(request.url) << "\n";
        for (const auto& [name, value] : request.headers) {
            std::cout << "  " << name << ": " << core::redact(name == "Authorization" ? "Bearer ***" : value) << "\n";
        }
        std::cout << "  (deadline " << client.settings().deadline.count() / 1000.0 << " s, up to "
                  << client.settings().max_attempts << " attempts)\n";
        return 0;
    }

    process::StopSignal::install();
    auto result = client.cf_url(context.user_id, context.stream_id);
    if (!result) {
        core::raise(result.error());
    }
    // stdout carries the secret URL: that is this tool's job. Nothing secret goes to stderr.
    if (options.json) {
        std::cout << result.value().raw.dump() << "\n";
    } else {
        std::cout << result.value().url << "\n";
    }
    core::log::info("ingest URL found: {}", core::redact_url(result.value().url));
    return 0;
}

} // namespace mtxrelay::app
