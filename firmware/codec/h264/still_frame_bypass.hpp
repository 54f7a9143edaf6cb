#pragma once
// x264 spends most of a still picture's time proving, macroblock by macroblock, that nothing
// changed. Once it has settled on a picture (its last frame of that picture came out all but
// empty), further repeats of the picture bypass the encoder: each one becomes a skipped
// picture (skipped_picture.hpp), which decoders show as the previous one, pixel for pixel.
// x264's own pictures are renumbered (frame_num) so that the stream stays one sequence, and
// keyframes are forced on the grid x264 keeps by itself, so the GOP does not change.
//
// Cost: x264's constant-frame-rate rate control gets no bit budget for frames it does not see,
// so its pictures after a still stretch come out slightly coarser (0.8 dB PSNR at 55-60 dB in
// tests/codec/h264/still_frame_bypass_test.cpp).
//
// Everything happens in the encoder's streaming thread, in order: x264 with tune=zerolatency
// returns each picture from the call that took its frame, so a skipped picture can never
// overtake one of x264's. The bypass only engages while no frame is inside the encoder.
#include "common/handles.hpp"

#include <gst/gst.h>

#include <cstdint>
#include <memory>

namespace agentcast::codec::h264 {

class StillFrameBypass {
 public:
  // Probes the pads of `encoder`, an x264enc. It stays idle (and says why, once) when the
  // stream does not allow it: B-frames, several reference frames, interlacing, byte-stream.
  explicit StillFrameBypass(GstElement* encoder);
  ~StillFrameBypass();
  StillFrameBypass(const StillFrameBypass&) = delete;
  StillFrameBypass& operator=(const StillFrameBypass&) = delete;

  // Frames sent as skipped pictures instead of through the encoder.
  std::uint64_t pictures_skipped() const;

 private:
  struct State;
  static GstPadProbeReturn on_input(GstPad* pad, GstPadProbeInfo* info, gpointer data);
  static GstPadProbeReturn on_output(GstPad* pad, GstPadProbeInfo* info, gpointer data);

  std::shared_ptr<State> state_;
  GstObjectPtr<GstPad> input_pad_;
  GstObjectPtr<GstPad> output_pad_;
  gulong input_probe_ = 0;
  gulong output_probe_ = 0;
};

}  // namespace agentcast::codec::h264
