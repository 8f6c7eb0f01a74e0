// The cloud's answers: cf-url and destination lists as any body, then what the relay builds
// from them (the status payload) serialised as it would be sent.
#include "cloud/types.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace mtxrelay;
    const std::string body(reinterpret_cast<const char*>(data), size);
    if (const auto cf = cloud::parse_cf_url(body)) {
        if (cf.value().url.empty()) {
            std::abort(); // documented: an empty url is refused
        }
        (void)core::dump_json(cf.value().raw);
    }
    if (const auto list = cloud::parse_destinations(body)) {
        for (const auto& entry : list.value().entries) {
            if (entry.destination.has_value() == !entry.problem.empty()) {
                std::abort(); // each entry is either usable or has its reason
            }
        }
    }
    if (auto document = core::parse_json(body)) {
        cloud::StreamStatus status{"alice", "s1", "active", document.value()};
        (void)core::redact(core::dump_json(cloud::to_json(status)));
    }
    return 0;
}
