#include "scene/video_feed.hpp"

#include "codec/repeat_meta.hpp"
#include "common/log.hpp"
#include "common/paced_appsrc.hpp"

#include <atomic>
#include <mutex>
#include <utility>

namespace agentcast::scene {

struct VideoFeed::Shared {
  std::mutex mutex;  // the picture and the frame grid; taken before the source's own
  GstBufferPtr frame;
  bool frame_is_new = false;  // not pushed yet
  PacedAppSrc source;
  bool running = false;  // the first frame went out: need-data drives the rest
  GstClockTime base_time = 0;
  GstClockTime duration = 0;
  GstClockTime next = 0;  // clock time of the next frame due
  guint64 max_late = 0;   // frames the feed catches up on (appsrc's max-buffers)
  std::atomic<std::uint64_t> pushed{0};
  std::atomic<std::uint64_t> dropped{0};

  // Pushes the newest picture for the frame due at `next`, then moves `next` on. Called with
  // the mutex held.
  void push_locked() {
    GstBuffer* buffer = gst_buffer_copy(frame.get());  // shares the memory: a new header, not a new picture
    if (!std::exchange(frame_is_new, false)) codec::mark_repeat(buffer);
    GST_BUFFER_PTS(buffer) = next - base_time;
    GST_BUFFER_DURATION(buffer) = duration;
    next += duration;
    running = true;
    if (source.push(buffer)) pushed.fetch_add(1, std::memory_order_relaxed);
  }

  // The first push comes from outside (PacedAppSrc::attach).
  void kick_locked() {
    if (running || !source.attached() || !frame) return;
    push_locked();
  }

  // On appsrc's streaming thread, its queue empty: waits for the next frame's tick, then
  // pushes it. Returns without a push only when stopped.
  void serve() {
    while (true) {
      GstClockTime due = 0;
      {
        std::lock_guard lock(mutex);
        due = next;
      }
      if (!source.wait_until(due)) return;
      std::lock_guard lock(mutex);
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
    const GstClockTime now = source.now();
    if (now <= next) return;
    const GstClockTime behind = (now - next) / duration;  // frames due before the newest one
    if (behind <= max_late) return;
    next += behind * duration;
    dropped.fetch_add(behind, std::memory_order_relaxed);
  }
};

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
  shared_->source.attach(appsrc, clock, base_time, [shared = shared_] { shared->serve(); });
  std::lock_guard lock(shared_->mutex);
  auto& shared = *shared_;
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
  shared_->source.detach();
  std::lock_guard lock(shared_->mutex);
  shared_->running = false;
}

std::uint64_t VideoFeed::frames_pushed() const { return shared_->pushed.load(std::memory_order_relaxed); }
std::uint64_t VideoFeed::frames_dropped() const { return shared_->dropped.load(std::memory_order_relaxed); }

}  // namespace agentcast::scene
