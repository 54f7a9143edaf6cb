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
  GstElementPtr appsrc;
  GstClockTime base_time = 0;
  GstClockTime duration = 0;
  guint64 queue_limit = 0;  // appsrc's max-buffers, read at start
  std::atomic<std::uint64_t> pushed{0};
  std::atomic<std::uint64_t> dropped{0};

  // Runs on the clock's thread. The push happens under the lock, so once stop() has taken
  // the appsrc away no tick that began before it can still push (appsrc never blocks here:
  // its queue is leaky, so the lock is held for microseconds).
  void tick(GstClockTime time) {
    std::lock_guard lock(mutex);
    if (!frame || !appsrc || time < base_time) return;
    GstBuffer* buffer = gst_buffer_copy(frame.get());  // shares the memory: a new header, not a new picture
    if (!std::exchange(frame_is_new, false)) codec::mark_repeat(buffer);
    GST_BUFFER_PTS(buffer) = time - base_time;
    GST_BUFFER_DURATION(buffer) = duration;
    auto* src = GST_APP_SRC(appsrc.get());
    // This thread is the only one pushing: with the queue full now, appsrc drops this frame.
    const bool full = queue_limit > 0 && gst_app_src_get_current_level_buffers(src) >= queue_limit;
    if (full) {
      dropped.fetch_add(1, std::memory_order_relaxed);
      // The encoder may not see this picture: send it again as new.
      if (!codec::is_repeat(buffer)) frame_is_new = true;
    }
    if (gst_app_src_push_buffer(src, buffer) == GST_FLOW_OK && !full) pushed.fetch_add(1, std::memory_order_relaxed);
  }
};

gboolean VideoFeed::on_tick(GstClock* /*clock*/, GstClockTime time, GstClockID /*id*/, gpointer data) {
  if (GST_CLOCK_TIME_IS_VALID(time)) {
    fault::contain("the video feed", [&] { (*static_cast<std::shared_ptr<Shared>*>(data))->tick(time); });
  }
  return TRUE;
}

VideoFeed::VideoFeed(int fps) : shared_(std::make_shared<Shared>()) {
  shared_->duration = gst_util_uint64_scale_int(GST_SECOND, 1, fps);
}

VideoFeed::~VideoFeed() { stop(); }

void VideoFeed::show(GstBufferPtr frame) {
  std::lock_guard lock(shared_->mutex);
  shared_->frame = std::move(frame);
  shared_->frame_is_new = true;
}

void VideoFeed::start(GstElement* appsrc, GstClock* clock, GstClockTime base_time) {
  stop();
  {
    std::lock_guard lock(shared_->mutex);
    shared_->appsrc.reset(GST_ELEMENT(gst_object_ref(appsrc)));
    shared_->base_time = base_time;
    g_object_get(appsrc, "max-buffers", &shared_->queue_limit, nullptr);
  }
  // Start on the frame grid at the next frame from now: a live source does not catch up on
  // frames it was not around for (that would be a burst of stale frames).
  const GstClockTime now = gst_clock_get_time(clock);
  GstClockTime first = base_time;
  if (now > base_time) {
    const GstClockTime frames = (now - base_time + shared_->duration - 1) / shared_->duration;
    first = base_time + frames * shared_->duration;
  }
  tick_ = gst_clock_new_periodic_id(clock, first, shared_->duration);
  // The benchmark maps frames of a recording back to the moment they entered the pipeline.
  log::debug("video feed: first frame due at clock time ", first / GST_USECOND, " us");
  // The clock thread keeps its own reference to the shared state until the id is freed.
  gst_clock_id_wait_async(tick_, on_tick, to_user_data(shared_), destroy_user_data<std::shared_ptr<Shared>>);
}

void VideoFeed::stop() {
  if (tick_ != nullptr) {
    gst_clock_id_unschedule(tick_);
    gst_clock_id_unref(tick_);
    tick_ = nullptr;
  }
  std::lock_guard lock(shared_->mutex);
  shared_->appsrc.reset();
}

std::uint64_t VideoFeed::frames_pushed() const { return shared_->pushed.load(std::memory_order_relaxed); }
std::uint64_t VideoFeed::frames_dropped() const { return shared_->dropped.load(std::memory_order_relaxed); }

}  // namespace agentcast::scene
