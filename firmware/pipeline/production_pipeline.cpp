#include "pipeline/production_pipeline.hpp"

#include "pipeline/async_close.hpp"
#include "pipeline/bus_watch.hpp"

#include <gst/audio/gstaudioencoder.h>

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>

namespace agentcast::pipeline {

GstElementPtr parse_pipeline(const std::string& description) {
  GError* raw_error = nullptr;
  GstElementPtr parsed(gst_parse_launch_full(description.c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &raw_error));
  if (raw_error != nullptr) {
    GErrorPtr error(raw_error);
    throw PipelineError(std::string("cannot build the pipeline: ") + error->message);
  }
  if (!parsed) throw PipelineError("cannot build the pipeline");
  return parsed;
}

namespace {

// x264 in constant quality (pass=qual) encodes only the changes, with the firmware's rate
// control; in any other pass (a board's own pipeline, the benchmark's every-frame comparison)
// it sees every frame and keeps the rate itself.
bool encodes_on_change(GstElement* x264) {
  gint pass = 0;
  g_object_get(x264, "pass", &pass, nullptr);
  GEnumClass* passes = G_ENUM_CLASS(
      g_type_class_ref(G_PARAM_SPEC_VALUE_TYPE(g_object_class_find_property(G_OBJECT_GET_CLASS(x264), "pass"))));
  const GEnumValue* value = g_enum_get_value(passes, pass);
  const bool quality = value != nullptr && std::string_view(value->value_nick) == "qual";
  g_type_class_unref(passes);
  return quality;
}

}  // namespace

ProductionPipeline::ProductionPipeline(const std::string& description, Events events)
    : pipeline_(parse_pipeline(description)), events_(std::move(events)) {
  static constexpr std::array<const char*, 7> kNeeded{
      "scene_src", "voice_src", "video_out", "audio_out", "thumbnail_scale", "thumbnail_encoder", "thumbnail_sink"};
  for (const char* name : kNeeded) {
    if (!element(name)) {
      throw PipelineError(std::string("the pipeline description has no element named ") + name);
    }
  }
  if (const GstElementPtr encoder = element("video_encoder")) {
    GstElementFactory* factory = gst_element_get_factory(encoder.get());
    if (factory != nullptr && std::string_view(GST_OBJECT_NAME(factory)) == "x264enc" &&
        encodes_on_change(encoder.get())) {
      try {
        encode_on_change_ = std::make_unique<codec::h264::EncodeOnChange>(encoder.get());
      } catch (const std::invalid_argument& error) {
        throw PipelineError(std::string("cannot control x264's rate: ") + error.what());
      }
    }
  }
  // Silence goes around any AAC encoder of GStreamer's audio encoder base (voaacenc,
  // avenc_aac, fdkaacenc): they all take a DISCONT buffer as a new time line.
  if (const GstElementPtr encoder = element("audio_encoder"); encoder && GST_IS_AUDIO_ENCODER(encoder.get())) {
    aac_silence_ = std::make_unique<codec::AacSilence>(encoder.get());
  }
  try {
    bench_frames_ = BenchFrameDump::from_environment(element("scene_src").get());
  } catch (const std::runtime_error& error) {
    throw PipelineError(error.what());
  }
  bus_watch_ = watch_bus(pipeline_.get(), "the production pipeline's bus watch",
                         [this](GstMessage* message) { handle(message); });
}

ProductionPipeline::~ProductionPipeline() { close({}); }

void ProductionPipeline::close(std::function<void()> done) {
  bus_watch_.reset();
  if (!pipeline_) return;
  // The probes hold the encoder's pads: they go after the pipeline is down.
  close_async(std::move(pipeline_),
              [probes = std::shared_ptr<codec::h264::EncodeOnChange>(std::move(encode_on_change_)),
               silence = std::shared_ptr<codec::AacSilence>(std::move(aac_silence_)),
               dump = std::shared_ptr<BenchFrameDump>(std::move(bench_frames_)), done = std::move(done)]() mutable {
                probes.reset();
                silence.reset();
                dump.reset();
                if (done) done();
              });
}

void ProductionPipeline::play() {
  if (!pipeline_) return;
  // A failure here is also posted as an ERROR on the bus, with its reason.
  gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING);
}

void ProductionPipeline::finish() {
  if (pipeline_) gst_element_send_event(pipeline_.get(), gst_event_new_eos());
}

GstElementPtr ProductionPipeline::element(const char* name) const {
  if (!pipeline_) return nullptr;
  return GstElementPtr(gst_bin_get_by_name(GST_BIN(pipeline_.get()), name));
}

GstClockTime ProductionPipeline::base_time() const {
  return pipeline_ ? gst_element_get_base_time(pipeline_.get()) : GST_CLOCK_TIME_NONE;
}

GstObjectPtr<GstClock> ProductionPipeline::clock() const {
  return GstObjectPtr<GstClock>(pipeline_ ? gst_element_get_clock(pipeline_.get()) : nullptr);
}

// The owner may destroy this pipeline from inside an event handler, so each handler is copied
// onto the stack before it runs and nothing of `this` is touched afterwards.
void ProductionPipeline::handle(GstMessage* message) {
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
      const auto failed = events_.failed;
      if (failed) failed(classify_error(message, pipeline_.get(), {}));
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
    default:
      break;
  }
}

}  // namespace agentcast::pipeline
