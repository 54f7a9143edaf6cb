#include "pipeline/encoded_relay.hpp"

#include "common/log.hpp"

#include "common/fault_barrier.hpp"
#include "common/main_thread.hpp"
#include "common/user_data.hpp"

#include <gst/app/gstappsrc.h>

#include <atomic>
#include <deque>
#include <mutex>

namespace agentcast::pipeline {
namespace {

// A group of pictures longer than this (no keyframe for a long time) is not cached: a new
// connection then waits for the next keyframe instead.
constexpr std::size_t kMaxCachedPictures = 600;
constexpr std::size_t kMaxCachedAudio = 600;

// Encoders stamp their output in their own segment (x264enc starts it 1000 hours in, so no
// decode time is ever negative); the production pipeline's running time is what both tracks
// share, and what the output's timestamps are made from.
GstClockTime running_time(GstSample* sample, GstClockTime time) {
  const GstSegment* segment = gst_sample_get_segment(sample);
  if (!GST_CLOCK_TIME_IS_VALID(time) || segment == nullptr || segment->format != GST_FORMAT_TIME) return time;
  guint64 running = 0;
  const int sign = gst_segment_to_running_time_full(segment, GST_FORMAT_TIME, time, &running);
  if (sign > 0) return running;
  return sign < 0 ? 0 : GST_CLOCK_TIME_NONE;
}

// When a sample has to be decoded, in running time.
GstClockTime decode_time(GstSample* sample) {
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  if (buffer == nullptr) return GST_CLOCK_TIME_NONE;
  return running_time(sample, GST_BUFFER_DTS_IS_VALID(buffer) ? GST_BUFFER_DTS(buffer) : GST_BUFFER_PTS(buffer));
}

bool is_keyframe(GstBuffer* buffer) { return !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT); }

}  // namespace

struct EncodedRelay::Shared {
  struct Output {
    GstElementPtr video;
    GstElementPtr audio;
    GstClockTime origin = 0;
    GstCapsPtr video_caps;  // the caps last set on each appsrc
    GstCapsPtr audio_caps;
  };

  mutable std::mutex mutex;
  std::deque<GstSamplePtr> pictures;  // the newest keyframe and every picture after it
  std::deque<GstSamplePtr> audio;     // the newest audio, about as long as the pictures
  bool cache_valid = false;
  bool keyframe_seen = false;
  std::function<void()> first_keyframe;
  std::function<void()> drained;
  int sinks_at_eos = 0;
  std::optional<Output> output;
  std::atomic<std::uint64_t> video_frames{0};
  std::atomic<std::uint64_t> audio_frames{0};

  // Pushes one sample into `src`, its timestamps shifted by the output's origin; samples from
  // before the origin are dropped. Called with the mutex held.
  void forward(GstSample* sample, GstElement* src, GstCapsPtr& caps_set, GstClockTime origin) {
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    if (buffer == nullptr) return;
    const GstClockTime time = decode_time(sample);
    if (!GST_CLOCK_TIME_IS_VALID(time) || time < origin) return;
    GstCaps* caps = gst_sample_get_caps(sample);
    if (caps != nullptr && (!caps_set || (caps != caps_set.get() && !gst_caps_is_equal(caps, caps_set.get())))) {
      gst_app_src_set_caps(GST_APP_SRC(src), caps);
      caps_set.reset(gst_caps_ref(caps));
    }
    GstBuffer* shifted = gst_buffer_copy(buffer);  // a new header sharing the encoded data
    if (GST_BUFFER_PTS_IS_VALID(shifted)) {
      const GstClockTime pts = running_time(sample, GST_BUFFER_PTS(shifted));
      GST_BUFFER_PTS(shifted) = GST_CLOCK_TIME_IS_VALID(pts) ? pts - std::min(pts, origin) : GST_CLOCK_TIME_NONE;
    }
    if (GST_BUFFER_DTS_IS_VALID(shifted)) GST_BUFFER_DTS(shifted) = time - origin;
    gst_app_src_push_buffer(GST_APP_SRC(src), shifted);  // takes the buffer; a closing output drops it
  }

  void take_picture(GstSamplePtr sample) {
    GstBuffer* buffer = gst_sample_get_buffer(sample.get());
    if (buffer == nullptr) return;
    video_frames.fetch_add(1, std::memory_order_relaxed);
    const bool keyframe = is_keyframe(buffer);
    bool announce = false;
    {
      std::lock_guard lock(mutex);
      if (keyframe) {
        pictures.clear();
        cache_valid = true;
        announce = !std::exchange(keyframe_seen, true);
        // Audio older than the keyframe is of no use to a new connection.
        const GstClockTime start = decode_time(sample.get());
        while (!audio.empty()) {
          const GstClockTime oldest = decode_time(audio.front().get());
          if (GST_CLOCK_TIME_IS_VALID(start) && GST_CLOCK_TIME_IS_VALID(oldest) && oldest >= start) break;
          audio.pop_front();
        }
      }
      if (output) forward(sample.get(), output->video.get(), output->video_caps, output->origin);
      if (cache_valid) {
        if (pictures.size() >= kMaxCachedPictures) {
          pictures.clear();
          cache_valid = false;
        } else {
          pictures.push_back(std::move(sample));
        }
      }
    }
    if (announce && first_keyframe) post_to_main_loop(first_keyframe);
  }

