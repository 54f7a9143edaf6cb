#include "pipeline/output_pipeline.hpp"

#include "pipeline/async_close.hpp"
#include "pipeline/bus_watch.hpp"
#include "pipeline/production_pipeline.hpp"

#include <gst/app/gstappsrc.h>

namespace agentcast::pipeline {
namespace {

GstElementPtr named(GstElement* pipeline, const char* name) {
  GstElementPtr found(gst_bin_get_by_name(GST_BIN(pipeline), name));
  if (!found) throw PipelineError(std::string("the output description has no element named ") + name);
  return found;
}

}  // namespace

std::string stream_key_of(const std::string& location) {
  const auto scheme = location.find("://");
  if (scheme == std::string::npos) return {};
  if (location.find('/', scheme + 3) == std::string::npos) return {};
  const auto slash = location.find_last_of('/');
  return slash + 1 < location.size() ? location.substr(slash + 1) : std::string{};
}

OutputPipeline::OutputPipeline(const std::string& description, const std::string& location, Events events)
    : pipeline_(parse_pipeline(description)),
      flv_in_(named(pipeline_.get(), "flv_in")),
      rtmp_sink_(named(pipeline_.get(), "rtmp_sink")),
      key_(stream_key_of(location)),
      events_(std::move(events)) {
  g_object_set(rtmp_sink_.get(), "location", location.c_str(), nullptr);
  bus_watch_ =
      watch_bus(pipeline_.get(), "the output pipeline's bus watch", [this](GstMessage* message) { handle(message); });
}

OutputPipeline::~OutputPipeline() { close({}); }

void OutputPipeline::close(std::function<void()> done) {
  bus_watch_.reset();
  if (!pipeline_) return;
  close_async(std::move(pipeline_), std::move(done));
}

void OutputPipeline::play() {
  // A live source and an async-connecting sink: this returns at once; failures come on the bus.
  gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING);
}

void OutputPipeline::finish() {
  if (!pipeline_) return;
  gst_app_src_end_of_stream(GST_APP_SRC(flv_in_.get()));
}

std::optional<ConnectionStats> OutputPipeline::stats() const {
  if (!pipeline_) return std::nullopt;
  GstStructure* raw = nullptr;
  g_object_get(rtmp_sink_.get(), "stats", &raw, nullptr);
  const GstStructurePtr owned(raw);
  if (!owned) return std::nullopt;
  ConnectionStats stats;
  guint64 value = 0;
  guint window = 0;
  const bool known = gst_structure_get_uint64(raw, "out-bytes-total", &value);
  stats.bytes_sent = value;
  if (gst_structure_get_uint64(raw, "out-bytes-acked", &value)) stats.bytes_acked = value;
  if (gst_structure_get_uint64(raw, "in-bytes-total", &value)) stats.bytes_received = value;
  if (gst_structure_get_uint(raw, "out-window-ack-size", &window)) stats.ack_window = window;
  if (!known) return std::nullopt;
  return stats;
}

// Handlers may destroy this object: each is copied onto the stack first.
void OutputPipeline::handle(GstMessage* message) {
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
      const auto failed = events_.failed;
      if (failed) failed(classify_error(message, pipeline_.get(), key_));
      break;
    }
    case GST_MESSAGE_EOS: {
      const auto finished = events_.finished;
      if (finished) finished();
      break;
    }
    default:
      break;
  }
}

}  // namespace agentcast::pipeline
