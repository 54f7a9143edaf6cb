// The whole box against a real nginx-rtmp with a TLS front: what reaches the server is
// checked with ffprobe, not taken from the firmware's own word.
#include "support/box_process.hpp"
#include "support/box_status_watch.hpp"
#include "support/child_process.hpp"
#include "support/ffprobe.hpp"
#include "support/nginx_rtmp.hpp"
#include "support/scrolling_log.hpp"
#include "support/silent_server.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <glib.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <thread>

using namespace agentcast::testing;
using namespace std::chrono_literals;

namespace {

constexpr double kFps = 30;
constexpr double kCapKbps = 1500;

std::string random_key() { return "sk_test_" + std::to_string(g_random_int()) + std::to_string(g_random_int()); }

}  // namespace

TEST_GROUP(RtmpsStream) {
  TempDir dir;
  std::unique_ptr<NginxRtmp> server;
  std::string key = random_key();

  void setup() override { server = std::make_unique<NginxRtmp>(dir); }
  void teardown() override { server.reset(); }

  void write_config(const std::string& url, const std::string& ca_file) {
    dir.write("agentcast.json", R"({"platform": {"kind": "rtmp"}, "output": {"url": ")" + url + R"("},
      "tls": {"ca_file": ")" + ca_file +
                                    R"("},
      "scene": {"title": "Integration test", "log_file": ")" +
                                    dir.file("stream.log") + R"("},
      "thumbnail": {"path": ")" + dir.file("thumbnail.jpg") +
                                    R"("}, "board": {"name": "generic"},
      "status": {"file": ")" + dir.file("status.json") +
                                    R"("}})");
  }

  std::unique_ptr<ChildProcess> start_box() { return agentcast::testing::start_box(dir); }
  void stop_box(ChildProcess & box) { stop_box_gracefully(box); }

  StatusWait wait_until(const std::function<bool(const nlohmann::json&)>& holds, std::chrono::milliseconds timeout) {
    return wait_for_box_status(dir.file("status.json"), holds, timeout);
  }
  void wait_until_live(std::chrono::milliseconds timeout) {
    const auto live = wait_until([](const nlohmann::json& s) { return s.value("state", "") == "live"; }, timeout);
    CHECK_TEXT(live.held, (live.describe() + "\n" + dir.read("agentcast.log")).c_str());
  }

  void check_key_never_logged() {
    const std::string log = dir.read("agentcast.log");
    CHECK_TEXT(log.find(key) == std::string::npos, "the stream key appears in the log");
  }
};

TEST(RtmpsStream, PublishesThePlatformFormatOverRtmpsWithTheConfiguredCa) {
  write_config("rtmps://127.0.0.1:" + std::to_string(server->rtmps_port()) + "/live/" + key, server->certificate());
  const ScrollingLog writer(dir.file("stream.log"), 150ms);
  auto box = start_box();
  wait_until_live(15s);

  std::this_thread::sleep_for(7s);  // the first half of a 15 s recording
  box->signal(SIGUSR1);
  const auto thumbnail = wait_until([](const nlohmann::json& s) { return !s["last_thumbnail_unix_ms"].is_null(); }, 5s);
  CHECK_TEXT(thumbnail.held, thumbnail.describe().c_str());
  std::this_thread::sleep_for(8s);
  stop_box(*box);
  check_key_never_logged();
  CHECK_TEXT(dir.read("agentcast.log").find("end of stream reached the server") != std::string::npos,
             "EOS did not reach the server before exit");

  // The thumbnail: a JPEG of the video's size.
  const auto thumb = ffprobe(dir.file("thumbnail.jpg"), {"-show_streams"}).at("streams").at(0);
  STRCMP_EQUAL("mjpeg", thumb.at("codec_name").get<std::string>().c_str());
  LONGS_EQUAL(1280, thumb.at("width").get<int>());
  LONGS_EQUAL(720, thumb.at("height").get<int>());

  // What the server recorded.
  const std::string recording = server->recording(key);
  wait_for_stable_file(recording);
  const auto streams = ffprobe(recording, {"-show_streams"}).at("streams");
  nlohmann::json video;
  nlohmann::json audio;
  for (const auto& s : streams) (s.at("codec_type") == "video" ? video : audio) = s;
  STRCMP_EQUAL("h264", video.at("codec_name").get<std::string>().c_str());
  LONGS_EQUAL(1280, video.at("width").get<int>());
  LONGS_EQUAL(720, video.at("height").get<int>());
  STRCMP_EQUAL("yuv420p", video.at("pix_fmt").get<std::string>().c_str());
  const std::string profile = video.at("profile").get<std::string>();
  CHECK_TEXT(profile == "Main" || profile == "High", profile.c_str());
  STRCMP_EQUAL("30/1", video.at("r_frame_rate").get<std::string>().c_str());
  STRCMP_EQUAL("aac", audio.at("codec_name").get<std::string>().c_str());
  STRCMP_EQUAL("44100", audio.at("sample_rate").get<std::string>().c_str());
  LONGS_EQUAL(2, audio.at("channels").get<int>());

  // FFmpeg's decoder, stopping at the first error, accepts every picture (x264's and the
  // skipped pictures of still frames alike).
  STRCMP_EQUAL("", decoding_complaints(recording).c_str());

  const auto packets = video_packets(recording);
  CHECK(packets.size() > 300);
  const double duration = packets.back().pts - packets.front().pts;
  CHECK_TEXT(duration > 12, std::to_string(duration).c_str());

  // Every frame arrived: no gap anywhere, the thumbnail's moment included.
  double worst_gap = 0;
  double worst_at = 0;
  for (std::size_t i = 1; i < packets.size(); ++i) {
    if (packets[i].pts - packets[i - 1].pts > worst_gap) {
      worst_gap = packets[i].pts - packets[i - 1].pts;
      worst_at = packets[i - 1].pts - packets.front().pts;
    }
  }
  CHECK_TEXT(worst_gap < 1.5 / kFps, ("largest gap between frames: " + std::to_string(worst_gap) + " s, " +
                                      std::to_string(worst_at) + " s into the recording")
                                         .c_str());
  // Frame times are regular (FLV has millisecond timestamps: 33 or 34 ms apart). The last half
  // second is left out: at EOS the mux may squeeze the final frames.
  for (std::size_t i = 1; i < packets.size() && packets[i].pts < packets.back().pts - 0.5; ++i) {
    const double delta = packets[i].pts - packets[i - 1].pts;
    CHECK_TEXT(delta > 0.030 && delta < 0.037, ("frame interval " + std::to_string(delta) + " s at " +
                                                std::to_string(packets[i].pts - packets.front().pts) + " s")
                                                   .c_str());
  }
  const double expected_frames = duration * kFps + 1;
  CHECK_TEXT(std::abs(static_cast<double>(packets.size()) - expected_frames) <= expected_frames * 0.01,
             (std::to_string(packets.size()) + " frames for " + std::to_string(duration) + " s").c_str());

  // A keyframe every 2.0 s, and only then.
  const std::vector<double> keyframes = keyframe_times(packets);
  CHECK(keyframes.size() >= 6);
  for (std::size_t i = 1; i < keyframes.size(); ++i) {
    DOUBLES_EQUAL(2.0, keyframes[i] - keyframes[i - 1], 0.04);
  }

  // The bitrate stays under the cap (+10 %).
  double bytes = 0;
  for (const auto& p : packets) bytes += static_cast<double>(p.size);
  const double kbps = bytes * 8 / 1000 / (duration + 1 / kFps);
  CHECK_TEXT(kbps <= kCapKbps * 1.10, ("video bitrate " + std::to_string(kbps) + " kbit/s").c_str());
  CHECK_TEXT(kbps > 100, ("video bitrate " + std::to_string(kbps) + " kbit/s: is anything encoded?").c_str());
}

