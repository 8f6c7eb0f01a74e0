#pragma once

#include "flv/metadata.hpp"
#include "flv/tag.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace mtxrelay::flv {

using FeedClock = std::chrono::steady_clock;

// What was learned about the live input when its first keyframe arrived (for logs).
struct InputInfo {
    std::string video_codec;
    int width = 0; // 0 when neither the SPS nor onMetaData told
    int height = 0;
    bool has_audio = false;
    std::string audio_codec;  // empty without audio
    std::string audio_source; // how has_audio was decided: "MediaMTX API", "audio tags", "onMetaData", "no audio seen"
};

struct FeedSettings {
    // Known before any byte (MediaMTX's API); otherwise learned from the stream.
    std::optional<bool> has_audio;
    // A publisher whose onMetaData announces audio, none of which arrived before the first
    // keyframe, gets this long for it before the start goes ahead without.
    std::chrono::milliseconds audio_wait{500};
    // Tags held meanwhile, at most (then the start goes ahead without audio).
    std::size_t max_held_bytes = 8 * 1024 * 1024;
};

// The bytes for the encoder's stdin from one call.
struct FeedOutput {
    std::string bytes;
    bool started = false; // this call released the first keyframe to the current encoder
};

// Turns the FLV tags of a live input into the FLV stream the encoder reads on stdin, so that
// the encoder can be started before the input is even joined and its stream analysis ends
// as soon as the first keyframe is there:
// - the header always flags audio and video, and audio is always present: the input's own,
//   or silence (16-bit PCM, made here, following the video's timestamps) when it has none,
//   so one encoder command fits every input;
// - nothing is passed before the first video keyframe (a decoder cannot start earlier);
//   then the sequence headers (re-stamped to the keyframe's time) and every audio/video tag
//   from the keyframe on. Script tags are not passed (onMetaData is read here).
// Pure: no I/O; the owner writes the bytes and calls begin() for every new encoder.
class EncoderFeed {
public:
    explicit EncoderFeed(FeedSettings settings = {});

    // The first bytes of a new encoder's input (the FLV header); the feed then waits for the
    // next keyframe. Sequence headers and audio knowledge seen so far are kept; a has_audio
    // setting that audio tags contradicted is dropped.
    std::string begin();
    // One input tag, in arrival order.
    FeedOutput push(const Tag& tag, FeedClock::time_point now);
    // Ends a wait for announced audio once audio_wait has passed (call on every loop turn).
    FeedOutput tick(FeedClock::time_point now);

    // The current encoder has received its first keyframe.
    bool flowing() const { return m_state == State::flowing; }
    // Known once the first keyframe was released.
    const std::optional<InputInfo>& info() const { return m_info; }
    // Audio tags that arrived after a start decided there was no audio (the owner may
    // restart the encoder so that a begin() takes them).
    std::uint64_t dropped_audio_tags() const { return m_dropped_audio; }

private:
    enum class State { waiting_keyframe, holding, flowing };

    void learn(const Tag& tag);
    FeedOutput release(bool has_audio, const std::string& audio_source);
    void forward(const Tag& tag, std::string& out);
    void add_silence(std::uint32_t video_ms, std::string& out);

    FeedSettings m_settings;
    State m_state = State::waiting_keyframe;
    std::optional<Tag> m_video_config;
    std::optional<Tag> m_audio_config;
    std::optional<Metadata> m_metadata;
    std::string m_audio_codec;
    bool m_audio_seen = false;
    std::deque<Tag> m_held; // from the keyframe, while waiting for announced audio
    std::size_t m_held_bytes = 0;
    FeedClock::time_point m_hold_since{};
    bool m_audio = false;                      // the current encoder gets the input's audio (else silence)
    std::optional<std::int64_t> m_silence_end; // in samples at k_silence_rate
    std::optional<InputInfo> m_info;
    std::uint64_t m_dropped_audio = 0;
};

} // namespace mtxrelay::flv
