// The box under systemd's notify protocol, with the service manager's socket owned by the
// test: READY=1 once the pipeline runs, STATUS= following the go-live state, keep-alives for
// the watchdog that stop while the main loop is wedged and come back when it turns again,
// STOPPING=1 on SIGTERM; SIGHUP (systemctl reload) reads the configuration again without
// dropping the stream: RELOADING=1, then READY=1, what needs a restart named in `status`. The loop is wedged from
// outside (an LD_PRELOADed poll() that holds the main thread while a file exists) so the binary under test is the one
// that ships.
#include "support/box_process.hpp"
#include "support/box_status_watch.hpp"
#include "support/nginx_rtmp.hpp"
#include "support/notify_socket.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <glib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

using namespace agentcast::testing;
using namespace std::chrono_literals;

namespace {

std::string joined(const std::vector<std::string>& assignments) {
  std::string text;
  for (const auto& assignment : assignments) text += assignment + "\n";
  return text;
}

long count_of(const std::vector<std::string>& assignments, const std::string& wanted) {
  return std::count(assignments.begin(), assignments.end(), wanted);
}

}  // namespace

TEST_GROUP(SystemdService) {
  TempDir dir;
  std::unique_ptr<NginxRtmp> server;
  std::unique_ptr<NotifySocket> manager;

  std::string key = "sk_systemd_" + std::to_string(g_random_int());

  void setup() override {
    server = std::make_unique<NginxRtmp>(dir);
    manager = std::make_unique<NotifySocket>(dir.file("notify.sock"));
    write_config(R"("title": "First")", 1500);
  }
  // `scene_extra`: keys of the scene section; `bitrate_kbps`: the video's; `more`: sections.
  void write_config(const std::string& scene_extra, int bitrate_kbps, const std::string& more = "") {
    const std::string url = "rtmp://127.0.0.1:" + std::to_string(server->rtmp_port()) + "/live/" + key;
    dir.write("agentcast.json", R"({"platform": {"kind": "rtmp"}, "output": {"url": ")" + url +
                                    R"("}, "video": {"bitrate_kbps": )" + std::to_string(bitrate_kbps) +
                                    R"(}, "board": {"name": "generic"}, "scene": {)" + scene_extra +
                                    R"(, "log_file": ")" + dir.file("stream.log") + R"("}, "status": {"file": ")" +
                                    dir.file("status.json") + R"("})" + more + "}");
  }
  void teardown() override {
    manager.reset();
    server.reset();
  }
  // The box as systemd starts a Type=notify unit with WatchdogSec=1.
  std::unique_ptr<ChildProcess> start_under_systemd() {
    return start_box(
        dir, "agentcast.json", "agentcast.log",
        {"NOTIFY_SOCKET=" + manager->path(), "WATCHDOG_USEC=1000000",
         std::string("LD_PRELOAD=") + AGENTCAST_WEDGE_LIBRARY, "AGENTCAST_TEST_WEDGE_FILE=" + dir.file("wedge")});
  }
};

TEST(SystemdService, ReadyOnceThePipelineRunsAndTheStatusFollowsTheState) {
  auto box = start_under_systemd();
  std::vector<std::string> seen;
  CHECK_TEXT(manager->wait_for("STATUS=live", 30s, &seen), (joined(seen) + dir.read("agentcast.log")).c_str());
  const auto ready = std::find(seen.begin(), seen.end(), "READY=1");
  const auto connecting = std::find(seen.begin(), seen.end(), "STATUS=connecting");
  CHECK_TEXT(ready != seen.end(), joined(seen).c_str());
  CHECK_TEXT(connecting != seen.end(), joined(seen).c_str());
  LONGS_EQUAL_TEXT(1, count_of(seen, "READY=1"), joined(seen).c_str());
  // The pipeline plays before the server takes the stream: ready comes before live.
  CHECK_TEXT(ready < seen.end() - 1, joined(seen).c_str());
  CHECK_TEXT(count_of(seen, "WATCHDOG=1") >= 1, joined(seen).c_str());

  box->signal(SIGTERM);
  std::vector<std::string> stopping;
  CHECK_TEXT(manager->wait_for("STOPPING=1", 10s, &stopping), joined(stopping).c_str());
  CHECK_TEXT(count_of(stopping, "STATUS=stopping") == 1, joined(stopping).c_str());
  const auto code = box->wait_for_exit(5000);
  CHECK_TEXT(code.has_value() && *code == 0, dir.read("agentcast.log").c_str());
}

