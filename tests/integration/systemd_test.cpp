// The box under systemd's notify protocol, with the service manager's socket owned by the
// test: READY=1 once the pipeline runs, STATUS= following the go-live state, keep-alives for
// the watchdog that stop while the main loop is wedged and come back when it turns again,
// STOPPING=1 on SIGTERM. The loop is wedged from outside (an LD_PRELOADed poll() that holds
// the main thread while a file exists) so the binary under test is the one that ships.
#include "support/box_process.hpp"
#include "support/box_status_watch.hpp"
#include "support/nginx_rtmp.hpp"
#include "support/notify_socket.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <glib.h>

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

  void setup() override {
    server = std::make_unique<NginxRtmp>(dir);
    manager = std::make_unique<NotifySocket>(dir.file("notify.sock"));
    dir.write("agentcast.json",
              R"({"platform": {"kind": "rtmp"},
      "output": {"url": "rtmp://127.0.0.1:)" +
                  std::to_string(server->rtmp_port()) + "/live/sk_systemd_" + std::to_string(g_random_int()) + R"("},
      "board": {"name": "generic"}, "scene": {"log_file": ")" +
                  dir.file("stream.log") + R"("}, "status": {"file": ")" + dir.file("status.json") + R"("}})");
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
