#pragma once
// One GStreamer pipeline built from a PipelinePlan's description, publishing to one RTMP(S)
// location. It reports what happens on its bus through Events on the main loop; deciding
// what to do about it (restart, give up, shut down) is the owner's job.
#include "codec/h264/still_frame_bypass.hpp"
#include "common/handles.hpp"

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace agentcast::pipeline {

class PipelineError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StreamPipeline {
 public:
  struct Events {
    std::function<void()> playing;                       // the pipeline reached PLAYING
    std::function<void(const std::string& why)> failed;  // an error; the message is safe to log
    std::function<void()> finished;                      // EOS went through to the sink
  };

  // Parses `description` and sets `location` on rtmp_sink. Throws PipelineError; no message
  // ever contains the stream key.
  StreamPipeline(const std::string& description, const std::string& location, Events events);
  ~StreamPipeline();
  StreamPipeline(const StreamPipeline&) = delete;
  StreamPipeline& operator=(const StreamPipeline&) = delete;

  void play();
  // Sends EOS from every source; Events::finished follows once it reached the sink.
  void finish();

  GstElement* element(const char* name) const;  // borrowed; valid while this object lives
  GstClockTime base_time() const;
  GstObjectPtr<GstClock> clock() const;

  // Bytes rtmp2sink has written to the connection so far (nullopt before it connects).
  std::optional<std::uint64_t> bytes_sent() const;
  // Encoded video frames on their way to the mux (counted at video_mux_queue).
  std::uint64_t frames_encoded() const { return frames_encoded_.load(std::memory_order_relaxed); }
  // Of those, frames of a still picture sent as skipped pictures instead of through x264.
  std::uint64_t frames_skipped() const { return still_frames_ ? still_frames_->pictures_skipped() : 0; }

 private:
  static gboolean on_bus_message(GstBus* bus, GstMessage* message, gpointer self);
  void handle(GstMessage* message);
  std::string describe_error(GstMessage* message) const;

  GstElementPtr pipeline_;
  GstElementPtr rtmp_sink_;
  std::string key_;  // scrubbed from every message we pass on
  Events events_;
  guint bus_watch_ = 0;
  bool playing_reported_ = false;
  std::atomic<std::uint64_t> frames_encoded_{0};                 // written by a streaming thread
  std::unique_ptr<codec::h264::StillFrameBypass> still_frames_;  // x264 only; its probes go before the pipeline
};

}  // namespace agentcast::pipeline
