#include "pipeline/thumbnail_tap.hpp"

#include "codec/colour.hpp"
#include "common/fault_barrier.hpp"
#include "common/main_thread.hpp"
#include "common/timer.hpp"
#include "common/user_data.hpp"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include <atomic>

namespace agentcast::pipeline {

struct ThumbnailTap::Gate {
  std::atomic<int> frames_wanted{0};
  std::weak_ptr<Waiting> waiting;
};

struct ThumbnailTap::Waiting {
  std::vector<Done> callbacks;
  gint64 requested_us = 0;
  Timer timeout;
};

ThumbnailTap::ThumbnailTap(unsigned timeout_ms)
    : timeout_ms_(timeout_ms), gate_(std::make_shared<Gate>()), waiting_(std::make_shared<Waiting>()) {
  gate_->waiting = waiting_;
}

ThumbnailTap::~ThumbnailTap() {
  detach();
  waiting_->callbacks.clear();
}

GstPadProbeReturn ThumbnailTap::on_frame(GstPad* /*pad*/, GstPadProbeInfo* /*info*/, gpointer data) {
  auto& gate = *static_cast<std::shared_ptr<Gate>*>(data);
  int wanted = gate->frames_wanted.load();
  while (wanted > 0) {
    if (gate->frames_wanted.compare_exchange_weak(wanted, wanted - 1)) return GST_PAD_PROBE_OK;
  }
  return GST_PAD_PROBE_DROP;
}

GstPadProbeReturn ThumbnailTap::on_frame_to_encode(GstPad* pad, GstPadProbeInfo* info, gpointer /*data*/) {
  fault::contain("the thumbnail branch", [&] { to_jpeg_colours(pad, info); });
  return GST_PAD_PROBE_OK;
}

// The frame on its way into jpegenc, in JFIF's colours: jpegenc writes I420 as it gets it,
// and every JPEG decoder reads YCbCr as BT.601 full range, while the stream's frames are
// BT.709 limited range (black would show as dark grey, white as light grey). Runs only for
// the frames let through, in the scene's streaming thread.
void ThumbnailTap::to_jpeg_colours(GstPad* pad, GstPadProbeInfo* info) {
  const GstCapsPtr caps(gst_pad_get_current_caps(pad));
  if (!caps) return;
  GstVideoInfo video;
  const bool known = gst_video_info_from_caps(&video, caps.get()) != 0;
  if (!known || GST_VIDEO_INFO_FORMAT(&video) != GST_VIDEO_FORMAT_I420) return;
  GstBuffer* frame = GST_PAD_PROBE_INFO_BUFFER(info);
  GstBufferPtr converted(gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&video), nullptr));
  gst_buffer_copy_into(converted.get(), frame, GST_BUFFER_COPY_METADATA, 0, static_cast<gsize>(-1));
  GstVideoFrame in;
  GstVideoFrame out;
  if (!gst_video_frame_map(&in, &video, frame, GST_MAP_READ)) return;
  if (!gst_video_frame_map(&out, &video, converted.get(), GST_MAP_WRITE)) {
    gst_video_frame_unmap(&in);
    return;
  }
  const auto source = [&](int plane) {
    return static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&in, plane));
  };
  const auto target = [&](int plane) { return static_cast<std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&out, plane)); };
  const auto in_stride = [&](int plane) { return GST_VIDEO_FRAME_PLANE_STRIDE(&in, plane); };
  const auto out_stride = [&](int plane) { return GST_VIDEO_FRAME_PLANE_STRIDE(&out, plane); };
  codec::i420_bt709_to_jfif({source(0), in_stride(0), source(1), in_stride(1), source(2), in_stride(2)},
                            GST_VIDEO_INFO_WIDTH(&video), GST_VIDEO_INFO_HEIGHT(&video),
                            {target(0), out_stride(0), target(1), out_stride(1), target(2), out_stride(2)});
  gst_video_frame_unmap(&out);
  gst_video_frame_unmap(&in);
  GstBufferPtr(frame).reset();  // replaced by the converted frame
  GST_PAD_PROBE_INFO_DATA(info) = converted.release();
}

