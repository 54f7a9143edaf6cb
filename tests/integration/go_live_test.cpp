// retake.tv mode end to end: the box against the API emulator and a real nginx-rtmp whose
// on_publish hook lets only the freshest key that went through stream/start publish.
#include "platform/credentials.hpp"
#include "support/child_process.hpp"
#include "support/nginx_rtmp.hpp"
#include "support/retake_emulator.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <glib.h>

#include <chrono>
#include <csignal>
#include <set>
#include <thread>

using namespace agentcast::testing;
using namespace std::chrono_literals;

namespace {

bool wait_for_count(const TempDir& dir, const std::string& text, std::size_t count, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string log = dir.read("agentcast.log");
    std::size_t found = 0;
    for (auto pos = log.find(text); pos != std::string::npos; pos = log.find(text, pos + 1)) ++found;
    if (found >= count) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// The ids of the comments the box showed, as it logged them (debug level).
std::vector<std::string> shown_comment_ids(const std::string& log) {
  std::vector<std::string> ids;
  const std::string marker = "chat: shown comment ";
  for (auto pos = log.find(marker); pos != std::string::npos; pos = log.find(marker, pos + 1)) {
    const auto start = pos + marker.size();
    ids.push_back(log.substr(start, log.find('\n', start) - start));
  }
  return ids;
}

}  // namespace

TEST_GROUP(GoLive) {
  TempDir dir;
  std::unique_ptr<NginxRtmp> server;
  std::unique_ptr<RetakeEmulator> emulator;
  const std::string token = "rtk_integration_" + std::to_string(g_random_int());

  void setup() override {
    const int emulator_port = free_loopback_port();
    server = std::make_unique<NginxRtmp>(dir, "http://127.0.0.1:" + std::to_string(emulator_port) + "/_hooks");
    emulator = std::make_unique<RetakeEmulator>(
        dir, "rtmp://127.0.0.1:" + std::to_string(server->rtmp_port()) + "/live", emulator_port);
    emulator->control("agent", {{"access_token", token}, {"userDbId", "user_it"}, {"agent_name", "It"}});
    agentcast::platform::save_credentials(dir.file("credentials.json"),
                                          {token, "It", "agent_it", "user_it", "", "", ""});
    dir.write("agentcast.json", R"({"platform": {"kind": "retake", "api_base": ")" + emulator->api_base() +
                                    R"(", "skill_url": ")" + emulator->skill_url() + R"(", "credentials": ")" +
                                    dir.file("credentials.json") + R"("},
      "scene": {"log_file": ")" + dir.file("stream.log") +
                                    R"("}, "board": {"name": "generic"},
      "thumbnail": {"interval_s": 3}, "chat": {"poll_active_s": 0.5, "poll_quiet_s": 1}})");
  }
  void teardown() override {
    emulator.reset();
    server.reset();
  }

  std::unique_ptr<ChildProcess> start_box() {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{AGENTCAST_BINARY, "run", "--config", dir.file("agentcast.json")},
        dir.file("agentcast.log"), std::vector<std::string>{"AGENTCAST_DEBUG=1"});
  }
  void stop_box(ChildProcess & box) {
    const auto sent = std::chrono::steady_clock::now();
    box.signal(SIGTERM);
    const auto code = box.wait_for_exit(6000);
    CHECK_TEXT(code.has_value(), "still running 6 s after SIGTERM");
    LONGS_EQUAL(0, *code);
    CHECK(std::chrono::steady_clock::now() - sent < 5s);
  }
  void check_no_secret_logged() {
    const std::string log = dir.read("agentcast.log");
    CHECK_TEXT(log.find(token) == std::string::npos, "the access token appears in the log");
    for (const auto& key : emulator->control("state")["keys_issued"]) {
      CHECK_TEXT(log.find(key.get<std::string>()) == std::string::npos, "an RTMP key appears in the log");
    }
  }
};

