#include "app/clean.hpp"

#include "app/clean_session.hpp"
#include "app/ingest_url.hpp"
#include "app/relay_env.hpp"
#include "app/settings.hpp"
#include "cloud/client.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "ffmpeg/clean_profile.hpp"
#include "ffmpeg/live_input.hpp"
#include "http/transport.hpp"
#include "mtx/api.hpp"
#include "mtx/relay_paths.hpp"
#include "process/signals.hpp"
#include "runtime/state_file.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <iostream>

namespace mtxrelay::app {

using namespace std::chrono;

namespace {

ffmpeg::CleanProfile load_profile(const CleanOptions& options, const core::EnvLookup& env)
{
    ffmpeg::CleanProfile profile;
    const auto quality_name = *read_text(settings::quality, options.quality, env);
    const auto quality = ffmpeg::find_quality(quality_name);
    if (!quality) {
        throw core::UsageError(fmt::format("unknown quality '{}': use 480p, 720p or 1080p", quality_name));
    }
    profile.quality = *quality;
    profile.fps = read_int(settings::fps, options.fps, env);
    profile.gop_seconds = read_int(settings::gop_seconds, options.gop_seconds, env);
    return profile;
}

ffmpeg::Endpoint cloud_output(const CleanPlan& plan, const core::EnvLookup& env, const CleanDeps& deps)
{
    const auto transport = deps.transport();
    cloud::CloudClient client(*plan.cloud, *transport, deps.clock);
    client.set_cancel([] { return process::StopSignal::requested(); }); // SIGINT ends a hung lookup
    auto found = client.cf_url(plan.context->user_id, plan.context->stream_id);
    if (!found) {
        core::raise(found.error());
    }
    return ingest_output(found.value().url, env);
}

} // namespace

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
        // Its live and clean paths are made of the same ids: shown whole in every line (the
        // context path may be empty with --user/--stream).
        core::register_public_path(mtx::stage_path(mtx::Stage::live, *plan.context));
        core::register_public_path(mtx::stage_path(mtx::Stage::clean, *plan.context));
    }
    plan.profile = load_profile(options, env);
    const auto rtmp = load_rtmp_server(options.rtmp_host, options.rtmp_port, env);
    const auto target = *read_text(settings::clean_target, options.target, env);
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
        plan.input_path = mtx::hook_path(mtx::Stage::live, *plan.context);
        plan.input = ffmpeg::local_rtmp(rtmp.host, rtmp.port, plan.input_path);
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
    const double stall = read_seconds(settings::stall_timeout, options.stall_timeout, env);
    plan.supervision.stall_timeout = seconds(static_cast<long>(stall));
    plan.status_interval =
        seconds(static_cast<long>(read_seconds(settings::status_interval, options.status_interval, env)));
    plan.input_gone_after =
        milliseconds(static_cast<long>(1000 * read_seconds(settings::input_gone_after, options.input_gone_after, env)));
    if (options.recipe != "clean" && options.recipe != "seed") {
        throw core::UsageError("--recipe must be clean or seed");
    }
    plan.seed_recipe = options.recipe == "seed";
    plan.realtime = options.realtime;
    plan.pump = !plan.seed_recipe && ffmpeg::is_rtmp(plan.input);
    // MediaMTX knows the tracks of the relay's own path; an --input elsewhere it does not.
    const auto api_setting = *read_text(settings::mtx_api, options.mtx_api, env);
    const auto api = mtx::api_base_url(api_setting, "--mtx-api/RELAY_MTX_API");
    if (plan.pump && !plan.input_path.empty()) {
        plan.mtx_api = api;
    }
    plan.runtime_dir = runtime::runtime_dir(options.common.runtime_dir, env);
    return plan;
}

