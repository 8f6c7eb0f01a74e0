#pragma once
// Every setting of every tool, described once as a row: flag, environment variable, default,
// range, unit, help, the tools that read it and the options field its flag fills. The CLI11
// options (add_settings in app/cli.hpp), --help, the values read (read_* below) and the table in
// docs/configuration.md are all produced from these rows.

#include "core/env.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace mtxrelay::app {

// The tools, as bits of a set (a row's `tools`).
enum class Tool : unsigned {
    clean = 1U << 0U,
    restream = 1U << 1U,
    hls_ready = 1U << 2U,
    cf_url = 1U << 3U,
    status = 1U << 4U,
    inspect = 1U << 5U,
    devcloud = 1U << 6U,
};

// A set of tools.
struct Tools {
    unsigned bits = 0;
    constexpr Tools() = default;
    constexpr Tools(Tool tool) : bits(static_cast<unsigned>(tool)) {} // NOLINT: a tool is a set of one
    constexpr bool has(Tool tool) const { return (bits & static_cast<unsigned>(tool)) != 0; }
    constexpr bool empty() const { return bits == 0; }
    constexpr Tools without(Tools other) const
    {
        Tools rest;
        rest.bits = bits & ~other.bits;
        return rest;
    }
    constexpr Tools operator|(Tools other) const
    {
        Tools both;
        both.bits = bits | other.bits;
        return both;
    }
};

constexpr Tools operator|(Tool a, Tool b)
{
    return Tools(a) | Tools(b);
}

// The hook tools that talk to the cloud and share the stream identity.
inline constexpr Tools k_hooks = Tool::clean | Tool::restream | Tool::hls_ready | Tool::cf_url;

// Every tool in the order the docs name them, with those names ("clean", "hls-ready").
const std::vector<std::pair<Tool, std::string_view>>& all_tools();

// How a value is read and shown: integer and number (e.g. seconds) are range-checked, a flag is a
// switch (its environment variable 1/0, true/false, yes/no, on/off), a choice one of `choices`.
enum class SettingKind { text, choice, integer, number, flag };

struct Setting {
    std::string_view flag;                // "--fps"; "INPUT" for a positional argument; empty: environment only
    std::string_view env;                 // "RELAY_FPS"; empty: command line only
    SettingKind kind = SettingKind::text; //
    std::string_view fallback;            // the default value, as a value ("30", "0.25"); empty: none
    std::string_view default_note;        // how the default is told when it is not a plain value ("from MTX_PATH")
    double min = 0;                       // integer and number: the accepted range, inclusive,
    double max = 0;                       // unless min_open (0 < value); min == max: no range
    bool min_open = false;                //
    std::string_view unit;                // "s", "fps": shown after the range
    std::string_view choices;             // choice: the members, '|'-separated ("480p|720p|1080p")
    std::string_view help;                // what it does, one plain sentence for --help and the docs
    Tools tools;                          // the tools that read it (flag or environment)
    Tools env_only;                       // of those, the ones that take no flag for it (read the variable only)
    bool required = false;                // the tool does not start without it
};

// A row whose flag fills a field of a tool's options: `field(options)` is that field, for
// every options struct that has it (a generic lambda, resolved when add_settings is compiled).
template <class Field>
struct BoundSetting : Setting {
    Field field;
};

template <class Field>
constexpr BoundSetting<Field> bound(Setting setting, Field field)
{
    return {setting, field};
}

// The options every hook shares (CommonOptions) sit in `options.common`; tools without them
// (relay-status, relay-devcloud, relay-inspect) have the same fields at the top.
template <class Options>
constexpr auto& common_of(Options& options)
{
    if constexpr (requires { options.common; }) {
        return options.common;
    } else {
        return options;
    }
}

