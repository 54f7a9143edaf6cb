#include "pipeline/flv_relay.hpp"

#include "pipeline/flv_tag.hpp"
#include "support/loop_runner.hpp"

#include <CppUTest/TestHarness.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

using namespace agentcast;
using agentcast::pipeline::FlvTag;

namespace {

GstElementPtr launch(const std::string& description) {
  GError* raw_error = nullptr;
  GstElementPtr pipeline(gst_parse_launch(description.c_str(), &raw_error));
  GErrorPtr error(raw_error);
  CHECK_TEXT(error == nullptr, error ? error->message : "");
  return pipeline;
}

GstElementPtr named(GstElement* pipeline, const char* name) {
  return GstElementPtr(gst_bin_get_by_name(GST_BIN(pipeline), name));
}

// A small live stream that ends as the production pipeline ends (stream.txt), keyframes every
// half second.
struct Production {
  GstElementPtr pipeline = launch(
      "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=30/1 "
      "! x264enc tune=zerolatency speed-preset=ultrafast threads=1 key-int-max=15 "
      "! h264parse ! video/x-h264,stream-format=avc,alignment=au "
      "! appsink name=video_out sync=false async=false enable-last-sample=false "
      "audiotestsrc is-live=true ! audio/x-raw,rate=48000,channels=1 ! voaacenc ! aacparse "
      "! appsink name=audio_out sync=false async=false enable-last-sample=false");
  GstElementPtr video_out = named(pipeline.get(), "video_out");
  GstElementPtr audio_out = named(pipeline.get(), "audio_out");
  ~Production() { gst_element_set_state(pipeline.get(), GST_STATE_NULL); }
  Production() = default;
  Production(const Production&) = delete;
  Production& operator=(const Production&) = delete;
};

struct Received {
  std::mutex mutex;
  std::vector<GstSamplePtr> samples;
};

GstFlowReturn on_received(GstAppSink* sink, gpointer data) {
  auto& received = *static_cast<Received*>(data);
  GstSamplePtr sample(gst_app_sink_pull_sample(sink));
  std::lock_guard lock(received.mutex);
  received.samples.push_back(std::move(sample));
  return GST_FLOW_OK;
}

// One connection's output pipeline with an appsink where rtmp2sink would be.
struct Output {
  GstElementPtr pipeline =
      launch("appsrc name=flv_in is-live=true format=time max-bytes=0 ! appsink name=received sync=false async=false");
  GstElementPtr flv_in = named(pipeline.get(), "flv_in");
  Received received;
  Output() {
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = on_received;
    gst_app_sink_set_callbacks(GST_APP_SINK(named(pipeline.get(), "received").get()), &callbacks, &received, nullptr);
    gst_element_set_state(pipeline.get(), GST_STATE_PLAYING);
  }
  ~Output() { gst_element_set_state(pipeline.get(), GST_STATE_NULL); }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  std::vector<FlvTag> tags() {
    std::lock_guard lock(received.mutex);
    std::vector<FlvTag> parsed;
    for (const auto& sample : received.samples) {
      GstBuffer* buffer = gst_sample_get_buffer(sample.get());
      CHECK_FALSE(GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_HEADER));
      const auto tag = pipeline::parse_flv_tag(buffer);
      CHECK(tag.has_value());
      if (tag) parsed.push_back(*tag);
    }
    return parsed;
  }
  std::size_t count() {
    std::lock_guard lock(received.mutex);
    return received.samples.size();
  }
  GstCaps* first_caps() {
    std::lock_guard lock(received.mutex);
    return received.samples.empty() ? nullptr : gst_sample_get_caps(received.samples.front().get());
  }
};

// What every connection must see: a keyframe at 0 first, then its own clock from 0.
void check_starts_at_a_keyframe_at_zero(const std::vector<FlvTag>& tags) {
  CHECK(tags.size() > 20);
  CHECK(tags.front().kind == FlvTag::Kind::video);
  CHECK(tags.front().keyframe);
  LONGS_EQUAL(0, tags.front().timestamp_ms);
  std::uint32_t last_video = 0;
  bool audio = false;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const auto& tag = tags[i];
    CHECK_FALSE(tag.codec_config);  // the codec configs travel in the caps' stream header
    CHECK_TEXT(tag.timestamp_ms < 2500, ("tag " + std::to_string(i) + " kept production time").c_str());
    if (tag.kind == FlvTag::Kind::video && i > 0) {
      CHECK_TEXT(tag.timestamp_ms > last_video, ("video tag " + std::to_string(i) + " out of order").c_str());
      last_video = tag.timestamp_ms;
    }
    audio = audio || tag.kind == FlvTag::Kind::audio;
  }
  CHECK(audio);
}

}  // namespace

TEST_GROUP(FlvRelay){};

