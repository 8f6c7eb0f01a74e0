#pragma once

#include <string>
#include <string_view>

namespace mtxrelay::core {

// Masks every secret in free text: stream keys in rtmp/rtmps/srt URLs (everything after the
// application segment), userinfo passwords, secret query values (key, token, pass, secret,
// streamid, sig...), bearer tokens, and literal secrets registered below. Every log line and
// every status payload passes through it. Keys, query secrets and literal secrets become their
// fingerprint (`key#1a2b`), userinfo and bearer tokens `***`; a line already masked is kept as
// it is, so masking twice changes nothing. Paths registered as public are never masked.
std::string redact(std::string_view text);

// "key#1a2b": the first 4 hex characters of the secret's SHA-256. Lets an operator tell which
// key is in use (compare with `printf %s KEY | sha256sum`) without showing it.
std::string fingerprint(std::string_view secret);

// True for a value that is a fingerprint already ("key#" and 4 lower-case hex characters).
bool is_fingerprint(std::string_view value);

// Registers a stream path whose segments are ids, not secrets (the hook's own MediaMTX paths
// `live/<user>/<stream>`, `clean/<user>/<stream>`): a stream URL ending in it is shown whole.
void register_public_path(std::string path);

// Masks the secrets of one URL (the whole string is taken as the URL).
std::string redact_url(std::string_view url);

// Registers a literal secret (an API token, a known stream key) to mask wherever it appears.
// Values shorter than 4 characters are ignored (masking them would garble every line).
void register_secret(std::string secret);

// True when a query parameter of that name carries a secret value.
bool is_secret_parameter(std::string_view name);

} // namespace mtxrelay::core
