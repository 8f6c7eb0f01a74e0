#include "app/restream.hpp"

#include "app/event_loop.hpp"
#include "app/outcome.hpp"
#include "app/relay_env.hpp"
#include "app/settings.hpp"
#include "app/status_reporter.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "ffmpeg/endpoint.hpp"
#include "mtx/relay_paths.hpp"
#include "net/resolve.hpp"
#include "process/signals.hpp"
#include "restream/copy_command.hpp"
#include "restream/destination_set.hpp"
#include "restream/fanout.hpp"
#include "restream/lists.hpp"
#include "restream/poller.hpp"
#include "restream/report.hpp"
#include "runtime/state_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

namespace mtxrelay::app {

using namespace std::chrono;
using restream::Clock;

namespace {

milliseconds seconds_option(const Setting& setting, const std::optional<double>& flag, const core::EnvLookup& env)
{
    return milliseconds(static_cast<long>(1000 * read_seconds(setting, flag, env)));
}

ffmpeg::Endpoint resolve_source(const RestreamOptions& options, const RestreamPlan& plan, const core::EnvLookup& env)
{
    if (options.source) {
        if (options.source->empty() || options.source->front() == '-') {
            throw core::UsageError("--source must be a URL or a file path (not empty, not starting with '-')");
        }
        return operator_endpoint(*options.source);
    }
    const auto rtmp = load_rtmp_server(options.rtmp_host, options.rtmp_port, env);
    return ffmpeg::local_rtmp(rtmp.host, rtmp.port, mtx::hook_path(mtx::Stage::clean, *plan.context));
}

restream::FanoutSettings fanout_settings(const RestreamOptions& options, const core::EnvLookup& env)
{
    restream::FanoutSettings settings;
    auto& supervision = settings.supervision;
    supervision.backoff = core::Backoff{milliseconds(1000), settings.retry.connection_interval};
    supervision.stable_after = seconds(60);
    supervision.stall_timeout =
        duration_cast<seconds>(seconds_option(settings::stall_timeout, options.stall_timeout, env));
    supervision.startup_grace = seconds(20);
    supervision.error_after = settings.retry.fatal_after;
    supervision.stop_steps = ffmpeg::k_copy_stop_steps;
    return settings;
}

} // namespace

CopyCommand ffmpeg_copy_command()
{
    return [](const RestreamPlan& plan, const restream::DesiredDestination& destination) {
        return restream::copy_command(plan.source, destination.target);
    };
}

RestreamPlan make_plan(const RestreamOptions& options, const core::EnvLookup& env)
{
    RestreamPlan plan;
    plan.context = mtx::try_resolve_context(options.common.context, env);
    if (!plan.context && !(options.source && options.destinations_file)) {
        throw core::UsageError("no stream given: run as a MediaMTX hook (MTX_PATH=clean/<user>/<stream>), pass "
                               "--user and --stream, or pass both --source and --destinations-file");
    }
    plan.cloud = cloud::load_cloud_settings(options.common.cloud, env, !options.destinations_file);
    if (plan.cloud->base_url.empty() || !plan.context) {
        plan.cloud.reset();
    }
    plan.source = resolve_source(options, plan, env);
    plan.poll_interval = seconds_option(settings::restream_poll_interval, options.poll_interval, env);
    plan.status_interval = seconds_option(settings::status_interval, options.status_interval, env);
    plan.policy.allow_private = options.allow_private || read_switch(settings::allow_private, env);
    plan.policy.allow_hint = "--allow-private-destinations or RELAY_ALLOW_PRIVATE_DESTINATIONS=1";
    plan.lists.cloud = plan.cloud;
    if (plan.lists.cloud) {
        // A poll must not lag far behind the next one; the next poll retries anyway.
        plan.lists.cloud->deadline = std::clamp(plan.poll_interval, milliseconds(5000), plan.lists.cloud->deadline);
    }
    plan.lists.user_id = plan.context ? plan.context->user_id : "";
    plan.lists.stream_id = plan.context ? plan.context->stream_id : "";
    plan.lists.cf_url = plan.cloud && !options.no_cf_url && read_switch(settings::restream_cf_url, env);
    plan.lists.destinations_file = options.destinations_file;
    plan.lists.policy = plan.policy;
    plan.fanout = fanout_settings(options, env);
    return plan;
}

namespace {

std::string shell_quote(const std::string& arg)
{
    const bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               std::string_view("_./:=@%+,-").find(c) != std::string_view::npos;
    });
    if (plain) {
        return arg;
    }
    std::string quoted = "'";
    for (const char c : arg) {
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return quoted + "'";
}

int print_dry_run(const RestreamPlan& plan, const RestreamDeps& deps)
{
    const auto transport = deps.transport();
    const auto stop_requested = [] { return process::StopSignal::requested(); };
    const auto result = restream::fetch_lists(plan.lists, *transport, http::default_retry_hooks(),
                                              net::system_resolver(stop_requested), stop_requested);
    for (const auto& problem : result.problems) {
        std::cout << "# could not read a destination list: " << core::redact(problem) << "\n";
    }
    const auto set = restream::build_destination_set(result.cf_url, result.entries, plan.policy, result.resolved);
    for (const auto& destination : set.destinations) {
        restream::register_url_secrets(destination.url);
    }
    std::cout << fmt::format("# relay-restream would copy {} to {} destination(s) (cf-url lookup {}):\n",
                             core::redact(plan.source.url), set.destinations.size(), plan.lists.cf_url ? "on" : "off");
    for (const auto& refused : set.refused) {
        std::cout << "# refused " << core::redact(refused.label) << ": " << core::redact(refused.reason) << "\n";
    }
    for (const auto& destination : set.destinations) {
        std::string line;
        for (const auto& arg : restream::copy_command(plan.source, destination.target)) {
            line += (line.empty() ? "" : " ") + shell_quote(core::redact(arg));
        }
        std::cout << "# " << core::redact(destination.label) << "\n" << line << "\n";
    }
    // A list that could not be read is a failure even in a dry run: the operator asked to see it.
    return static_cast<int>(result.problems.empty() ? core::ExitCode::ok : core::ExitCode::failure);
}

// The runtime state document relay-status reads.
nlohmann::json state_document(const RestreamPlan& plan, const restream::Fanout& fanout,
                              const restream::ListState& lists, const std::string& state)
{
    const auto snapshot = fanout.snapshot();
    return {{"path", plan.context ? plan.context->path : std::string()},
            {"user", plan.context ? plan.context->user_id : std::string()},
            {"stream", plan.context ? plan.context->stream_id : std::string()},
            {"role", "fanout"},
            {"state", state.empty() ? restream::stream_state(snapshot) : state},
            {"source", core::redact(plan.source.url)},
            {"destinations", restream::state_document(snapshot, lists.refused())}};
}

void log_event(const restream::FanoutEvent& event)
{
    const auto detail = event.detail.empty() ? std::string() : ": " + event.detail;
    if (event.to == cloud::RunStatus::waiting) {
        core::log::warn("{}: {} -> waiting for the clean source{}", event.label, event.from_word(), detail);
    } else if (event.to == cloud::RunStatus::error) {
        core::log::warn("{}: {} -> error{}", event.label, event.from_word(), detail);
    } else {
        core::log::info("{}: {} -> {}{}", event.label, event.from_word(), event.to_word(), detail);
    }
}

// Stops every copy in parallel (SIGINT to all, then the grace and escalation for each).
void stop_all(restream::Fanout& fanout, const std::function<Clock::time_point()>& now)
{
    fanout.begin_stop_all(now());
    EventLoop stopping(now);
    stopping.set_tick(milliseconds(50));
    stopping.watch([&fanout](std::vector<pollfd>& fds) { fanout.append_fds(fds); });
    stopping.on_wake([&fanout](Clock::time_point at) {
        for (const auto& event : fanout.step(at)) {
            log_event(event);
        }
    });
    stopping.run([&fanout] { return fanout.idle(); }, now() + milliseconds(4000), EventLoop::OnStop::ignore);
}

nlohmann::json final_details(std::vector<restream::DestinationStatus> last, const restream::ListState& lists,
                             const std::string& reason)
{
    for (auto& destination : last) {
        destination.state = cloud::RunStatus::ready;
        destination.pid.reset();
        destination.bitrate_kbps = 0;
    }
    auto details = restream::status_details(last, lists.refused());
    details["reason"] = reason;
    return details;
}

// One relay-restream run after its plan: the fan-out, the list poller, the reporter and
// the state document, driven by one event loop until a stop signal.
class RestreamRun {
public:
    RestreamRun(const RestreamPlan& plan, const std::string& runtime_dir, RestreamDeps deps)
        : m_plan(plan), m_deps(std::move(deps)), m_loop(m_deps.clock.now),
          m_reporter(plan.cloud, plan.lists.user_id, plan.lists.stream_id, m_deps.transport, m_deps.clock),
          m_state_file(runtime_dir, "relay-restream"),
          m_fanout(
              [this](const restream::DesiredDestination& destination) { return m_deps.command(m_plan, destination); },
              core::redact(plan.source.url), plan.fanout),
          m_poller(
              [lists = plan.lists, transport = m_deps.transport](const std::function<bool()>& cancelled) {
                  const auto http = transport();
                  return restream::fetch_lists(lists, *http, restream::cancellable_hooks(cancelled),
                                               net::system_resolver(cancelled), cancelled);
              },
              plan.poll_interval)
    {
    }

