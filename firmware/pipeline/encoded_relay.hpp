#pragma once
// Carries the encoded stream from the production pipeline's appsinks (video_out, audio_out)
// into the current output pipeline's appsrcs (video_in, audio_in). It keeps the newest group
// of pictures (the last keyframe and everything after it), so a new connection starts at once
// with a keyframe instead of waiting up to a keyframe interval; each connection's timestamps
// start at 0 from that keyframe.
//
// Locking: the appsink callbacks run on the production pipeline's streaming threads, connect()
// and disconnect() on the main loop; one mutex guards the cache and the current output.
#include "common/handles.hpp"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace agentcast::pipeline {

class EncodedRelay {
 public:
  EncodedRelay();
  ~EncodedRelay();
  EncodedRelay(const EncodedRelay&) = delete;
  EncodedRelay& operator=(const EncodedRelay&) = delete;

  // Takes the samples of a freshly built production pipeline; `first_keyframe` runs on the
  // main loop when the first keyframe arrived (a connection can start from then on), `drained`
  // when both appsinks got EOS, every sample before it relayed.
  void attach(GstElement* video_sink, GstElement* audio_sink, std::function<void()> first_keyframe,
              std::function<void()> drained);
  void detach();  // before the production pipeline goes away; forgets the cache
  bool has_keyframe() const;

  // The production timestamp of the cached keyframe (nullopt while there is none): the moment
  // that becomes 0 in a new output, whose base time is shifted by it.
  std::optional<GstClockTime> origin() const;
  // Starts feeding an output from the cached keyframe on, timestamps less `origin`.
  void connect(GstElement* video_in, GstElement* audio_in, GstClockTime origin);
  void disconnect();

  std::uint64_t video_frames() const;  // encoded pictures that left the encoder
  std::uint64_t audio_frames() const;  // encoded audio frames that left the encoder

 private:
  struct Shared;
  static GstFlowReturn on_video(GstAppSink* sink, gpointer data);
  static GstFlowReturn on_audio(GstAppSink* sink, gpointer data);
  static void on_eos(GstAppSink* sink, gpointer data);

  std::shared_ptr<Shared> shared_;
  GstElementPtr video_sink_;
  GstElementPtr audio_sink_;
};

}  // namespace agentcast::pipeline
