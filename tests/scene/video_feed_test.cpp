#include "scene/video_feed.hpp"

#include "codec/repeat_meta.hpp"
#include "support/loop_runner.hpp"

#include <CppUTest/TestHarness.h>
#include <gst/app/gstappsink.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

using namespace agentcast;

namespace {

struct Received {
  std::mutex mutex;
  std::vector<GstClockTime> pts;
  std::vector<GstMemory*> memory;
  std::vector<bool> repeat;
};

GstFlowReturn on_sample(GstAppSink* sink, gpointer data) {
  auto* received = static_cast<Received*>(data);
  GstSamplePtr sample(gst_app_sink_pull_sample(sink));
  GstBuffer* buffer = gst_sample_get_buffer(sample.get());
  std::lock_guard lock(received->mutex);
  received->pts.push_back(GST_BUFFER_PTS(buffer));
  received->memory.push_back(gst_buffer_peek_memory(buffer, 0));
  received->repeat.push_back(codec::is_repeat(buffer));
  return GST_FLOW_OK;
}

// A live appsrc -> appsink pipeline that records what a VideoFeed pushes; `appsrc_options` and
// `in_between` tune the queue and what sits before the sink.
struct FeedPipeline {
  explicit FeedPipeline(const std::string& appsrc_options = "", const std::string& in_between = "")
      : pipeline(gst_parse_launch(("appsrc name=src is-live=true format=time " + appsrc_options +
                                   " caps=video/x-raw,format=I420,width=64,height=64,framerate=30/1 ! " + in_between +
                                   " appsink name=sink sync=false async=false emit-signals=true")
                                      .c_str(),
                                  nullptr)) {
    g_signal_connect(sink.get(), "new-sample", G_CALLBACK(on_sample), &received);
  }
  GstElementPtr pipeline;
  GstElementPtr src{gst_bin_get_by_name(GST_BIN(pipeline.get()), "src")};
  GstElementPtr sink{gst_bin_get_by_name(GST_BIN(pipeline.get()), "sink")};
  Received received;

  ~FeedPipeline() { gst_element_set_state(pipeline.get(), GST_STATE_NULL); }
  FeedPipeline(const FeedPipeline&) = delete;
  FeedPipeline& operator=(const FeedPipeline&) = delete;

  void play(scene::VideoFeed& feed) {
    gst_element_set_state(pipeline.get(), GST_STATE_PLAYING);
    gst_element_get_state(pipeline.get(), nullptr, nullptr, GST_SECOND);
    GstObjectPtr<GstClock> clock(gst_element_get_clock(pipeline.get()));
    feed.start(src.get(), clock.get(), gst_element_get_base_time(pipeline.get()));
  }
};

}  // namespace

TEST_GROUP(VideoFeed){};

TEST(VideoFeed, PushesTheSameFrameAtTheFrameRateWithoutCopying) {
  FeedPipeline run;
  GstBuffer* frame = gst_buffer_new_allocate(nullptr, 64 * 64 * 3 / 2, nullptr);
  GstMemory* original_memory = gst_buffer_peek_memory(frame, 0);
  scene::VideoFeed feed(30);
  feed.show(GstBufferPtr(frame));

  run.play(feed);
  testing::run_loop_for(1000);
  feed.stop();
  const auto pushed = feed.frames_pushed();
  testing::run_loop_for(100);
  gst_element_set_state(run.pipeline.get(), GST_STATE_NULL);

  Received& received = run.received;
  std::lock_guard lock(received.mutex);
  // One second at 30 fps, with slack for scheduling.
  CHECK_TEXT(received.pts.size() >= 28 && received.pts.size() <= 32, std::to_string(received.pts.size()).c_str());
  LONGS_EQUAL(pushed, received.pts.size());
  LONGS_EQUAL(0, feed.frames_dropped());
  const GstClockTime frame_time = gst_util_uint64_scale_int(GST_SECOND, 1, 30);
  for (std::size_t i = 0; i < received.pts.size(); ++i) {
    // Timestamps sit on the frame grid, one frame apart: no frame skipped or doubled.
    CHECK_TEXT(received.pts[i] % frame_time == 0, ("frame " + std::to_string(i) + " off the grid").c_str());
    if (i > 0) CHECK_TEXT(received.pts[i] - received.pts[i - 1] == frame_time, ("frame " + std::to_string(i)).c_str());
    // Every pushed buffer shares the rendered frame's memory: no per-frame copy.
    CHECK(received.memory[i] == original_memory);
  }
}

