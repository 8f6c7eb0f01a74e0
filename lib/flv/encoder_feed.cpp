#include "flv/encoder_feed.hpp"

#include "flv/avc.hpp"

#include <cmath>

namespace mtxrelay::flv {

namespace {

// Silence: 16-bit little-endian mono PCM at 44.1 kHz (SoundFormat 3, rate index 3, 16 bit,
// mono); the encoder's resampler turns it into its 48 kHz stereo AAC like any audio.
constexpr std::uint8_t k_silence_flags = (3 << 4) | (3 << 2) | (1 << 1);
constexpr std::int64_t k_silence_rate = 44100;
// Audio runs this far ahead of the video it follows, so the encoder never waits for it.
constexpr std::int64_t k_silence_lead_ms = 100;
// A video timestamp step beyond these is a jump: the silence jumps with it (the encoder's
// timestamp repair then treats audio and video alike), instead of filling the gap.
constexpr std::int64_t k_forward_jump_ms = 600;
constexpr std::int64_t k_backward_jump_ms = 1000;
constexpr std::int64_t k_max_silence_samples = k_silence_rate / 2;

std::int64_t samples_at(std::int64_t ms)
{
    return ms * k_silence_rate / 1000;
}

} // namespace

EncoderFeed::EncoderFeed(FeedSettings settings) : m_settings(settings) {}

std::string EncoderFeed::begin()
{
    if (m_dropped_audio > 0) {
        m_settings.has_audio.reset(); // audio came after all: what the stream shows decides now
    }
    m_state = State::waiting_keyframe;
    m_held.clear();
    m_held_bytes = 0;
    m_silence_end.reset();
    return header_bytes(true, true);
}

void EncoderFeed::learn(const Tag& tag)
{
    if (tag.type == TagType::script) {
        if (auto meta = parse_metadata(tag.body)) {
            m_metadata = meta;
        }
    } else if (is_video_config(tag)) {
        m_video_config = tag;
    } else if (tag.type == TagType::audio && !tag.body.empty()) {
        m_audio_seen = true;
        m_audio_codec = audio_codec_name(tag);
        if (is_aac_config(tag)) {
            m_audio_config = tag;
        }
    }
}

FeedOutput EncoderFeed::push(const Tag& tag, FeedClock::time_point now)
{
    learn(tag);
    FeedOutput out;
    switch (m_state) {
    case State::flowing:
        forward(tag, out.bytes);
        return out;
    case State::holding:
        if (tag.type != TagType::script) {
            m_held_bytes += tag.body.size();
            m_held.push_back(tag);
        }
        if (m_audio_seen) {
            return release(true, "audio tags");
        }
        return m_held_bytes > m_settings.max_held_bytes ? release(false, "no audio seen") : tick(now);
    case State::waiting_keyframe:
        break;
    }
    if (!is_video_keyframe(tag)) {
        return out;
    }
    m_held.push_back(tag);
    m_held_bytes = tag.body.size();
    if (m_settings.has_audio) {
        return release(*m_settings.has_audio, "MediaMTX API");
    }
    if (m_audio_seen) {
        return release(true, "audio tags");
    }
    if (m_metadata && m_metadata->announces_audio() && m_settings.audio_wait.count() > 0) {
        m_state = State::holding;
        m_hold_since = now;
        return out;
    }
    return release(false, "no audio seen");
}

FeedOutput EncoderFeed::tick(FeedClock::time_point now)
{
    if (m_state == State::holding && now - m_hold_since >= m_settings.audio_wait) {
        return release(false, "onMetaData announced audio, none came");
    }
    return {};
}

FeedOutput EncoderFeed::release(bool has_audio, const std::string& audio_source)
{
    FeedOutput out;
    out.started = true;
    m_state = State::flowing;
    m_audio = has_audio;
    const auto& key = m_held.front();
    InputInfo info;
    info.video_codec = video_codec_name(key);
    auto sps = sps_of_video_tag(key.body);
    if (!sps && m_video_config) {
        sps = sps_of_video_tag(m_video_config->body);
    }
    if (sps) {
        info.width = sps->width;
        info.height = sps->height;
    } else if (m_metadata && m_metadata->width && m_metadata->height && *m_metadata->width > 0 &&
               *m_metadata->height > 0 && *m_metadata->width < 1e5 && *m_metadata->height < 1e5) {
        info.width = static_cast<int>(std::lround(*m_metadata->width));
        info.height = static_cast<int>(std::lround(*m_metadata->height));
    }
    info.has_audio = has_audio;
    info.audio_codec = has_audio ? (m_audio_codec.empty() ? "announced" : m_audio_codec) : "";
    info.audio_source = audio_source;
    m_info = info;

    if (m_video_config) {
        Tag config = *m_video_config;
        config.timestamp = key.timestamp;
        out.bytes += tag_bytes(config);
    }
    if (has_audio && m_audio_config) {
        Tag config = *m_audio_config;
        config.timestamp = key.timestamp;
        out.bytes += tag_bytes(config);
    }
    for (const auto& tag : m_held) {
        // The configurations were just written first.
        if ((m_video_config && is_video_config(tag)) || (has_audio && m_audio_config && is_aac_config(tag))) {
            continue;
        }
        forward(tag, out.bytes);
    }
    m_held.clear();
    m_held_bytes = 0;
    return out;
}

void EncoderFeed::forward(const Tag& tag, std::string& out)
{
    if (tag.type == TagType::video) {
        out += tag_bytes(tag);
        if (!m_audio && !is_video_config(tag)) {
            add_silence(tag.timestamp, out);
        }
    } else if (tag.type == TagType::audio) {
        if (m_audio) {
            out += tag_bytes(tag);
        } else {
            ++m_dropped_audio;
        }
    }
}

void EncoderFeed::add_silence(std::uint32_t video_ms, std::string& out)
{
    const auto video = static_cast<std::int64_t>(video_ms);
    const auto target = samples_at(video + k_silence_lead_ms);
    if (!m_silence_end || target - *m_silence_end > samples_at(k_forward_jump_ms) ||
        samples_at(video) < *m_silence_end - samples_at(k_backward_jump_ms)) {
        m_silence_end = samples_at(video);
    }
    while (target > *m_silence_end) {
        const auto count = std::min(target - *m_silence_end, k_max_silence_samples);
        Tag tag;
        tag.type = TagType::audio;
        tag.timestamp = static_cast<std::uint32_t>((*m_silence_end * 1000 + k_silence_rate / 2) / k_silence_rate);
        tag.body.assign(1 + static_cast<std::size_t>(count) * 2, '\0');
        tag.body[0] = static_cast<char>(k_silence_flags);
        out += tag_bytes(tag);
        *m_silence_end += count;
    }
}

} // namespace mtxrelay::flv
