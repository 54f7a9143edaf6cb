#include "pipeline/flv_relay.hpp"

#include "common/fault_barrier.hpp"
#include "common/log.hpp"
#include "common/main_thread.hpp"
#include "common/user_data.hpp"
#include "pipeline/flv_mux.hpp"
#include "pipeline/flv_tag.hpp"

#include <gst/app/gstappsrc.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace agentcast::pipeline {
namespace {

// A group of pictures this long in tags (about 20 s of 30 fps video and AAC) is not cached: a
// new connection then waits for the next keyframe instead.
constexpr std::size_t kMaxCachedTags = 1500;
constexpr std::uint32_t kLatestBeforeOriginMs = 0x7FFFFFFFU;
// Tags go to the connection in batches about this long: each batch wakes the connection's two
// threads once (its appsrc, rtmp2sink's), instead of each frame. TCP and the platform's
// player buffer seconds; a tenth of one is not seen.
constexpr std::uint32_t kBatchMs = 100;

using Tag = FlvMux::Tag;

}  // namespace

struct FlvRelay::Shared {
  struct Output {
    GstElementPtr flv_in;
    bool started = false;         // a keyframe went out: tags from the origin on follow
    std::uint32_t origin_ms = 0;  // the production timestamp that is 0 on this connection
    GstCapsPtr caps;              // the caps last set on the appsrc
    GstBufferListPtr batch;       // tags not pushed yet, the first at batch_ms
    std::uint32_t batch_ms = 0;
  };

  mutable std::mutex mutex;
  FlvMux mux;
  std::deque<Tag> tags;  // the newest video keyframe and every tag after it
  bool cache_valid = false;
  bool keyframe_seen = false;
  bool video_ended = false;
  bool audio_ended = false;
  std::function<void()> first_keyframe;
  std::function<void()> drained;
  std::optional<Output> output;
  std::atomic<std::uint64_t> video_frames{0};
  std::atomic<std::uint64_t> audio_frames{0};

  // Adds tags to the output's batch, each timestamp less the output's origin, and pushes the
  // batch once it spans kBatchMs (or at once, `now`). An output starts at a video keyframe; a
  // tag from before its origin is dropped. FLV time wraps after 49.7 days: the difference is
  // taken modulo 2^32, and "before" is more than 2^31 ms back. Called with the mutex held.
  template <typename Tags>
  void forward(const Tags& batch, Output& to, bool now) const {
    for (const Tag& tag : batch) {
      if (!to.started) {
        if (tag.info.kind != FlvTag::Kind::video || !tag.info.keyframe) continue;
        to.started = true;
        to.origin_ms = tag.info.timestamp_ms;
      }
      const std::uint32_t timestamp_ms = tag.info.timestamp_ms - to.origin_ms;
      if (timestamp_ms > kLatestBeforeOriginMs) continue;
      if (!to.batch) {
        to.batch.reset(gst_buffer_list_new());
        to.batch_ms = timestamp_ms;
      }
      gst_buffer_list_add(to.batch.get(), with_flv_timestamp(tag.buffer.get(), timestamp_ms).release());
      now = now || timestamp_ms - to.batch_ms >= kBatchMs;
    }
    if (now && to.batch) push(to);
  }

  void push(Output& to) const {
    GstCaps* caps = mux.caps();
    if (caps != nullptr && caps != to.caps.get()) {
      gst_app_src_set_caps(GST_APP_SRC(to.flv_in.get()), caps);  // the stream header rides in the caps
      to.caps.reset(gst_caps_ref(caps));
    }
    gst_app_src_push_buffer_list(GST_APP_SRC(to.flv_in.get()), to.batch.release());  // a closing output drops it
  }

  // Tags the mux let out: counted, cached, and sent on; at the end (`ended`) the output's last
  // batch goes too, however short. Called with the mutex held; returns whether the first
  // keyframe was among them.
  bool relay(const std::vector<Tag>& batch, bool ended = false) {
    bool announce = false;
    for (const Tag& tag : batch) {
      (tag.info.kind == FlvTag::Kind::video ? video_frames : audio_frames).fetch_add(1, std::memory_order_relaxed);
      if (tag.info.kind == FlvTag::Kind::video && tag.info.keyframe) {
        tags.clear();
        cache_valid = true;
        announce = announce || !std::exchange(keyframe_seen, true);
      }
      if (!cache_valid) continue;
      if (tags.size() >= kMaxCachedTags) {
        tags.clear();
        cache_valid = false;
      } else {
        tags.push_back({GstBufferPtr(gst_buffer_ref(tag.buffer.get())), tag.info});
      }
    }
    if (output && (!batch.empty() || ended)) forward(batch, *output, ended);
    return announce;
  }

