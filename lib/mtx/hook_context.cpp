#include "mtx/hook_context.hpp"

#include "core/error.hpp"
#include "core/strings.hpp"

#include <fmt/format.h>

namespace mtxrelay::mtx {

namespace {

std::string printable(std::string_view value)
{
    std::string out;
    for (const char c : value.substr(0, 80)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? fmt::format("\\x{:02x}", u) : std::string(1, c);
    }
    return value.size() > 80 ? out + "..." : out;
}

void require_valid(std::string_view what, const std::string& value, std::string_view source)
{
    if (!is_valid_id(value)) {
        throw core::UsageError(fmt::format(
            "invalid {} '{}' (from {}): ids must be 1-128 characters of A-Z a-z 0-9 _ . - and not '.' or '..'", what,
            printable(value), source));
    }
}

} // namespace

bool is_valid_id(std::string_view id)
{
    if (id.empty() || id.size() > 128 || id == "." || id == "..") {
        return false;
    }
    for (const char c : id) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '.' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool is_valid_path(std::string_view path)
{
    if (path.empty() || path.size() > 512) {
        return false;
    }
    for (const auto& segment : core::split(path, '/')) {
        if (!is_valid_id(segment)) {
            return false;
        }
    }
    return true;
}

std::optional<HookContext> try_resolve_context(const ContextFlags& flags, const core::EnvLookup& env)
{
    HookContext context;
    const auto mtx_path = flags.path ? flags.path : env("MTX_PATH");
    if (mtx_path && !is_valid_path(*mtx_path)) {
        throw core::UsageError(fmt::format("invalid MediaMTX path '{}': segments of A-Z a-z 0-9 _ . - separated by '/'",
                                           printable(*mtx_path)));
    }
    std::optional<std::string> path_user;
    std::optional<std::string> path_stream;
    if (mtx_path) {
        const auto parts = core::split(*mtx_path, '/');
        if (parts.size() >= 2) {
            path_user = parts[parts.size() - 2];
            path_stream = parts.back();
        }
    }
    auto pick = [&](const std::optional<std::string>& flag, const char* env_name,
                    const std::optional<std::string>& from_path,
                    std::string& out_source) -> std::optional<std::string> {
        if (flag) {
            out_source = "the command line";
            return flag;
        }
        if (auto value = env(env_name)) {
            out_source = fmt::format("env {}", env_name);
            return value;
        }
        if (from_path) {
            out_source = "MTX_PATH";
            return from_path;
        }
        return std::nullopt;
    };
    std::string user_source;
    std::string stream_source;
    const auto user = pick(flags.user_id, "G1", path_user, user_source);
    const auto stream = pick(flags.stream_id, "G2", path_stream, stream_source);
    if (!user && !stream) {
        return std::nullopt;
    }
    if (!user || !stream) {
        throw core::UsageError(fmt::format("missing {}: give --user and --stream, or run as a MediaMTX hook "
                                           "(MTX_PATH=live/<user>/<stream>, or G1/G2 from a regex path)",
                                           user ? "stream id" : "user id"));
    }
    require_valid("user id", *user, user_source);
    require_valid("stream id", *stream, stream_source);
    context.user_id = *user;
    context.stream_id = *stream;
    context.path = mtx_path ? *mtx_path : fmt::format("{}/{}", *user, *stream);
    return context;
}

HookContext resolve_context(const ContextFlags& flags, const core::EnvLookup& env)
{
    if (auto context = try_resolve_context(flags, env)) {
        return *context;
    }
    throw core::UsageError("no stream given: pass --user U --stream S, or run as a MediaMTX hook with MTX_PATH "
                           "(and G1/G2) in the environment");
}

} // namespace mtxrelay::mtx
