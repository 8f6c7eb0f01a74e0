#include "app/cli.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "core/version.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace mtxrelay::app {

std::string exit_code_footer(const std::string& extra)
{
    return "\nExit codes: 0 ok, 1 failure, 2 usage or configuration error, 130 interrupted" + extra +
           ".\nSecrets: CLOUD_API_TOKEN comes from the environment only and is never printed.";
}

void setup_logging(const std::string& tool, const CommonOptions& options, const core::EnvLookup& env)
{
    setup_logging(tool, options.log_format, env);
}

void setup_logging(const std::string& tool, const std::optional<std::string>& log_format, const core::EnvLookup& env)
{
    auto format = core::log::Format::text;
    const auto requested = read_text(settings::log_format, log_format, env);
    if (requested && !core::log::parse_format(*requested, format)) {
        throw core::UsageError(fmt::format("{}='{}' must be 'text' or 'json'", settings::log_format.env, *requested));
    }
    core::log::configure(tool, format);
}

namespace {

// The value of `--name VALUE` or `--name=VALUE` in argv, read before CLI11 parses (so a usage
// error is already logged in the format asked for).
std::optional<std::string> raw_flag(int argc, char** argv, std::string_view name)
{
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == name && i + 1 < argc) {
            return std::string(argv[i + 1]);
        }
        if (arg.size() > name.size() && arg.starts_with(name) && arg[name.size()] == '=') {
            return std::string(arg.substr(name.size() + 1));
        }
    }
    return std::nullopt;
}

const char* exit_reason(core::ExitCode code)
{
    switch (code) {
    case core::ExitCode::usage:
        return "usage or configuration error";
    case core::ExitCode::interrupted:
        return "interrupted";
    case core::ExitCode::ok:
        return "done";
    case core::ExitCode::not_found:
        return "the cloud does not know the stream";
    case core::ExitCode::auth_refused:
        return "credentials refused";
    case core::ExitCode::unreachable:
        return "unreachable";
    case core::ExitCode::bad_response:
        return "unusable answer";
    case core::ExitCode::input_unreadable:
        return "input unreadable";
    case core::ExitCode::probe_failed:
        return "ffprobe failed";
    default:
        return "failure";
    }
}

} // namespace

void early_logging(const std::string& tool, int argc, char** argv)
{
    auto format = core::log::Format::text;
    const auto env = core::process_env();
    const auto flag = raw_flag(argc, argv, settings::log_format.flag);
    const auto requested = env(settings::log_format.env);
    if (!(flag && core::log::parse_format(*flag, format)) && requested) {
        core::log::parse_format(*requested, format); // an invalid value is reported by setup_logging
    }
    core::log::configure(tool, format);
    if (const auto path = raw_flag(argc, argv, settings::path.flag)) {
        core::log::set_context(*path);
    } else if (const auto mtx_path = env(settings::path.env)) {
        core::log::set_context(*mtx_path);
    }
}

void log_exit(core::ExitCode code, const std::string& detail)
{
    const int number = static_cast<int>(code);
    if (detail.empty()) {
        core::log::info("exiting ({}): {}", number, exit_reason(code));
    } else {
        core::log::info("exiting ({}): {}: {}", number, exit_reason(code), detail);
    }
}

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv)
{
    early_logging(app.get_name(), argc, argv);
    app.set_version_flag("--version", core::version_line(app.get_name()), "Print the version and git revision");
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
        core::log::error("{} (run '{} --help' for usage)", e.what(), app.get_name());
        log_exit(core::ExitCode::usage, {});
        return static_cast<int>(core::ExitCode::usage);
    }
    return std::nullopt;
}

int guarded_main(const std::string& tool, const std::function<int()>& body)
{
    (void)tool; // the logger carries it since parse_command_line()
    try {
        return body();
    } catch (const core::Error& e) {
        core::log::error("{}", e.what());
        log_exit(e.code(), {});
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        core::log::error("{}", e.what());
        log_exit(core::ExitCode::failure, {});
        return static_cast<int>(core::ExitCode::failure);
    }
}

} // namespace mtxrelay::app