  void take(GstAppSink* sink, bool video) {
    GstSamplePtr sample(gst_app_sink_pull_sample(sink));
    if (!sample) return;
    bool announce = false;
    {
      std::lock_guard lock(mutex);
      announce = relay(video ? mux.add_video(sample.get()) : mux.add_audio(sample.get()));
    }
    if (announce && first_keyframe) post_to_main_loop(first_keyframe);
  }

  void end(bool video) {
    std::function<void()> done;
    {
      std::lock_guard lock(mutex);
      (video ? video_ended : audio_ended) = true;
      if (!video_ended || !audio_ended) return;
      relay(mux.finish(), true);
      done = drained;
    }
    if (done) post_to_main_loop(done);
  }
};

FlvRelay::FlvRelay() : shared_(std::make_shared<Shared>()) {}

FlvRelay::~FlvRelay() { detach(); }

GstFlowReturn FlvRelay::on_video(GstAppSink* sink, gpointer data) {
  fault::contain("the FLV relay", [&] { (*static_cast<std::shared_ptr<Shared>*>(data))->take(sink, true); });
  return GST_FLOW_OK;
}

GstFlowReturn FlvRelay::on_audio(GstAppSink* sink, gpointer data) {
  fault::contain("the FLV relay", [&] { (*static_cast<std::shared_ptr<Shared>*>(data))->take(sink, false); });
  return GST_FLOW_OK;
}

void FlvRelay::on_video_eos(GstAppSink* /*sink*/, gpointer data) {
  fault::contain("the FLV relay's end of stream", [&] { (*static_cast<std::shared_ptr<Shared>*>(data))->end(true); });
}

void FlvRelay::on_audio_eos(GstAppSink* /*sink*/, gpointer data) {
  fault::contain("the FLV relay's end of stream", [&] { (*static_cast<std::shared_ptr<Shared>*>(data))->end(false); });
}

void FlvRelay::set_callbacks(GstElement* sink, GstFlowReturn (*sample)(GstAppSink*, gpointer),
                             void (*eos)(GstAppSink*, gpointer), const std::shared_ptr<Shared>& shared) {
  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = sample;
  callbacks.eos = eos;
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, to_user_data(shared),
                             destroy_user_data<std::shared_ptr<Shared>>);
}

void FlvRelay::attach(GstElement* video_sink, GstElement* audio_sink, std::function<void()> first_keyframe,
                      std::function<void()> drained) {
  detach();
  {
    std::lock_guard lock(shared_->mutex);
    shared_->first_keyframe = std::move(first_keyframe);
    shared_->drained = std::move(drained);
  }
  set_callbacks(video_sink, on_video, on_video_eos, shared_);
  set_callbacks(audio_sink, on_audio, on_audio_eos, shared_);
  video_sink_.reset(GST_ELEMENT(gst_object_ref(video_sink)));
  audio_sink_.reset(GST_ELEMENT(gst_object_ref(audio_sink)));
}

void FlvRelay::detach() {
  for (GstElementPtr* sink : {&video_sink_, &audio_sink_}) {
    if (!*sink) continue;
    GstAppSinkCallbacks none{};
    gst_app_sink_set_callbacks(GST_APP_SINK(sink->get()), &none, nullptr, nullptr);
    sink->reset();
  }
  std::lock_guard lock(shared_->mutex);
  shared_->mux = FlvMux();
  shared_->tags.clear();
  shared_->cache_valid = false;
  shared_->keyframe_seen = false;
  shared_->video_ended = false;
  shared_->audio_ended = false;
  shared_->first_keyframe = nullptr;
  shared_->drained = nullptr;
}

bool FlvRelay::has_keyframe() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->cache_valid && !shared_->tags.empty();
}

void FlvRelay::connect(GstElement* flv_in) {
  std::lock_guard lock(shared_->mutex);
  auto& shared = *shared_;
  Shared::Output output;
  output.flv_in.reset(GST_ELEMENT(gst_object_ref(flv_in)));
  // Without a cached group (none yet, or one too long to keep) the output starts at the next
  // keyframe.
  if (shared.cache_valid && !shared.tags.empty()) shared.forward(shared.tags, output, true);
  // What a connection starts with: a stream that never starts is told apart here.
  log::debug("relay: output ",
             output.started ? "from " + std::to_string(output.origin_ms) + " ms" : "at the next keyframe", "; ",
             shared.cache_valid ? shared.tags.size() : 0, " tags cached");
  shared.output = std::move(output);
}

void FlvRelay::disconnect() {
  std::lock_guard lock(shared_->mutex);
  shared_->output.reset();
}

std::uint64_t FlvRelay::video_frames() const { return shared_->video_frames.load(std::memory_order_relaxed); }

std::uint64_t FlvRelay::audio_frames() const { return shared_->audio_frames.load(std::memory_order_relaxed); }

}  // namespace agentcast::pipeline