    // Runs until a stop signal, then stops everything; the exit code.
    int run()
    {
        m_loop.watch([this](std::vector<pollfd>& fds) {
            fds.push_back({m_poller.wake_fd(), POLLIN, 0});
            m_fanout.append_fds(fds);
        });
        m_loop.on_wake([this](Clock::time_point now) { on_turn(now); });
        m_state_timer = m_loop.every(milliseconds(1000), [this](Clock::time_point) { write_state(); });
        m_loop.every(
            m_plan.status_interval, [this](Clock::time_point now) { report_periodic(now); },
            m_loop.now() + m_plan.status_interval);
        m_loop.run({});
        return finish();
    }

private:
    void on_turn(Clock::time_point now)
    {
        bool changed = false;
        if (auto result = m_poller.take()) {
            m_fanout.apply(m_lists.absorb(std::move(*result), m_plan.policy), now);
            m_polled = changed = true;
        }
        for (const auto& event : m_fanout.step(now)) {
            log_event(event);
            changed = true;
        }
        if (m_fanout.source_gone() != m_source_gone) {
            m_source_gone = !m_source_gone;
            if (m_source_gone) {
                core::log::warn("the clean source {} is gone: every destination waits for it (relay-clean, or "
                                "the publisher, has stopped)",
                                core::redact(m_plan.source.url));
            } else {
                core::log::info("the clean source {} is back", core::redact(m_plan.source.url));
            }
        }
        if (changed) {
            write_state();
            m_loop.reschedule(m_state_timer, now + milliseconds(1000));
            post(now);
        }
    }

