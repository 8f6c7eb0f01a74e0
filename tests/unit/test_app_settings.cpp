#include "app/cf_url.hpp"
#include "app/clean.hpp"
#include "app/devcloud.hpp"
#include "app/hls_ready.hpp"
#include "app/inspect.hpp"
#include "app/restream.hpp"
#include "app/settings.hpp"
#include "app/status.hpp"
#include "cloud/settings.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"

#include "fakes.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

using namespace mtxrelay;
using mtxrelay::testing::map_env;

namespace {

// An environment over a map that remembers every name it was asked for.
struct RecordingEnv {
    std::map<std::string, std::string> values;
    std::set<std::string> asked;

    core::EnvLookup lookup()
    {
        return [this](std::string_view name) -> std::optional<std::string> {
            asked.emplace(name);
            const auto it = values.find(std::string(name));
            return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
        };
    }
};

// Swallows what a dry run prints on stdout while it lives.
class QuietStdout {
public:
    QuietStdout() : m_old(std::cout.rdbuf(m_sink.rdbuf())) {}
    ~QuietStdout() { std::cout.rdbuf(m_old); }
    QuietStdout(const QuietStdout&) = delete;
    QuietStdout& operator=(const QuietStdout&) = delete;

private:
    std::ostringstream m_sink;
    std::streambuf* m_old;
};

// The --help a tool prints: its CLI11 app as main() builds it from the rows.
template <class Options>
std::string help_of(app::Tool tool)
{
    Options options;
    CLI::App cli{"test", "relay-test"};
    app::add_settings(cli, tool, options);
    return cli.help();
}

std::set<std::string> row_flags(app::Tool tool)
{
    std::set<std::string> flags;
    for (const auto* row : app::all_settings()) {
        if (!row->flag.empty() && row->tools.has(tool) && !row->env_only.has(tool)) {
            flags.emplace(row->flag);
        }
    }
    return flags;
}

template <class Options>
void check_registered(app::Tool tool)
{
    Options options;
    CLI::App cli{"test", "relay-test"};
    REQUIRE_NOTHROW(app::add_settings(cli, tool, options));
    std::set<std::string> registered;
    for (const auto* option : cli.get_options()) {
        const auto name = option->get_name(false, true);
        if (name != "--help" && name != "-h,--help") {
            registered.emplace(option->get_lnames().empty() ? option->get_name() : "--" + option->get_lnames()[0]);
        }
    }
    CHECK(registered == row_flags(tool));
}

void check_reads_are_in_help(const std::string& help, const std::set<std::string>& asked)
{
    REQUIRE_FALSE(asked.empty());
    for (const auto& name : asked) {
        CAPTURE(name);
        CHECK_THAT(help, Catch::Contains(name));
    }
}

std::string read_file(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

TEST_CASE("docs/configuration.md's table is the rows' table", "[app][settings]")
{
    const std::string path = std::string(MTXRELAY_SOURCE_DIR) + "/docs/configuration.md";
    const auto document = read_file(path);
    REQUIRE_FALSE(document.empty());
    const auto generated = app::with_settings_table(document);
    REQUIRE(generated.has_value());
    INFO("docs/configuration.md and lib/app/settings.hpp disagree: run build/test-bin/settings-doc --write "
         "docs/configuration.md and review the diff");
    CHECK(*generated == document);
}

TEST_CASE("the settings table is rewritten between its markers only", "[app][settings]")
{
    const std::string document =
        "intro\n" + std::string(app::k_table_begin) + "\n| stale |\n" + std::string(app::k_table_end) + "\noutro\n";
    const auto updated = app::with_settings_table(document);
    REQUIRE(updated.has_value());
    CHECK(updated->starts_with("intro\n"));
    CHECK(updated->ends_with(std::string(app::k_table_end) + "\noutro\n"));
    CHECK_THAT(*updated, !Catch::Contains("| stale |") && Catch::Contains("| `RELAY_FPS` | `--fps` | clean | `30` |"));
    CHECK_FALSE(app::with_settings_table("no markers").has_value());
}

TEST_CASE("every row is consistent: its default parses and lies in its range, names are unique", "[app][settings]")
{
    std::set<std::string> envs;
    for (const auto* row : app::all_settings()) {
        CAPTURE(row->flag, row->env);
        CHECK_FALSE(row->help.empty());
        CHECK((row->env_only.bits & ~row->tools.bits) == 0);
        if (!row->env.empty()) {
            CHECK(envs.insert(std::string(row->env)).second);
        }
        if ((row->kind == app::SettingKind::integer || row->kind == app::SettingKind::number) &&
            !row->fallback.empty()) {
            const auto value = core::parse_seconds(row->fallback);
            REQUIRE(value.has_value());
            if (row->min != row->max) {
                CHECK(*value <= row->max);
                CHECK((row->min_open ? *value > row->min : *value >= row->min));
            }
        }
        if (row->kind == app::SettingKind::choice) {
            const auto members = core::split(row->choices, '|');
            CHECK(members.size() >= 2);
            if (!row->fallback.empty()) {
                CHECK(std::find(members.begin(), members.end(), row->fallback) != members.end());
            }
        }
    }
    for (const auto& [tool, name] : app::all_tools()) {
        CAPTURE(name);
        std::set<std::string> flags;
        for (const auto* row : app::all_settings()) {
            if (!row->flag.empty() && row->tools.has(tool) && !row->env_only.has(tool)) {
                CHECK(flags.insert(std::string(row->flag)).second);
            }
        }
    }
}

TEST_CASE("every tool registers exactly its rows' flags, each into a field of its options", "[app][settings]")
{
    check_registered<app::CleanOptions>(app::Tool::clean);
    check_registered<app::RestreamOptions>(app::Tool::restream);
    check_registered<app::HlsReadyOptions>(app::Tool::hls_ready);
    check_registered<app::CfUrlOptions>(app::Tool::cf_url);
    check_registered<app::StatusOptions>(app::Tool::status);
    check_registered<app::InspectOptions>(app::Tool::inspect);
    check_registered<app::DevCloudOptions>(app::Tool::devcloud);
}

TEST_CASE("a row registered by CLI11 fills its field, choices checked", "[app][settings]")
{
    app::CleanOptions options;
    CLI::App cli{"test", "relay-clean"};
    app::add_settings(cli, app::Tool::clean, options);
    const char* argv[] = {"relay-clean", "--fps", "25", "--stall-timeout", "2.5", "--quality", "1080p", "--realtime"};
    cli.parse(static_cast<int>(std::size(argv)), const_cast<char**>(argv));
    CHECK(options.fps == 25);
    CHECK(options.stall_timeout == 2.5);
    CHECK(options.quality == "1080p");
    CHECK(options.realtime);
    app::CleanOptions other;
    CLI::App strict{"test", "relay-clean"};
    app::add_settings(strict, app::Tool::clean, other);
    const char* bad[] = {"relay-clean", "--quality", "4k"};
    CHECK_THROWS_AS(strict.parse(3, const_cast<char**>(bad)), CLI::ValidationError);
}

TEST_CASE("--help shows each row's range, environment variable and default", "[app][settings]")
{
    const auto help = help_of<app::CleanOptions>(app::Tool::clean);
    CHECK_THAT(help, Catch::Contains("Constant output frame rate (15-60 fps; default: env RELAY_FPS, else 30)"));
    CHECK_THAT(help, Catch::Contains("(2-300 s; default: env RELAY_STALL_TIMEOUT, else 10)"));
    CHECK(app::help_text(app::settings::dash_template) ==
          "Announce a dashUrl built from this template on the public HLS base (default: env RELAY_DASH_TEMPLATE, "
          "else none: MediaMTX serves no DASH)");
    CHECK(app::help_text(app::settings::realtime) ==
          "Read the input at its native pace (-re), e.g. a file sent to a live server");
}

TEST_CASE("a setting is read from the flag, else the environment, else the row's default", "[app][settings]")
{
    const auto& fps = app::settings::fps;
    CHECK(app::read_int(fps, 20, map_env({{"RELAY_FPS", "25"}})) == 20);
    CHECK(app::read_int(fps, std::nullopt, map_env({{"RELAY_FPS", "25"}})) == 25);
    CHECK(app::read_int(fps, std::nullopt, map_env({})) == 30);
    CHECK(app::read_seconds(app::settings::hls_poll_interval, std::nullopt, map_env({})) == 0.25);
    CHECK(app::read_text(app::settings::quality, std::nullopt, map_env({})) == "720p");
    CHECK(app::read_text(app::settings::quality, std::nullopt, map_env({{"RELAY_QUALITY", "480p"}})) == "480p");
    CHECK_FALSE(app::read_text(app::settings::dash_template, std::nullopt, map_env({})).has_value());
    CHECK(app::read_switch(app::settings::restream_cf_url, map_env({})));
    CHECK_FALSE(app::read_switch(app::settings::restream_cf_url, map_env({{"RELAY_RESTREAM_CF_URL", "off"}})));
    CHECK_FALSE(app::read_switch(app::settings::allow_private, map_env({})));
}

TEST_CASE("an out-of-range setting names its flag or variable and the range", "[app][settings]")
{
    CHECK_THROWS_WITH(app::read_int(app::settings::fps, 70, map_env({})), "--fps 70 is out of range: use 15-60");
    CHECK_THROWS_WITH(app::read_int(app::settings::fps, std::nullopt, map_env({{"RELAY_FPS", "14"}})),
                      "RELAY_FPS 14 is out of range: use 15-60");
    CHECK_THROWS_WITH(app::read_int(app::settings::fps, std::nullopt, map_env({{"RELAY_FPS", "2.5"}})),
                      "RELAY_FPS='2.5' is not an integer");
    CHECK_THROWS_WITH(app::read_seconds(app::settings::stall_timeout, 1, map_env({})),
                      "--stall-timeout 1 s is out of range: use 2-300 s");
    CHECK_THROWS_WITH(
        app::read_switch(app::settings::allow_private, map_env({{"RELAY_ALLOW_PRIVATE_DESTINATIONS", "2"}})),
        "RELAY_ALLOW_PRIVATE_DESTINATIONS='2' must be 1/0, true/false, yes/no or on/off");
}

TEST_CASE("defaults kept outside the rows agree with them", "[app][settings]")
{
    using namespace std::chrono;
    const auto number = [](const app::Setting& row) { return *core::parse_seconds(row.fallback); };
    const cloud::CloudSettings cloud = cloud::load_cloud_settings({}, map_env({}), false);
    CHECK(cloud.deadline == milliseconds(static_cast<long>(1000 * number(app::settings::cloud_timeout))));
    CHECK(cloud.request_timeout ==
          milliseconds(static_cast<long>(1000 * number(app::settings::cloud_request_timeout))));
    CHECK(cloud.connect_timeout ==
          milliseconds(static_cast<long>(1000 * number(app::settings::cloud_connect_timeout))));
    CHECK(cloud.max_attempts == static_cast<int>(number(app::settings::cloud_retries)) + 1);
    CHECK(app::StatusOptions{}.interval == number(app::settings::watch_interval));
    CHECK(app::DevCloudOptions{}.port == static_cast<int>(number(app::settings::devcloud_port)));
    CHECK(app::DevCloudOptions{}.host == app::settings::devcloud_host.fallback);
    CHECK(app::InspectOptions{}.profile == app::settings::inspect_profile.fallback);
    CHECK(app::CleanOptions{}.recipe == app::settings::recipe.fallback);
    CHECK(app::k_default_live_seconds == 20);
}

TEST_CASE("every environment variable a tool reads is listed in its --help", "[app][settings]")
{
    QuietStdout quiet;
    SECTION("relay-clean")
    {
        RecordingEnv env;
        app::CleanOptions options;
        options.common.context.user_id = "alice";
        options.common.context.stream_id = "s1";
        options.common.dry_run = true;
        CHECK(app::run_clean(options, env.lookup()) == 0);
        env.values = {{"CLOUD_API_URL", "http://127.0.0.1:9"}, {"RELAY_CLEAN_TARGET", "cloud"}};
        CHECK(app::run_clean(options, env.lookup()) == 0);
        check_reads_are_in_help(help_of<app::CleanOptions>(app::Tool::clean), env.asked);
        CHECK(env.asked.contains("RELAY_STALL_TIMEOUT"));
    }
    SECTION("relay-restream")
    {
        RecordingEnv env;
        const auto file = (std::filesystem::temp_directory_path() /
                           ("mtxrelay-settings-" + std::to_string(::getpid()) + "-destinations.json"))
                              .string();
        std::ofstream(file) << R"({"destinations":[]})";
        app::RestreamOptions options;
        options.source = "/nonexistent/input.flv";
        options.destinations_file = file;
        options.common.dry_run = true;
        app::run_restream(options, env.lookup());
        std::remove(file.c_str());
        check_reads_are_in_help(help_of<app::RestreamOptions>(app::Tool::restream), env.asked);
    }
    SECTION("relay-hls-ready")
    {
        RecordingEnv env;
        env.values = {{"CLOUD_API_URL", "http://127.0.0.1:9"}, {"MTX_PATH", "clean/alice/s1"}};
        app::HlsReadyOptions options;
        app::make_hls_ready_plan(options, env.lookup());
        check_reads_are_in_help(help_of<app::HlsReadyOptions>(app::Tool::hls_ready), env.asked);
    }
    SECTION("relay-cf-url")
    {
        RecordingEnv env;
        env.values = {{"CLOUD_API_URL", "http://127.0.0.1:9"}, {"MTX_PATH", "live/alice/s1"}};
        testing::FakeTransport transport;
        transport.push(testing::http_response(200, R"({"url":"rtmps://198.51.100.7:443/live/cf-k"})"));
        app::CfUrlOptions options;
        try {
            app::run_cf_url(options, env.lookup(), transport);
        } catch (const core::Error&) {
            // the ingest check may refuse the address; what it read is what counts here
        }
        check_reads_are_in_help(help_of<app::CfUrlOptions>(app::Tool::cf_url), env.asked);
        CHECK(env.asked.contains("RELAY_ALLOW_PRIVATE_DESTINATIONS"));
    }
}
