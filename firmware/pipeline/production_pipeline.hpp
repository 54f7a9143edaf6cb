#pragma once
// The production pipeline, built from a PipelinePlan's description: scene → H.264 into the
// video_out appsink, the audio track → AAC into audio_out (flv_relay.hpp muxes and relays
// both), and the thumbnail branch; x264 encodes only the changes (encode_on_change.hpp) and
// silence goes around the AAC encoder (aac_silence.hpp). It runs from start to stop, through
// network outages. It reports its bus on the main loop through Events; deciding
// what to do about it is the supervisor's job.
#include "codec/aac_silence.hpp"
#include "codec/h264/encode_on_change.hpp"
#include "common/handles.hpp"
#include "pipeline/bench_frame_dump.hpp"
#include "pipeline/pipeline_fault.hpp"

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace agentcast::pipeline {

class PipelineError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses a gst-launch description into a pipeline. Throws PipelineError.
GstElementPtr parse_pipeline(const std::string& description);

class ProductionPipeline {
 public:
  struct Events {
    std::function<void()> playing;                           // reached PLAYING
    std::function<void(const PipelineFault& fault)> failed;  // an ERROR on the bus
  };

  // Throws PipelineError when the description does not parse or lacks a named element.
  ProductionPipeline(const std::string& description, Events events);
  ~ProductionPipeline();  // goes to NULL off the main loop
  ProductionPipeline(const ProductionPipeline&) = delete;
  ProductionPipeline& operator=(const ProductionPipeline&) = delete;

  void play();
  // Sends EOS from every source: the encoders drain into the appsinks.
  void finish();
  // Goes to NULL off the main loop; `done` runs on the main loop afterwards. The destructor
  // does the same without telling anyone.
  void close(std::function<void()> done);

  GstElementPtr element(const char* name) const;  // null when there is no such element
  GstClockTime base_time() const;
  GstObjectPtr<GstClock> clock() const;

  // Repeated frames sent as skipped pictures instead of through x264.
  std::uint64_t frames_skipped() const { return encode_on_change_ ? encode_on_change_->pictures_skipped() : 0; }

 private:
  void handle(GstMessage* message);

  GstElementPtr pipeline_;
  Events events_;
  SourceId bus_watch_;
  bool playing_reported_ = false;
  std::unique_ptr<codec::h264::EncodeOnChange> encode_on_change_;  // x264 in pass=qual only
  std::unique_ptr<codec::AacSilence> aac_silence_;                 // a GstAudioEncoder
  std::unique_ptr<BenchFrameDump> bench_frames_;                   // the benchmark only
};

}  // namespace agentcast::pipeline
