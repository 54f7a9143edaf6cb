#include "pipeline/bench_frame_dump.hpp"

#include "codec/repeat_meta.hpp"
#include "common/fault_barrier.hpp"
#include "common/user_data.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace agentcast::pipeline {

// Written by the scene's streaming thread only (one pad, one thread): no lock.
struct BenchFrameDump::Files {
  std::ofstream pictures;
  std::ofstream frames;
  long picture = -1;
};

std::unique_ptr<BenchFrameDump> BenchFrameDump::from_environment(GstElement* scene_source) {
  const char* directory = std::getenv("AGENTCAST_BENCH_FRAMES");
  if (directory == nullptr || *directory == '\0') return nullptr;
  return std::make_unique<BenchFrameDump>(scene_source, directory);
}

BenchFrameDump::BenchFrameDump(GstElement* scene_source, const std::string& directory)
    : files_(std::make_shared<Files>()) {
  files_->pictures.open(directory + "/pictures.yuv", std::ios::binary | std::ios::trunc);
  files_->frames.open(directory + "/frames.txt", std::ios::trunc);
  const GstObjectPtr<GstPad> pad(gst_element_get_static_pad(scene_source, "src"));
  if (!files_->pictures || !files_->frames || !pad) {
    throw std::runtime_error("cannot write the benchmark's frames to " + directory);
  }
  probe_ = PadProbe(pad.get(), GST_PAD_PROBE_TYPE_BUFFER, on_frame, to_user_data(files_),
                    destroy_user_data<std::shared_ptr<Files>>);
}

GstPadProbeReturn BenchFrameDump::on_frame(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
  fault::contain("the benchmark's frame dump", [&] {
    Files& files = **static_cast<std::shared_ptr<Files>*>(data);
    GstBuffer* frame = GST_PAD_PROBE_INFO_BUFFER(info);
    if (!codec::is_repeat(frame) || files.picture < 0) {
      GstMapInfo map;
      if (!gst_buffer_map(frame, &map, GST_MAP_READ)) return;
      files.pictures.write(reinterpret_cast<const char*>(map.data), static_cast<std::streamsize>(map.size));
      gst_buffer_unmap(frame, &map);
      ++files.picture;
    }
    files.frames << GST_BUFFER_PTS(frame) << ' ' << files.picture << '\n';
  });
  return GST_PAD_PROBE_OK;
}

}  // namespace agentcast::pipeline
