#pragma once
// What failed in a pipeline, told apart by the element that posted the error and by its GError
// domain and code, never by the message text (which only goes to the log).
#include <gst/gst.h>

#include <string>
#include <string_view>

namespace agentcast::pipeline {

struct PipelineFault {
  enum class Part {
    audio_source,   // the element named audio_source (ALSA): falls back to silence
    video_encoder,  // the element named video_encoder: falls back to the next encoder
    connection,     // rtmp_sink: the connection failed; a new one with a fresh key
    other,          // anything else: the pipeline is rebuilt as it was
  };
  Part part = Part::other;
  GQuark domain = 0;
  int code = 0;
  bool refused = false;  // the server refused the stream (publish not authorised)
  std::string message;   // sanitised, secret scrubbed: safe to log and show
};

std::string_view part_name(PipelineFault::Part part);

// Reads an ERROR message posted inside `pipeline`; `secret` (the stream key) is scrubbed from
// the message.
PipelineFault classify_error(GstMessage* error, GstElement* pipeline, const std::string& secret);

}  // namespace agentcast::pipeline
