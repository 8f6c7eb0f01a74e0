// ffmpeg's -progress output as the supervisor reads it, line by line, whatever ffmpeg (or a
// stream it relays) prints.
#include "ffmpeg/progress.hpp"

#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace mtxrelay;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    ffmpeg::ProgressParser parser;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t end = text.find('\n', start);
        const auto line = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (const auto block = parser.feed(line)) {
            (void)block->frame;
        }
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
    return 0;
}
