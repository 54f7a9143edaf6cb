// A part of the pipeline that fails while the box runs is replaced, not restarted forever:
// a missing ALSA device → silence, an encoder that errors at run time → the next encoder of the
// board's list. Both are logged once and shown in `status`; the box goes live regardless.
#include "support/box_process.hpp"
#include "support/box_status_watch.hpp"
#include "support/nginx_rtmp.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <glib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <string>

using namespace agentcast::testing;
using namespace std::chrono_literals;

TEST_GROUP(Fallbacks) {
  TempDir dir;
  std::unique_ptr<NginxRtmp> server;
  std::string key = "sk_fallback_" + std::to_string(g_random_int());

  void setup() override { server = std::make_unique<NginxRtmp>(dir); }
  void teardown() override { server.reset(); }

  void write_config(const std::string& audio) {
    dir.write("agentcast.json", R"({"platform": {"kind": "rtmp"},
      "output": {"url": "rtmp://127.0.0.1:)" +
                                    std::to_string(server->rtmp_port()) + "/live/" + key + R"("},
      "audio": )" + audio + R"(, "board": {"name": "generic"},
      "scene": {"log_file": ")" + dir.file("stream.log") +
                                    R"("}, "status": {"file": ")" + dir.file("status.json") + R"("}})");
  }
  StatusWait wait_until(const std::function<bool(const nlohmann::json&)>& holds, std::chrono::milliseconds timeout) {
    return wait_for_box_status(dir.file("status.json"), holds, timeout);
  }
  static bool has_fallback(const nlohmann::json& status, const std::string& text) {
    for (const auto& fallback : status["fallbacks"]) {
      if (fallback.get<std::string>().find(text) != std::string::npos) return true;
    }
    return false;
  }
};

TEST(Fallbacks, AMissingAlsaDeviceFallsBackToSilenceAndGoesLive) {
  write_config(R"({"source": "alsa", "device": "hw:97,0"})");
  auto box = start_box(dir);
  const auto live =
      wait_until([](const nlohmann::json& s) { return s["state"] == "live" && s["audio_source"] == "silence"; }, 30s);
  CHECK_TEXT(live.held, (live.describe() + "\n" + dir.read("agentcast.log")).c_str());
  CHECK_TEXT(has_fallback(*live.last, "audio: alsa failed"), live.describe().c_str());
  // Once: the silence it fell back to is kept, the pipeline is not rebuilt again and again.
  const auto settled = wait_until(
      [&](const nlohmann::json& s) {
        return s["updated_unix_ms"].get<std::int64_t>() > live.last->at("updated_unix_ms").get<std::int64_t>() + 3000;
      },
      10s);
  CHECK_TEXT(settled.held, settled.describe().c_str());
  LONGS_EQUAL(1, settled.last->at("pipeline_rebuilds").get<int>());
  LONGS_EQUAL(1, settled.last->at("fallbacks").size());
  CHECK_TEXT(settled.last->at("state") == "live", settled.describe().c_str());
  stop_box_gracefully(*box);
}

// The first encoder of the generic board's list, made to fail after two seconds of work (as a
// hardware encoder that loses its device would), through a pipeline fragment next to the config.
TEST(Fallbacks, AnEncoderThatFailsWhileStreamingIsReplacedByTheNextOne) {
  write_config(R"({"source": "silence"})");
  std::filesystem::create_directories(dir.path() / "pipelines" / "video");
  dir.write("pipelines/video/x264enc.txt",
            "x264enc bitrate=${bitrate_kbps} key-int-max=${keyframe_frames} speed-preset=ultrafast tune=zerolatency\n"
            "  ! video/x-h264,profile=main,stream-format=avc,alignment=au\n"
            "  ! identity name=video_encoder error-after=60\n");
  auto box = start_box(dir);
  const auto replaced = wait_until(
      [](const nlohmann::json& s) { return s["state"] == "live" && s["video_encoder"] == "openh264enc"; }, 40s);
  CHECK_TEXT(replaced.held, (replaced.describe() + "\n" + dir.read("agentcast.log")).c_str());
  CHECK_TEXT(has_fallback(*replaced.last, "video encoder: x264enc failed"), replaced.describe().c_str());
  CHECK_TEXT(has_fallback(*replaced.last, "openh264enc instead"), replaced.describe().c_str());
  const auto streaming =
      wait_until([](const nlohmann::json& s) { return s["state"] == "live" && s["fps_out"].get<double>() > 25; }, 10s);
  CHECK_TEXT(streaming.held, streaming.describe().c_str());
  stop_box_gracefully(*box);
}
