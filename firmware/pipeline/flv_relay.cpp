#include "pipeline/flv_relay.hpp"

#include "common/fault_barrier.hpp"
#include "common/log.hpp"
#include "common/main_thread.hpp"
#include "common/user_data.hpp"
#include "pipeline/flv_tag.hpp"

#include <gst/app/gstappsrc.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <optional>

namespace agentcast::pipeline {
namespace {

// A group of pictures this long in tags (about 20 s of 30 fps video and AAC) is not cached: a
// new connection then waits for the next keyframe instead.
constexpr std::size_t kMaxCachedTags = 1500;
constexpr std::uint32_t kLatestBeforeOriginMs = 0x7FFFFFFFU;

}  // namespace

struct FlvRelay::Shared {
  struct Tag {
    GstSamplePtr sample;
    FlvTag info;
  };
  struct Output {
    GstElementPtr flv_in;
    bool started = false;         // a keyframe went out: tags from the origin on follow
    std::uint32_t origin_ms = 0;  // the production timestamp that is 0 on this connection
    GstCapsPtr caps;              // the caps last set on the appsrc
  };

  mutable std::mutex mutex;
  std::deque<Tag> tags;  // the newest video keyframe and every tag after it
  bool cache_valid = false;
  bool keyframe_seen = false;
  std::function<void()> first_keyframe;
  std::function<void()> drained;
  std::optional<Output> output;
  std::atomic<std::uint64_t> video_frames{0};
  std::atomic<std::uint64_t> audio_frames{0};

  // Pushes one tag into the output, its timestamp less the output's origin. An output starts
  // at a video keyframe; a tag from before its origin is dropped. FLV time wraps after 49.7
  // days: the difference is taken modulo 2^32, and "before" is more than 2^31 ms back.
  // Called with the mutex held.
  static void forward(const Tag& tag, Output& to) {
    if (!to.started) {
      if (tag.info.kind != FlvTag::Kind::video || !tag.info.keyframe) return;
      to.started = true;
      to.origin_ms = tag.info.timestamp_ms;
    }
    const std::uint32_t timestamp_ms = tag.info.timestamp_ms - to.origin_ms;
    if (timestamp_ms > kLatestBeforeOriginMs) return;
    GstCaps* caps = gst_sample_get_caps(tag.sample.get());
    if (caps != nullptr && (!to.caps || (caps != to.caps.get() && !gst_caps_is_equal(caps, to.caps.get())))) {
      gst_app_src_set_caps(GST_APP_SRC(to.flv_in.get()), caps);  // the stream header rides in the caps
      to.caps.reset(gst_caps_ref(caps));
    }
    GstBufferPtr rebased = with_flv_timestamp(gst_sample_get_buffer(tag.sample.get()), timestamp_ms);
    gst_app_src_push_buffer(GST_APP_SRC(to.flv_in.get()), rebased.release());  // takes it; a closing output drops it
  }

  void take(GstSamplePtr sample) {
    GstBuffer* buffer = gst_sample_get_buffer(sample.get());
    // The stream header's own buffers: their copies travel in the caps.
    if (buffer == nullptr || GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_HEADER)) return;
    const auto info = parse_flv_tag(buffer);
    if (!info || info->codec_config) return;
    if (info->kind == FlvTag::Kind::video) video_frames.fetch_add(1, std::memory_order_relaxed);
    if (info->kind == FlvTag::Kind::audio) audio_frames.fetch_add(1, std::memory_order_relaxed);
    const bool starts_group = info->kind == FlvTag::Kind::video && info->keyframe;
    bool announce = false;
    {
      std::lock_guard lock(mutex);
      if (starts_group) {
        tags.clear();
        cache_valid = true;
        announce = !std::exchange(keyframe_seen, true);
      }
      Tag tag{std::move(sample), *info};
      if (output) forward(tag, *output);
      if (cache_valid) {
        if (tags.size() >= kMaxCachedTags) {
          tags.clear();
          cache_valid = false;
        } else {
          tags.push_back(std::move(tag));
        }
      }
    }
    if (announce && first_keyframe) post_to_main_loop(first_keyframe);
  }
};

FlvRelay::FlvRelay() : shared_(std::make_shared<Shared>()) {}

FlvRelay::~FlvRelay() { detach(); }

GstFlowReturn FlvRelay::on_sample(GstAppSink* sink, gpointer data) {
  GstSamplePtr sample(gst_app_sink_pull_sample(sink));
  if (sample) {
    fault::contain("the FLV relay", [&] { (*static_cast<std::shared_ptr<Shared>*>(data))->take(std::move(sample)); });
  }
  return GST_FLOW_OK;
}

void FlvRelay::on_eos(GstAppSink* /*sink*/, gpointer data) {
  fault::contain("the FLV relay's end of stream", [&] {
    auto& shared = **static_cast<std::shared_ptr<Shared>*>(data);
    std::function<void()> drained;
    {
      std::lock_guard lock(shared.mutex);
      drained = shared.drained;
    }
    if (drained) post_to_main_loop(drained);
  });
}

void FlvRelay::attach(GstElement* flv_sink, std::function<void()> first_keyframe, std::function<void()> drained) {
  detach();
  {
    std::lock_guard lock(shared_->mutex);
    shared_->first_keyframe = std::move(first_keyframe);
    shared_->drained = std::move(drained);
  }
  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = on_sample;
  callbacks.eos = on_eos;
  gst_app_sink_set_callbacks(GST_APP_SINK(flv_sink), &callbacks, to_user_data(shared_),
                             destroy_user_data<std::shared_ptr<Shared>>);
  flv_sink_.reset(GST_ELEMENT(gst_object_ref(flv_sink)));
}

void FlvRelay::detach() {
  if (flv_sink_) {
    GstAppSinkCallbacks none{};
    gst_app_sink_set_callbacks(GST_APP_SINK(flv_sink_.get()), &none, nullptr, nullptr);
    flv_sink_.reset();
  }
  std::lock_guard lock(shared_->mutex);
  shared_->tags.clear();
  shared_->cache_valid = false;
  shared_->keyframe_seen = false;
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
  if (shared.cache_valid) {
    for (const auto& tag : shared.tags) Shared::forward(tag, output);
  }
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
