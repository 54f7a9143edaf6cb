#pragma once
// Muxes the encoded video (H.264, stream-format=avc, alignment=au) and audio (raw AAC) into
// FLV tags in the streaming threads that encode them: no mux element and no thread of its own
// (flvmux is a GstAggregator, with a thread that every buffer of both streams went through).
//
// A tag is a buffer of three memories: its header (the tag header and the codec's few bytes),
// the encoded frame itself (shared, not copied) and the previous-tag size; a tag with another
// timestamp is a new header only (flv_tag.hpp). The stream header (FLV header, metadata, the
// AVC and AAC configs) is made from the two streams' caps, once both are known, and is the
// tags' caps: rtmp2sink sends it first on every connection. Until then tags wait.
//
// Tags leave in the order of their timestamps. A video tag comes every frame time (skipped
// pictures included), so an audio tag waits for the first video tag at or after its time and
// leaves with it, in one batch; audio leaves on its own only when video has stopped for
// kAudioAloneMs. Timestamps are the running time of each stream in milliseconds.
//
// Not thread-safe: its owner calls it under one lock (flv_relay.hpp).
#include "common/handles.hpp"
#include "pipeline/flv_tag.hpp"

#include <gst/gst.h>

#include <cstdint>
#include <deque>
#include <vector>

namespace agentcast::pipeline {

class FlvMux {
 public:
  struct Tag {
    GstBufferPtr buffer;  // one whole tag; its PTS and DTS are its time
    FlvTag info;
  };
  static constexpr std::uint64_t kAudioAloneMs = 500;
  // More tags than this waiting for the other stream's config: the oldest are dropped.
  static constexpr std::size_t kMaxWaiting = 600;

  // Tags due after a sample from the video (audio) branch, oldest first; empty while they wait.
  std::vector<Tag> add_video(GstSample* sample);
  std::vector<Tag> add_audio(GstSample* sample);
  // At the end of both streams: everything still waiting, in order.
  std::vector<Tag> finish();

  // video/x-flv with the stream header, once both configs are known; null before.
  GstCaps* caps() const { return caps_.get(); }

 private:
  struct Waiting {
    std::uint64_t time_ms;
    Tag tag;
  };
  struct Config {
    GstBufferPtr codec_data;
    GstCapsPtr caps;
  };

  bool take_config(Config& config, GstCaps* caps);
  void make_header();
  std::vector<Tag> due(bool video_arrived);

  Config video_;
  Config audio_;
  GstCapsPtr caps_;
  std::deque<Waiting> video_waiting_;  // only until the stream header is known
  std::deque<Waiting> audio_waiting_;
  bool dropped_logged_ = false;
};

}  // namespace agentcast::pipeline
