#include "core/redact.hpp"

#include "core/sha256.hpp"
#include "core/strings.hpp"
#include "core/url_split.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <vector>

namespace mtxrelay::core {

namespace {

constexpr std::string_view k_mask = "***";

std::mutex g_secrets_mutex;
std::vector<std::string> g_secrets;
std::vector<std::string> g_public_paths; // guarded by g_secrets_mutex

bool is_public_path(std::string_view path)
{
    std::lock_guard lock(g_secrets_mutex);
    return std::find(g_public_paths.begin(), g_public_paths.end(), path) != g_public_paths.end();
}

bool is_hex4(std::string_view text)
{
    return text.size() == 4 && std::all_of(text.begin(), text.end(),
                                           [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// While a text is masked its fingerprints read "key\x01hhhh": a '#' would start a fragment in
// http(s) URLs and the second masking would cut the fingerprint apart.
constexpr char k_held = '\x01';

bool is_held_fingerprint(std::string_view value)
{
    return value.size() == 8 && value.substr(0, 3) == "key" && value[3] == k_held && is_hex4(value.substr(4));
}

// A value masked already: `***` or a fingerprint.
bool is_masked(std::string_view value)
{
    return value == k_mask || is_held_fingerprint(value);
}

// Swaps the '#' of every fingerprint in `text` for k_held (hold) or back (release).
std::string swap_fingerprints(std::string text, char from, char to)
{
    for (size_t at = text.find(std::string("key") + from); at != std::string::npos;
         at = text.find(std::string("key") + from, at + 1)) {
        // Holding needs a word boundary ("key#1a2bc" is not a fingerprint); k_held is ours alone.
        const bool boundary =
            from == k_held || at + 8 >= text.size() || !std::isalnum(static_cast<unsigned char>(text[at + 8]));
        if (at + 8 <= text.size() && is_hex4(std::string_view(text).substr(at + 4, 4)) && boundary) {
            text[at + 3] = to;
        }
    }
    return text;
}

std::string hold(std::string_view text)
{
    return swap_fingerprints(std::string(text), '#', k_held);
}

std::string release(std::string text)
{
    return swap_fingerprints(std::move(text), k_held, '#');
}

// The fingerprint as it reads while masking is under way.
std::string held_fingerprint(std::string_view secret)
{
    auto shown = fingerprint(secret);
    shown[3] = k_held;
    return shown;
}

bool is_scheme_char(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '.' || c == '-';
}

bool ends_url(char c)
{
    return std::isspace(static_cast<unsigned char>(c)) || c == '\'' || c == '"' || c == '<' || c == '>' || c == '`' ||
           c == '\\';
}

// Streaming schemes put the stream key in the path after the application segment.
bool is_stream_scheme(std::string_view scheme)
{
    static constexpr std::array<std::string_view, 7> k_schemes = {"rtmp",   "rtmps",  "rtmpt", "rtmpe",
                                                                  "rtmpte", "rtmpts", "srt"};
    const auto lower = to_lower(scheme);
    return std::find(k_schemes.begin(), k_schemes.end(), lower) != k_schemes.end();
}

std::string redact_userinfo(std::string_view userinfo)
{
    const size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
        return std::string(k_mask);
    }
    return std::string(userinfo.substr(0, colon + 1)) + std::string(k_mask);
}

std::string redact_stream_path(std::string_view path)
{
    // path starts with '/': keep "/app", mask whatever follows it (unless it is a public path).
    const size_t second = path.find('/', 1);
    if (second == std::string_view::npos || second + 1 >= path.size() || is_public_path(path.substr(1))) {
        return std::string(path);
    }
    const auto key = path.substr(second + 1);
    if (is_masked(key)) {
        return std::string(path);
    }
    return std::string(path.substr(0, second + 1)) + held_fingerprint(key);
}

std::string redact_query(std::string_view query)
{
    std::string out;
    const auto pairs = split(query, '&');
    for (size_t i = 0; i < pairs.size(); ++i) {
        const auto& pair = pairs[i];
        if (i > 0) {
            out.push_back('&');
        }
        const size_t eq = pair.find('=');
        const std::string_view name = std::string_view(pair).substr(0, eq);
        const auto decoded = url_decode(name);
        const auto value = std::string_view(pair).substr(eq == std::string::npos ? pair.size() : eq + 1);
        const bool masked = is_masked(value);
        if (eq != std::string::npos && !masked && is_secret_parameter(decoded ? *decoded : std::string(name))) {
            out += std::string(name) + "=" + held_fingerprint(value);
        } else {
            out += pair;
        }
    }
    return out;
}

// Masks "name=value" pairs with a secret name that appear outside URLs (ffmpeg options, SRT
// streamid fragments, form bodies).
std::string redact_assignments(std::string_view text)
{
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        const size_t eq = text.find('=', i);
        if (eq == std::string_view::npos) {
            out.append(text.substr(i));
            break;
        }
        size_t name_start = eq;
        while (name_start > i && (std::isalnum(static_cast<unsigned char>(text[name_start - 1])) ||
                                  text[name_start - 1] == '_' || text[name_start - 1] == '-')) {
            --name_start;
        }
        out.append(text.substr(i, eq + 1 - i));
        size_t value_end = eq + 1;
        while (value_end < text.size() && !ends_url(text[value_end]) && text[value_end] != '&' &&
               text[value_end] != ',' && text[value_end] != ';') {
            ++value_end;
        }
        const auto name = text.substr(name_start, eq - name_start);
        const auto value = text.substr(eq + 1, value_end - eq - 1);
        if (!name.empty() && value_end > eq + 1 && !is_masked(value) && is_secret_parameter(name)) {
            out.append(held_fingerprint(value));
        } else {
            out.append(text.substr(eq + 1, value_end - eq - 1));
        }
        i = value_end;
    }
    return out;
}

std::string redact_bearer(std::string text)
{
    static constexpr std::string_view k_bearer = "bearer";
    const auto lower = to_lower(text);
    std::string out;
    size_t i = 0;
    while (true) {
        const size_t at = lower.find(k_bearer, i);
        if (at == std::string::npos) {
            out.append(text, i, std::string::npos);
            return out;
        }
        size_t start = at + k_bearer.size();
        while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) {
            ++start;
        }
        size_t end = start;
        while (end < text.size() && !ends_url(text[end]) && text[end] != ',') {
            ++end;
        }
        out.append(text, i, start - i);
        out.append(start > at + k_bearer.size() && end > start ? k_mask : text.substr(start, end - start));
        i = end;
    }
}

std::string redact_literals(std::string text)
{
    std::lock_guard lock(g_secrets_mutex);
    for (const auto& secret : g_secrets) {
        size_t at = 0;
        while ((at = text.find(secret, at)) != std::string::npos) {
            const auto masked = held_fingerprint(secret);
            text.replace(at, secret.size(), masked);
            at += masked.size();
        }
    }
    return text;
}

} // namespace

std::string fingerprint(std::string_view secret)
{
    return "key#" + sha256_hex(secret).substr(0, 4);
}

bool is_fingerprint(std::string_view value)
{
    return value.size() == 8 && value.starts_with("key#") && is_hex4(value.substr(4));
}

void register_public_path(std::string path)
{
    if (path.empty()) {
        return;
    }
    std::lock_guard lock(g_secrets_mutex);
    if (std::find(g_public_paths.begin(), g_public_paths.end(), path) == g_public_paths.end()) {
        g_public_paths.push_back(std::move(path));
    }
}

bool is_secret_parameter(std::string_view name)
{
    // Whole words of the name count ("stream_key", "x-amz-signature", "access_token"), so
    // "keyint" or "signal" stay readable.
    static constexpr std::array<std::string_view, 19> k_words = {
        "key",        "streamkey",   "apikey",  "token",     "pass", "password",      "passwd",
        "passphrase", "secret",      "sig",     "signature", "auth", "authorization", "streamid",
        "credential", "credentials", "session", "sessionid", "jwt"};
    for (const auto& word : split(to_lower(name), '_')) {
        for (const auto& part : split(word, '-')) {
            for (const auto& piece : split(part, '.')) {
                if (std::find(k_words.begin(), k_words.end(), piece) != k_words.end()) {
                    return true;
                }
            }
        }
    }
    return false;
}

namespace {

std::string redact_url_held(std::string_view url)
{
    // Split as ffmpeg and libcurl split it, leniently: a malformed URL is masked all the same.
    const auto parts = split_url(url);
    if (!parts) {
        return std::string(url);
    }
    std::string out = std::string(parts->scheme) + "://";
    if (parts->userinfo) {
        out += redact_userinfo(*parts->userinfo) + "@";
    }
    out += parts->host_port;
    out += is_stream_scheme(parts->scheme) ? redact_stream_path(parts->path) : std::string(parts->path);
    if (parts->query) {
        out += "?" + redact_query(*parts->query);
    }
    if (parts->fragment) {
        out += "#" + std::string(*parts->fragment);
    }
    return out;
}

std::string redact_held(std::string_view text)
{
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        const size_t sep = text.find("://", i);
        if (sep == std::string_view::npos) {
            out.append(text.substr(i));
            break;
        }
        size_t start = sep;
        while (start > i && is_scheme_char(text[start - 1])) {
            --start;
        }
        size_t end = sep + 3;
        while (end < text.size() && !ends_url(text[end])) {
            ++end;
        }
        // "rtmp://h/app/key: Connection refused": trailing punctuation belongs to the sentence.
        while (end > sep + 3 && std::string_view(":,;.)]").find(text[end - 1]) != std::string_view::npos) {
            --end;
        }
        out.append(text.substr(i, start - i));
        out.append(start < sep ? redact_url_held(text.substr(start, end - start))
                               : std::string(text.substr(start, end - start)));
        i = end;
    }
    return redact_literals(redact_bearer(redact_assignments(out)));
}

} // namespace

std::string redact_url(std::string_view url)
{
    return release(redact_url_held(hold(url)));
}

std::string redact(std::string_view text)
{
    return release(redact_held(hold(text)));
}

void register_secret(std::string secret)
{
    if (secret.size() < 4) {
        return;
    }
    std::lock_guard lock(g_secrets_mutex);
    if (std::find(g_secrets.begin(), g_secrets.end(), secret) == g_secrets.end()) {
        g_secrets.push_back(std::move(secret));
    }
}

} // namespace mtxrelay::core
