// The running box against what a careless owner, a broken terminal or an operator's habits
// do to it: its log reader going away, SIGHUP, a second box on the same status file; and
// the colours every viewer sees, checked in what reached the server and in the thumbnail.
// Waits are on the status file the box publishes, never on its log wording.
#include "support/box_process.hpp"
#include "support/box_status_watch.hpp"
#include "support/child_process.hpp"
#include "support/ffprobe.hpp"
#include "support/nginx_rtmp.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <glib.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

using namespace agentcast::testing;
using namespace std::chrono_literals;

namespace {

bool is_live(const nlohmann::json& status) { return status.value("state", "") == "live"; }

}  // namespace

TEST_GROUP(Robustness) {
  TempDir dir;
  std::unique_ptr<NginxRtmp> server;
  std::string key = "sk_robust_" + std::to_string(g_random_int());

  void setup() override {
    server = std::make_unique<NginxRtmp>(dir);
    write_config();
  }
  void teardown() override { server.reset(); }

  void write_config(const std::string& status_file = "run/status.json") {
    dir.write("agentcast.json", R"({"platform": {"kind": "rtmp"},
      "output": {"url": "rtmp://127.0.0.1:)" +
                                    std::to_string(server->rtmp_port()) + "/live/" + key + R"("},
      "scene": {"title": "Robustness", "log_file": ")" +
                                    dir.file("stream.log") +
                                    R"("},
      "thumbnail": {"path": ")" + dir.file("thumbnail.jpg") +
                                    R"("},
      "board": {"name": "generic"}, "status": {"file": ")" +
                                    dir.file(status_file) + R"("}})");
  }
  std::vector<std::string> run_argv() const {
    return {AGENTCAST_BINARY, "run", "--config", dir.file("agentcast.json")};
  }
  std::string status_path() const { return dir.file("run/status.json"); }

  StatusWait wait_until(const std::function<bool(const nlohmann::json&)>& holds, std::chrono::milliseconds timeout) {
    return wait_for_box_status(status_path(), holds, timeout);
  }
  // Live, and the status file refreshed at least twice more after `since_ms` with frames
  // still leaving the encoder at full rate.
  void check_still_streaming(ChildProcess & box, std::int64_t since_ms) {
    const auto wait = wait_until(
        [&](const nlohmann::json& s) {
          return s.at("updated_unix_ms").get<std::int64_t>() > since_ms + 2000 && is_live(s) &&
                 s.at("fps_out").get<double>() > 25;
        },
        10s);
    CHECK_TEXT(wait.held, wait.describe().c_str());
    CHECK_TEXT(box.running(), "the box is gone");
  }
  void stop_box(ChildProcess & box) { stop_box_gracefully(box); }
  std::int64_t now_ms() const { return g_get_real_time() / 1000; }
};

TEST(Robustness, ABoxWhoseLogReaderWentAwayKeepsStreaming) {
  ChildProcess box(run_argv(), ChildProcess::OutputPipe{});
  const auto live = wait_until(is_live, 20s);
  CHECK_TEXT(live.held, (live.describe() + "\n" + box.read_output()).c_str());
  // The reader goes (journald restarted, the SSH session that started the box closed); the
  // next log lines hit a pipe without a reader. Before, SIGPIPE ended the box (rc 141).
  box.close_output();
  const std::int64_t closed_ms = now_ms();
  box.signal(SIGUSR1);  // logs the thumbnail it writes
  box.signal(SIGHUP);   // logs that it carries on
  const auto thumbnail = wait_until(
      [&](const nlohmann::json& s) {
        return !s.at("last_thumbnail_unix_ms").is_null() &&
               s.at("last_thumbnail_unix_ms").get<std::int64_t>() >= closed_ms;
      },
      10s);
  CHECK_TEXT(thumbnail.held, thumbnail.describe().c_str());
  CHECK(std::filesystem::exists(dir.file("thumbnail.jpg")));
  check_still_streaming(box, now_ms());
  stop_box(box);
}

TEST(Robustness, SighupLeavesItStreaming) {
  ChildProcess box(run_argv(), dir.file("agentcast.log"));
  const auto live = wait_until(is_live, 20s);
  CHECK_TEXT(live.held, (live.describe() + "\n" + dir.read("agentcast.log")).c_str());
  const std::string since = live.last->at("state_since_unix_ms").dump();
  box.signal(SIGHUP);
  box.signal(SIGHUP);
  check_still_streaming(box, now_ms());
  // The same live period: no restart, no reconnection.
  const auto after = read_box_status(status_path());
  CHECK(after.has_value());
  STRCMP_EQUAL(since.c_str(), after->at("state_since_unix_ms").dump().c_str());
  LONGS_EQUAL(0, after->at("restarts").get<int>());
  stop_box(box);
  const auto packets = video_packets(server->recording(key));
  CHECK(packets.size() > 60);
  CHECK_TEXT(largest_frame_gap(packets) < 0.1, std::to_string(largest_frame_gap(packets)).c_str());
}

