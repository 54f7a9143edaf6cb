#pragma once
// Feeds the scene into the pipeline's appsrc at the configured frame rate, paced by the
// pipeline clock (not by the main loop, whose work must never jitter the video). The same
// frame is pushed again until the scene changes: a new GstBuffer header sharing the memory,
// no copy, no conversion, marked as a repeat (codec/repeat_meta.hpp).
//
// Threads: none of its own (common/paced_appsrc.hpp). appsrc's streaming thread asks for each
// frame and waits in the feed for the frame's tick of the clock, then encodes it: no clock
// thread, no queue between the tick and the encoder. When the encoder falls behind, frames due meanwhile
// are pushed at once to catch up, up to appsrc's max-buffers; beyond that the feed skips to
// the newest frame due and counts the rest as dropped. A new picture is never skipped: the
// frame pushed is always the newest picture, marked new if it has not been sent.
#include "common/handles.hpp"

#include <gst/gst.h>

#include <cstdint>
#include <memory>

namespace agentcast::scene {

class VideoFeed {
 public:
  explicit VideoFeed(int fps);
  ~VideoFeed();
  VideoFeed(const VideoFeed&) = delete;
  VideoFeed& operator=(const VideoFeed&) = delete;

  // The picture to send from the next tick on (main thread).
  void show(GstBufferPtr frame);

  // Pushes one frame per period into `appsrc` on the frame grid from `base_time`; the first
  // push happens at once (or at the first show()). `appsrc` must be PLAYING (pushing earlier
  // corrupts timestamps, egress PR #1076).
  void start(GstElement* appsrc, GstClock* clock, GstClockTime base_time);
  // Stops pushing (before EOS or teardown): a wait for the next tick is cut short. Safe to
  // call when not started.
  void stop();

  std::uint64_t frames_pushed() const;
  // Frames skipped because the encoder fell behind by more than appsrc's max-buffers.
  std::uint64_t frames_dropped() const;

 private:
  struct Shared;

  std::shared_ptr<Shared> shared_;
};

}  // namespace agentcast::scene