TEST(RtmpsStream, AWrongCaFailsToConnectWithAClearError) {
  make_self_signed_certificate(dir.file("other-ca.pem"), dir.file("other-ca.key"), "some-other-ca");
  write_config("rtmps://127.0.0.1:" + std::to_string(server->rtmps_port()) + "/live/" + key, dir.file("other-ca.pem"));
  auto box = start_box();
  const auto refused = wait_until([](const nlohmann::json& s) { return s["restarts"].get<int>() >= 1; }, 15s);
  CHECK_TEXT(refused.held, (refused.describe() + "\n" + dir.read("agentcast.log")).c_str());
  CHECK_TEXT(refused.last->at("state") != "live", refused.describe().c_str());
  stop_box(*box);
  const std::string log = dir.read("agentcast.log");
  CHECK_TEXT(log.find("certificate") != std::string::npos && log.find("tls.ca_file") != std::string::npos, log.c_str());
  CHECK_TEXT(log.find("streaming to") == std::string::npos, "published despite an untrusted certificate");
  CHECK_FALSE(std::filesystem::exists(server->recording(key)));
  check_key_never_logged();
}

TEST(RtmpsStream, ComesBackByItselfWhenTheServerReturns) {
  write_config("rtmp://127.0.0.1:" + std::to_string(server->rtmp_port()) + "/live/" + key, server->certificate());
  auto box = start_box();
  wait_until_live(15s);
  server->stop();
  const auto down = wait_until([](const nlohmann::json& s) { return s["state"] != "live"; }, 15s);
  CHECK_TEXT(down.held, down.describe().c_str());
  std::this_thread::sleep_for(2s);  // the outage
  server->start();
  const auto back =
      wait_until([](const nlohmann::json& s) { return s["state"] == "live" && s["restarts"].get<int>() >= 1; }, 10s);
  CHECK_TEXT(back.held, (back.describe() + "\n" + dir.read("agentcast.log")).c_str());
  stop_box(*box);
  check_key_never_logged();
}

// A server that accepts the TCP connection and never answers: the box gives up on the
// connection within 5 s and tries again, instead of waiting forever.
TEST(RtmpsStream, AServerThatNeverAnswersIsLeftWithinFiveSeconds) {
  SilentServer silent;
  write_config("rtmp://127.0.0.1:" + std::to_string(silent.port()) + "/live/" + key, server->certificate());
  auto box = start_box();
  const std::string status_path = dir.file("status.json");
  const auto connecting = wait_for_box_status(
      status_path, [](const nlohmann::json& s) { return s.value("state", "") == "connecting"; }, 10s);
  CHECK_TEXT(connecting.held, connecting.describe().c_str());
  const auto gave_up = wait_for_box_status(
      status_path, [](const nlohmann::json& s) { return s.value("state", "") == "reconnecting"; }, 10s);
  CHECK_TEXT(gave_up.held, (gave_up.describe() + "\n" + dir.read("agentcast.log")).c_str());
  const auto waited_ms = gave_up.last->at("state_since_unix_ms").get<std::int64_t>() -
                         connecting.last->at("state_since_unix_ms").get<std::int64_t>();
  CHECK_TEXT(waited_ms <= 5500, std::to_string(waited_ms).c_str());
  // rtmp2sink's own handshake timeout or the supervisor's: either way the reason is shown.
  CHECK_TEXT(!gave_up.last->at("problem").get<std::string>().empty(), gave_up.describe().c_str());
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (silent.connections() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
  CHECK(silent.connections() >= 2);
  stop_box(*box);
  check_key_never_logged();
}
