#include "pipeline/pipeline_fault.hpp"

#include "common/handles.hpp"
#include "common/redact.hpp"
#include "common/untrusted_text.hpp"

#include <array>
#include <utility>

namespace agentcast::pipeline {
namespace {

// Whether `source` is the element named `name` in `pipeline` or lives inside it (a bin's
// children post errors under their own names).
bool comes_from(GstObject* source, GstElement* pipeline, const char* name) {
  GstElementPtr element(gst_bin_get_by_name(GST_BIN(pipeline), name));
  if (!element || source == nullptr) return false;
  return source == GST_OBJECT(element.get()) || gst_object_has_as_ancestor(source, GST_OBJECT(element.get()));
}

}  // namespace

std::string_view part_name(PipelineFault::Part part) {
  switch (part) {
    case PipelineFault::Part::audio_source:
      return "audio source";
    case PipelineFault::Part::video_encoder:
      return "video encoder";
    case PipelineFault::Part::connection:
      return "connection";
    case PipelineFault::Part::other:
      return "pipeline";
  }
  return "pipeline";
}

PipelineFault classify_error(GstMessage* message, GstElement* pipeline, const std::string& secret) {
  GError* raw_error = nullptr;
  gchar* raw_debug = nullptr;
  gst_message_parse_error(message, &raw_error, &raw_debug);
  GErrorPtr error(raw_error);
  GCharPtr debug(raw_debug);
  PipelineFault fault;
  if (error) {
    fault.domain = error->domain;
    fault.code = error->code;
  }
  GstObject* source = GST_MESSAGE_SRC(message);
  static constexpr std::array<std::pair<const char*, PipelineFault::Part>, 3> kParts{{
      {"audio_source", PipelineFault::Part::audio_source},
      {"video_encoder", PipelineFault::Part::video_encoder},
      {"rtmp_sink", PipelineFault::Part::connection},
  }};
  for (const auto& [name, part] : kParts) {
    if (comes_from(source, pipeline, name)) {
      fault.part = part;
      break;
    }
  }
  fault.refused = fault.part == PipelineFault::Part::connection && fault.domain == GST_RESOURCE_ERROR &&
                  fault.code == GST_RESOURCE_ERROR_NOT_AUTHORIZED;
  const std::string element = GST_MESSAGE_SRC_NAME(message) != nullptr ? GST_MESSAGE_SRC_NAME(message) : "pipeline";
  std::string text = element + ": " + (error ? error->message : "unknown error");
  // GIO's TLS errors reach the sink's error only as its debug text; say what to check.
  if (fault.part == PipelineFault::Part::connection && debug &&
      std::string_view(debug.get()).find("g-tls-error") != std::string_view::npos) {
    text += " (the server's certificate is not trusted: check tls.ca_file; verification is always on)";
  }
  fault.message = sanitize_for_log(scrub_secret(text, secret));
  return fault;
}

}  // namespace agentcast::pipeline