TEST(GoLive, FollowsThePlatformsOrderAndShowsEveryCommentOnce) {
  auto box = start_box();
  CHECK_TEXT(wait_for_count(dir, "live on retake.tv", 1, 20s), dir.read("agentcast.log").c_str());
  emulator->control("comments", {{"count", 130}});  // more than one page (limit 50) between two polls
  CHECK_TEXT(wait_for_count(dir, "chat: shown comment", 130, 15s), dir.read("agentcast.log").c_str());
  CHECK_TEXT(wait_for_count(dir, "thumbnail uploaded (periodic)", 1, 10s), dir.read("agentcast.log").c_str());
  stop_box(*box);
  check_no_secret_logged();

  // Every comment exactly once, none skipped, none twice.
  const auto ids = shown_comment_ids(dir.read("agentcast.log"));
  LONGS_EQUAL(130, ids.size());
  LONGS_EQUAL(130, std::set<std::string>(ids.begin(), ids.end()).size());

  // The order, from the emulator's request log.
  const auto log = emulator->log();
  std::vector<std::string> calls;
  double first_live_status = -1;
  double on_publish = -1;
  double first_thumbnail = -1;
  double first_comments = -1;
  for (const auto& entry : log) {
    const std::string path = entry["path"];
    const double t = entry["t"];
    if (path.starts_with("/agent/")) CHECK_TEXT(entry["auth"].get<bool>(), (path + " without valid auth").c_str());
    if (path == "on_publish") {
      CHECK_TEXT(entry["auth"].get<bool>(), "nginx refused a stale key");
      on_publish = t;
    }
    if (path == "/agent/stream/status" && on_publish > 0 && first_live_status < 0) first_live_status = t;
    if (path == "/agent/update-thumbnail" && first_thumbnail < 0) first_thumbnail = t;
    if (path == "/agent/stream/comments" && first_comments < 0) first_comments = t;
    if (calls.empty() || calls.back() != path) calls.push_back(path);
  }
  CHECK(calls.size() >= 6);
  // skill.json may come first; then rtmp, stream/start, the publish, stream/status.
  const auto start = calls.front() == "/skill.json" ? 1U : 0U;
  STRCMP_EQUAL("/agent/rtmp", calls[start].c_str());
  STRCMP_EQUAL("/agent/stream/start", calls[start + 1].c_str());
  STRCMP_EQUAL("on_publish", calls[start + 2].c_str());
  STRCMP_EQUAL("/agent/stream/status", calls[start + 3].c_str());
  STRCMP_EQUAL("/agent/stream/stop", calls.back().c_str());
  // The first thumbnail and the first chat poll right after is_live was confirmed.
  CHECK(first_thumbnail > first_live_status && first_thumbnail - first_live_status < 1.0);
  CHECK(first_comments >= first_live_status && first_comments - first_live_status < 1.0);
  CHECK(emulator->count("/agent/update-thumbnail") >= 2);  // the first one and a periodic one
}

TEST(GoLive, EveryRestartFetchesAFreshKey) {
  auto box = start_box();
  CHECK_TEXT(wait_for_count(dir, "live on retake.tv", 1, 20s), dir.read("agentcast.log").c_str());
  server->stop();
  CHECK_TEXT(wait_for_count(dir, "stream failed", 1, 15s), dir.read("agentcast.log").c_str());
  std::this_thread::sleep_for(1s);
  server->start();
  CHECK_TEXT(wait_for_count(dir, "live on retake.tv", 2, 20s), dir.read("agentcast.log").c_str());
  stop_box(*box);
  check_no_secret_logged();
  const auto keys = emulator->control("state")["keys_issued"];
  CHECK(keys.size() >= 2);
  CHECK(keys[0] != keys[keys.size() - 1]);
  for (const auto& entry : emulator->log()) {
    if (entry["path"] == "on_publish") CHECK_TEXT(entry["auth"].get<bool>(), "a stale key was published");
  }
}

TEST(GoLive, ARejectedTokenStopsTheCallsWithoutHammering) {
  auto box = start_box();
  CHECK_TEXT(wait_for_count(dir, "live on retake.tv", 1, 20s), dir.read("agentcast.log").c_str());
  emulator->control("revoke");
  CHECK_TEXT(wait_for_count(dir, "rejected the access token", 1, 10s), dir.read("agentcast.log").c_str());
  const auto calls_before = emulator->log().size();
  std::this_thread::sleep_for(6s);
  // At most a slow retry: nothing like the chat poll's 2 calls a second.
  CHECK_TEXT(emulator->log().size() - calls_before <= 2, std::to_string(emulator->log().size() - calls_before).c_str());
  stop_box(*box);
  check_no_secret_logged();
}
