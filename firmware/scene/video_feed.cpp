#include "scene/video_feed.hpp"

#include "codec/repeat_meta.hpp"
#include "common/fault_barrier.hpp"
#include "common/log.hpp"
#include "common/user_data.hpp"

#include <gst/app/gstappsrc.h>

#include <atomic>
#include <mutex>
#include <utility>

namespace agentcast::scene {

struct VideoFeed::Shared {
  std::mutex mutex;
  GstBufferPtr frame;
  bool frame_is_new = false;  // not pushed yet
  GstElementPtr appsrc;       // null while stopped
  GstObjectPtr<GstClock> clock;
  GstClockID waiting = nullptr;  // the tick appsrc's thread waits for, to unschedule at stop
  bool running = false;          // the first frame went out: need-data drives the rest
  GstClockTime base_time = 0;
  GstClockTime duration = 0;
  GstClockTime next = 0;  // clock time of the next frame due
  guint64 max_late = 0;   // frames the feed catches up on (appsrc's max-buffers)
  std::atomic<std::uint64_t> pushed{0};
  std::atomic<std::uint64_t> dropped{0};

  // Pushes the newest picture for the frame due at `next`, then moves `next` on. Called with
  // the mutex held; appsrc never blocks (block=false), so the lock is held for microseconds.
  void push_locked() {
    GstBuffer* buffer = gst_buffer_copy(frame.get());  // shares the memory: a new header, not a new picture
    if (!std::exchange(frame_is_new, false)) codec::mark_repeat(buffer);
    GST_BUFFER_PTS(buffer) = next - base_time;
    GST_BUFFER_DURATION(buffer) = duration;
    next += duration;
    running = true;
    if (gst_app_src_push_buffer(GST_APP_SRC(appsrc.get()), buffer) == GST_FLOW_OK)
      pushed.fetch_add(1, std::memory_order_relaxed);
  }

  // The first push comes from outside: appsrc asked for data once when it started, before
  // the feed was there, and waits for a buffer since.
  void kick_locked() {
    if (running || !appsrc || !frame) return;
    push_locked();
  }

  // On appsrc's streaming thread, its queue empty: waits for the next frame's tick, then
  // pushes it. Returns without a push only when stopped.
  void serve() {
    while (true) {
      GstClockID tick = nullptr;
      {
        std::lock_guard lock(mutex);
        if (!appsrc) return;
        tick = waiting = gst_clock_new_single_shot_id(clock.get(), next);
      }
      gst_clock_id_wait(tick, nullptr);  // returns early, unscheduled, when stop() cuts it
      std::lock_guard lock(mutex);
      waiting = nullptr;
      gst_clock_id_unref(tick);
      if (!appsrc) return;
      if (!frame) {
        next += duration;  // nothing to show yet: the next tick
        continue;
      }
      skip_late_frames_locked();
      push_locked();
      return;
    }
  }

  // Behind by more than `max_late` frames (the encoder took that long): the frames due
  // meanwhile are dropped, and the newest one due goes out.
  void skip_late_frames_locked() {
    const GstClockTime now = gst_clock_get_time(clock.get());
    if (now <= next) return;
    const GstClockTime behind = (now - next) / duration;  // frames due before the newest one
    if (behind <= max_late) return;
    next += behind * duration;
    dropped.fetch_add(behind, std::memory_order_relaxed);
  }
};

void VideoFeed::on_need_data(GstAppSrc* /*appsrc*/, guint /*length*/, gpointer data) {
  fault::contain("the video feed", [&] { (*static_cast<std::shared_ptr<Shared>*>(data))->serve(); });
}

VideoFeed::VideoFeed(int fps) : shared_(std::make_shared<Shared>()) {
  shared_->duration = gst_util_uint64_scale_int(GST_SECOND, 1, fps);
}

VideoFeed::~VideoFeed() { stop(); }

void VideoFeed::show(GstBufferPtr frame) {
  std::lock_guard lock(shared_->mutex);
  shared_->frame = std::move(frame);
  shared_->frame_is_new = true;
  shared_->kick_locked();
}

void VideoFeed::start(GstElement* appsrc, GstClock* clock, GstClockTime base_time) {
  stop();
  GstAppSrcCallbacks callbacks{};
  callbacks.need_data = on_need_data;
  gst_app_src_set_callbacks(GST_APP_SRC(appsrc), &callbacks, to_user_data(shared_),
                            destroy_user_data<std::shared_ptr<Shared>>);
  std::lock_guard lock(shared_->mutex);
  auto& shared = *shared_;
  shared.appsrc.reset(GST_ELEMENT(gst_object_ref(appsrc)));
  shared.clock.reset(GST_CLOCK(gst_object_ref(clock)));
  shared.base_time = base_time;
  shared.running = false;
  g_object_get(appsrc, "max-buffers", &shared.max_late, nullptr);
  // Start on the frame grid at the next frame from now: a live source does not catch up on
  // frames it was not around for (that would be a burst of stale frames).
  const GstClockTime now = gst_clock_get_time(clock);
  shared.next = base_time;
  if (now > base_time) {
    const GstClockTime frames = (now - base_time + shared.duration - 1) / shared.duration;
    shared.next = base_time + frames * shared.duration;
  }
  // The benchmark maps frames of a recording back to the moment they entered the pipeline.
  log::debug("video feed: first frame due at clock time ", shared.next / GST_USECOND, " us");
  shared.kick_locked();
}

void VideoFeed::stop() {
  GstElementPtr appsrc;
  {
    std::lock_guard lock(shared_->mutex);
    appsrc = std::move(shared_->appsrc);
    if (shared_->waiting != nullptr) gst_clock_id_unschedule(shared_->waiting);
    shared_->running = false;
  }
  if (appsrc) {
    GstAppSrcCallbacks none{};
    gst_app_src_set_callbacks(GST_APP_SRC(appsrc.get()), &none, nullptr, nullptr);
  }
}

std::uint64_t VideoFeed::frames_pushed() const { return shared_->pushed.load(std::memory_order_relaxed); }
std::uint64_t VideoFeed::frames_dropped() const { return shared_->dropped.load(std::memory_order_relaxed); }

}  // namespace agentcast::scene
