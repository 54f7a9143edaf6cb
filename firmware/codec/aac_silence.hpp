#pragma once
// The AAC encoder encodes only the audio there is: once it has been fed silence long enough
// that nothing of the last sound is left in it (its delay and its transform's overlap), every
// further silent buffer (GAP, audio/audio_feed.hpp) goes around it as the frame it made for
// silence, which decoders turn into silence. The encoder's state is then what it was after the
// silence, so the sound after the stretch is coded as if it had been fed every frame; the first
// buffer with sound is marked DISCONT, for an encoder that keeps a time line of its own (a
// GstAudioEncoder with perfect-timestamp) to take it from that buffer on. On a box whose agent is silent most of the
// time this is most of the encoder's work (43 frames a second).
//
// Everything happens in the encoder's streaming thread: an AAC encoder puts out one frame per
// frame it takes, in the call that took it.
#include "common/handles.hpp"
#include "common/pad_probe.hpp"

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <memory>

namespace agentcast::codec {

class AacSilence {
 public:
  // Frames of silence the encoder codes itself before the rest go around it: its delay (two
  // frames for voaacenc and FFmpeg's AAC) and its overlap, with a frame to spare.
  static constexpr int kSettleFrames = 4;

  // Probes the pads of `encoder`, a GstAudioEncoder.
  explicit AacSilence(GstElement* encoder);
  AacSilence(const AacSilence&) = delete;
  AacSilence& operator=(const AacSilence&) = delete;

  // Silent frames sent as the encoder's silence instead of through it.
  std::uint64_t frames_skipped() const;

 private:
  struct State;
  static GstPadProbeReturn on_input(GstPad* pad, GstPadProbeInfo* info, gpointer data);
  static GstPadProbeReturn on_output(GstPad* pad, GstPadProbeInfo* info, gpointer data);

  std::shared_ptr<State> state_;
  PadProbe input_probe_;
  PadProbe output_probe_;
};

}  // namespace agentcast::codec
