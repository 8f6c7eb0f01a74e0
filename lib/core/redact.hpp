#pragma once

#include <string>
#include <string_view>

namespace mtxrelay::core {

// Masks every secret in free text: stream keys in rtmp/rtmps/srt URLs (everything after the
// application segment), userinfo passwords, secret query values (key, token, pass, secret,
// streamid, sig...), bearer tokens, and literal secrets registered below. Every log line and
// every status payload passes through it.
std::string redact(std::string_view text);

// Masks the secrets of one URL (the whole string is taken as the URL).
std::string redact_url(std::string_view url);

// Registers a literal secret (an API token, a known stream key) to mask wherever it appears.
// Values shorter than 4 characters are ignored (masking them would garble every line).
void register_secret(std::string secret);

// True when a query parameter of that name carries a secret value.
bool is_secret_parameter(std::string_view name);

} // namespace mtxrelay::core
