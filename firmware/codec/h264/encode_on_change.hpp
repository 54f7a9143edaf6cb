#pragma once
// x264 encodes only the pictures that changed. The box's picture changes a few times a second
// (a log line, the clock), yet the stream runs at 30 frames a second; x264 would spend most of
// its time proving that nothing changed. So every frame marked as a repeat (repeat_meta.hpp)
// goes around x264, from the first one: it becomes a skipped picture (skipped_picture.hpp),
// which decoders show as the previous one, pixel for pixel. x264's own pictures are renumbered
// (frame_num) so that the stream stays one sequence, and keyframes are forced on the grid of
// the encoder's key-int-max frames, so a still screen still gets its IDR at every mark.
//
// Rate control on real time (codec/rate_control.hpp): x264's rate control counts every
// picture it sees as one frame time, so a change would never get the bits of the time it
// stands for. x264 runs in constant quality (pass=qual, its `quantizer`) instead, and before
// each picture the box sets x264's VBV from the platform's leaky bucket on the pictures'
// timestamps. The bucket is the x264enc's `bitrate` (drain rate) and `vbv-buf-capacity` (its
// size, in time at that rate) as the pipeline description sets them.
//
// Everything happens in the encoder's streaming thread, in order: x264 with tune=zerolatency
// returns each picture from the call that took its frame, so a skipped picture can never
// overtake one of x264's. The bypass only engages while no frame is inside the encoder.
#include "common/handles.hpp"
#include "common/pad_probe.hpp"

#include <gst/gst.h>

#include <cstdint>
#include <memory>

namespace agentcast::codec::h264 {

class EncodeOnChange {
 public:
  // Probes the pads of `encoder`, an x264enc with pass=qual. Repeats keep going through the
  // encoder (and say why, once) when the stream does not allow skipped pictures: B-frames,
  // several reference frames, interlacing, byte-stream.
  explicit EncodeOnChange(GstElement* encoder);
  EncodeOnChange(const EncodeOnChange&) = delete;
  EncodeOnChange& operator=(const EncodeOnChange&) = delete;

  // Frames sent as skipped pictures instead of through the encoder.
  std::uint64_t pictures_skipped() const;

 private:
  struct State;
  static GstPadProbeReturn on_input(GstPad* pad, GstPadProbeInfo* info, gpointer data);
  static GstPadProbeReturn on_output(GstPad* pad, GstPadProbeInfo* info, gpointer data);

  std::shared_ptr<State> state_;
  PadProbe input_probe_;
  PadProbe output_probe_;
};

}  // namespace agentcast::codec::h264
