#pragma once

#include "process/child.hpp"

#include <chrono>
#include <csignal>

// How each supervised ffmpeg is stopped, one named sequence per owner, with the reason for
// every number. SIGINT always comes first: ffmpeg then writes its last packets and closes its
// output (an FLV trailer, an RTMP unpublish) instead of cutting it. A generic child with no
// owner's deadline uses process::k_child_stop_steps (the generic layer cannot name ffmpeg).
namespace mtxrelay::ffmpeg {

// relay-clean's encoder and its input pump. SIGINT 2 s: the encoder finishes the frames it
// holds; with the 1.5 s tail handed over before and the 1.5 s final status post after, the
// hook still exits inside MediaMTX's 5 s (docs/relay-clean.md). SIGTERM 0.5 s: an ffmpeg stuck
// in a network write ignores SIGINT but not SIGTERM. SIGKILL 1 s: the kernel's time to end it.
inline const process::StopSteps k_encoder_stop_steps = {{SIGINT, std::chrono::milliseconds(2000)},
                                                        {SIGTERM, std::chrono::milliseconds(500)},
                                                        {SIGKILL, std::chrono::milliseconds(1000)}};

// relay-restream's `-c copy` runs, stopped all at once in parallel. SIGINT 1.5 s: a copy holds
// no frames to encode, only its output to close; 1.5 + 0.5 + 1 s leaves the 1 s final status
// post inside MediaMTX's 5 s (relay-restream's own stop waits 4 s at most).
inline const process::StopSteps k_copy_stop_steps = {{SIGINT, std::chrono::milliseconds(1500)},
                                                     {SIGTERM, std::chrono::milliseconds(500)},
                                                     {SIGKILL, std::chrono::milliseconds(1000)}};

// After the last step a supervisor that still sees its child SIGKILLs it again this often
// (a child in uninterruptible sleep): the owner's loop never waits on it.
inline constexpr std::chrono::milliseconds k_kill_repeat{500};

} // namespace mtxrelay::ffmpeg
