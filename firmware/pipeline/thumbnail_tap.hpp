#pragma once
// JPEG snapshots of the current picture from the pipeline's thumbnail branch. The branch sits
// behind a one-frame leaky queue on the tee and a pad probe at the queue's input drops every
// frame unless a snapshot is wanted, so scaling and JPEG encoding cost nothing between
// requests and can never hold up the encoder branch. The frame let through is converted from the stream's BT.709
// limited range to JFIF's BT.601 full range on the way into jpegenc (codec/colour.hpp), so the thumbnail shows the
// colours the stream shows.
#include "common/handles.hpp"
#include "common/pad_probe.hpp"

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace agentcast::pipeline {

struct Thumbnail {
  std::string jpeg;
  int width = 0;
  int height = 0;
  double elapsed_ms = 0;  // from the request to the JPEG on the main loop
};

class ThumbnailTap {
 public:
  // Called on the main loop with the JPEG, or nullopt and a reason.
  using Done = std::function<void(const std::optional<Thumbnail>&, const std::string& error)>;

  explicit ThumbnailTap(unsigned timeout_ms = 3000);
  ~ThumbnailTap();
  ThumbnailTap(const ThumbnailTap&) = delete;
  ThumbnailTap& operator=(const ThumbnailTap&) = delete;

  // Hooks into a freshly built pipeline: `gate` is the branch's first element (frames are let
  // in at its sink pad), `encoder` the jpegenc, `sink` the appsink.
  void attach(GstElement* gate, GstElement* encoder, GstElement* sink);
  // Before the pipeline goes away; pending requests fail.
  void detach();

  // Asks for the next frame as JPEG; `done` runs on the main loop within the timeout.
  void request(Done done);

 private:
  struct Gate;
  struct Waiting;
  static GstPadProbeReturn on_frame(GstPad* pad, GstPadProbeInfo* info, gpointer data);
  static GstPadProbeReturn on_frame_to_encode(GstPad* pad, GstPadProbeInfo* info, gpointer data);
  static void to_jpeg_colours(GstPad* pad, GstPadProbeInfo* info);
  static GstFlowReturn on_sample(GstElement* sink, gpointer data);
  static void take_sample(GstElement* sink, const std::shared_ptr<Gate>& gate);
  void deliver(const std::optional<Thumbnail>& thumbnail, const std::string& error);

  unsigned timeout_ms_;
  std::shared_ptr<Gate> gate_;        // shared with the streaming threads
  std::shared_ptr<Waiting> waiting_;  // main loop only
  PadProbe gate_probe_;
  PadProbe colour_probe_;
  GstElementPtr sink_;
  gulong sample_handler_ = 0;
};

}  // namespace agentcast::pipeline
