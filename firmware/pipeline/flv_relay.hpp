#pragma once
// Carries the production pipeline's encoded video and audio (the video_out and audio_out
// appsinks), muxed into FLV tags as they arrive (flv_mux.hpp), into the current output
// pipeline's flv_in appsrc. It keeps the newest group of pictures as tags (the last video
// keyframe and every tag after it), so a new connection starts at once with a keyframe instead
// of waiting up to a keyframe interval; each connection's tag timestamps start at 0 from that
// keyframe. The stream header (FLV header, metadata, codec configs) travels in the caps, which
// rtmp2sink sends first on every connection. The tags a frame brings leave as one buffer list.
//
// Locking: the appsink callbacks run on the encoders' streaming threads (video and audio),
// connect() and disconnect() on the main loop; one mutex guards the mux, the cache and the
// current output, so tags leave in the mux's order whichever thread brought them.
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

  // Takes the encoded frames of a freshly built production pipeline; `first_keyframe` runs on
  // the main loop when the first keyframe arrived (a connection can start from then on),
  // `drained` when both appsinks got EOS, every tag before it relayed.
  void attach(GstElement* video_sink, GstElement* audio_sink, std::function<void()> first_keyframe,
              std::function<void()> drained);
  void detach();  // before the production pipeline goes away; forgets the cache
  bool has_keyframe() const;

  // Starts feeding an output from the cached keyframe on, its timestamp as 0.
  void connect(GstElement* flv_in);
  void disconnect();

  std::uint64_t video_frames() const;  // encoded pictures muxed
  std::uint64_t audio_frames() const;  // encoded audio frames muxed

 private:
  struct Shared;
  static GstFlowReturn on_video(GstAppSink* sink, gpointer data);
  static GstFlowReturn on_audio(GstAppSink* sink, gpointer data);
  static void on_video_eos(GstAppSink* sink, gpointer data);
  static void on_audio_eos(GstAppSink* sink, gpointer data);
  static void set_callbacks(GstElement* sink, GstFlowReturn (*sample)(GstAppSink*, gpointer),
                            void (*eos)(GstAppSink*, gpointer), const std::shared_ptr<Shared>& shared);

  std::shared_ptr<Shared> shared_;
  GstElementPtr video_sink_;
  GstElementPtr audio_sink_;
};

}  // namespace agentcast::pipeline
