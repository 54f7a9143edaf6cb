#include "pipeline/thumbnail_tap.hpp"

#include "support/loop_runner.hpp"

#include <CppUTest/TestHarness.h>

#include <atomic>

using namespace agentcast;

namespace {

// A live source teed into a counted main branch and the thumbnail branch of stream.txt (no
// queue: the branch runs in the source's thread, and only for the frames let in).
struct TeePipeline {
  GstElementPtr pipeline{gst_parse_launch(
      "videotestsrc is-live=true pattern=ball ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 "
      "! tee name=frames frames. ! queue ! identity name=main_branch ! fakesink sync=true "
      "frames. ! videoscale name=thumbnail_scale ! video/x-raw,width=160,height=120 "
      "! identity name=scaled ! jpegenc name=thumbnail_encoder ! "
      "appsink name=thumbnail_sink sync=false "
      "async=false max-buffers=1 drop=true",
      nullptr)};
  std::atomic<int> main_frames{0};
  std::atomic<int> jpegs_encoded{0};
  std::atomic<int> frames_scaled{0};

  GstElementPtr get(const char* name) { return GstElementPtr(gst_bin_get_by_name(GST_BIN(pipeline.get()), name)); }
};

void count_buffer(GstElement*, GstBuffer*, gpointer counter) { ++*static_cast<std::atomic<int>*>(counter); }

}  // namespace

TEST_GROUP(ThumbnailTap){};

TEST(ThumbnailTap, ReturnsAJpegOfTheConfiguredSizeOnRequestOnly) {
  TeePipeline tee;
  g_signal_connect(tee.get("main_branch").get(), "handoff", G_CALLBACK(count_buffer), &tee.main_frames);
  g_signal_connect(tee.get("scaled").get(), "handoff", G_CALLBACK(count_buffer), &tee.frames_scaled);
  GstObjectPtr<GstPad> jpeg_out(gst_element_get_static_pad(tee.get("thumbnail_encoder").get(), "src"));
  gst_pad_add_probe(
      jpeg_out.get(), GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo*, gpointer counter) {
        ++*static_cast<std::atomic<int>*>(counter);
        return GST_PAD_PROBE_OK;
      },
      &tee.jpegs_encoded, nullptr);
  pipeline::ThumbnailTap tap;
  tap.attach(tee.get("thumbnail_scale").get(), tee.get("thumbnail_encoder").get(), tee.get("thumbnail_sink").get());
  gst_element_set_state(tee.pipeline.get(), GST_STATE_PLAYING);
  testing::run_loop_for(500);
  // Between requests the branch scales and encodes nothing.
  LONGS_EQUAL(0, tee.jpegs_encoded.load());
  LONGS_EQUAL(0, tee.frames_scaled.load());

  std::optional<pipeline::Thumbnail> result;
  bool done = false;
  tap.request([&](const std::optional<pipeline::Thumbnail>& thumbnail, const std::string&) {
    result = thumbnail;
    done = true;
  });
  CHECK(testing::run_loop_until([&] { return done; }, 3000));
  CHECK(result.has_value());
  LONGS_EQUAL(160, result->width);
  LONGS_EQUAL(120, result->height);
  CHECK(result->jpeg.size() > 100);
  BYTES_EQUAL(0xFF, static_cast<unsigned char>(result->jpeg[0]));
  BYTES_EQUAL(0xD8, static_cast<unsigned char>(result->jpeg[1]));
  BYTES_EQUAL(0xD9, static_cast<unsigned char>(result->jpeg.back()));
  testing::run_loop_for(300);
  LONGS_EQUAL(1, tee.jpegs_encoded.load());
  CHECK(tee.main_frames.load() > 15);
  tap.detach();
  gst_element_set_state(tee.pipeline.get(), GST_STATE_NULL);
}

TEST(ThumbnailTap, OneFrameServesEveryWaitingCaller) {
  TeePipeline tee;
  pipeline::ThumbnailTap tap;
  tap.attach(tee.get("thumbnail_scale").get(), tee.get("thumbnail_encoder").get(), tee.get("thumbnail_sink").get());
  gst_element_set_state(tee.pipeline.get(), GST_STATE_PLAYING);
  int answered = 0;
  for (int i = 0; i < 3; ++i) {
    tap.request([&](const std::optional<pipeline::Thumbnail>& thumbnail, const std::string&) {
      answered += thumbnail ? 1 : 0;
    });
  }
  CHECK(testing::run_loop_until([&] { return answered == 3; }, 3000));
  tap.detach();
  gst_element_set_state(tee.pipeline.get(), GST_STATE_NULL);
}

TEST(ThumbnailTap, FailsWithAReasonWhenNoFrameComes) {
  TeePipeline tee;  // never started
  pipeline::ThumbnailTap tap(200);
  tap.attach(tee.get("thumbnail_scale").get(), tee.get("thumbnail_encoder").get(), tee.get("thumbnail_sink").get());
  std::string error;
  bool done = false;
  tap.request([&](const std::optional<pipeline::Thumbnail>& thumbnail, const std::string& why) {
    CHECK_FALSE(thumbnail.has_value());
    error = why;
    done = true;
  });
  CHECK(testing::run_loop_until([&] { return done; }, 2000));
  CHECK(error.find("no frame") != std::string::npos);
}
