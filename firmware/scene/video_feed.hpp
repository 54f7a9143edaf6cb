#pragma once
// Feeds the scene into the pipeline's appsrc at the configured frame rate, paced by the
// pipeline clock (not by the main loop, whose work must never jitter the video). The same
// frame is pushed again until the scene changes: a new GstBuffer header sharing the memory,
// no copy, no conversion, marked as a repeat (codec/repeat_meta.hpp). When the encoder falls
// behind, appsrc's own leaky queue (max-buffers, leaky-type=upstream in stream.txt) drops the
// newest frame; a new picture that may have been dropped is sent again as new.
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

  // Pushes one frame per period into `appsrc` from `base_time` on; the first push happens at
  // once. `appsrc` must be PLAYING (pushing earlier corrupts timestamps, egress PR #1076).
  void start(GstElement* appsrc, GstClock* clock, GstClockTime base_time);
  // Stops pushing (before EOS or teardown). Safe to call when not started.
  void stop();

  std::uint64_t frames_pushed() const;
  // Frames appsrc dropped because the encoder fell behind (its queue was full).
  std::uint64_t frames_dropped() const;

 private:
  struct Shared;
  static gboolean on_tick(GstClock* clock, GstClockTime time, GstClockID id, gpointer data);

  std::shared_ptr<Shared> shared_;
  GstClockID tick_ = nullptr;
};

}  // namespace agentcast::scene
