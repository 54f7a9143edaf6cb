#include "pipeline/supervisor.hpp"

#include "common/log.hpp"
#include "pipeline/fallback.hpp"

#include <algorithm>

namespace agentcast::pipeline {
namespace {

constexpr guint kWatchIntervalMs = 250;
// A production pipeline that fails again and again is rebuilt after 0.5, 1, 2, 4, 5, 5 … s.
constexpr double kRebuildFirstS = 0.5;
// The AAC encoder gives a frame every 23 ms: none out of the mux this long after PLAYING means the audio
// branch is stuck (seen rarely at start-up since the voice mixer: its source never reaches
// the encoder), and a stream without audio is never taken by the server.
constexpr guint kAudioStartMs = 3000;
constexpr double kRebuildMaxS = 5;

gint64 ms_to_us(std::int64_t ms) { return ms * 1000; }

}  // namespace

Supervisor::Supervisor(PipelinePlan plan, Replan replan, ThumbnailTap& thumbnails, Events events, Options options)
    : plan_(std::move(plan)),
      replan_(std::move(replan)),
      thumbnails_(thumbnails),
      events_(std::move(events)),
      options_(options) {}

Supervisor::~Supervisor() {
  relay_.disconnect();
  relay_.detach();
  thumbnails_.detach();
}

void Supervisor::start() {
  build_production();
  watch_timer_.every(kWatchIntervalMs, [this] { watch_output(); });
}

void Supervisor::build_production() {
  if (closing_) return;
  try {
    production_ = std::make_unique<ProductionPipeline>(
        plan_.description,
        ProductionPipeline::Events{
            [this] {
              const auto clock = production_->clock();
              if (events_.scene_ready && clock) {
                events_.scene_ready(production_->element("scene_src").get(), clock.get(), production_->base_time());
              }
              audio_watch_timer_.once(kAudioStartMs, [this] { check_audio_started(); });
              if (events_.voice_ready && clock) {
                events_.voice_ready(production_->element("voice_src").get(), clock.get(), production_->base_time());
              }
            },
            [this](const PipelineFault& fault) { on_production_failed(fault); },
        });
  } catch (const PipelineError& error) {
    on_production_failed(PipelineFault{PipelineFault::Part::other, 0, 0, false, error.what()});
    return;
  }
  thumbnails_.attach(production_->element("thumbnail_scale").get(), production_->element("thumbnail_encoder").get(),
                     production_->element("thumbnail_sink").get());
  relay_.attach(
      production_->element("video_out").get(), production_->element("audio_out").get(),
      [this] {
        if (connect_pending_ && !closing_) start_output();
      },
      [this] {
        // At close: the encoders are drained and every picture relayed; now end the stream.
        if (closing_ && output_) output_->finish();
      });
  production_->play();
}

void Supervisor::check_audio_started() {
  if (!production_ || closing_ || relay_.audio_frames() > 0) return;
  on_production_failed(
      PipelineFault{PipelineFault::Part::other, 0, 0, false,
                    "no audio left the encoder within " + std::to_string(kAudioStartMs / 1000) + " s of starting"});
}

void Supervisor::drop_production() {
  audio_watch_timer_.stop();
  if (events_.scene_gone) events_.scene_gone();
  thumbnails_.detach();
  relay_.detach();
  if (production_) frames_skipped_before_ += production_->frames_skipped();
  production_.reset();
}

void Supervisor::on_production_failed(const PipelineFault& fault) {
  log::error("the ", part_name(fault.part), " failed: ", fault.message);
  const bool had_output = output_ != nullptr || connect_pending_;
  drop_output();
  drop_production();
  if (closing_) {
    finish_close();
    return;
  }
  bool replanned = false;
  if (auto step = fallback_after(fault, plan_, fallbacks_)) {
    try {
      PipelinePlan plan = replan_(step->next);
      if (fault.part == PipelineFault::Part::video_encoder)
        step->note += "; " + plan.video_encoder.element + " instead";
      plan_ = std::move(plan);
      fallbacks_ = std::move(step->next);
      fallback_notes_.push_back(step->note);
      log::warning("fallback: ", step->note);
      replanned = true;
    } catch (const std::exception& error) {
      log::error("no fallback for the ", part_name(fault.part), ": ", error.what(), "; trying it again");
    }
  }
  ++production_restarts_;
  // A fallback is tried at once; the same plan again only after a pause that grows.
  double delay_s = 0;
  if (!replanned) {
    delay_s = kRebuildFirstS;
    for (int i = 0; i < production_failures_ && delay_s < kRebuildMaxS; ++i) delay_s *= 2;
    delay_s = std::min(delay_s, kRebuildMaxS);
    ++production_failures_;
  }
  rebuild_timer_.once(static_cast<guint>(delay_s * 1000), [this] { build_production(); });
  // The output carried the old encoder's stream: the go-live sequence starts over.
  if (had_output && events_.output_failed)
    events_.output_failed("the " + std::string(part_name(fault.part)) + " failed: " + fault.message, false);
}

void Supervisor::connect(const std::string& location) {
  if (closing_) return;
  drop_output();
  location_ = location;
  connect_pending_ = true;
  if (production_ && relay_.has_keyframe()) start_output();
}

void Supervisor::start_output() {
  connect_pending_ = false;
  if (!production_) {
    connect_pending_ = true;  // when a production pipeline plays, its first keyframe retries this
    return;
  }
  try {
    output_ = std::make_unique<OutputPipeline>(
        plan_.output_description, location_,
        OutputPipeline::Events{
            [this](const PipelineFault& fault) { on_output_failed(fault.message, fault.refused); },
            [this] {
              if (closing_) {
                log::info("end of stream reached the server");
                finish_close();
              } else {
                on_output_failed("the connection ended unexpectedly", false);
              }
            },
        });
  } catch (const PipelineError& error) {
    output_.reset();
    on_output_failed(error.what(), false);
    return;
  }
  // The relay starts the connection at its newest keyframe: that moment becomes time 0.
  output_->play();
  relay_.connect(output_->flv_in());
  const gint64 now = g_get_monotonic_time();
  publishing_ = false;
  answered_ = false;
  connected_at_us_ = now;
  last_write_us_ = now;
  last_ack_us_ = now;
  last_bytes_ = 0;
  last_acked_ = 0;
  owed_since_us_.reset();
}

void Supervisor::drop_output() {
  connect_pending_ = false;
  relay_.disconnect();
  output_.reset();
  publishing_ = false;
}

void Supervisor::disconnect() { drop_output(); }

void Supervisor::on_output_failed(const std::string& why, bool refused) {
  if (closing_) {
    log::warning("while stopping: ", why);
    finish_close();
    return;
  }
  drop_output();
  if (events_.output_failed) events_.output_failed(why, refused);
}

// Publishing starts when the server has answered (in-bytes) and media follows (out-bytes grow
// after that). A connection stalls when no byte is written for stall_timeout_ms, or when the
// server owes an acknowledgement (more than its window unacknowledged) for that long: a server
// that stopped reading is caught even while the kernel still buffers what we write.
void Supervisor::watch_output() {
  if (!output_ || closing_) return;
  const gint64 now = g_get_monotonic_time();
  const auto stats = output_->stats();
  if (!publishing_) {
    if (stats && stats->bytes_received > 0) {
      if (!answered_) {
        answered_ = true;
        bytes_at_answer_ = stats->bytes_sent;
      } else if (stats->bytes_sent > bytes_at_answer_) {
        publishing_ = true;
        last_bytes_ = stats->bytes_sent;
        last_write_us_ = now;
        last_acked_ = stats->bytes_acked;
        last_ack_us_ = now;
        if (events_.publishing) events_.publishing();
        return;
      }
    }
    if (now - connected_at_us_ > ms_to_us(options_.connect_timeout_ms)) {
      on_output_failed(std::string(answered_ ? "the server accepted the connection but not the stream"
                                             : "the server did not answer") +
                           " within " + std::to_string(options_.connect_timeout_ms / 1000) + " s",
                       false);
    }
    return;
  }
  if (!stats) return;
  if (stats->bytes_sent != last_bytes_) {
    last_bytes_ = stats->bytes_sent;
    last_write_us_ = now;
  }
  if (stats->bytes_acked != last_acked_) {
    last_acked_ = stats->bytes_acked;
    last_ack_us_ = now;
  }
  // RTMP acknowledgements carry 32-bit sequence numbers: compare modulo 2^32.
  const auto owed = static_cast<std::uint32_t>(stats->bytes_sent) - static_cast<std::uint32_t>(stats->bytes_acked);
  if (stats->ack_window > 0 && owed > stats->ack_window) {
    if (!owed_since_us_) owed_since_us_ = now;
  } else {
    owed_since_us_.reset();
  }
  if (now - last_write_us_ > ms_to_us(options_.stall_timeout_ms)) {
    on_output_failed("no data could be written to the server for " + std::to_string(options_.stall_timeout_ms / 1000) +
                         " s (connection stalled)",
                     false);
  } else if (owed_since_us_ && now - std::max(*owed_since_us_, last_ack_us_) > ms_to_us(options_.ack_timeout_ms)) {
    on_output_failed("the server owes an acknowledgement for " + std::to_string(options_.ack_timeout_ms / 1000) +
                         " s (connection stalled)",
                     false);
  }
}

void Supervisor::close() {
  if (closing_) return;
  closing_ = true;
  connect_pending_ = false;
  rebuild_timer_.stop();
  watch_timer_.stop();
  if (output_ && publishing_ && production_) {
    // Every picture made so far reaches the server: the scene stops, the production pipeline
    // drains through the relay, then EOS goes into the output (see the relay's `drained`).
    if (events_.scene_gone) events_.scene_gone();
    production_->finish();
    eos_timer_.once(options_.eos_timeout_ms, [this] {
      log::warning("end of stream did not reach the server within ", options_.eos_timeout_ms, " ms");
      finish_close();
    });
    return;
  }
  finish_close();
}

void Supervisor::finish_close() {
  if (close_timer_.active() || closes_pending_ > 0) return;  // already taking everything down
  eos_timer_.stop();
  relay_.disconnect();
  if (events_.scene_gone) events_.scene_gone();
  thumbnails_.detach();
  relay_.detach();
  const auto one_closed = [this] {
    if (--closes_pending_ == 0 && close_timer_.active()) {
      close_timer_.stop();
      if (events_.closed) events_.closed();
    }
  };
  closes_pending_ = 0;
  if (output_) ++closes_pending_;
  if (production_) ++closes_pending_;
  if (closes_pending_ == 0) {
    if (events_.closed) events_.closed();
    return;
  }
  close_timer_.once(options_.close_timeout_ms, [this] {
    log::warning("the pipelines did not stop within ", options_.close_timeout_ms, " ms; leaving them");
    closes_pending_ = 0;
    if (events_.closed) events_.closed();
  });
  if (output_) output_->close(one_closed);
  if (production_) {
    frames_skipped_before_ += production_->frames_skipped();
    production_->close(one_closed);
  }
}

Supervisor::Snapshot Supervisor::snapshot() const {
  Snapshot snapshot;
  snapshot.video_encoder = plan_.video_encoder.element;
  snapshot.audio_source = plan_.audio_source;
  snapshot.fallbacks = fallback_notes_;
  snapshot.frames_encoded = relay_.video_frames();
  snapshot.frames_skipped = frames_skipped_before_ + (production_ ? production_->frames_skipped() : 0);
  if (output_) {
    if (const auto stats = output_->stats()) snapshot.bytes_sent = stats->bytes_sent;
  }
  snapshot.production_restarts = production_restarts_;
  snapshot.publishing = publishing_;
  return snapshot;
}

}  // namespace agentcast::pipeline