TEST(FlvRelay, AConnectionStartsAtTheCachedKeyframeAsTimeZeroWithTheStreamHeaderInItsCaps) {
  Production production;
  pipeline::FlvRelay relay;
  bool keyframe = false;
  relay.attach(
      production.video_out.get(), production.audio_out.get(), [&] { keyframe = true; }, nullptr);
  gst_element_set_state(production.pipeline.get(), GST_STATE_PLAYING);
  CHECK(testing::run_loop_until([&] { return keyframe; }, 5000));
  CHECK(relay.has_keyframe());
  // Production time runs on: the connection starts well after the production's 0.
  testing::run_loop_for(1200);

  Output first;
  relay.connect(first.flv_in.get());
  CHECK(testing::run_loop_until([&] { return first.count() > 40; }, 5000));
  relay.disconnect();
  check_starts_at_a_keyframe_at_zero(first.tags());
  GstCaps* caps = first.first_caps();
  CHECK(caps != nullptr);
  const GValue* header = gst_structure_get_value(gst_caps_get_structure(caps, 0), "streamheader");
  CHECK(header != nullptr && GST_VALUE_HOLDS_ARRAY(header));
  // FLV header, metadata, AVC and AAC configs: rtmp2sink sends them first on every connection.
  CHECK(gst_value_array_get_size(header) >= 3);

  // A later connection (a reconnect) starts over at 0, from the then newest keyframe.
  const auto after_first = first.count();
  testing::run_loop_for(700);
  LONGS_EQUAL(after_first, first.count());  // nothing reaches a disconnected output
  Output second;
  relay.connect(second.flv_in.get());
  CHECK(testing::run_loop_until([&] { return second.count() > 40; }, 5000));
  relay.disconnect();
  check_starts_at_a_keyframe_at_zero(second.tags());
  CHECK(relay.video_frames() > 40);
  CHECK(relay.audio_frames() > 40);
  relay.detach();
}

TEST(FlvRelay, AConnectionMadeBeforeAnyKeyframeStartsAtTheFirst) {
  Production production;
  pipeline::FlvRelay relay;
  relay.attach(production.video_out.get(), production.audio_out.get(), nullptr, nullptr);
  Output output;
  relay.connect(output.flv_in.get());
  gst_element_set_state(production.pipeline.get(), GST_STATE_PLAYING);
  CHECK(testing::run_loop_until([&] { return output.count() > 40; }, 5000));
  relay.disconnect();
  check_starts_at_a_keyframe_at_zero(output.tags());
  relay.detach();
}

TEST(FlvRelay, SaysWhenTheMuxDrainedAndEveryFrameReachedTheConnection) {
  Production production;
  pipeline::FlvRelay relay;
  bool drained = false;
  relay.attach(production.video_out.get(), production.audio_out.get(), nullptr, [&] { drained = true; });
  Output output;
  relay.connect(output.flv_in.get());  // before the first keyframe: every frame is the output's
  gst_element_set_state(production.pipeline.get(), GST_STATE_PLAYING);
  CHECK(testing::run_loop_until([&] { return output.count() > 40; }, 5000));
  gst_element_send_event(production.pipeline.get(), gst_event_new_eos());
  CHECK(testing::run_loop_until([&] { return drained; }, 5000));
  // The last batch (up to 100 ms of tags) went out with the end, not after it or never.
  const auto video_at_the_output = [&] {
    const auto tags = output.tags();
    return static_cast<std::uint64_t>(
        std::count_if(tags.begin(), tags.end(), [](const FlvTag& tag) { return tag.kind == FlvTag::Kind::video; }));
  };
  CHECK(testing::run_loop_until([&] { return video_at_the_output() == relay.video_frames(); }, 3000));
  relay.disconnect();
  relay.detach();
}

namespace {

GstBuffer* frame_at(int ms, const std::vector<std::uint8_t>& bytes, bool delta = false) {
  GstBuffer* buffer = gst_buffer_new_memdup(bytes.data(), bytes.size());
  GST_BUFFER_PTS(buffer) = GST_BUFFER_DTS(buffer) = static_cast<GstClockTime>(ms) * GST_MSECOND;
  if (delta) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  return buffer;
}

}  // namespace

TEST(FlvRelay, TheLastTagsGoOutWithTheEndEvenWhenTheirBatchIsNotFull) {
  // Encoded frames straight from appsrcs, so the frames and their times are the test's: a
  // keyframe, an audio frame and two more pictures, all within one 100 ms batch, then the end.
  GstElementPtr production = launch(
      "appsrc name=video format=time caps=video/x-h264,stream-format=avc,alignment=au,width=160,height=120,"
      "framerate=30/1,codec_data=(buffer)014d401fffe1000467"
      "4d401f01000268ee ! appsink name=video_out sync=false async=false "
      "appsrc name=audio format=time caps=audio/mpeg,mpegversion=4,stream-format=raw,rate=44100,channels=2,"
      "codec_data=(buffer)1210 ! appsink name=audio_out sync=false async=false");
  pipeline::FlvRelay relay;
  bool drained = false;
  relay.attach(named(production.get(), "video_out").get(), named(production.get(), "audio_out").get(), nullptr,
               [&] { drained = true; });
  Output output;
  relay.connect(output.flv_in.get());
  gst_element_set_state(production.get(), GST_STATE_PLAYING);
  GstElementPtr video = named(production.get(), "video");
  GstElementPtr audio = named(production.get(), "audio");
  gst_app_src_push_buffer(GST_APP_SRC(audio.get()), frame_at(20, {0x21, 0x10}));
  gst_app_src_push_buffer(GST_APP_SRC(video.get()), frame_at(0, {0, 0, 0, 1, 0x65}));
  gst_app_src_push_buffer(GST_APP_SRC(video.get()), frame_at(33, {0, 0, 0, 1, 0x41}, true));
  gst_app_src_push_buffer(GST_APP_SRC(video.get()), frame_at(66, {0, 0, 0, 1, 0x41}, true));
  gst_app_src_end_of_stream(GST_APP_SRC(audio.get()));
  gst_app_src_end_of_stream(GST_APP_SRC(video.get()));
  CHECK(testing::run_loop_until([&] { return drained; }, 5000));
  CHECK(testing::run_loop_until([&] { return output.count() == 4; }, 3000));
  LONGS_EQUAL(3, relay.video_frames());
  gst_element_set_state(production.get(), GST_STATE_NULL);
  relay.disconnect();
  relay.detach();
}
