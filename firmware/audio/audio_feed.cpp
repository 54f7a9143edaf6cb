#include "audio/audio_feed.hpp"

#include "common/paced_appsrc.hpp"

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
  mutable std::mutex mutex;  // the queue and the track's position; taken before the source's own
  PacedAppSrc source;
  std::uint64_t next_frame = 0;  // the first frame of the next buffer
  std::deque<Voice> voice;       // in order of first_frame, not overlapping
  // One buffer's worth of zeros, read-only, shared by every silent buffer.
  std::unique_ptr<GstMemory, GstMiniObjectUnref> silence;
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

  // The buffer starting at next_frame: silence with the queued voice copied in. A buffer with
  // no voice in it is one shared block of zeros marked GAP (media-neutral data), which the AAC
  // encoder may skip (codec/aac_silence.hpp). Called with the mutex held.
  GstBuffer* make_buffer_locked() {
    const std::uint64_t first = next_frame;
    const std::uint64_t end = first + frames_per_buffer;
    const auto samples_per_frame = static_cast<std::uint64_t>(channels);
    const std::size_t bytes = frames_per_buffer * samples_per_frame * sizeof(std::int16_t);
    while (!voice.empty() && voice.front().first_frame + voice.front().samples.size() / samples_per_frame <= first) {
      voice.pop_front();  // heard (or too late to be)
    }
    GstBuffer* buffer = gst_buffer_new();
    if (voice.empty() || voice.front().first_frame >= end) {
      if (!silence) {
        gpointer zeros = g_malloc0(bytes);
        silence.reset(gst_memory_new_wrapped(GST_MEMORY_FLAG_READONLY, zeros, bytes, 0, bytes, zeros, g_free));
      }
      gst_buffer_append_memory(buffer, gst_memory_ref(silence.get()));
      GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_GAP);
    } else {
      gst_buffer_append_memory(buffer, gst_allocator_alloc(nullptr, bytes, nullptr));
      GstMapInfo map;
      if (gst_buffer_map(buffer, &map, GST_MAP_WRITE)) {
        auto* out = reinterpret_cast<std::int16_t*>(map.data);
        std::fill(out, out + frames_per_buffer * samples_per_frame, std::int16_t{0});
        while (!voice.empty()) {
          const Voice& piece = voice.front();
          const std::uint64_t piece_end = piece.first_frame + piece.samples.size() / samples_per_frame;
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
    if (source.push(buffer)) {
      pushed.fetch_add(1, std::memory_order_relaxed);
      sent_until.store(until, std::memory_order_relaxed);
    }
  }

  // On appsrc's streaming thread, its queue empty: waits until the next buffer's last frame is
  // due on the clock (as a capture source would have it then), then pushes it. Returns without
  // a push only when stopped.
  void serve() {
    GstClockTime due = 0;
    {
      std::lock_guard lock(mutex);
      due = source.base_time() + time_of(next_frame + frames_per_buffer);
    }
    if (!source.wait_until(due)) return;
    std::lock_guard lock(mutex);
    push_locked();
  }
};

AudioFeed::AudioFeed(int rate, int channels, int frames_per_buffer)
    : shared_(std::make_shared<Shared>(rate, channels, frames_per_buffer)) {}

AudioFeed::~AudioFeed() { stop(); }

void AudioFeed::start(GstElement* appsrc, GstClock* clock, GstClockTime base_time) {
  stop();
  shared_->source.attach(appsrc, clock, base_time, [shared = shared_] { shared->serve(); });
  std::lock_guard lock(shared_->mutex);
  auto& shared = *shared_;
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
  shared_->source.detach();
  std::lock_guard lock(shared_->mutex);
  shared_->voice.clear();
}

bool AudioFeed::running() const { return shared_->source.attached(); }

GstClockTime AudioFeed::now() const {
  const GstClockTime now = shared_->source.now();
  const GstClockTime base_time = shared_->source.base_time();
  return now > base_time ? now - base_time : 0;
}

void AudioFeed::queue(std::vector<std::int16_t> samples, GstClockTime at) {
  if (samples.empty()) return;
  if (!shared_->source.attached()) return;
  std::lock_guard lock(shared_->mutex);
  shared_->voice.push_back({shared_->frame_at(at), std::move(samples)});
}

void AudioFeed::clear() {
  std::lock_guard lock(shared_->mutex);
  shared_->voice.clear();
}

GstClockTime AudioFeed::sent_until() const { return shared_->sent_until.load(std::memory_order_relaxed); }

std::uint64_t AudioFeed::buffers_pushed() const { return shared_->pushed.load(std::memory_order_relaxed); }

}  // namespace agentcast::audio