GstFlowReturn ThumbnailTap::on_sample(GstElement* sink, gpointer data) {
  fault::contain("the thumbnail branch", [&] { take_sample(sink, *static_cast<std::shared_ptr<Gate>*>(data)); });
  return GST_FLOW_OK;
}

void ThumbnailTap::take_sample(GstElement* sink, const std::shared_ptr<Gate>& gate) {
  GstSamplePtr sample(gst_app_sink_pull_sample(GST_APP_SINK(sink)));
  if (!sample) return;
  Thumbnail thumbnail;
  if (GstCaps* caps = gst_sample_get_caps(sample.get())) {
    const GstStructure* structure = gst_caps_get_structure(caps, 0);
    gst_structure_get_int(structure, "width", &thumbnail.width);
    gst_structure_get_int(structure, "height", &thumbnail.height);
  }
  GstBuffer* buffer = gst_sample_get_buffer(sample.get());
  GstMapInfo map;
  if (buffer == nullptr || !gst_buffer_map(buffer, &map, GST_MAP_READ)) return;
  thumbnail.jpeg.assign(reinterpret_cast<const char*>(map.data), map.size);
  gst_buffer_unmap(buffer, &map);

  std::weak_ptr<Waiting> waiting = gate->waiting;
  post_to_main_loop([waiting, thumbnail = std::move(thumbnail)]() mutable {
    auto alive = waiting.lock();
    if (!alive || alive->callbacks.empty()) return;
    auto callbacks = std::move(alive->callbacks);
    alive->callbacks.clear();
    alive->timeout.stop();
    thumbnail.elapsed_ms = static_cast<double>(g_get_monotonic_time() - alive->requested_us) / 1000.0;
    for (auto& done : callbacks) done(thumbnail, {});
  });
}

void ThumbnailTap::attach(GstElement* gate, GstElement* encoder, GstElement* sink) {
  detach();
  const GstObjectPtr<GstPad> gate_pad(gst_element_get_static_pad(gate, "sink"));
  gate_probe_ = PadProbe(gate_pad.get(), GST_PAD_PROBE_TYPE_BUFFER, on_frame, to_user_data(gate_),
                         destroy_user_data<std::shared_ptr<Gate>>);
  const GstObjectPtr<GstPad> encoder_pad(gst_element_get_static_pad(encoder, "sink"));
  colour_probe_ = PadProbe(encoder_pad.get(), GST_PAD_PROBE_TYPE_BUFFER, on_frame_to_encode);
  sink_.reset(GST_ELEMENT(gst_object_ref(sink)));
  g_object_set(sink, "emit-signals", TRUE, nullptr);
  sample_handler_ = g_signal_connect_data(sink, "new-sample", G_CALLBACK(on_sample), to_user_data(gate_),
                                          destroy_closure_data<std::shared_ptr<Gate>>, GConnectFlags{});
  // A request made while no pipeline was attached is served by the new one.
  if (!waiting_->callbacks.empty()) gate_->frames_wanted = 1;
}

void ThumbnailTap::detach() {
  gate_probe_.reset();
  colour_probe_.reset();
  if (sink_) {
    g_signal_handler_disconnect(sink_.get(), sample_handler_);
    sink_.reset();
  }
  gate_->frames_wanted = 0;
}

void ThumbnailTap::request(Done done) {
  waiting_->callbacks.push_back(std::move(done));
  if (waiting_->callbacks.size() > 1) return;  // one frame serves every caller waiting for it
  gate_->frames_wanted = 1;
  waiting_->requested_us = g_get_monotonic_time();
  waiting_->timeout.once(timeout_ms_, [this] {
    gate_->frames_wanted = 0;
    deliver(std::nullopt, "no frame reached the thumbnail branch in time (is the pipeline running?)");
  });
}

void ThumbnailTap::deliver(const std::optional<Thumbnail>& thumbnail, const std::string& error) {
  auto callbacks = std::move(waiting_->callbacks);
  waiting_->callbacks.clear();
  waiting_->timeout.stop();
  for (auto& done : callbacks) done(thumbnail, error);
}

}  // namespace agentcast::pipeline
