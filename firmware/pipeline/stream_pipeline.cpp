#include "pipeline/stream_pipeline.hpp"

#include "common/fault_barrier.hpp"
#include "common/redact.hpp"
#include "common/untrusted_text.hpp"

#include <gio/gio.h>

#include <string_view>

namespace agentcast::pipeline {
namespace {

std::string stream_key_of(const std::string& location) {
  const auto path = location.find('/', location.find("://") + 3);
  if (path == std::string::npos) return {};
  const auto slash = location.find_last_of('/');
  return slash + 1 < location.size() ? location.substr(slash + 1) : std::string{};
}

}  // namespace

StreamPipeline::StreamPipeline(const std::string& description, const std::string& location, Events events)
    : key_(stream_key_of(location)), events_(std::move(events)) {
  GError* raw_error = nullptr;
  GstElement* parsed = gst_parse_launch_full(description.c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &raw_error);
  if (raw_error != nullptr) {
    GErrorPtr error(raw_error);
    if (parsed != nullptr) gst_object_unref(parsed);
    throw PipelineError(std::string("cannot build the pipeline: ") + error->message);
  }
  pipeline_.reset(parsed);
  GstElement* sink = element("rtmp_sink");
  if (sink == nullptr) throw PipelineError("the pipeline description has no element named rtmp_sink");
  rtmp_sink_.reset(GST_ELEMENT(gst_object_ref(sink)));
  g_object_set(sink, "location", location.c_str(), nullptr);

  if (GstElement* queue = element("video_mux_queue")) {
    GstObjectPtr<GstPad> pad(gst_element_get_static_pad(queue, "sink"));
    gst_pad_add_probe(
        pad.get(), GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad*, GstPadProbeInfo*, gpointer counter) {
          static_cast<std::atomic<std::uint64_t>*>(counter)->fetch_add(1, std::memory_order_relaxed);
          return GST_PAD_PROBE_OK;
        },
        &frames_encoded_, nullptr);
  }

  if (GstElement* encoder = element("video_encoder")) {
    GstElementFactory* factory = gst_element_get_factory(encoder);
    if (factory != nullptr && std::string_view(GST_OBJECT_NAME(factory)) == "x264enc") {
      still_frames_ = std::make_unique<codec::h264::StillFrameBypass>(encoder);
    }
  }

  GstObjectPtr<GstBus> bus(gst_element_get_bus(pipeline_.get()));
  bus_watch_ = gst_bus_add_watch(bus.get(), on_bus_message, this);
}

StreamPipeline::~StreamPipeline() {
  if (bus_watch_ != 0) g_source_remove(bus_watch_);
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  still_frames_.reset();  // its probes hold the encoder's pads
}

void StreamPipeline::play() {
  // A failure here is also posted as an ERROR on the bus, with its reason; it arrives through
  // Events::failed.
  gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING);
}

void StreamPipeline::finish() { gst_element_send_event(pipeline_.get(), gst_event_new_eos()); }

GstElement* StreamPipeline::element(const char* name) const {
  GstElement* found = gst_bin_get_by_name(GST_BIN(pipeline_.get()), name);
  if (found == nullptr) return nullptr;
  gst_object_unref(found);  // the bin keeps it alive as long as the pipeline exists
  return found;
}

GstClockTime StreamPipeline::base_time() const { return gst_element_get_base_time(pipeline_.get()); }

GstObjectPtr<GstClock> StreamPipeline::clock() const {
  return GstObjectPtr<GstClock>(gst_element_get_clock(pipeline_.get()));
}

std::optional<std::uint64_t> StreamPipeline::bytes_sent() const {
  GstStructure* stats = nullptr;
  g_object_get(rtmp_sink_.get(), "stats", &stats, nullptr);
  if (stats == nullptr) return std::nullopt;
  guint64 bytes = 0;
  const bool known = gst_structure_get_uint64(stats, "out-bytes-total", &bytes);
  gst_structure_free(stats);
  if (!known) return std::nullopt;
  return bytes;
}

gboolean StreamPipeline::on_bus_message(GstBus* /*bus*/, GstMessage* message, gpointer self) {
  fault::contain("the pipeline's bus watch", [&] { static_cast<StreamPipeline*>(self)->handle(message); });
  return G_SOURCE_CONTINUE;
}

// The owner may destroy this pipeline from inside an event handler, so each handler is copied
// onto the stack before it runs and nothing of `this` is touched afterwards.
void StreamPipeline::handle(GstMessage* message) {
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
      const auto failed = events_.failed;
      if (failed) failed(describe_error(message));
      break;
    }
    case GST_MESSAGE_EOS: {
      const auto finished = events_.finished;
      if (finished) finished();
      break;
    }
    case GST_MESSAGE_STATE_CHANGED: {
      if (GST_MESSAGE_SRC(message) != GST_OBJECT(pipeline_.get())) break;
      GstState old_state;
      GstState new_state;
      gst_message_parse_state_changed(message, &old_state, &new_state, nullptr);
      if (new_state == GST_STATE_PLAYING && !playing_reported_) {
        playing_reported_ = true;
        const auto playing = events_.playing;
        if (playing) playing();
      }
      break;
    }
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency(GST_BIN(pipeline_.get()));
      break;
    default:
      break;
  }
}

std::string StreamPipeline::describe_error(GstMessage* message) const {
  GError* raw_error = nullptr;
  gchar* raw_debug = nullptr;
  gst_message_parse_error(message, &raw_error, &raw_debug);
  GErrorPtr error(raw_error);
  GCharPtr debug(raw_debug);
  const std::string source = GST_MESSAGE_SRC_NAME(message) ? GST_MESSAGE_SRC_NAME(message) : "pipeline";
  std::string text = source + ": " + (error ? error->message : "unknown error");
  // GIO's TLS errors reach us only as text; say what to check.
  if (text.find("TLS certificate") != std::string::npos ||
      (debug && std::string_view(debug.get()).find("g-tls-error") != std::string_view::npos)) {
    text += " (the server's certificate is not trusted: check tls.ca_file; verification is always on)";
  }
  return sanitize_for_log(scrub_secret(text, key_));
}

}  // namespace agentcast::pipeline