// Reading, in the order every tool uses: the flag wins, then the environment, then the default.
// Numbers are range-checked; errors name the flag or variable and the range (UsageError).
int read_int(const Setting& setting, const std::optional<int>& flag, const core::EnvLookup& env);
double read_seconds(const Setting& setting, const std::optional<double>& flag, const core::EnvLookup& env);
std::optional<std::string> read_text(const Setting& setting, const std::optional<std::string>& flag,
                                     const core::EnvLookup& env);
// A switch read from the environment (or its default) only: flags that turn it on or off are
// combined by the caller (`options.allow_private || read_switch(...)`).
bool read_switch(const Setting& setting, const core::EnvLookup& env);

// The --help description of a row: its help, range and default ("(15-60; default: env RELAY_FPS or 30)").
std::string help_text(const Setting& setting);

// The "Env: ..." line of a tool's --help: every environment variable the tool reads.
std::string env_footer(Tool tool);

// The configuration table of docs/configuration.md (Markdown), one line per environment variable.
std::string settings_markdown();

// The lines of docs/configuration.md that settings_markdown() writes: between these markers.
inline constexpr std::string_view k_table_begin = "<!-- settings table: generated from lib/app/settings.hpp by "
                                                  "build/test-bin/settings-doc --write docs/configuration.md -->";
inline constexpr std::string_view k_table_end = "<!-- end of the settings table -->";

// The document with its settings table replaced by settings_markdown(); nullopt without the markers.
std::optional<std::string> with_settings_table(const std::string& document);