TEST(SystemdService, TheWatchdogKeepAliveStopsWhileTheMainLoopIsWedged) {
  auto box = start_under_systemd();
  std::vector<std::string> seen;
  CHECK_TEXT(manager->wait_for("STATUS=live", 30s, &seen), (joined(seen) + dir.read("agentcast.log")).c_str());
  // Keep-alives twice a second while all is well.
  const auto healthy = manager->collect(2s);
  CHECK_TEXT(count_of(healthy, "WATCHDOG=1") >= 3, joined(healthy).c_str());

  dir.write("wedge", "");
  // A keep-alive may be on its way as the wedge lands; after that, nothing for two timeouts.
  const auto landing = manager->collect(600ms);
  const auto wedged = manager->collect(2s);
  LONGS_EQUAL_TEXT(0, count_of(wedged, "WATCHDOG=1"), (joined(landing) + "--\n" + joined(wedged)).c_str());
  // The status file, written from the same loop, has stopped too: the loop really is wedged.
  const auto before = std::filesystem::last_write_time(dir.file("status.json"));
  CHECK(manager->collect(1200ms).empty());
  CHECK(before == std::filesystem::last_write_time(dir.file("status.json")));

  std::filesystem::remove(dir.file("wedge"));
  CHECK_TEXT(manager->wait_for("WATCHDOG=1", 5s), dir.read("agentcast.log").c_str());
  stop_box_gracefully(*box);
}

TEST(SystemdService, SighupReloadsTheConfigurationWithoutDroppingTheStream) {
  auto box = start_under_systemd();
  std::vector<std::string> seen;
  CHECK_TEXT(manager->wait_for("STATUS=live", 30s, &seen), (joined(seen) + dir.read("agentcast.log")).c_str());
  const auto live = wait_for_box_status(
      dir.file("status.json"), [](const nlohmann::json& s) { return s.value("state", "") == "live"; }, 10s);
  CHECK(live.held);

  // A new title and log level take effect; a new bitrate is named as needing a restart.
  write_config(R"("title": "Second")", 2000, R"(, "log": {"level": "notice"})");
  box->signal(SIGHUP);
  std::vector<std::string> reload;
  CHECK_TEXT(manager->wait_for("RELOADING=1", 10s, &reload), joined(reload).c_str());
  CHECK_TEXT(manager->wait_for("READY=1", 10s, &reload), joined(reload).c_str());
  const auto reloaded = wait_for_box_status(
      dir.file("status.json"), [](const nlohmann::json& s) { return !s["reloaded_unix_ms"].is_null(); }, 10s);
  CHECK_TEXT(reloaded.held, reloaded.describe().c_str());
  CHECK_TEXT(reloaded.last->at("reload_needs_restart") == nlohmann::json::array({"video"}),
             reloaded.describe().c_str());
  STRCMP_EQUAL("", reloaded.last->at("reload_problem").get<std::string>().c_str());
  // The same stream: no new pipeline, no new connection.
  CHECK(reloaded.last->at("state") == "live");
  LONGS_EQUAL(live.last->at("pipeline_rebuilds").get<int>(), reloaded.last->at("pipeline_rebuilds").get<int>());
  LONGS_EQUAL(live.last->at("restarts").get<int>(), reloaded.last->at("restarts").get<int>());
  LONGS_EQUAL(box->pid(), reloaded.last->at("pid").get<int>());

  // A file that does not parse changes nothing and says why.
  dir.write("agentcast.json", R"({"video": {"fps": "fast"}})");
  box->signal(SIGHUP);
  const auto refused = wait_for_box_status(
      dir.file("status.json"), [](const nlohmann::json& s) { return !s["reload_problem"].get<std::string>().empty(); },
      10s);
  CHECK_TEXT(refused.held, refused.describe().c_str());
  const std::string problem = refused.last->at("reload_problem");
  CHECK_TEXT(problem.find("video.fps") != std::string::npos, problem.c_str());
  CHECK(refused.last->at("state") == "live");
  stop_box_gracefully(*box);
}
