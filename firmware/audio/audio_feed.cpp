#include "audio/audio_feed.hpp"

#include "common/fault_barrier.hpp"
#include "common/user_data.hpp"

#include <algorithm>
#include <deque>
#include <mutex>

namespace agentcast::audio {

struct AudioFeed::Shared {
  struct Voice {
    std::uint64_t first_frame = 0;  // the frame (sample index on the track) it starts at
    std::vector<std::int16_t> samples;
  };

  const int rate;
  const int channels;
  const std::uint64_t frames_per_buffer;
  mutable std::mutex mutex;
  GstElementPtr appsrc;  // null while stopped
  GstObjectPtr<GstClock> clock;
  GstClockTime base_time = 0;
  GstClockID waiting = nullptr;  // the tick appsrc's thread waits for, to unschedule at stop
  std::uint64_t next_frame = 0;  // the first frame of the next buffer
  std::deque<Voice> voice;       // in order of first_frame, not overlapping
  std::atomic<GstClockTime> sent_until{0};
  std::atomic<std::uint64_t> pushed{0};

  Shared(int rate_hz, int channel_count, int frames)
      : rate(rate_hz), channels(channel_count), frames_per_buffer(static_cast<std::uint64_t>(frames)) {}

  GstClockTime time_of(std::uint64_t frame) const {
    return gst_util_uint64_scale(frame, GST_SECOND, static_cast<guint64>(rate));
  }
  std::uint64_t frame_at(GstClockTime time) const {
    return gst_util_uint64_scale_round(time, static_cast<guint64>(rate), GST_SECOND);
  }

  // The buffer starting at next_frame: silence with the queued voice copied in. Called with
  // the mutex held.
  GstBuffer* make_buffer_locked() {
    const std::uint64_t first = next_frame;
    const std::uint64_t end = first + frames_per_buffer;
    const auto samples_per_frame = static_cast<std::uint64_t>(channels);
    GstBuffer* buffer =
        gst_buffer_new_allocate(nullptr, frames_per_buffer * samples_per_frame * sizeof(std::int16_t), nullptr);
    GstMapInfo map;
    if (gst_buffer_map(buffer, &map, GST_MAP_WRITE)) {
      auto* out = reinterpret_cast<std::int16_t*>(map.data);
      std::fill(out, out + frames_per_buffer * samples_per_frame, std::int16_t{0});
      while (!voice.empty()) {
        const Voice& piece = voice.front();
        const std::uint64_t piece_end = piece.first_frame + piece.samples.size() / samples_per_frame;
        if (piece_end <= first) {  // heard (or too late to be)
          voice.pop_front();
          continue;
        }
        if (piece.first_frame >= end) break;
        const std::uint64_t from = std::max(first, piece.first_frame);
        const std::uint64_t to = std::min(end, piece_end);
        std::copy(piece.samples.begin() + static_cast<std::ptrdiff_t>((from - piece.first_frame) * samples_per_frame),
                  piece.samples.begin() + static_cast<std::ptrdiff_t>((to - piece.first_frame) * samples_per_frame),
                  out + (from - first) * samples_per_frame);
        if (to < piece_end) break;  // the rest of this piece goes into the next buffer
        voice.pop_front();
      }
      gst_buffer_unmap(buffer, &map);
    }
    GST_BUFFER_PTS(buffer) = time_of(first);
    GST_BUFFER_DURATION(buffer) = time_of(end) - time_of(first);
    GST_BUFFER_OFFSET(buffer) = first;
    GST_BUFFER_OFFSET_END(buffer) = end;
    next_frame = end;
    return buffer;
  }

  void push_locked() {
    GstBuffer* buffer = make_buffer_locked();
    const GstClockTime until = GST_BUFFER_PTS(buffer) + GST_BUFFER_DURATION(buffer);
    if (gst_app_src_push_buffer(GST_APP_SRC(appsrc.get()), buffer) == GST_FLOW_OK) {
      pushed.fetch_add(1, std::memory_order_relaxed);
      sent_until.store(until, std::memory_order_relaxed);
    }
  }

  // On appsrc's streaming thread, its queue empty: waits until the next buffer's last frame is
  // due on the clock (as a capture source would have it then), then pushes it. Returns without
  // a push only when stopped.
  void serve() {
    GstClockID tick = nullptr;
    {
      std::lock_guard lock(mutex);
      if (!appsrc) return;
      tick = waiting = gst_clock_new_single_shot_id(clock.get(), base_time + time_of(next_frame + frames_per_buffer));
    }
    gst_clock_id_wait(tick, nullptr);  // returns early, unscheduled, when stop() cuts it
    std::lock_guard lock(mutex);
    waiting = nullptr;
    gst_clock_id_unref(tick);
    if (appsrc) push_locked();
  }
};

void AudioFeed::on_need_data(GstAppSrc* /*appsrc*/, guint /*length*/, gpointer data) {
  fault::contain("the audio feed", [&] { (*static_cast<std::shared_ptr<Shared>*>(data))->serve(); });
}

AudioFeed::AudioFeed(int rate, int channels, int frames_per_buffer)
    : shared_(std::make_shared<Shared>(rate, channels, frames_per_buffer)) {}

AudioFeed::~AudioFeed() { stop(); }

void AudioFeed::start(GstElement* appsrc, GstClock* clock, GstClockTime base_time) {
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
  // The first buffer is the last one complete by now: a live source does not make up for time
  // it was not there. appsrc asked for data once when it started, before the feed was there,
  // and waits since: that buffer goes out at once.
  const GstClockTime now = gst_clock_get_time(clock);
  const std::uint64_t frame = shared.frame_at(now > base_time ? now - base_time : 0);
  const std::uint64_t boundary = frame / shared.frames_per_buffer * shared.frames_per_buffer;
  shared.next_frame = boundary >= shared.frames_per_buffer ? boundary - shared.frames_per_buffer : 0;
  shared.push_locked();
}

void AudioFeed::stop() {
  GstElementPtr appsrc;
  {
    std::lock_guard lock(shared_->mutex);
    appsrc = std::move(shared_->appsrc);
    if (shared_->waiting != nullptr) gst_clock_id_unschedule(shared_->waiting);
    shared_->voice.clear();
  }
  if (appsrc) {
    GstAppSrcCallbacks none{};
    gst_app_src_set_callbacks(GST_APP_SRC(appsrc.get()), &none, nullptr, nullptr);
  }
}

bool AudioFeed::running() const {
  std::lock_guard lock(shared_->mutex);
  return static_cast<bool>(shared_->appsrc);
}

GstClockTime AudioFeed::now() const {
  std::lock_guard lock(shared_->mutex);
  if (!shared_->clock) return 0;
  const GstClockTime now = gst_clock_get_time(shared_->clock.get());
  return now > shared_->base_time ? now - shared_->base_time : 0;
}

void AudioFeed::queue(std::vector<std::int16_t> samples, GstClockTime at) {
  if (samples.empty()) return;
  std::lock_guard lock(shared_->mutex);
  if (!shared_->appsrc) return;
  shared_->voice.push_back({shared_->frame_at(at), std::move(samples)});
}

void AudioFeed::clear() {
  std::lock_guard lock(shared_->mutex);
  shared_->voice.clear();
}

GstClockTime AudioFeed::sent_until() const { return shared_->sent_until.load(std::memory_order_relaxed); }

std::uint64_t AudioFeed::buffers_pushed() const { return shared_->pushed.load(std::memory_order_relaxed); }

}  // namespace agentcast::audio
