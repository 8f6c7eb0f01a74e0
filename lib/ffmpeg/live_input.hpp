#pragma once

#include "ffmpeg/endpoint.hpp"

#include <string>
#include <vector>

namespace mtxrelay::ffmpeg {

// True for an RTMP(S) input, which relay-clean reads once as raw FLV (pump_command) and
// hands to the encoder itself, instead of letting the encoder join and analyse it.
bool is_rtmp(const Endpoint& endpoint);

// The argv of the input pump: one RTMP reader that copies the stream's bytes, exactly as the
// server sends them (ffmpeg's RTMP protocol turns messages into an FLV byte stream), to stdout
// without demuxing or analysing anything (`-f data ... -c copy -f data pipe:1`, flushed per
// packet). Its stdout is the only connection to the live input for the whole run.
std::vector<std::string> pump_command(const Endpoint& input);

// The encoder's input when relay-clean feeds it on stdin (an FLV stream made by
// flv::EncoderFeed: both tracks flagged and present, starting at a keyframe with its
// sequence headers). ffmpeg's analysis then ends as soon as both tracks decoded a frame:
// no frame-rate estimation (-fpsprobesize 0), a 1 s bound in case a track never decodes.
Endpoint pipe_input();

} // namespace mtxrelay::ffmpeg