TEST(Robustness, ASecondBoxOnTheSameStatusFileRefusesToStart) {
  ChildProcess first(run_argv(), dir.file("first.log"));
  const auto live = wait_until(is_live, 20s);
  CHECK_TEXT(live.held, (live.describe() + "\n" + dir.read("first.log")).c_str());
  std::string output;
  LONGS_EQUAL(1, run_command(run_argv(), &output, 20000));
  CHECK_TEXT(output.find("another agentcast (pid " + std::to_string(first.pid()) +
                         ") is running with the status file " + status_path()) != std::string::npos,
             output.c_str());
  // The first box's state is still there, and still its own.
  check_still_streaming(first, now_ms());
  LONGS_EQUAL(first.pid(), read_box_status(status_path())->at("pid").get<int>());
  stop_box(first);
  // Once the first has stopped, a new box may take the file.
  ChildProcess second(run_argv(), dir.file("second.log"));
  CHECK_TEXT(wait_until(is_live, 20s).held, dir.read("second.log").c_str());
  stop_box(second);
}

namespace {

struct Rgb {
  int r;
  int g;
  int b;
};

Rgb at(const std::string& pixels, int x, int y) {
  const std::size_t i = (static_cast<std::size_t>(y) * 1280 + static_cast<std::size_t>(x)) * 3;
  return {static_cast<unsigned char>(pixels.at(i)), static_cast<unsigned char>(pixels.at(i + 1)),
          static_cast<unsigned char>(pixels.at(i + 2))};
}

std::string text(const Rgb& c) { return std::to_string(c.r) + "," + std::to_string(c.g) + "," + std::to_string(c.b); }

bool within(const Rgb& got, const Rgb& want, int tolerance) {
  return std::abs(got.r - want.r) <= tolerance && std::abs(got.g - want.g) <= tolerance &&
         std::abs(got.b - want.b) <= tolerance;
}

}  // namespace

TEST(Robustness, ViewersAndThumbnailsSeeTheColoursTheSceneDrew) {
  // A solid light-grey bar (full blocks in the terminal's text colour) on the first log line.
  std::string blocks;
  for (int i = 0; i < 60; ++i) blocks += "\u2588";
  dir.write("stream.log", blocks + "\n");
  ChildProcess box(run_argv(), dir.file("agentcast.log"));
  const auto live = wait_until(is_live, 20s);
  CHECK_TEXT(live.held, (live.describe() + "\n" + dir.read("agentcast.log")).c_str());
  // A few seconds of a still picture: the encoder refines it as any viewer's player sees it.
  const std::int64_t asked_ms = now_ms() + 3000;
  CHECK(wait_until([&](const nlohmann::json& s) { return s.at("updated_unix_ms").get<std::int64_t>() > asked_ms; }, 10s)
            .held);
  box.signal(SIGUSR1);
  CHECK(wait_until([&](const nlohmann::json& s) { return !s.at("last_thumbnail_unix_ms").is_null(); }, 10s).held);
  CHECK(wait_until(
            [&](const nlohmann::json& s) { return s.at("updated_unix_ms").get<std::int64_t>() > asked_ms + 1500; }, 10s)
            .held);
  stop_box(box);
  const std::string recording = server->recording(key);
  wait_for_stable_file(recording);

  // What the stream declares (caps → H.264 VUI) is what a player decodes with.
  const auto video = ffprobe(recording, {"-select_streams", "v:0", "-show_streams"}).at("streams").at(0);
  STRCMP_EQUAL("tv", video.value("color_range", "").c_str());
  STRCMP_EQUAL("bt709", video.value("color_space", "").c_str());
  const std::string stream = decode_rgb(
      recording, 0.5,
      "scale=in_range=tv:in_color_matrix=bt709:out_range=pc:flags=accurate_rnd+full_chroma_int+bitexact,format=rgb24");
  // The JPEG as any image viewer or browser shows it (JFIF: BT.601, full range).
  const std::string thumbnail =
      decode_rgb(dir.file("thumbnail.jpg"), 0, "scale=flags=accurate_rnd+full_chroma_int+bitexact,format=rgb24");
  LONGS_EQUAL(1280 * 720 * 3, stream.size());
  LONGS_EQUAL(1280 * 720 * 3, thumbnail.size());

  struct Patch {
    const char* name;
    int x;
    int y;
    Rgb drawn;  // firmware/scene/scene_renderer.cpp's palette
  };
  const std::array<Patch, 5> patches{{
      {"terminal background (dark grey)", 600, 500, {0x11, 0x11, 0x11}},
      {"light grey text block", 200, 96, {0xd0, 0xd7, 0xde}},
      {"page background", 8, 400, {0x0f, 0x14, 0x19}},
      {"title bar", 1200, 30, {0x1b, 0x22, 0x30}},
      {"chat panel", 1100, 600, {0x1b, 0x22, 0x30}},
  }};
  for (const auto& patch : patches) {
    const Rgb seen = at(stream, patch.x, patch.y);
    const Rgb thumb = at(thumbnail, patch.x, patch.y);
    const std::string what = std::string(patch.name) + ": drawn " + text(patch.drawn) + ", stream " + text(seen) +
                             ", thumbnail " + text(thumb);
    CHECK_TEXT(within(seen, patch.drawn, 3), what.c_str());
    CHECK_TEXT(within(thumb, patch.drawn, 3), what.c_str());
  }
}
