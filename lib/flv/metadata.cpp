#include "flv/metadata.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <string>

namespace mtxrelay::flv {

namespace {

// AMF0 type markers.
enum Marker : std::uint8_t {
    number = 0x00,
    boolean = 0x01,
    string = 0x02,
    object = 0x03,
    null = 0x05,
    undefined = 0x06,
    ecma_array = 0x08,
    object_end = 0x09,
    strict_array = 0x0A,
    date = 0x0B,
    long_string = 0x0C,
};

constexpr int k_max_depth = 8;
constexpr std::uint32_t k_max_entries = 4096;

// A cursor over AMF0 bytes; every read checks the remaining length and fails sticky.
class Cursor {
public:
    explicit Cursor(std::string_view bytes) : m_bytes(bytes) {}

    bool ok() const { return m_ok; }
    bool at_end() const { return m_pos >= m_bytes.size(); }

    std::uint8_t u8() { return static_cast<std::uint8_t>(take(1).empty() ? 0 : m_last[0]); }
    std::uint32_t be(int bytes)
    {
        const auto raw = take(static_cast<std::size_t>(bytes));
        std::uint32_t value = 0;
        for (const char c : raw) {
            value = (value << 8) | static_cast<std::uint8_t>(c);
        }
        return value;
    }
    double f64()
    {
        const auto raw = take(8);
        std::uint64_t bits = 0;
        for (const char c : raw) {
            bits = (bits << 8) | static_cast<std::uint8_t>(c);
        }
        return raw.size() == 8 ? std::bit_cast<double>(bits) : 0.0;
    }
    std::string_view text(std::size_t length) { return take(length); }
    std::string_view short_string() { return text(be(2)); }
    void fail() { m_ok = false; }

private:
    std::string_view take(std::size_t n)
    {
        if (!m_ok || m_bytes.size() - m_pos < n) {
            m_ok = false;
            m_last = {};
            return {};
        }
        m_last = m_bytes.substr(m_pos, n);
        m_pos += n;
        return m_last;
    }

    std::string_view m_bytes;
    std::size_t m_pos = 0;
    std::string_view m_last;
    bool m_ok = true;
};

void skip_value(Cursor& in, std::uint8_t marker, int depth);

// Key/value pairs until the empty key + object-end marker; `on_number` sees top-level numbers.
template <class OnNumber>
void read_pairs(Cursor& in, int depth, OnNumber on_number)
{
    for (std::uint32_t i = 0; in.ok() && i < k_max_entries; ++i) {
        const auto key = in.short_string();
        const auto marker = in.u8();
        if (!in.ok()) {
            return;
        }
        if (key.empty() && marker == object_end) {
            return;
        }
        if (marker == number) {
            on_number(key, in.f64());
        } else {
            skip_value(in, marker, depth + 1);
        }
    }
    in.fail(); // too many entries, or no end marker
}

void skip_value(Cursor& in, std::uint8_t marker, int depth)
{
    if (depth > k_max_depth) {
        in.fail();
        return;
    }
    switch (marker) {
    case number:
        in.f64();
        return;
    case boolean:
        in.u8();
        return;
    case string:
        in.short_string();
        return;
    case long_string:
        in.text(in.be(4));
        return;
    case null:
    case undefined:
        return;
    case date:
        in.f64();
        in.be(2);
        return;
    case ecma_array:
        in.be(4); // the count is a hint only; the pairs end with the end marker
        [[fallthrough]];
    case object:
        read_pairs(in, depth, [](std::string_view, double) {});
        return;
    case strict_array: {
        const auto count = in.be(4);
        if (count > k_max_entries) {
            in.fail();
            return;
        }
        for (std::uint32_t i = 0; in.ok() && i < count; ++i) {
            skip_value(in, in.u8(), depth + 1);
        }
        return;
    }
    default:
        in.fail();
    }
}

void assign(Metadata& meta, std::string_view key, double value)
{
    if (!std::isfinite(value)) {
        return;
    }
    if (key == "videocodecid") {
        meta.videocodecid = value;
    } else if (key == "audiocodecid") {
        meta.audiocodecid = value;
    } else if (key == "width") {
        meta.width = value;
    } else if (key == "height") {
        meta.height = value;
    } else if (key == "framerate") {
        meta.framerate = value;
    }
}

} // namespace

std::optional<Metadata> parse_metadata(std::string_view body)
{
    Cursor in(body);
    if (in.u8() != string) {
        return std::nullopt;
    }
    auto name = in.short_string();
    if (in.ok() && name == "@setDataFrame") {
        if (in.u8() != string) {
            return std::nullopt;
        }
        name = in.short_string();
    }
    if (!in.ok() || name != "onMetaData") {
        return std::nullopt;
    }
    const auto marker = in.u8();
    if (!in.ok() || (marker != ecma_array && marker != object)) {
        return std::nullopt;
    }
    if (marker == ecma_array) {
        in.be(4);
    }
    Metadata meta;
    read_pairs(in, 0, [&](std::string_view key, double value) { assign(meta, key, value); });
    // Some writers end an ECMA array without the end marker: keep what was read.
    return meta;
}

} // namespace mtxrelay::flv
