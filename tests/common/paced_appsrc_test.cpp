#include "common/paced_appsrc.hpp"

#include "support/loop_runner.hpp"

#include <CppUTest/TestHarness.h>

#include <atomic>
#include <chrono>
#include <future>

using namespace agentcast;

namespace {

struct Pipeline {
  GstElementPtr pipeline{gst_parse_launch(
      "appsrc name=src is-live=true format=time caps=audio/x-raw,format=S16LE,layout=interleaved,rate=8000,channels=1 "
      "! fakesink sync=false async=false",
      nullptr)};
  GstElementPtr src{gst_bin_get_by_name(GST_BIN(pipeline.get()), "src")};
  GstObjectPtr<GstClock> clock{gst_system_clock_obtain()};
  Pipeline() = default;
  ~Pipeline() { gst_element_set_state(pipeline.get(), GST_STATE_NULL); }
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
};

}  // namespace

TEST_GROUP(PacedAppSrc){};

TEST(PacedAppSrc, DetachCutsAWaitInProgressAtOnce) {
  Pipeline run;
  PacedAppSrc source;
  source.attach(run.src.get(), run.clock.get(), 0, [] {});
  const GstClockTime far = source.now() + 10 * GST_SECOND;
  auto waited = std::async(std::launch::async, [&] { return source.wait_until(far); });
  CHECK(waited.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout);  // it does wait
  const auto cut = std::chrono::steady_clock::now();
  source.detach();
  CHECK(waited.wait_for(std::chrono::seconds(2)) == std::future_status::ready);
  CHECK_FALSE(waited.get());
  CHECK(std::chrono::steady_clock::now() - cut < std::chrono::milliseconds(500));
  // Detached, it neither waits nor pushes (and takes the buffer it was given).
  CHECK_FALSE(source.wait_until(source.now() + GST_SECOND));
  CHECK_FALSE(source.push(gst_buffer_new()));
}

TEST(PacedAppSrc, ServeIsAskedForEachBufferUntilDetached) {
  Pipeline run;
  PacedAppSrc source;
  std::atomic<int> served{0};
  gst_element_set_state(run.pipeline.get(), GST_STATE_PLAYING);
  gst_element_get_state(run.pipeline.get(), nullptr, nullptr, GST_SECOND);
  source.attach(run.src.get(), run.clock.get(), gst_element_get_base_time(run.pipeline.get()), [&] {
    ++served;
    if (source.wait_until(source.now() + 10 * GST_MSECOND)) source.push(gst_buffer_new_allocate(nullptr, 160, nullptr));
  });
  CHECK(source.push(gst_buffer_new_allocate(nullptr, 160, nullptr)));  // the first one wakes appsrc
  CHECK(testing::run_loop_until([&] { return served.load() >= 5; }, 3000));
  source.detach();
  testing::run_loop_for(50);
  const int at_detach = served.load();
  testing::run_loop_for(200);
  CHECK(served.load() <= at_detach + 1);
}
