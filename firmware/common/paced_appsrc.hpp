#pragma once
// An appsrc the box feeds in pull mode, paced by the pipeline clock: appsrc's own streaming
// thread asks for data (need-data), and the owner's `serve` waits there for the next tick and
// pushes. No thread of its own and no clock thread (gst_clock_id_wait_async would start
// GStreamer's). scene/video_feed and audio/audio_feed are built on it.
//
// Locking: attach() and detach() run on the main loop, wait_until() and push() on the
// streaming thread; one mutex guards the appsrc and the wait in progress, held for
// microseconds (push never blocks: the appsrcs are block=false).
#include "common/handles.hpp"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <functional>
#include <mutex>

namespace agentcast {

class PacedAppSrc {
 public:
  PacedAppSrc() = default;
  ~PacedAppSrc() { detach(); }
  PacedAppSrc(const PacedAppSrc&) = delete;
  PacedAppSrc& operator=(const PacedAppSrc&) = delete;

  // `serve` runs on appsrc's streaming thread whenever its queue is empty; appsrc holds it
  // (and what it captures) until detach(). appsrc asked for data once when it started, before
  // `serve` was there: the owner pushes the first buffer itself.
  void attach(GstElement* appsrc, GstClock* clock, GstClockTime base_time, std::function<void()> serve);
  // No need-data reaches `serve` afterwards, and a wait in progress returns false at once.
  void detach();
  bool attached() const;

  GstClockTime base_time() const;
  GstClockTime now() const;  // the clock's time (not running time); 0 when detached
  // On the streaming thread: waits until `clock_time`; false when detached meanwhile.
  bool wait_until(GstClockTime clock_time);
  // Takes `buffer`; false when detached or refused.
  bool push(GstBuffer* buffer);

 private:
  static void on_need_data(GstAppSrc* appsrc, guint length, gpointer serve);

  mutable std::mutex mutex_;
  GstElementPtr appsrc_;  // null while detached
  GstObjectPtr<GstClock> clock_;
  GstClockTime base_time_ = 0;
  GstClockID waiting_ = nullptr;  // the tick the streaming thread waits for, to unschedule
};

}  // namespace agentcast
