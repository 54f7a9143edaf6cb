#pragma once
// The stream's audio track, made by the box: one buffer of `frames_per_buffer` frames (one AAC
// frame) per tick of the pipeline clock, silence where no voice is queued, pushed into the
// voice_src appsrc (pipelines/stream.txt). Voice is queued ahead with the running time it is to
// be heard at and copied into the buffers that cover it, so the track never stops, never
// renegotiates and never runs ahead of the clock.
//
// Threads: none of its own (common/paced_appsrc.hpp). appsrc's streaming thread asks for each
// buffer and waits in the feed for the buffer's time on the clock, then runs the AAC encoder
// with it. A late wake-up is caught up by pushing the buffers due at once: audio is never
// skipped, so its timestamps stay contiguous.
//
// Locking: queue(), clear() and the counters are called from the main loop, the buffers are
// made on the streaming thread; one mutex guards the queue.
#include "common/handles.hpp"

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace agentcast::audio {

class AudioFeed {
 public:
  AudioFeed(int rate, int channels, int frames_per_buffer = 1024);
  ~AudioFeed();
  AudioFeed(const AudioFeed&) = delete;
  AudioFeed& operator=(const AudioFeed&) = delete;

  // Pushes the track into `appsrc` (PLAYING, caps in the stream's format) from the next buffer
  // boundary after now on.
  void start(GstElement* appsrc, GstClock* clock, GstClockTime base_time);
  // Stops pushing (before EOS or teardown): a wait for the next buffer is cut short, and what
  // is queued is dropped.
  void stop();
  bool running() const;

  // The running time on the pipeline clock now (0 when not started).
  GstClockTime now() const;
  // Queues interleaved S16 samples in the stream's format, to be heard from running time `at`
  // (which the caller keeps after what it queued before). Samples due before the next buffer
  // is made are lost.
  void queue(std::vector<std::int16_t> samples, GstClockTime at);
  // Drops everything queued: what comes next is silence (an interrupted turn).
  void clear();
  // The running time up to which the track has gone to the encoder.
  GstClockTime sent_until() const;
  std::uint64_t buffers_pushed() const;

 private:
  struct Shared;

  std::shared_ptr<Shared> shared_;
};

}  // namespace agentcast::audio