namespace {

int print_dry_run(CleanPlan plan)
{
    if (plan.output_from_cloud) {
        plan.output = ffmpeg::from_url(
            fmt::format("<ingest URL from GET {}{}>", plan.cloud ? plan.cloud->base_url : "",
                        cloud::CloudClient::cf_url_path(plan.context->user_id, plan.context->stream_id)));
    }
    const auto print = [](const std::vector<std::string>& argv) {
        for (const auto& arg : argv) {
            std::cout << core::redact(arg) << "\n";
        }
    };
    if (plan.seed_recipe) {
        std::cout << "# relay-clean would run the seeds' command:\n";
        print(ffmpeg::seed_command(plan.input, plan.output));
    } else if (plan.pump) {
        std::cout << "# relay-clean would read the live input once, with this input pump:\n";
        print(ffmpeg::pump_command(plan.input));
        std::cout << "# and feed its FLV (from the first keyframe, silence added when the input has no audio) to "
                     "this encoder:\n";
        print(ffmpeg::clean_command(plan.profile, ffmpeg::InputShape{}, ffmpeg::pipe_input(), plan.output, false));
    } else {
        std::cout << "# relay-clean would run (input assumed with audio; the real run probes it first):\n";
        print(ffmpeg::clean_command(plan.profile, ffmpeg::InputShape{}, plan.input, plan.output, plan.realtime));
    }
    return 0;
}

// Asks MediaMTX about the input path: its tracks (whether there is audio, the picture size)
// and when its publisher connected. Any failure falls back to learning it from the stream.
std::optional<mtx::PathInfo> ask_mediamtx(const std::string& base, const std::string& path,
                                          std::optional<std::chrono::steady_clock::time_point>& publish_start,
                                          const CleanDeps& deps)
{
    const auto transport = deps.transport();
    mtx::ApiClient api(base, *transport);
    auto info = api.path(path);
    if (!info) {
        core::log::info("MediaMTX API: {}; learning the input from the stream instead", info.error().message);
        return std::nullopt;
    }
    const auto& found = info.value();
    if (!found.available || found.tracks.empty()) {
        core::log::info("MediaMTX API: path {} has no ready stream yet; learning the input from the stream instead",
                        path);
        return std::nullopt;
    }
    const auto* video = found.video();
    core::log::info("MediaMTX API: {} {}, {}", video ? video->codec : "no video",
                    video && video->width > 0 ? fmt::format("{}x{}", video->width, video->height) : "size unknown",
                    found.has_audio() ? "with audio" : "no audio");
    if (const auto created = api.source_created(found)) {
        const auto ago = std::chrono::system_clock::now() - created.value();
        if (ago >= std::chrono::seconds(0) && ago < std::chrono::hours(24)) {
            publish_start = deps.clock.now() - std::chrono::duration_cast<std::chrono::steady_clock::duration>(ago);
        }
    }
    return found;
}

} // namespace

int run_clean(const CleanOptions& options, const core::EnvLookup& env)
{
    return run_clean(options, env, CleanDeps{});
}

int run_clean(const CleanOptions& options, const core::EnvLookup& env, CleanDeps deps)
{
    const auto hook_start = deps.clock.now();
    setup_logging("relay-clean", options.common, env);
    auto plan = make_plan(options, env);
    if (options.common.dry_run) {
        return print_dry_run(plan);
    }
    process::StopSignal::install();
    if (plan.output_from_cloud) {
        plan.output = cloud_output(plan, env, deps);
    }
    core::log::info("cleaning {} -> {} ({} {} fps, {} s GOP)", core::redact(plan.input.url),
                    core::redact(plan.output.url), plan.profile.quality.name, plan.profile.fps,
                    plan.profile.gop_seconds);
    StartupOrigin origin{hook_start, std::nullopt};
    flv::FeedSettings feed;
    if (plan.mtx_api) {
        if (const auto path = ask_mediamtx(*plan.mtx_api, plan.input_path, origin.publish, deps)) {
            feed.has_audio = path->has_audio();
        }
    }
    CleanSession session(plan, origin, feed, std::move(deps));
    return session.run();
}

} // namespace mtxrelay::app
