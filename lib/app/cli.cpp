#include "app/cli.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <iostream>

namespace mtxrelay::app {

void add_common_options(CLI::App& app, CommonOptions& options, bool with_cloud, bool with_dry_run)
{
    app.add_option("--user", options.context.user_id, "User id (default: env G1, or from MTX_PATH)");
    app.add_option("--stream", options.context.stream_id, "Stream id (default: env G2, or from MTX_PATH)");
    app.add_option("--path", options.context.path, "MediaMTX path, e.g. live/alice/s1 (default: env MTX_PATH)");
    app.add_option("--log-format", options.log_format,
                   "Log lines as 'text' or 'json' (default: env RELAY_LOG_FORMAT or text)")
        ->check(CLI::IsMember({"text", "json"}));
    if (with_cloud) {
        app.add_option("--cloud-url", options.cloud.url, "Cloud API base URL (default: env CLOUD_API_URL)");
        app.add_option(
            "--cloud-timeout", options.cloud.timeout_seconds,
            "Overall deadline in seconds for one cloud call with its retries (default: env CLOUD_API_TIMEOUT or 30)");
    }
    if (with_dry_run) {
        app.add_flag("--dry-run", options.dry_run, "Print what would be done (secrets masked) and exit");
    }
}

std::string exit_code_footer(const std::string& extra)
{
    return "\nExit codes: 0 ok, 1 failure, 2 usage or configuration error, 130 interrupted" + extra +
           ".\nSecrets: CLOUD_API_TOKEN comes from the environment only and is never printed.";
}

void setup_logging(const std::string& tool, const CommonOptions& options, const core::EnvLookup& env)
{
    auto format = core::log::Format::text;
    const auto requested = options.log_format ? options.log_format : env("RELAY_LOG_FORMAT");
    if (requested && !core::log::parse_format(*requested, format)) {
        throw core::UsageError(fmt::format("RELAY_LOG_FORMAT='{}' must be 'text' or 'json'", *requested));
    }
    core::log::configure(tool, format);
}

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv)
{
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        std::cout << app.help("", CLI::AppFormatMode::All);
        return 0;
    } catch (const CLI::CallForVersion&) {
        std::cout << app.version() << "\n";
        return 0;
    } catch (const CLI::ParseError& e) {
        std::cerr << app.get_name() << ": error: " << core::redact(e.what()) << "\nRun '" << app.get_name()
                  << " --help' for usage.\n";
        return static_cast<int>(core::ExitCode::usage);
    }
    return std::nullopt;
}

int guarded_main(const std::string& tool, const std::function<int()>& body)
{
    try {
        return body();
    } catch (const core::Error& e) {
        std::cerr << tool << ": error: " << core::redact(e.what()) << "\n";
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        std::cerr << tool << ": error: " << core::redact(e.what()) << "\n";
        return static_cast<int>(core::ExitCode::failure);
    }
}

} // namespace mtxrelay::app