TEST(VideoFeed, StopEndsThePushes) {
  GstElementPtr pipeline(gst_parse_launch(
      "appsrc name=src is-live=true format=time caps=video/x-raw,format=I420,width=64,height=64,framerate=30/1 "
      "! fakesink sync=false async=false",
      nullptr));
  GstElementPtr src(gst_bin_get_by_name(GST_BIN(pipeline.get()), "src"));
  scene::VideoFeed feed(30);
  feed.show(GstBufferPtr(gst_buffer_new_allocate(nullptr, 64 * 64 * 3 / 2, nullptr)));
  gst_element_set_state(pipeline.get(), GST_STATE_PLAYING);
  gst_element_get_state(pipeline.get(), nullptr, nullptr, GST_SECOND);
  GstObjectPtr<GstClock> clock(gst_element_get_clock(pipeline.get()));
  feed.start(src.get(), clock.get(), gst_element_get_base_time(pipeline.get()));
  testing::run_loop_for(200);
  feed.stop();
  const auto after_stop = feed.frames_pushed();
  CHECK(after_stop > 0);
  testing::run_loop_for(200);
  LONGS_EQUAL(after_stop, feed.frames_pushed());
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
}

TEST(VideoFeed, MarksEveryPushOfAPictureButTheFirstAsARepeat) {
  FeedPipeline run;
  GstBuffer* first = gst_buffer_new_allocate(nullptr, 64 * 64 * 3 / 2, nullptr);
  GstBuffer* second = gst_buffer_new_allocate(nullptr, 64 * 64 * 3 / 2, nullptr);
  GstMemory* second_memory = gst_buffer_peek_memory(second, 0);
  scene::VideoFeed feed(30);
  feed.show(GstBufferPtr(first));

  run.play(feed);
  testing::run_loop_for(300);
  feed.show(GstBufferPtr(second));
  testing::run_loop_for(300);
  feed.stop();
  testing::run_loop_for(100);
  gst_element_set_state(run.pipeline.get(), GST_STATE_NULL);

  Received& received = run.received;
  std::lock_guard lock(received.mutex);
  const auto switched = std::find(received.memory.begin(), received.memory.end(), second_memory);
  CHECK(received.memory.size() > 12);
  CHECK(switched != received.memory.begin() && switched != received.memory.end());
  const auto switch_at = static_cast<std::size_t>(switched - received.memory.begin());
  for (std::size_t i = 0; i < received.repeat.size(); ++i) {
    const bool first_of_picture = i == 0 || i == switch_at;
    CHECK_TEXT(received.repeat[i] == !first_of_picture, ("frame " + std::to_string(i)).c_str());
  }
}

// An encoder that cannot keep up (here: 150 ms per frame): appsrc's leaky queue drops the
// newest frames, the feed counts them, and a new picture that fell into a drop still reaches
// the encoder marked as new, exactly once.
TEST(VideoFeed, ASlowEncoderDropsFramesButNeverANewPicture) {
  FeedPipeline run("max-buffers=2 leaky-type=upstream", "identity sleep-time=150000 !");
  GstBuffer* second = gst_buffer_new_allocate(nullptr, 64 * 64 * 3 / 2, nullptr);
  GstMemory* second_memory = gst_buffer_peek_memory(second, 0);
  scene::VideoFeed feed(30);
  feed.show(GstBufferPtr(gst_buffer_new_allocate(nullptr, 64 * 64 * 3 / 2, nullptr)));
  run.play(feed);
  testing::run_loop_for(500);
  feed.show(GstBufferPtr(second));
  testing::run_loop_for(1000);
  feed.stop();
  gst_element_set_state(run.pipeline.get(), GST_STATE_NULL);

  CHECK(feed.frames_dropped() > 10);
  Received& received = run.received;
  std::lock_guard lock(received.mutex);
  std::size_t new_of_second = 0;
  for (std::size_t i = 0; i < received.memory.size(); ++i) {
    if (received.memory[i] == second_memory && !received.repeat[i]) ++new_of_second;
  }
  LONGS_EQUAL(1, new_of_second);
}
