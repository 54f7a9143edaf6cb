#pragma once
// Feeds the scene into the pipeline's appsrc at the configured frame rate, paced by the
// pipeline clock (not by the main loop, whose work must never jitter the video). The same
// frame is pushed again until the scene changes: a new GstBuffer header sharing the memory,
// no copy, no conversion.
#include "common/handles.hpp"

#include <gst/gst.h>

#include <cstdint>
#include <memory>

namespace agentcast::scene {

class VideoFeed {
 public:
  // Set on a frame that repeats the previous one (the scene did not change in between), so
  // the encoder branch can tell a still picture from a new one without comparing pixels.
  static constexpr GstBufferFlags kRepeatFlag = GST_BUFFER_FLAG_LAST;

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
  // Frames not pushed because the encoder fell behind (appsrc already held a backlog).
  std::uint64_t frames_dropped() const;

 private:
  struct Shared;
  static gboolean on_tick(GstClock* clock, GstClockTime time, GstClockID id, gpointer data);
  static void release_shared(gpointer data);

  std::shared_ptr<Shared> shared_;
  GstClockID tick_ = nullptr;
};

}  // namespace agentcast::scene
