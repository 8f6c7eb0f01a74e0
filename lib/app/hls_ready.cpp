#include "app/hls_ready.hpp"

#include "app/outcome.hpp"
#include "app/relay_env.hpp"
#include "app/settings.hpp"
#include "cloud/client.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"
#include "hls/probe.hpp"
#include "hls/uri.hpp"
#include "mtx/relay_paths.hpp"
#include "net/policy.hpp"
#include "net/url.hpp"
#include "process/signals.hpp"
#include "runtime/state_file.hpp"

#include <fmt/format.h>

#include <iostream>
#include <random>

namespace mtxrelay::app {

using namespace std::chrono;

namespace {

// "scheme://host[:port][/prefix]" without a trailing '/', query or fragment, parsed by the
// one URL model (so the base means to libcurl what it means to us).
std::string checked_base(std::string base, const char* what)
{
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    const auto url = net::parse_url(base, what);
    const bool http = url && (url.value().scheme == "http" || url.value().scheme == "https");
    if (!http || url.value().query || url.value().fragment || base.find_first_of("{}") != std::string::npos) {
        throw core::UsageError(fmt::format("{} '{}' must be an http:// or https:// base URL (scheme, host, port, "
                                           "optional path prefix), e.g. http://127.0.0.1:8888{}",
                                           what, core::redact_url(base),
                                           url ? "" : fmt::format(" ({})", url.error().message)));
    }
    return url.value().to_string();
}

bool is_loopback_base(const std::string& base)
{
    const auto url = net::parse_url(base);
    if (!url) {
        return false;
    }
    const auto& host = url.value().host;
    return host.address ? net::classify(*host.address) == net::AddressClass::loopback
                        : net::is_localhost_name(host.text);
}

// 128 random bits in hex: one per run of the hook, i.e. per stream run (runOnOnline).
std::string new_idempotency_key()
{
    std::random_device device;
    std::string key;
    for (int i = 0; i < 4; ++i) {
        key += fmt::format("{:08x}", static_cast<uint32_t>(device()));
    }
    return key;
}

milliseconds to_ms(double seconds)
{
    return milliseconds(static_cast<int64_t>(seconds * 1000));
}

} // namespace

std::string expand_url_template(const std::string& url_template, const std::string& base,
                                const mtx::HookContext& context, const std::string& what)
{
    std::string out;
    size_t i = 0;
    while (i < url_template.size()) {
        const size_t open = url_template.find('{', i);
        out += url_template.substr(i, open == std::string::npos ? open : open - i);
        if (open == std::string::npos) {
            break;
        }
        const size_t close = url_template.find('}', open);
        const auto name = url_template.substr(open + 1, close == std::string::npos ? close : close - open - 1);
        if (name == "base") {
            out += base;
        } else if (name == "path") {
            out += context.path;
        } else if (name == "user") {
            out += context.user_id;
        } else if (name == "stream") {
            out += context.stream_id;
        } else {
            throw core::UsageError(fmt::format("{} '{}': unknown placeholder '{{{}}}'; use {{base}} {{path}} {{user}} "
                                               "{{stream}}",
                                               what, url_template, name));
        }
        i = close == std::string::npos ? url_template.size() : close + 1;
    }
    if (!hls::is_http_url(out)) {
        throw core::UsageError(fmt::format("{} '{}' gives '{}', not an http(s) URL; start it with {{base}}", what,
                                           url_template, core::redact_url(out)));
    }
    return out;
}

namespace {

// Fills the polled and announced URLs of the plan; warns about bases viewers cannot reach.
void build_urls(HlsReadyPlan& plan, const HlsReadyOptions& options, const core::EnvLookup& env)
{
    const auto local_base = checked_base(*read_text(settings::hls_local_base, options.hls_local_base, env),
                                         "--hls-local-base/RELAY_HLS_LOCAL_BASE");
    const auto public_setting = read_text(settings::public_hls_base, options.public_hls_base, env);
    const auto public_base =
        public_setting ? checked_base(*public_setting, "--public-hls-base/RELAY_PUBLIC_HLS_BASE") : local_base;
    const auto url_template = *read_text(settings::hls_template, options.hls_template, env);
    const auto template_name = "--hls-url-template/RELAY_HLS_TEMPLATE";
    plan.local_url = expand_url_template(url_template, local_base, plan.context, template_name);
    plan.hls_url = expand_url_template(url_template, public_base, plan.context, template_name);
    const auto webrtc_setting = *read_text(settings::public_webrtc_base, options.public_webrtc_base, env);
    if (webrtc_setting != "off") {
        const auto webrtc_base = checked_base(webrtc_setting, "--public-webrtc-base/RELAY_PUBLIC_WEBRTC_BASE");
        plan.webrtc_url = fmt::format("{}/{}/whep", webrtc_base, plan.context.path);
    }
    if (const auto dash = read_text(settings::dash_template, options.dash_template, env)) {
        plan.dash_url =
            expand_url_template(*dash, public_base, plan.context, "--dash-url-template/RELAY_DASH_TEMPLATE");
    }
    if (!public_setting) {
        core::log::warn("RELAY_PUBLIC_HLS_BASE is not set: announcing the local base {}, which viewers on other "
                        "hosts cannot reach",
                        local_base);
    }
    if (plan.webrtc_url && is_loopback_base(*plan.webrtc_url) && !is_loopback_base(public_base)) {
        core::log::warn("the WebRTC base of {} is loopback while the HLS base is public: set "
                        "RELAY_PUBLIC_WEBRTC_BASE (or 'off')",
                        *plan.webrtc_url);
    }
}

} // namespace

HlsReadyPlan make_hls_ready_plan(const HlsReadyOptions& options, const core::EnvLookup& env)
{
    HlsReadyPlan plan;
    plan.context = mtx::resolve_context(options.common.context, env);
    if (!options.common.context.path && !env("MTX_PATH")) {
        plan.context.path = mtx::stage_path(mtx::Stage::clean, plan.context);
    }
    core::log::set_context(plan.context.path);
    plan.min_segments = read_int(settings::hls_min_segments, options.min_segments, env);
    plan.timeout = to_ms(read_seconds(settings::hls_timeout, options.timeout, env));
    plan.poll_interval = to_ms(read_seconds(settings::hls_poll_interval, options.poll_interval, env));
    plan.cloud = cloud::load_cloud_settings(options.common.cloud, env);
    plan.idempotency_key = new_idempotency_key();
    build_urls(plan, options, env); // last: its warnings only when every setting is valid
    return plan;
}

namespace {

cloud::HlsReady event_of(const HlsReadyPlan& plan)
{
    return {plan.context.user_id, plan.context.stream_id, plan.hls_url,
            plan.dash_url,        plan.webrtc_url,        plan.idempotency_key};
}

int print_dry_run(const HlsReadyPlan& plan, cloud::CloudClient& client)
{
    std::cout << "would poll: GET " << core::redact(plan.local_url) << " (cookies kept across redirects; a "
              << "multivariant playlist is followed to its first variant)\n"
              << "  every " << plan.poll_interval.count() / 1000.0 << " s for up to " << plan.timeout.count() / 1000.0
              << " s, until " << plan.min_segments << " full segments are listed and answer 200\n";
    const auto body = cloud::to_json(event_of(plan)).dump();
    const auto request = client.build_request("POST", "/api/rtmp-relay/hls-ready", body,
                                              cloud::CloudClient::hls_ready_headers(event_of(plan)));
    std::cout << "would send: " << request.method << " " << core::redact(request.url) << "\n";
    for (const auto& [name, value] : request.headers) {
        std::cout << "  " << name << ": " << core::redact(name == "Authorization" ? "Bearer ***" : value) << "\n";
    }
    std::cout << "  body: " << core::redact(body) << "\n"
              << "  (deadline " << client.settings().deadline.count() / 1000.0 << " s, up to "
              << client.settings().max_attempts << " attempts)\n";
    return 0;
}

} // namespace

int run_hls_ready(const HlsReadyOptions& options, const core::EnvLookup& env, http::Transport& transport,
                  const http::RetryHooks& hooks)
{
    setup_logging("relay-hls-ready", options.common, env);
    const auto plan = make_hls_ready_plan(options, env);
    cloud::CloudClient client(plan.cloud, transport, hooks);
    if (options.common.dry_run) {
        return print_dry_run(plan, client);
    }
    process::StopSignal::install();
    const auto stop_requested = [] { return process::StopSignal::requested(); };
    client.set_cancel(stop_requested);

    core::log::info("waiting for playable HLS at {} (>= {} full segments answering, timeout {} s)", plan.local_url,
                    plan.min_segments, plan.timeout.count() / 1000.0);
    runtime::StateFile state_file(runtime::runtime_dir(options.common.runtime_dir, env), "relay-hls-ready");
    const auto write_state = [&](const std::string& state, const std::string& detail) {
        state_file.write({{"path", plan.context.path},
                          {"user", plan.context.user_id},
                          {"stream", plan.context.stream_id},
                          {"role", "hls"},
                          {"state", state},
                          {"detail", detail},
                          {"hlsUrl", plan.hls_url}});
    };
    write_state("waiting", "no poll yet");
    hls::ProbeSettings probe_settings;
    probe_settings.min_segments = plan.min_segments;
    probe_settings.cancelled = stop_requested;
    hls::PlayabilityProbe probe(transport, probe_settings, hooks);
    std::string last_detail;
    const auto waited = probe.wait(plan.local_url, plan.timeout, plan.poll_interval, [&](const hls::Probe& p) {
        if (p.detail != last_detail) {
            core::log::info("not playable yet: {}", p.detail);
            last_detail = p.detail;
            write_state("waiting", p.detail);
        }
    });
    if (waited.outcome == hls::WaitOutcome::interrupted) {
        core::log::info("exiting ({}): stopped by signal {} while waiting for HLS; hls-ready not sent",
                        exit_status(Outcome::interrupted), process::StopSignal::received());
        return exit_status(Outcome::interrupted);
    }
    if (waited.outcome == hls::WaitOutcome::timed_out) {
        throw core::Error(exit_code(Outcome::hls_timeout),
                          fmt::format("no playable HLS at {} within {} s ({} polls; last: {}); hls-ready not sent. "
                                      "Check that {} is being published and that the HLS server answers there "
                                      "(--hls-local-base/RELAY_HLS_LOCAL_BASE, RELAY_HLS_TEMPLATE)",
                                      plan.local_url, plan.timeout.count() / 1000.0, waited.polls, waited.last.detail,
                                      plan.context.path));
    }
    core::log::info("playable after {:.1f} s: {}", waited.waited.count() / 1000.0, waited.last.detail);
    write_state("sending", waited.last.detail);

    const auto sent = client.post_hls_ready(event_of(plan));
    if (!sent) {
        if (sent.error().kind == core::ErrorKind::interrupted) {
            core::log::info("exiting ({}): stopped by signal {} while sending hls-ready",
                            exit_status(Outcome::interrupted), process::StopSignal::received());
            return exit_status(Outcome::interrupted);
        }
        core::raise(sent.error());
    }
    core::log::info("exiting ({}): hls-ready sent: hlsUrl {}{}{}", exit_status(Outcome::hls_sent), plan.hls_url,
                    plan.webrtc_url ? ", webrtcUrl " + *plan.webrtc_url : "",
                    plan.dash_url ? ", dashUrl " + *plan.dash_url : "");
    return exit_status(Outcome::hls_sent);
}

int run_hls_ready(const HlsReadyOptions& options, const core::EnvLookup& env, const ToolDeps& deps)
{
    const auto transport = deps.transport();
    return run_hls_ready(options, env, *transport, deps.clock);
}

} // namespace mtxrelay::app
