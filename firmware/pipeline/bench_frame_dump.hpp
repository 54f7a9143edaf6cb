#pragma once
// For the benchmark only: the frames the box rendered, losslessly, so that the quality of what
// reached the server can be measured against them (tests/bench/bench.py: PSNR and SSIM).
// Set AGENTCAST_BENCH_FRAMES to a directory; every frame into the encoder is listed in
// frames.txt ("<pts_ns> <picture>"), every new picture appended to pictures.yuv (raw I420).
// Writes in the scene's streaming thread, never on the main loop; not for production.
#include "common/handles.hpp"
#include "common/pad_probe.hpp"

#include <gst/gst.h>

#include <memory>
#include <string>

namespace agentcast::pipeline {

class BenchFrameDump {
 public:
  // Null when AGENTCAST_BENCH_FRAMES is not set. Throws std::runtime_error when the files
  // cannot be created.
  static std::unique_ptr<BenchFrameDump> from_environment(GstElement* scene_source);
  BenchFrameDump(GstElement* scene_source, const std::string& directory);
  BenchFrameDump(const BenchFrameDump&) = delete;
  BenchFrameDump& operator=(const BenchFrameDump&) = delete;

 private:
  struct Files;
  static GstPadProbeReturn on_frame(GstPad* pad, GstPadProbeInfo* info, gpointer data);

  std::shared_ptr<Files> files_;
  PadProbe probe_;
};

}  // namespace agentcast::pipeline
