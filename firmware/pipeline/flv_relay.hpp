#pragma once
// Carries the production pipeline's FLV (the flv_out appsink) into the current output
// pipeline's flv_in appsrc. It keeps the newest group of pictures as tags (the last video
// keyframe and every tag after it), so a new connection starts at once with a keyframe instead
// of waiting up to a keyframe interval; each connection's tag timestamps start at 0 from that
// keyframe. The stream header (FLV header, metadata, codec configs) travels in the caps, which
// rtmp2sink sends first on every connection.
//
// Locking: the appsink callbacks run on the mux's streaming thread, connect() and
// disconnect() on the main loop; one mutex guards the cache and the current output.
#include "common/handles.hpp"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <memory>

namespace agentcast::pipeline {

class FlvRelay {
 public:
  FlvRelay();
  ~FlvRelay();
  FlvRelay(const FlvRelay&) = delete;
  FlvRelay& operator=(const FlvRelay&) = delete;

  // Takes the tags of a freshly built production pipeline; `first_keyframe` runs on the main
  // loop when the first keyframe arrived (a connection can start from then on), `drained` when
  // the appsink got EOS, every tag before it relayed.
  void attach(GstElement* flv_sink, std::function<void()> first_keyframe, std::function<void()> drained);
  void detach();  // before the production pipeline goes away; forgets the cache
  bool has_keyframe() const;

  // Starts feeding an output from the cached keyframe on, its timestamp as 0.
  void connect(GstElement* flv_in);
  void disconnect();

  std::uint64_t video_frames() const;  // encoded pictures that left the mux
  std::uint64_t audio_frames() const;  // encoded audio frames that left the mux

 private:
  struct Shared;
  static GstFlowReturn on_sample(GstAppSink* sink, gpointer data);
  static void on_eos(GstAppSink* sink, gpointer data);

  std::shared_ptr<Shared> shared_;
  GstElementPtr flv_sink_;
};

}  // namespace agentcast::pipeline
