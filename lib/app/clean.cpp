#include "app/clean.hpp"

#include "app/ingest_url.hpp"
#include "app/relay_env.hpp"
#include "app/status_reporter.hpp"
#include "cloud/client.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "ffmpeg/clean_profile.hpp"
#include "ffmpeg/probe.hpp"
#include "ffmpeg/supervisor.hpp"
#include "mtx/relay_paths.hpp"
#include "process/signals.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <iostream>

namespace mtxrelay::app {

namespace {

using namespace std::chrono;
using ffmpeg::Clock;

// Everything a run needs, resolved and validated before any ffmpeg starts.
struct CleanPlan {
    std::optional<mtx::HookContext> context;
    std::optional<cloud::CloudSettings> cloud;
    ffmpeg::Endpoint input;
    ffmpeg::Endpoint output;
    bool output_from_cloud = false;
    ffmpeg::CleanProfile profile;
    ffmpeg::SupervisorSettings supervision;
    seconds status_interval{10};
    milliseconds input_gone_after{15000};
};

ffmpeg::CleanProfile load_profile(const CleanOptions& options, const core::EnvLookup& env)
{
    ffmpeg::CleanProfile profile;
    const auto quality_name = options.quality ? *options.quality : env("RELAY_QUALITY").value_or("720p");
    const auto quality = ffmpeg::find_quality(quality_name);
    if (!quality) {
        throw core::UsageError(fmt::format("unknown quality '{}': use 480p, 720p or 1080p", quality_name));
    }
    profile.quality = *quality;
    profile.fps = int_setting(options.fps, "--fps", env, "RELAY_FPS", 30, 15, 60);
    profile.gop_seconds = int_setting(options.gop_seconds, "--gop-seconds", env, "RELAY_GOP_SECONDS", 2, 2, 10);
    return profile;
}

ffmpeg::Endpoint cloud_output(const CleanPlan& plan, const core::EnvLookup& env)
{
    http::CurlTransport transport;
    cloud::CloudClient client(*plan.cloud, transport);
    client.set_cancel([] { return process::StopSignal::requested(); }); // SIGINT ends a hung lookup
    auto found = client.cf_url(plan.context->user_id, plan.context->stream_id);
    if (!found) {
        core::raise(found.error());
    }
    return ingest_output(found.value().url, env);
}

CleanPlan make_plan(const CleanOptions& options, const core::EnvLookup& env)
{
    CleanPlan plan;
    plan.context = mtx::try_resolve_context(options.common.context, env);
    if (!plan.context && (!options.input || !options.output)) {
        throw core::UsageError("no stream given: run as a MediaMTX hook (MTX_PATH=live/<user>/<stream>), "
                               "pass --user and --stream, or pass both --input and --output");
    }
    if (plan.context) {
        core::log::set_context(plan.context->path);
    }
    plan.profile = load_profile(options, env);
    const auto rtmp = load_rtmp_server(options.rtmp_host, options.rtmp_port, env);
    const auto target = options.target ? *options.target : env("RELAY_CLEAN_TARGET").value_or("local");
    if (target != "local" && target != "cloud") {
        throw core::UsageError(fmt::format("unknown target '{}': use local (clean/<user>/<stream> on this relay) "
                                           "or cloud (the cf-url lookup's ingest URL)",
                                           target));
    }
    const bool needs_cloud = !options.output && target == "cloud";
    plan.cloud = cloud::load_cloud_settings(options.common.cloud, env, needs_cloud);
    if (plan.cloud->base_url.empty() || !plan.context) {
        plan.cloud.reset();
    }
    if (options.input) {
        plan.input = ffmpeg::from_url(*options.input);
    } else {
        plan.input = ffmpeg::local_rtmp(rtmp.host, rtmp.port, mtx::hook_path(mtx::Stage::live, *plan.context));
    }
    if (options.output) {
        plan.output = ffmpeg::from_url(*options.output);
        if (!plan.output.network && !options.overwrite && ::access(options.output->c_str(), F_OK) == 0) {
            throw core::UsageError(
                fmt::format("output file '{}' exists: pass --overwrite to replace it", *options.output));
        }
        if (!plan.output.network) {
            plan.output.options = {"-y"};
        }
    } else if (target == "local") {
        plan.output = ffmpeg::local_rtmp(rtmp.host, rtmp.port, mtx::stage_path(mtx::Stage::clean, *plan.context));
    } else {
        plan.output_from_cloud = true;
    }
    const double stall =
        seconds_setting(options.stall_timeout, "--stall-timeout", env, "RELAY_STALL_TIMEOUT", 10, 2, 300);
    plan.supervision.stall_timeout = seconds(static_cast<long>(stall));
    plan.status_interval = seconds(static_cast<long>(
        seconds_setting(options.status_interval, "--status-interval", env, "RELAY_STATUS_INTERVAL", 10, 1, 3600)));
    plan.input_gone_after =
        milliseconds(static_cast<long>(1000 * seconds_setting(options.input_gone_after, "--input-gone-after", env,
                                                              "RELAY_INPUT_GONE_AFTER", 15, 1, 3600)));
    if (options.recipe != "clean" && options.recipe != "seed") {
        throw core::UsageError("--recipe must be clean or seed");
    }
    return plan;
}

std::vector<std::string> build_command(const CleanOptions& options, const CleanPlan& plan,
                                       const ffmpeg::InputShape& shape)
{
    if (options.recipe == "seed") {
        return ffmpeg::seed_command(plan.input, plan.output);
    }
    return ffmpeg::clean_command(plan.profile, shape, plan.input, plan.output, options.realtime);
}

int print_dry_run(const CleanOptions& options, CleanPlan plan)
{
    if (plan.output_from_cloud) {
        plan.output = ffmpeg::from_url(
            fmt::format("<ingest URL from GET {}{}>", plan.cloud ? plan.cloud->base_url : "",
                        cloud::CloudClient::cf_url_path(plan.context->user_id, plan.context->stream_id)));
    }
    std::cout << "# relay-clean would run (input assumed landscape with audio; the real run probes it first):\n";
    for (const auto& arg : build_command(options, plan, ffmpeg::InputShape{})) {
        std::cout << core::redact(arg) << "\n";
    }
    return 0;
}

nlohmann::json stats(const ffmpeg::Supervisor& supervisor, Clock::time_point started, const std::string& output)
{
    const auto& p = supervisor.progress();
    return {{"bitrate", static_cast<long>(p.bitrate_kbps)},
            {"fps", p.fps},
            {"frames", p.frame},
            {"droppedFrames", p.drop_frames},
            {"duplicatedFrames", p.dup_frames},
            {"speed", p.speed},
            {"restarts", std::max(0, supervisor.restarts())},
            {"uptimeSeconds", duration_cast<seconds>(Clock::now() - started).count()},
            {"output", core::redact(output)}};
}

} // namespace

int run_clean(const CleanOptions& options, const core::EnvLookup& env)
{
    setup_logging("relay-clean", options.common, env);
    auto plan = make_plan(options, env);
    if (options.common.dry_run) {
        return print_dry_run(options, plan);
    }
    process::StopSignal::install();
    if (plan.output_from_cloud) {
        plan.output = cloud_output(plan, env);
    }
    core::log::info("cleaning {} -> {} ({} {} fps, {} s GOP)", core::redact(plan.input.url),
                    core::redact(plan.output.url), plan.profile.quality.name, plan.profile.fps,
                    plan.profile.gop_seconds);

    StatusReporter reporter(plan.cloud, plan.context ? plan.context->user_id : "",
                            plan.context ? plan.context->stream_id : "");
    const auto started = Clock::now();
    auto last_input_seen = started;
    bool ever_read = false;
    std::string finish_reason;

    ffmpeg::Supervisor supervisor(
        "ffmpeg",
        [&]() -> ffmpeg::NextRun {
            // Above the probe's own analysis, which an input without audio uses in full.
            auto probe = ffmpeg::probe_streams(plan.input, seconds(ffmpeg::k_live_read_wait_seconds + 5));
            if (!probe) {
                if (probe.error().kind == core::ErrorKind::interrupted) {
                    return {std::nullopt, true, "interrupted"};
                }
                if (plan.input.network && Clock::now() - last_input_seen > plan.input_gone_after) {
                    finish_reason = ever_read ? "the publisher is gone" : "the input never appeared";
                    return {std::nullopt, true, finish_reason + ": " + probe.error().message};
                }
                return {std::nullopt, false, "input not readable: " + probe.error().message};
            }
            last_input_seen = Clock::now();
            ever_read = true;
            const auto& info = probe.value();
            const ffmpeg::InputShape shape{info.has_audio, info.height > info.width,
                                           plan.input.network ? 0.0 : info.duration_seconds};
            core::log::info("input: {} {}x{}, {}", info.video_codec, info.width, info.height,
                            info.has_audio ? "audio " + info.audio_codec : "no audio (silence will be inserted)");
            return {build_command(options, plan, shape), false, {}};
        },
        plan.supervision);
    supervisor.set_finish_on_clean_exit(!plan.input.network);

    auto next_status = Clock::now();
    bool active = false;
    while (!process::StopSignal::requested()) {
        std::vector<pollfd> fds = {{process::StopSignal::wake_fd(), POLLIN, 0}};
        supervisor.append_fds(fds);
        ::poll(fds.data(), fds.size(), 250);
        const auto now = Clock::now();
        for (const auto& event : supervisor.step(now)) {
            using Kind = ffmpeg::SupervisorEvent::Kind;
            if (event.kind == Kind::streaming) {
                last_input_seen = now;
                if (!active) {
                    core::log::info("active: clean output flowing");
                }
                active = true;
                reporter.post("active", stats(supervisor, started, plan.output.url));
                next_status = now + plan.status_interval;
            } else if ((event.kind == Kind::exited || event.kind == Kind::stalled) && !plan.output.network) {
                // A restart would truncate the file written so far: a file output fails once.
                finish_reason = "ffmpeg failed writing " + plan.output.url + ": " + event.reason;
            } else if (event.kind == Kind::exited || event.kind == Kind::stalled) {
                active = false;
                auto details = stats(supervisor, started, plan.output.url);
                details["reason"] = core::redact(event.reason);
                reporter.post("error", details);
            }
        }
        if (supervisor.state() == ffmpeg::RunState::stopped || !finish_reason.empty()) {
            break;
        }
        if (supervisor.state() == ffmpeg::RunState::streaming) {
            last_input_seen = now;
        }
        if (active && now >= next_status) {
            const auto& p = supervisor.progress();
            core::log::info("streaming: {:.1f} fps, {:.0f} kbit/s, speed {:.2f}x, dup {}, drop {}, restarts {}", p.fps,
                            p.bitrate_kbps, p.speed, p.dup_frames, p.drop_frames, std::max(0, supervisor.restarts()));
            reporter.post("active", stats(supervisor, started, plan.output.url), true);
            next_status = now + plan.status_interval;
        }
    }

    const bool interrupted = process::StopSignal::requested();
    supervisor.stop();
    auto details = stats(supervisor, started, plan.output.url);
    std::string reason;
    int code = 0;
    if (interrupted) {
        reason = fmt::format("stopped by signal {}", process::StopSignal::received());
        code = static_cast<int>(core::ExitCode::interrupted);
    } else if (finish_reason == "the input never appeared" || finish_reason.rfind("ffmpeg failed", 0) == 0) {
        reason = finish_reason;
        code = static_cast<int>(core::ExitCode::failure);
    } else {
        reason = finish_reason.empty() ? "the input ended" : finish_reason;
    }
    details["reason"] = reason;
    reporter.finish("stopped", details, milliseconds(1500));
    core::log::info("exiting ({}): {}", code, reason);
    return code;
}

} // namespace mtxrelay::app
