#pragma once
// One connection to the server: the relayed FLV tags (flv_in appsrc) → rtmp2sink, built from
// pipelines/output.txt for one publishing location. Nothing in it waits on a clock (the tags
// are already muxed and timed). Destroying it goes to NULL off the main loop.
#include "common/handles.hpp"
#include "pipeline/pipeline_fault.hpp"

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace agentcast::pipeline {

// What rtmp2sink's "stats" say about the connection.
struct ConnectionStats {
  std::uint64_t bytes_sent = 0;      // out-bytes-total: written to the connection
  std::uint64_t bytes_acked = 0;     // out-bytes-acked: the server acknowledged receiving them
  std::uint64_t bytes_received = 0;  // in-bytes-total: the server has answered
  std::uint32_t ack_window = 0;      // out-window-ack-size: the server acknowledges every this many bytes
};

class OutputPipeline {
 public:
  struct Events {
    std::function<void(const PipelineFault& fault)> failed;
    std::function<void()> finished;  // EOS went through to the server
  };

  // Throws PipelineError. `location` carries the key: it is set on rtmp_sink only and
  // scrubbed from every message.
  OutputPipeline(const std::string& description, const std::string& location, Events events);
  ~OutputPipeline();
  OutputPipeline(const OutputPipeline&) = delete;
  OutputPipeline& operator=(const OutputPipeline&) = delete;

  void play();
  // Ends the stream: EOS into the appsrc; Events::finished follows.
  void finish();
  // Goes to NULL off the main loop; `done` runs on the main loop afterwards.
  void close(std::function<void()> done);

  GstElement* flv_in() const { return flv_in_.get(); }
  std::optional<ConnectionStats> stats() const;

 private:
  void handle(GstMessage* message);

  GstElementPtr pipeline_;
  GstElementPtr flv_in_;
  GstElementPtr rtmp_sink_;
  std::string key_;
  Events events_;
  SourceId bus_watch_;
};

// The stream key of an RTMP URL (its last path segment), to scrub from messages.
std::string stream_key_of(const std::string& location);

}  // namespace agentcast::pipeline