    void write_state() { m_state_file.write(state_document(m_plan, m_fanout, m_lists, m_polled ? "" : "starting")); }

    void report_periodic(Clock::time_point now)
    {
        core::log::info("{}", restream::status_line(m_fanout.snapshot()));
        if (m_last_post != now) {
            post(now);
        }
    }

    // Posts the fan-out's status once the lists were read (before, there is nothing to tell).
    void post(Clock::time_point now)
    {
        if (!m_polled) {
            return;
        }
        const auto snapshot = m_fanout.snapshot();
        m_reporter.post(restream::overall_status(snapshot), restream::status_details(snapshot, m_lists.refused()),
                        true);
        m_last_post = now;
    }

    int finish()
    {
        const auto reason = fmt::format("stopped by signal {}", process::StopSignal::received());
        m_poller.request_stop();
        const auto last = m_fanout.snapshot();
        m_state_file.write(state_document(m_plan, m_fanout, m_lists, "stopping"));
        stop_all(m_fanout, m_deps.clock.now);
        m_poller.stop();
        m_reporter.finish("stopped", final_details(last, m_lists, reason), milliseconds(1000));
        const int code = exit_status(Outcome::interrupted);
        core::log::info("exiting ({}): {}", code, reason);
        return code;
    }

    const RestreamPlan& m_plan;
    RestreamDeps m_deps;
    EventLoop m_loop;
    StatusReporter m_reporter;
    runtime::StateFile m_state_file;
    restream::Fanout m_fanout;
    restream::Poller m_poller;
    restream::ListState m_lists;
    EventLoop::TimerId m_state_timer = 0;
    bool m_polled = false;
    bool m_source_gone = false;
    std::optional<Clock::time_point> m_last_post;
};

} // namespace

int run_restream(const RestreamOptions& options, const core::EnvLookup& env)
{
    return run_restream(options, env, RestreamDeps{});
}

int run_restream(const RestreamOptions& options, const core::EnvLookup& env, RestreamDeps deps)
{
    setup_logging("relay-restream", options.common, env);
    const auto plan = make_plan(options, env);
    if (plan.context) {
        core::log::set_context(plan.context->path);
        // The stream's own paths are ids: its source URL is shown whole.
        core::register_public_path(mtx::stage_path(mtx::Stage::live, *plan.context));
        core::register_public_path(mtx::stage_path(mtx::Stage::clean, *plan.context));
    }
    if (options.common.dry_run) {
        return print_dry_run(plan, deps);
    }
    process::StopSignal::install();
    core::log::info("copying {} to the destinations of {} every {:.1f} s (cf-url lookup {}, private destinations {})",
                    core::redact(plan.source.url),
                    plan.lists.destinations_file ? *plan.lists.destinations_file : "the cloud",
                    plan.poll_interval.count() / 1000.0, plan.lists.cf_url ? "on" : "off",
                    plan.policy.allow_private ? "allowed" : "refused");
    RestreamRun run(plan, runtime::runtime_dir(options.common.runtime_dir, env), std::move(deps));
    return run.run();
}

} // namespace mtxrelay::app