namespace settings {

// The rows. Grouped as the docs show them: the stream identity, the cloud, every tool's own.
// Each names only what it has; the rest keeps Setting's defaults, on purpose (GCC's
// -Wmissing-field-initializers warns about designated initializers all the same).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

inline constexpr auto user =
    bound({.flag = "--user", .env = "G1", .default_note = "from MTX_PATH", .help = "User id", .tools = k_hooks},
          [](auto& o) -> decltype((common_of(o).context.user_id)) { return common_of(o).context.user_id; });
inline constexpr auto stream =
    bound({.flag = "--stream", .env = "G2", .default_note = "from MTX_PATH", .help = "Stream id", .tools = k_hooks},
          [](auto& o) -> decltype((common_of(o).context.stream_id)) { return common_of(o).context.stream_id; });
inline constexpr auto path =
    bound({.flag = "--path",
           .env = "MTX_PATH",
           .help = "MediaMTX path, e.g. live/alice/s1; the ids are its last two segments unless G1/G2 are set",
           .tools = k_hooks},
          [](auto& o) -> decltype((common_of(o).context.path)) { return common_of(o).context.path; });
inline constexpr Setting mtx_query{
    .env = "MTX_QUERY",
    .help = "The publisher's query (URL-encoded by MediaMTX since v1.18.1). Not read: it may carry the stream key, "
            "no hook needs it, and whatever it holds (a stray %, %zz, &&, any bytes, any length) never stops a "
            "hook from starting"};
inline constexpr auto cloud_url =
    bound({.flag = "--cloud-url",
           .env = "CLOUD_API_URL",
           .help = "Cloud API base URL; without it no status is posted",
           .tools = k_hooks},
          [](auto& o) -> decltype((common_of(o).cloud.url)) { return common_of(o).cloud.url; });
inline constexpr Setting cloud_token{
    .env = "CLOUD_API_TOKEN",
    .help = "Bearer token for the cloud; from the environment only, never logged, masked wherever it appears",
    .tools = k_hooks};
inline constexpr auto cloud_timeout =
    bound({.flag = "--cloud-timeout",
           .env = "CLOUD_API_TIMEOUT",
           .kind = SettingKind::number,
           .fallback = "30",
           .max = 3600,
           .min_open = true,
           .unit = "s",
           .help = "Overall deadline of one cloud call with its retries",
           .tools = k_hooks},
          [](auto& o) -> decltype((common_of(o).cloud.timeout_seconds)) { return common_of(o).cloud.timeout_seconds; });
inline constexpr Setting cloud_request_timeout{.env = "CLOUD_API_REQUEST_TIMEOUT",
                                               .kind = SettingKind::number,
                                               .fallback = "10",
                                               .max = 300,
                                               .min_open = true,
                                               .unit = "s",
                                               .help = "One attempt's timeout",
                                               .tools = k_hooks};
inline constexpr Setting cloud_connect_timeout{.env = "CLOUD_API_CONNECT_TIMEOUT",
                                               .kind = SettingKind::number,
                                               .fallback = "3",
                                               .max = 60,
                                               .min_open = true,
                                               .unit = "s",
                                               .help = "TCP/TLS connect timeout",
                                               .tools = k_hooks};
inline constexpr Setting cloud_retries{.env = "CLOUD_API_RETRIES",
                                       .kind = SettingKind::integer,
                                       .fallback = "4",
                                       .max = 20,
                                       .help = "Retries after the first attempt",
                                       .tools = k_hooks};
inline constexpr auto log_format =
    bound({.flag = "--log-format",
           .env = "RELAY_LOG_FORMAT",
           .kind = SettingKind::choice,
           .fallback = "text",
           .choices = "text|json",
           .help = "Log lines as text (<UTC time> tool[path] level: message) or json (one object per line), fatal "
                   "and usage errors included",
           .tools = k_hooks | Tool::status | Tool::inspect | Tool::devcloud,
           .env_only = Tool::inspect},
          [](auto& o) -> decltype((common_of(o).log_format)) { return common_of(o).log_format; });
inline constexpr auto dry_run = bound({.flag = "--dry-run",
                                       .kind = SettingKind::flag,
                                       .help = "Print what would be done (secrets masked) and exit",
                                       .tools = k_hooks | Tool::inspect},
                                      [](auto& o) -> decltype((common_of(o).dry_run)) { return common_of(o).dry_run; });
inline constexpr auto runtime_dir =
    bound({.flag = "--runtime-dir",
           .env = "RELAY_RUNTIME_DIR",
           .default_note = "$XDG_RUNTIME_DIR/mtxrelay, else /tmp/mtxrelay-<uid> (image: /run/mtxrelay)",
           .help = "Directory of the state documents relay-status reads",
           .tools = Tool::clean | Tool::restream | Tool::hls_ready | Tool::status},
          [](auto& o) -> decltype((common_of(o).runtime_dir)) { return common_of(o).runtime_dir; });
inline constexpr Setting xdg_runtime_dir{.env = "XDG_RUNTIME_DIR",
                                         .help = "The session's runtime directory: the state documents go to its "
                                                 "mtxrelay/ when RELAY_RUNTIME_DIR is not set",
                                         .tools = Tool::clean | Tool::restream | Tool::hls_ready | Tool::status};
inline constexpr auto mtx_api = bound(
    {.flag = "--mtx-api",
     .env = "RELAY_MTX_API",
     .fallback = "127.0.0.1:9997",
     .help = "MediaMTX's control API (HOST:PORT, http://HOST:PORT, or off to skip it): relay-clean asks it in hook "
             "mode for the input's tracks and publish time (0.5 s limit, falls back to the stream), relay-status "
             "for the path list",
     .tools = Tool::clean | Tool::status},
    [](auto& o) -> decltype((o.mtx_api)) { return o.mtx_api; });
inline constexpr auto rtmp_host = bound({.flag = "--rtmp-host",
                                         .env = "RELAY_RTMP_HOST",
                                         .fallback = "127.0.0.1",
                                         .help = "The relay's RTMP server (MediaMTX): its host",
                                         .tools = Tool::clean | Tool::restream},
                                        [](auto& o) -> decltype((o.rtmp_host)) { return o.rtmp_host; });
inline constexpr auto rtmp_port = bound({.flag = "--rtmp-port",
                                         .env = "RELAY_RTMP_PORT",
                                         .kind = SettingKind::integer,
                                         .fallback = "1935",
                                         .min = 1,
                                         .max = 65535,
                                         .help = "The relay's RTMP server: its port",
                                         .tools = Tool::clean | Tool::restream},
                                        [](auto& o) -> decltype((o.rtmp_port)) { return o.rtmp_port; });
inline constexpr auto stall_timeout =
    bound({.flag = "--stall-timeout",
           .env = "RELAY_STALL_TIMEOUT",
           .kind = SettingKind::number,
           .fallback = "10",
           .min = 2,
           .max = 300,
           .unit = "s",
           .help = "Restart an ffmpeg after this long without output progress (relay-clean with a live RTMP input: "
                   "without input data either)",
           .tools = Tool::clean | Tool::restream},
          [](auto& o) -> decltype((o.stall_timeout)) { return o.stall_timeout; });
inline constexpr auto status_interval =
    bound({.flag = "--status-interval",
           .env = "RELAY_STATUS_INTERVAL",
           .kind = SettingKind::number,
           .fallback = "10",
           .min = 1,
           .max = 3600,
           .unit = "s",
           .help = "Time between active stream-status posts (relay-restream: and status lines)",
           .tools = Tool::clean | Tool::restream},
          [](auto& o) -> decltype((o.status_interval)) { return o.status_interval; });
inline constexpr auto allow_private =
    bound({.flag = "--allow-private-destinations",
           .env = "RELAY_ALLOW_PRIVATE_DESTINATIONS",
           .kind = SettingKind::flag,
           .fallback = "0",
           .help = "Allow loopback and private destination hosts (tests and demos only); link-local, unspecified, "
                   "multicast and reserved hosts stay refused in every spelling (docs/security.md)",
           .tools = Tool::cf_url | Tool::clean | Tool::restream,
           .env_only = Tool::cf_url | Tool::clean},
          [](auto& o) -> decltype((o.allow_private)) { return o.allow_private; });

// relay-clean
inline constexpr auto clean_target =
    bound({.flag = "--target",
           .env = "RELAY_CLEAN_TARGET",
           .kind = SettingKind::choice,
           .fallback = "local",
           .choices = "local|cloud",
           .help = "Where the clean stream goes in hook mode: local (rtmp://HOST:PORT/clean/<user>/<stream> on this "
                   "relay) or cloud (the cf-url lookup's ingest URL)",
           .tools = Tool::clean},
          [](auto& o) -> decltype((o.target)) { return o.target; });
inline constexpr auto clean_input = bound({.flag = "--input",
                                           .default_note = "rtmp://HOST:PORT/$MTX_PATH",
                                           .help = "Input URL or file",
                                           .tools = Tool::clean},
                                          [](auto& o) -> decltype((o.input)) { return o.input; });
inline constexpr auto clean_output = bound({.flag = "--output",
                                            .default_note = "from --target",
                                            .help = "Output URL or file, written as FLV (MPEG-TS for srt://)",
                                            .tools = Tool::clean},
                                           [](auto& o) -> decltype((o.output)) { return o.output; });
inline constexpr auto quality = bound({.flag = "--quality",
                                       .env = "RELAY_QUALITY",
                                       .kind = SettingKind::choice,
                                       .fallback = "720p",
                                       .choices = "480p|720p|1080p",
                                       .help = "Output quality preset: 480p, 720p or 1080p (long side x short side)",
                                       .tools = Tool::clean},
                                      [](auto& o) -> decltype((o.quality)) { return o.quality; });
inline constexpr auto fps = bound({.flag = "--fps",
                                   .env = "RELAY_FPS",
                                   .kind = SettingKind::integer,
                                   .fallback = "30",
                                   .min = 15,
                                   .max = 60,
                                   .unit = "fps",
                                   .help = "Constant output frame rate",
                                   .tools = Tool::clean},
                                  [](auto& o) -> decltype((o.fps)) { return o.fps; });
inline constexpr auto gop_seconds = bound({.flag = "--gop-seconds",
                                           .env = "RELAY_GOP_SECONDS",
                                           .kind = SettingKind::integer,
                                           .fallback = "2",
                                           .min = 2,
                                           .max = 10,
                                           .unit = "s",
                                           .help = "Keyframe interval",
                                           .tools = Tool::clean},
                                          [](auto& o) -> decltype((o.gop_seconds)) { return o.gop_seconds; });
inline constexpr auto input_gone_after =
    bound({.flag = "--input-gone-after",
           .env = "RELAY_INPUT_GONE_AFTER",
           .kind = SettingKind::number,
           .fallback = "15",
           .min = 1,
           .max = 3600,
           .unit = "s",
           .help = "A live input unreadable this long means the publisher is gone: exit 0",
           .tools = Tool::clean},
          [](auto& o) -> decltype((o.input_gone_after)) { return o.input_gone_after; });
inline constexpr auto recipe =
    bound({.flag = "--recipe",
           .kind = SettingKind::choice,
           .fallback = "clean",
           .choices = "clean|seed",
           .help = "clean, or seed: the seed documents' original command, for comparisons only",
           .tools = Tool::clean},
          [](auto& o) -> decltype((o.recipe)) { return o.recipe; });
inline constexpr auto overwrite = bound({.flag = "--overwrite",
                                         .kind = SettingKind::flag,
                                         .help = "Replace the --output file if it exists",
                                         .tools = Tool::clean},
                                        [](auto& o) -> decltype((o.overwrite)) { return o.overwrite; });
inline constexpr auto realtime =
    bound({.flag = "--realtime",
           .kind = SettingKind::flag,
           .help = "Read the input at its native pace (-re), e.g. a file sent to a live server",
           .tools = Tool::clean},
          [](auto& o) -> decltype((o.realtime)) { return o.realtime; });

// relay-restream
inline constexpr auto source = bound({.flag = "--source",
                                      .default_note = "rtmp://HOST:PORT/$MTX_PATH, or clean/<user>/<stream>",
                                      .help = "Input URL or file",
                                      .tools = Tool::restream},
                                     [](auto& o) -> decltype((o.source)) { return o.source; });
inline constexpr auto destinations_file =
    bound({.flag = "--destinations-file",
           .help = "Read the destinations from this JSON file ({\"destinations\":[{\"url\":...,\"name\":...}]}, the "
                   "cloud's shape), re-read at every poll, instead of GET restream-destinations",
           .tools = Tool::restream},
          [](auto& o) -> decltype((o.destinations_file)) { return o.destinations_file; });
inline constexpr auto restream_poll_interval =
    bound({.flag = "--poll-interval",
           .env = "RELAY_RESTREAM_POLL_INTERVAL",
           .kind = SettingKind::number,
           .fallback = "10",
           .min = 1,
           .max = 3600,
           .unit = "s",
           .help = "Time between destination polls",
           .tools = Tool::restream},
          [](auto& o) -> decltype((o.poll_interval)) { return o.poll_interval; });
inline constexpr auto restream_cf_url =
    bound({.flag = "--no-cf-url",
           .env = "RELAY_RESTREAM_CF_URL",
           .kind = SettingKind::flag,
           .fallback = "1",
           .help = "Include the cf-url lookup's Cloudflare ingest as a destination (--no-cf-url: 0)",
           .tools = Tool::restream},
          [](auto& o) -> decltype((o.no_cf_url)) { return o.no_cf_url; });

// relay-hls-ready
inline constexpr auto hls_local_base = bound({.flag = "--hls-local-base",
                                              .env = "RELAY_HLS_LOCAL_BASE",
                                              .fallback = "http://127.0.0.1:8888",
                                              .help = "Base URL of the local HLS server that is polled",
                                              .tools = Tool::hls_ready},
                                             [](auto& o) -> decltype((o.hls_local_base)) { return o.hls_local_base; });
inline constexpr auto public_hls_base =
    bound({.flag = "--public-hls-base",
           .env = "RELAY_PUBLIC_HLS_BASE",
           .default_note = "the local base (with a warning)",
           .help = "Public base URL of the HLS server, used in the announced hlsUrl",
           .tools = Tool::hls_ready},
          [](auto& o) -> decltype((o.public_hls_base)) { return o.public_hls_base; });
inline constexpr auto public_webrtc_base =
    bound({.flag = "--public-webrtc-base",
           .env = "RELAY_PUBLIC_WEBRTC_BASE",
           .fallback = "http://127.0.0.1:8889",
           .help = "Public base URL of the WebRTC server: webrtcUrl is BASE/PATH/whep, off omits it",
           .tools = Tool::hls_ready},
          [](auto& o) -> decltype((o.public_webrtc_base)) { return o.public_webrtc_base; });
inline constexpr auto hls_template =
    bound({.flag = "--hls-url-template",
           .env = "RELAY_HLS_TEMPLATE",
           .fallback = "{base}/{path}/index.m3u8",
           .help = "Shape of the HLS URL, with {base} {path} {user} {stream}; used for both the polled and the "
                   "announced URL",
           .tools = Tool::hls_ready},
          [](auto& o) -> decltype((o.hls_template)) { return o.hls_template; });
inline constexpr auto dash_template =
    bound({.flag = "--dash-url-template",
           .env = "RELAY_DASH_TEMPLATE",
           .default_note = "none: MediaMTX serves no DASH",
           .help = "Announce a dashUrl built from this template on the public HLS base",
           .tools = Tool::hls_ready},
          [](auto& o) -> decltype((o.dash_template)) { return o.dash_template; });
inline constexpr auto hls_min_segments =
    bound({.flag = "--min-segments",
           .env = "RELAY_HLS_MIN_SEGMENTS",
           .kind = SettingKind::integer,
           .fallback = "2",
           .min = 1,
           .max = 20,
           .help = "Full media segments that must be listed and answer before the announcement",
           .tools = Tool::hls_ready},
          [](auto& o) -> decltype((o.min_segments)) { return o.min_segments; });
inline constexpr auto hls_timeout =
    bound({.flag = "--timeout",
           .env = "RELAY_HLS_TIMEOUT",
           .kind = SettingKind::number,
           .fallback = "60",
           .min = 1,
           .max = 3600,
           .unit = "s",
           .help = "Give up (exit 1, nothing sent) after this long without playable HLS",
           .tools = Tool::hls_ready},
          [](auto& o) -> decltype((o.timeout)) { return o.timeout; });
inline constexpr auto hls_poll_interval =
    bound({.flag = "--poll-interval",
           .env = "RELAY_HLS_POLL_INTERVAL",
           .kind = SettingKind::number,
           .fallback = "0.25",
           .min = 0.1,
           .max = 30,
           .unit = "s",
           .help = "Time between looks at the playlist (a look on loopback costs a playlist GET and two small "
                   "segment reads)",
           .tools = Tool::hls_ready},
          [](auto& o) -> decltype((o.poll_interval)) { return o.poll_interval; });

// relay-cf-url, relay-status, relay-inspect: --json
inline constexpr auto cf_url_json = bound({.flag = "--json",
                                           .kind = SettingKind::flag,
                                           .help = "Print the cloud's whole JSON answer instead of the URL",
                                           .tools = Tool::cf_url},
                                          [](auto& o) -> decltype((o.json)) { return o.json; });
inline constexpr auto status_json = bound(
    {.flag = "--json", .kind = SettingKind::flag, .help = "Print JSON instead of the table", .tools = Tool::status},
    [](auto& o) -> decltype((o.json)) { return o.json; });
inline constexpr auto inspect_json =
    bound({.flag = "--json",
           .kind = SettingKind::flag,
           .help = "Print all figures and per-requirement results as one JSON document",
           .tools = Tool::inspect},
          [](auto& o) -> decltype((o.json)) { return o.json; });

// relay-status
inline constexpr auto watch = bound({.flag = "--watch",
                                     .kind = SettingKind::flag,
                                     .help = "Refresh until Ctrl-C (in place on a terminal)",
                                     .tools = Tool::status},
                                    [](auto& o) -> decltype((o.watch)) { return o.watch; });
inline constexpr auto watch_interval = bound({.flag = "--interval",
                                              .kind = SettingKind::number,
                                              .fallback = "2",
                                              .min = 0.2,
                                              .max = 3600,
                                              .unit = "s",
                                              .help = "Time between --watch refreshes",
                                              .tools = Tool::status},
                                             [](auto& o) -> decltype((o.interval)) { return o.interval; });
inline constexpr auto serve = bound({.flag = "--serve",
                                     .help = "Serve /metrics, /status and / on PORT or HOST:PORT (loopback unless "
                                             "--allow-remote); prints its base URL on stdout",
                                     .tools = Tool::status},
                                    [](auto& o) -> decltype((o.serve)) { return o.serve; });
inline constexpr auto allow_remote = bound({.flag = "--allow-remote",
                                            .kind = SettingKind::flag,
                                            .help = "Let --serve listen on a non-loopback address",
                                            .tools = Tool::status},
                                           [](auto& o) -> decltype((o.allow_remote)) { return o.allow_remote; });

// relay-inspect (its numbers are checked with their profile: inspect/expectations)
inline constexpr auto inspect_input =
    bound({.flag = "INPUT",
           .help = "A media file, or a live URL (rtmp://, rtmps://, srt://, http://...)",
           .tools = Tool::inspect},
          [](auto& o) -> decltype((o.input)) { return o.input; });
inline constexpr auto inspect_duration =
    bound({.flag = "--duration",
           .kind = SettingKind::number,
           .default_note = "the whole file; 20 for a live URL",
           .help = "Seconds of content to read. A live read is also stopped after duration + 15 s of wall-clock time",
           .tools = Tool::inspect},
          [](auto& o) -> decltype((o.duration)) { return o.duration; });
inline constexpr auto inspect_profile = bound({.flag = "--profile",
                                               .fallback = "cloudflare",
                                               .help = "Target profile: cloudflare or twitch; see --list-profiles",
                                               .tools = Tool::inspect},
                                              [](auto& o) -> decltype((o.profile)) { return o.profile; });
inline constexpr auto rtmp_app =
    bound({.flag = "--rtmp-app",
           .default_note = "for local rtmp://127.0.0.1/live/u/s URLs: the first path segment (live), as relay-clean "
                           "does",
           .help = "RTMP application for ffprobe (-rtmp_app)",
           .tools = Tool::inspect},
          [](auto& o) -> decltype((o.rtmp_app)) { return o.rtmp_app; });
inline constexpr auto rtmp_playpath = bound({.flag = "--rtmp-playpath",
                                             .default_note = "for local multi-segment URLs: the rest of the path (u/s)",
                                             .help = "RTMP stream name for ffprobe (-rtmp_playpath)",
                                             .tools = Tool::inspect},
                                            [](auto& o) -> decltype((o.rtmp_playpath)) { return o.rtmp_playpath; });
inline constexpr auto expect_fps = bound({.flag = "--expect-fps",
                                          .kind = SettingKind::number,
                                          .default_note = "cloudflare: 30",
                                          .help = "Frame rate the stream must have, within 1 % (1-240)",
                                          .tools = Tool::inspect},
                                         [](auto& o) -> decltype((o.expect_fps)) { return o.expect_fps; });
inline constexpr auto expect_size =
    bound({.flag = "--expect-size",
           .default_note = "cloudflare: any quality preset size, 480p/720p/1080p landscape or portrait",
           .help = "Frame size the stream must have, WIDTHxHEIGHT (e.g. 1280x720)",
           .tools = Tool::inspect},
          [](auto& o) -> decltype((o.expect_size)) { return o.expect_size; });
inline constexpr auto expect_orientation =
    bound({.flag = "--expect-orientation",
           .kind = SettingKind::choice,
           .default_note = "shown, not checked",
           .choices = "landscape|portrait",
           .help = "Orientation the stream must have: landscape or portrait",
           .tools = Tool::inspect},
          [](auto& o) -> decltype((o.expect_orientation)) { return o.expect_orientation; });
inline constexpr auto expect_duration =
    bound({.flag = "--expect-duration",
           .kind = SettingKind::number,
           .default_note = "shown, not checked",
           .help = "Seconds of content the stream must hold (earliest packet to the latest end of either track), "
                   "within --expect-duration-tolerance",
           .tools = Tool::inspect},
          [](auto& o) -> decltype((o.expect_duration)) { return o.expect_duration; });
inline constexpr auto expect_duration_tolerance =
    bound({.flag = "--expect-duration-tolerance",
           .kind = SettingKind::number,
           .fallback = "1",
           .help = "Seconds the duration may differ from --expect-duration either way",
           .tools = Tool::inspect},
          [](auto& o) -> decltype((o.expect_duration_tolerance)) { return o.expect_duration_tolerance; });
inline constexpr auto list_profiles = bound({.flag = "--list-profiles",
                                             .kind = SettingKind::flag,
                                             .help = "List the profiles and their requirements, then exit",
                                             .tools = Tool::inspect},
                                            [](auto& o) -> decltype((o.list_profiles)) { return o.list_profiles; });

// relay-devcloud
inline constexpr auto devcloud_config = bound({.flag = "--config",
                                               .help = "JSON config file (streams, destinations, tokens)",
                                               .tools = Tool::devcloud,
                                               .required = true},
                                              [](auto& o) -> decltype((o.config_path)) { return o.config_path; });
inline constexpr auto devcloud_host =
    bound({.flag = "--host", .fallback = "127.0.0.1", .help = "Address to listen on", .tools = Tool::devcloud},
          [](auto& o) -> decltype((o.host)) { return o.host; });
inline constexpr auto devcloud_port = bound({.flag = "--port",
                                             .kind = SettingKind::integer,
                                             .fallback = "8080",
                                             .help = "Port to listen on; 0 picks a free one",
                                             .tools = Tool::devcloud},
                                            [](auto& o) -> decltype((o.port)) { return o.port; });
inline constexpr auto allow_unauthenticated =
    bound({.flag = "--allow-unauthenticated",
           .kind = SettingKind::flag,
           .help = "Listen beyond loopback even when the config has no token or no admin_token (a loud warning "
                   "instead of a refusal)",
           .tools = Tool::devcloud},
          [](auto& o) -> decltype((o.allow_unauthenticated)) { return o.allow_unauthenticated; });

// Every row, in the order of --help and of the docs table.
inline constexpr auto k_rows = std::tie(
    user, stream, path, mtx_query, cloud_url, cloud_token, cloud_timeout, cloud_request_timeout, cloud_connect_timeout,
    cloud_retries, log_format, runtime_dir, xdg_runtime_dir, mtx_api, rtmp_host, rtmp_port, clean_target, clean_input,
    clean_output, quality, fps, gop_seconds, stall_timeout, status_interval, input_gone_after, recipe, realtime,
    overwrite, allow_private, source, destinations_file, restream_poll_interval, restream_cf_url, hls_local_base,
    public_hls_base, public_webrtc_base, hls_template, dash_template, hls_min_segments, hls_timeout, hls_poll_interval,
    cf_url_json, inspect_input, inspect_duration, inspect_profile, inspect_json, rtmp_app, rtmp_playpath, expect_fps,
    expect_size, expect_orientation, expect_duration, expect_duration_tolerance, list_profiles, status_json, watch,
    watch_interval, serve, allow_remote, devcloud_config, devcloud_host, devcloud_port, allow_unauthenticated, dry_run);

#pragma GCC diagnostic pop

} // namespace settings

// Every row as a plain Setting, in the order of settings::k_rows.
const std::vector<const Setting*>& all_settings();

} // namespace mtxrelay::app