  void take_audio(GstSamplePtr sample) {
    audio_frames.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(mutex);
    if (output) forward(sample.get(), output->audio.get(), output->audio_caps, output->origin);
    if (audio.size() >= kMaxCachedAudio) audio.pop_front();
    audio.push_back(std::move(sample));
  }
};

EncodedRelay::EncodedRelay() : shared_(std::make_shared<Shared>()) {}

EncodedRelay::~EncodedRelay() { detach(); }

GstFlowReturn EncodedRelay::on_video(GstAppSink* sink, gpointer data) {
  GstSamplePtr sample(gst_app_sink_pull_sample(sink));
  if (sample) {
    fault::contain("the encoded video relay",
                   [&] { (*static_cast<std::shared_ptr<Shared>*>(data))->take_picture(std::move(sample)); });
  }
  return GST_FLOW_OK;
}

GstFlowReturn EncodedRelay::on_audio(GstAppSink* sink, gpointer data) {
  GstSamplePtr sample(gst_app_sink_pull_sample(sink));
  if (sample) {
    fault::contain("the encoded audio relay",
                   [&] { (*static_cast<std::shared_ptr<Shared>*>(data))->take_audio(std::move(sample)); });
  }
  return GST_FLOW_OK;
}

void EncodedRelay::on_eos(GstAppSink* /*sink*/, gpointer data) {
  fault::contain("the encoded relay's end of stream", [&] {
    auto& shared = **static_cast<std::shared_ptr<Shared>*>(data);
    std::function<void()> drained;
    {
      std::lock_guard lock(shared.mutex);
      if (++shared.sinks_at_eos == 2) drained = shared.drained;
    }
    if (drained) post_to_main_loop(drained);
  });
}

void EncodedRelay::attach(GstElement* video_sink, GstElement* audio_sink, std::function<void()> first_keyframe,
                          std::function<void()> drained) {
  detach();
  {
    std::lock_guard lock(shared_->mutex);
    shared_->first_keyframe = std::move(first_keyframe);
    shared_->drained = std::move(drained);
    shared_->sinks_at_eos = 0;
  }
  const auto connect_sink = [this](GstElement* sink, GstFlowReturn (*on_sample)(GstAppSink*, gpointer)) {
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = on_sample;
    callbacks.eos = on_eos;
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, to_user_data(shared_),
                               destroy_user_data<std::shared_ptr<Shared>>);
    return GstElementPtr(GST_ELEMENT(gst_object_ref(sink)));
  };
  video_sink_ = connect_sink(video_sink, on_video);
  audio_sink_ = connect_sink(audio_sink, on_audio);
}

void EncodedRelay::detach() {
  GstAppSinkCallbacks none{};
  for (auto* sink : {&video_sink_, &audio_sink_}) {
    if (*sink) gst_app_sink_set_callbacks(GST_APP_SINK(sink->get()), &none, nullptr, nullptr);
    sink->reset();
  }
  std::lock_guard lock(shared_->mutex);
  shared_->pictures.clear();
  shared_->audio.clear();
  shared_->cache_valid = false;
  shared_->keyframe_seen = false;
  shared_->first_keyframe = nullptr;
  shared_->drained = nullptr;
}

bool EncodedRelay::has_keyframe() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->cache_valid && !shared_->pictures.empty();
}

std::optional<GstClockTime> EncodedRelay::origin() const {
  std::lock_guard lock(shared_->mutex);
  if (!shared_->cache_valid || shared_->pictures.empty()) return std::nullopt;
  return decode_time(shared_->pictures.front().get());
}

// A keyframe newer than `origin` may have replaced the cache meanwhile: the connection then
// starts with that one, a little later than 0, which is as good.
void EncodedRelay::connect(GstElement* video_in, GstElement* audio_in, GstClockTime origin) {
  std::lock_guard lock(shared_->mutex);
  auto& shared = *shared_;
  Shared::Output output;
  output.video.reset(GST_ELEMENT(gst_object_ref(video_in)));
  output.audio.reset(GST_ELEMENT(gst_object_ref(audio_in)));
  output.origin = origin;
  if (shared.cache_valid) {
    for (const auto& picture : shared.pictures) {
      shared.forward(picture.get(), output.video.get(), output.video_caps, output.origin);
    }
  }
  for (const auto& sound : shared.audio) {
    shared.forward(sound.get(), output.audio.get(), output.audio_caps, output.origin);
  }
  // What a connection starts with: a stream that never starts is told apart here.
  log::debug("relay: output from ", origin / GST_MSECOND, " ms; ", shared.pictures.size(), " pictures and ",
             shared.audio.size(), " audio frames cached",
             shared.audio.empty()
                 ? std::string()
                 : ", audio from " + std::to_string(decode_time(shared.audio.front().get()) / GST_MSECOND) + " to " +
                       std::to_string(decode_time(shared.audio.back().get()) / GST_MSECOND) + " ms");
  shared.output = std::move(output);
}

void EncodedRelay::disconnect() {
  std::lock_guard lock(shared_->mutex);
  shared_->output.reset();
}

std::uint64_t EncodedRelay::video_frames() const { return shared_->video_frames.load(std::memory_order_relaxed); }

std::uint64_t EncodedRelay::audio_frames() const { return shared_->audio_frames.load(std::memory_order_relaxed); }

}  // namespace agentcast::pipeline
