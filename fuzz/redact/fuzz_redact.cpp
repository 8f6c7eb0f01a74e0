// Redaction of any text a log line or status payload could carry: never a crash, and a
// registered secret never survives, wherever it is put.
#include "core/redact.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

constexpr const char* k_secret = "SENTINELSECRET42";

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace mtxrelay;
    static const bool registered = [] {
        core::register_secret(k_secret);
        return true;
    }();
    (void)registered;
    const std::string text(reinterpret_cast<const char*>(data), size);
    (void)core::redact_url(text);
    (void)core::is_secret_parameter(text);
    const size_t at = size == 0 ? 0 : data[0] % (size + 1);
    const auto with_secret = text.substr(0, at) + k_secret + text.substr(at);
    if (core::redact(with_secret).find(k_secret) != std::string::npos) {
        std::abort();
    }
    return 0;
}
