#include "app/cf_url.hpp"

#include "app/ingest_url.hpp"
#include "cloud/client.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "process/signals.hpp"

#include <iostream>

namespace mtxrelay::app {

namespace {

// The cloud's answer for --json: `url` as checked, every other string through the log's
// redaction and every field with a secret's name masked, so an answer that echoes our
// Authorization header or carries other keys prints none of them.
nlohmann::json masked_answer(const nlohmann::json& value, const std::string& key = {})
{
    if (!key.empty() && core::is_secret_parameter(key)) {
        return "***";
    }
    if (value.is_string()) {
        return core::redact(value.get<std::string>());
    }
    if (value.is_array()) {
        auto out = nlohmann::json::array();
        for (const auto& item : value) {
            out.push_back(masked_answer(item));
        }
        return out;
    }
    if (value.is_object()) {
        auto out = nlohmann::json::object();
        for (const auto& [name, item] : value.items()) {
            out[name] = masked_answer(item, name);
        }
        return out;
    }
    return value;
}

} // namespace

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
    client.set_cancel([] { return process::StopSignal::requested(); }); // SIGINT ends a hung call at once
    auto result = client.cf_url(context.user_id, context.stream_id);
    if (!result) {
        core::raise(result.error());
    }
    // The same policy as the tools that connect to it: what is printed is one line, a URL
    // ffmpeg reads as we do, never an option, never this machine or the metadata service.
    const auto& url = result.value().url;
    check_ingest_url(url, env);
    // stdout carries the secret URL: that is this tool's job. Nothing secret goes to stderr.
    if (options.json) {
        auto answer = masked_answer(result.value().raw);
        answer["url"] = url;
        std::cout << core::dump_json(answer) << "\n";
    } else {
        std::cout << url << "\n";
    }
    core::log::info("ingest URL found: {}", core::redact_url(url));
    return 0;
}

} // namespace mtxrelay::app
