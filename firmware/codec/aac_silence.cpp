#include "codec/aac_silence.hpp"

#include "common/fault_barrier.hpp"
#include "common/user_data.hpp"

#include <utility>

namespace agentcast::codec {

struct AacSilence::State {
  GstObjectPtr<GstPad> output;  // the encoder's source pad, where skipped frames go out
  int silent_run = 0;           // silent frames in a row the encoder coded itself
  bool bypassing = false;       // silent frames went around the encoder since its last frame
  GstBufferPtr silence;         // the encoder's frame for silence, once it coded one settled
  // The frame inside the encoder now: its time, and whether its output is settled silence.
  GstClockTime input_pts = GST_CLOCK_TIME_NONE;
  bool input_settled = false;
  GstClockTimeDiff output_offset = 0;  // what the encoder adds to input timestamps
  bool injecting = false;
  std::atomic<std::uint64_t> skipped{0};

  GstPadProbeReturn take_input(GstPadProbeInfo* info);
  GstPadProbeReturn skip(GstPadProbeInfo* info, GstBuffer* frame);
  void take_output(GstBuffer* frame);
};

GstPadProbeReturn AacSilence::State::take_input(GstPadProbeInfo* info) {
  GstBuffer* frame = GST_PAD_PROBE_INFO_BUFFER(info);
  const bool silent = GST_BUFFER_FLAG_IS_SET(frame, GST_BUFFER_FLAG_GAP);
  if (silent && silence && silent_run >= kSettleFrames && GST_BUFFER_PTS_IS_VALID(frame)) return skip(info, frame);
  if (!silent && std::exchange(bypassing, false)) {
    // The encoder missed the frames that went around it: its time line goes on from here.
    frame = gst_buffer_make_writable(frame);
    GST_BUFFER_FLAG_SET(frame, GST_BUFFER_FLAG_DISCONT);
    GST_PAD_PROBE_INFO_DATA(info) = frame;
  }
  silent_run = silent ? silent_run + 1 : 0;
  input_pts = GST_BUFFER_PTS(frame);
  input_settled = silent && silent_run > kSettleFrames - 1;
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn AacSilence::State::skip(GstPadProbeInfo* info, GstBuffer* frame) {
  GstBuffer* copy = gst_buffer_copy(silence.get());  // shares the encoded bytes
  const GstClockTimeDiff pts = static_cast<GstClockTimeDiff>(GST_BUFFER_PTS(frame)) + output_offset;
  GST_BUFFER_PTS(copy) = pts >= 0 ? static_cast<GstClockTime>(pts) : 0;
  GST_BUFFER_DTS(copy) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION(copy) = GST_BUFFER_DURATION(frame);
  GST_BUFFER_FLAG_UNSET(copy, GST_BUFFER_FLAG_DISCONT);
  GstBufferPtr(frame).reset();  // the probe passes `copy` on in its place
  bypassing = true;
  skipped.fetch_add(1, std::memory_order_relaxed);
  injecting = true;
  GST_PAD_PROBE_INFO_FLOW_RETURN(info) = gst_pad_push(output.get(), copy);
  injecting = false;
  return GST_PAD_PROBE_HANDLED;
}

void AacSilence::State::take_output(GstBuffer* frame) {
  if (GST_CLOCK_TIME_IS_VALID(input_pts) && GST_BUFFER_PTS_IS_VALID(frame)) {
    output_offset = GST_CLOCK_DIFF(input_pts, GST_BUFFER_PTS(frame));
  }
  if (input_settled && !silence) silence.reset(gst_buffer_ref(frame));
}

AacSilence::AacSilence(GstElement* encoder) : state_(std::make_shared<State>()) {
  const GstObjectPtr<GstPad> input(gst_element_get_static_pad(encoder, "sink"));
  state_->output.reset(gst_element_get_static_pad(encoder, "src"));
  if (!input || !state_->output) return;
  // Each probe keeps the state alive until GStreamer drops it, so a streaming thread that is
  // still inside a callback never sees it freed.
  input_probe_ = PadProbe(input.get(), GST_PAD_PROBE_TYPE_BUFFER, on_input, to_user_data(state_),
                          destroy_user_data<std::shared_ptr<State>>);
  output_probe_ = PadProbe(state_->output.get(), GST_PAD_PROBE_TYPE_BUFFER, on_output, to_user_data(state_),
                           destroy_user_data<std::shared_ptr<State>>);
}

std::uint64_t AacSilence::frames_skipped() const { return state_->skipped.load(std::memory_order_relaxed); }

GstPadProbeReturn AacSilence::on_input(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
  GstPadProbeReturn result = GST_PAD_PROBE_OK;
  fault::contain("skipping silence", [&] { result = (*static_cast<std::shared_ptr<State>*>(data))->take_input(info); });
  return result;
}

GstPadProbeReturn AacSilence::on_output(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
  fault::contain("skipping silence", [&] {
    auto& state = **static_cast<std::shared_ptr<State>*>(data);
    if (!state.injecting) state.take_output(GST_PAD_PROBE_INFO_BUFFER(info));
  });
  return GST_PAD_PROBE_OK;
}

}  // namespace agentcast::codec
