// Encoding on change, end to end: the box streams a log that bursts and stands still to a real
// nginx-rtmp, and what nginx recorded is judged by FFmpeg and by a leaky bucket of the
// test's own, on the recording's timestamps.
#include "support/box_process.hpp"
#include "support/box_status_watch.hpp"
#include "support/child_process.hpp"
#include "support/ffprobe.hpp"
#include "support/nginx_rtmp.hpp"
#include "support/scrolling_log.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

#include <algorithm>
#include <chrono>

using namespace agentcast::testing;
using namespace std::chrono_literals;

namespace {

constexpr double kCapKbps = 1500;     // the platform's -maxrate
constexpr double kBufferKbit = 3000;  // and -bufsize

// An agent that thinks in bursts: lines every 40 ms (faster than frames) for 1.5 s, then
// nothing for 3.5 s, so the stream has still stretches with keyframes due in them and bursts
// of change.
bool bursting(int step) { return step % 125 < 38; }  // 125 steps of 40 ms: 5 s

}  // namespace

TEST_GROUP(EncodeOnChangeStream) {
  TempDir dir;
  std::unique_ptr<NginxRtmp> server;

  void setup() override { server = std::make_unique<NginxRtmp>(dir); }
  void teardown() override { server.reset(); }
};

TEST(EncodeOnChangeStream, BurstsAndStillStretchesDecodeWithKeyframesEveryTwoSecondsWithinTheBucket) {
  const std::string key = "sk_burst_test";
  dir.write("agentcast.json", R"({"platform": {"kind": "rtmp"},
      "output": {"url": "rtmp://127.0.0.1:)" +
                                  std::to_string(server->rtmp_port()) + "/live/" + key + R"("},
      "scene": {"title": "Encode on change", "log_file": ")" +
                                  dir.file("stream.log") + R"("}, "board": {"name": "generic"},
      "status": {"file": ")" + dir.file("status.json") +
                                  R"("}})");
  auto box = start_box(dir);
  {
    const ScrollingLog writer(dir.file("stream.log"), 40ms, bursting);
    const auto live = wait_for_box_status(
        dir.file("status.json"), [](const nlohmann::json& s) { return s.value("state", "") == "live"; }, 15s);
    CHECK_TEXT(live.held, (live.describe() + "\n" + dir.read("agentcast.log")).c_str());
    // Three still stretches (each with a keyframe due in it) went around x264, frame by frame,
    // and three bursts through it.
    const auto skipped = wait_for_box_status(
        dir.file("status.json"), [](const nlohmann::json& s) { return s.value("frames_skipped", 0) >= 420; }, 40s);
    CHECK_TEXT(skipped.held, skipped.describe().c_str());
  }
  stop_box_gracefully(*box);

  const std::string recording = server->recording(key);
  wait_for_stable_file(recording);
  STRCMP_EQUAL("", decoding_complaints(recording).c_str());

  const auto packets = video_packets(recording);
  CHECK_TEXT(packets.size() > std::size_t{14} * 30, std::to_string(packets.size()).c_str());

  // A keyframe every 2.0 s, still stretches included, and only then.
  const std::vector<double> keyframes = keyframe_times(packets);
  CHECK(keyframes.size() >= 7);
  for (std::size_t i = 1; i < keyframes.size(); ++i) {
    DOUBLES_EQUAL(2.0, keyframes[i] - keyframes[i - 1], 0.04);
  }

  // The platform's leaky bucket on the recording's timestamps never overflows, and no 2 s
  // window carries more than the cap's worth.
  double fullness = 0;
  double last_pts = packets.front().pts;
  for (const auto& p : packets) {
    fullness = std::max(0.0, fullness - kCapKbps * 1000 * (p.pts - last_pts)) + static_cast<double>(p.size) * 8;
    last_pts = p.pts;
    CHECK_TEXT(fullness <= kBufferKbit * 1000, ("bucket at " + std::to_string(fullness / 1000) + " kbit at " +
                                                std::to_string(p.pts - packets.front().pts) + " s")
                                                   .c_str());
  }
  for (std::size_t first = 0; first < packets.size(); ++first) {
    double bits = 0;
    for (std::size_t i = first; i < packets.size() && packets[i].pts < packets[first].pts + 2.0; ++i) {
      bits += static_cast<double>(packets[i].size) * 8;
    }
    CHECK_TEXT(bits <= kCapKbps * 1000 * 2.0, ("2 s window from " + std::to_string(packets[first].pts) +
                                               " s: " + std::to_string(bits / 1000) + " kbit")
                                                  .c_str());
  }
}
