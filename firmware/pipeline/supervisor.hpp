#pragma once
// The pipeline supervisor: owns the running pipelines and decides what happens to them.
//   - The production pipeline (scene → encoders, audio, thumbnails) runs from start() to
//     close(). When a part of it fails it is rebuilt: ALSA → silence, a hardware encoder that
//     errors → the next encoder of the board's list (both logged once and kept in the snapshot),
//     anything else → the same plan after a short backoff.
//   - One output pipeline per connection (connect(location) … disconnect()). A failed or
//     stalled connection rebuilds only this part; the picture and thumbnails go on.
//   - Stall detection: no publishing within 5 s of connecting, no byte written for 5 s, or the
//     server owing an acknowledgement (out-bytes-acked beyond its window) for 3 s. How soon
//     the last one can fire depends on the window the server announces (nginx-rtmp: ack_window,
//     5 MB by default: at 2 Mbit/s the server owes nothing for 20 s, and only the first two
//     rules see a stall until then).
// Nothing here waits on the main loop: state changes to NULL run on GLib's worker threads.
#include "common/timer.hpp"
#include "pipeline/flv_relay.hpp"
#include "pipeline/output_pipeline.hpp"
#include "pipeline/pipeline_plan.hpp"
#include "pipeline/production_pipeline.hpp"
#include "pipeline/thumbnail_tap.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace agentcast::pipeline {

class Supervisor {
 public:
  struct Options {
    std::int64_t connect_timeout_ms = 5000;
    std::int64_t stall_timeout_ms = 5000;
    std::int64_t ack_timeout_ms = 3000;  // an acknowledgement owed for this long: stalled
    unsigned eos_timeout_ms = 2000;      // EOS must reach the server within this at close()
    unsigned close_timeout_ms = 1500;    // then the pipelines get this long to reach NULL
  };
  struct Events {
    // The production pipeline plays: frames may be pushed into `scene_src` from now on.
    std::function<void(GstElement* scene_src, GstClock* clock, GstClockTime base_time)> scene_ready;
    std::function<void()> scene_gone;  // stop pushing: the production pipeline goes away
    // With scene_ready: the audio track (silence and the agent's voice) goes into `voice_src`
    // (null when a pipeline override has no such element). Gone with scene_gone.
    std::function<void(GstElement* voice_src, GstClock* clock, GstClockTime base_time)> voice_ready;
    std::function<void()> publishing;  // the server answered and takes the stream
    // The connection failed or stalled; it is already torn down. `refused`: the server refused
    // the stream (not authorised).
    std::function<void(const std::string& why, bool refused)> output_failed;
    std::function<void()> closed;  // after close(): everything is down
  };
  // Plans the production pipeline again without what failed. Throws when nothing is left.
  using Replan = std::function<PipelinePlan(const Fallbacks& fallbacks)>;

  Supervisor(PipelinePlan plan, Replan replan, ThumbnailTap& thumbnails, Events events, Options options);
  Supervisor(PipelinePlan plan, Replan replan, ThumbnailTap& thumbnails, Events events)
      : Supervisor(std::move(plan), std::move(replan), thumbnails, std::move(events), Options{}) {}
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  void start();
  // Publishes to `location` (with its key; never logged): at once when the encoder has
  // produced a keyframe, else as soon as it has.
  void connect(const std::string& location);
  void disconnect();
  // Ends the stream (EOS to the server when it is publishing), then takes every pipeline down;
  // Events::closed follows within eos_timeout_ms + close_timeout_ms.
  void close();

  struct Snapshot {
    std::string video_encoder;
    std::string audio_source;
    std::vector<std::string> fallbacks;  // what failed and what replaced it
    std::uint64_t frames_encoded = 0;
    std::uint64_t frames_skipped = 0;
    std::uint64_t bytes_sent = 0;  // on the current connection
    int production_restarts = 0;
    bool publishing = false;
  };
  Snapshot snapshot() const;

 private:
  void build_production();
  void drop_production();
  void check_audio_started();
  void on_production_failed(const PipelineFault& fault);
  void start_output();
  void drop_output();
  void on_output_failed(const std::string& why, bool refused);
  void watch_output();
  void finish_close();

  PipelinePlan plan_;
  Replan replan_;
  ThumbnailTap& thumbnails_;
  Events events_;
  Options options_;
  Fallbacks fallbacks_;
  std::vector<std::string> fallback_notes_;

  std::unique_ptr<ProductionPipeline> production_;
  std::unique_ptr<OutputPipeline> output_;
  FlvRelay relay_;
  std::string location_;
  bool connect_pending_ = false;
  bool closing_ = false;
  int production_restarts_ = 0;
  int production_failures_ = 0;  // in a row, for the rebuild backoff
  std::uint64_t frames_skipped_before_ = 0;

  // The current connection's progress, for stall detection (monotonic µs).
  bool publishing_ = false;
  gint64 connected_at_us_ = 0;
  std::uint64_t bytes_at_answer_ = 0;
  bool answered_ = false;
  std::uint64_t last_bytes_ = 0;
  gint64 last_write_us_ = 0;
  std::uint64_t last_acked_ = 0;
  gint64 last_ack_us_ = 0;
  std::optional<gint64> owed_since_us_;

  Timer watch_timer_;
  Timer rebuild_timer_;
  Timer audio_watch_timer_;  // a production pipeline whose audio never starts is rebuilt
  Timer eos_timer_;
  Timer close_timer_;
  int closes_pending_ = 0;
};

}  // namespace agentcast::pipeline
