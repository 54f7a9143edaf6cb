// A part of the pipeline that fails while the box runs is replaced, not restarted forever:
// a missing ALSA device → silence, an encoder that errors at run time → the next encoder of the
// board's list. Both are logged once and shown in `status`; the box goes live regardless.
// A part that is only slow to start is no failure: nothing is replaced or rebuilt.
#include "support/box_process.hpp"
#include "support/box_status_watch.hpp"
#include "support/ffprobe.hpp"
#include "support/nginx_rtmp.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <glib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
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

  // `board_extra`: more keys of the board section, each with its leading comma.
  void write_config(const std::string& audio, const std::string& board_extra = "") {
    dir.write("agentcast.json", R"({"platform": {"kind": "rtmp"},
      "output": {"url": "rtmp://127.0.0.1:)" +
                                    std::to_string(server->rtmp_port()) + "/live/" + key + R"("},
      "audio": )" + audio + R"(, "board": {"name": "generic")" +
                                    board_extra + R"(},
      "scene": {"log_file": ")" + dir.file("stream.log") +
                                    R"("}, "status": {"file": ")" + dir.file("status.json") + R"("}})");
  }
  StatusWait wait_until(const std::function<bool(const nlohmann::json&)>& holds, std::chrono::milliseconds timeout) {
    return wait_for_box_status(dir.file("status.json"), holds, timeout);
  }
  // A pipeline fragment next to the config, taken instead of the built-in one.
  void override_fragment(const std::string& relative_path, const std::string& text) {
    std::filesystem::create_directories((dir.path() / relative_path).parent_path());
    dir.write(relative_path, text);
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
  override_fragment(
      "pipelines/video/x264enc.txt",
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

// An audio source whose first buffer comes 350 ms late (a microphone slow to open, a loaded
// board): the mixer's first deadline passes before it. The track must start anyway, with
// silence until the source arrives, and run without a gap beside the video from the first
// frame, on the first pipeline. (The voice mixer used to take the two idle pads for the end of
// the stream: no AAC frame ever, and a box that could never go live.)
TEST(Fallbacks, AnAudioSourceSlowToStartIsWaitedForNotRebuilt) {
  write_config(R"({"source": "silence"})");
  override_fragment("pipelines/audio/silence.txt",
                    "audiomixer name=audio_in force-live=true output-buffer-duration-fraction=1024/${audio_rate}\n"
                    "audiotestsrc name=audio_source wave=silence is-live=true samplesperbuffer=1024\n"
                    "  ! queue min-threshold-buffers=15 max-size-buffers=0 max-size-bytes=0 max-size-time=0\n"
                    "  ! audio/x-raw,format=S16LE,layout=interleaved,rate=${audio_rate},channels=${audio_channels}\n"
                    "  ! audio_in.\n");
  auto box = start_box(dir);
  const auto live = wait_until([](const nlohmann::json& s) { return s["state"] == "live"; }, 30s);
  CHECK_TEXT(live.held, (live.describe() + "\n" + dir.read("agentcast.log")).c_str());
  const auto settled = wait_until(
      [&](const nlohmann::json& s) {
        return s["updated_unix_ms"].get<std::int64_t>() > live.last->at("updated_unix_ms").get<std::int64_t>() + 5000;
      },
      15s);
  CHECK_TEXT(settled.held, settled.describe().c_str());
  LONGS_EQUAL_TEXT(0, settled.last->at("pipeline_rebuilds").get<int>(), settled.describe().c_str());
  CHECK_TEXT(settled.last->at("state") == "live", settled.describe().c_str());
  stop_box_gracefully(*box);

  const std::string recording = server->recording(key);
  wait_for_stable_file(recording);
  const auto video = video_packets(recording);
  const auto audio = audio_packets(recording);
  CHECK_TEXT(video.size() > 100 && audio.size() > 150,
             (std::to_string(video.size()) + " video and " + std::to_string(audio.size()) + " audio packets").c_str());
  // AAC frames of 1024 samples at 44.1 kHz: 23 or 24 ms apart in FLV's milliseconds.
  const double audio_gap = largest_frame_gap(audio);
  CHECK_TEXT(audio_gap < 0.030, ("largest gap in the audio: " + std::to_string(audio_gap) + " s").c_str());
  const double start_offset = audio.front().pts - video.front().pts;
  CHECK_TEXT(std::abs(start_offset) <= 0.040,
             ("audio starts " + std::to_string(start_offset) + " s after the video").c_str());
}

// LEDs wired to a chip that is not there (a wrong board.gpio, a kernel without the driver):
// told once, left out, and the box goes live without them.
TEST(Fallbacks, LedsOnAChipThatIsNotThereAreLeftOutWithOneWarning) {
  write_config(R"({"source": "silence"})",
               R"(, "gpio": {"status_led": {"chip": "agentcast-test-no-chip", "line": 1},
                             "aux_button": {"chip": "agentcast-test-no-chip", "line": 2, "active_low": true}})");
  auto box = start_box(dir);
  const auto live = wait_until([](const nlohmann::json& s) { return s["state"] == "live"; }, 30s);
  CHECK_TEXT(live.held, (live.describe() + "\n" + dir.read("agentcast.log")).c_str());
  const auto& left_out = live.last->at("gpio_left_out");
  LONGS_EQUAL_TEXT(2, left_out.size(), live.describe().c_str());
  STRCMP_EQUAL("status LED: no GPIO chip \"agentcast-test-no-chip\" (No such file or directory)",
               left_out[0].get<std::string>().c_str());
  stop_box_gracefully(*box);
  const std::string log = dir.read("agentcast.log");
  const auto warning = log.find("gpio: left out:");
  CHECK_TEXT(warning != std::string::npos && log.find("gpio: left out:", warning + 1) == std::string::npos,
             log.c_str());  // one warning for both lines
}
