// retake.tv mode end to end: the box against the API emulator and a real nginx-rtmp whose
// on_publish hook lets only the freshest key that went through stream/start publish.
#include "retake/credentials.hpp"
#include "support/box_process.hpp"
#include "support/box_status_watch.hpp"
#include "support/child_process.hpp"
#include "support/ffprobe.hpp"
#include "support/nginx_rtmp.hpp"
#include "support/retake_box.hpp"
#include "support/retake_emulator.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <glib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <functional>
#include <set>
#include <thread>

using namespace agentcast::testing;
using namespace std::chrono_literals;

TEST_GROUP_BASE(GoLive, RetakeBoxTest){};

TEST(GoLive, FollowsThePlatformsOrderAndShowsEveryCommentOnce) {
  auto box = start_box();
  wait_until_live(20s);
  emulator->control("comments", {{"count", 130}});  // more than one page (limit 50) between two polls
  const auto shown = wait_until([](const nlohmann::json& s) { return s["chat_shown"].get<int>() >= 130; }, 15s);
  CHECK_TEXT(shown.held, shown.describe().c_str());
  CHECK_TEXT(wait_for_calls("/agent/update-thumbnail", 2, 10s), "no periodic thumbnail");

  // What an operator sees over SSH while it runs.
  std::string output = wait_for_status("130 shown", 10s);
  CHECK_TEXT(output.find("state:      live since") != std::string::npos, output.c_str());
  CHECK_TEXT(output.find("server:     127.0.0.1:" + std::to_string(server->rtmp_port())) != std::string::npos,
             output.c_str());
  CHECK_TEXT(output.find("platform:   live") != std::string::npos, output.c_str());
  CHECK_TEXT(output.find("platform now: live") != std::string::npos, output.c_str());
  CHECK_TEXT(output.find("thumbnail:  last ") != std::string::npos, output.c_str());
  CHECK_TEXT(output.find("api error:  none") != std::string::npos, output.c_str());
  const auto status_file = nlohmann::json::parse(dir.read("run/status.json"));
  CHECK_TEXT(status_file["fps_out"].get<double>() > 25, output.c_str());
  CHECK_TEXT(status_file["bitrate_kbps"].get<double>() > 100, output.c_str());
  LONGS_EQUAL(0, box_status(output));

  stop_box_gracefully(*box);
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
    // The version check runs beside the go-live sequence, so it may land anywhere in it.
    if (path == "/skill.json") continue;
    if (calls.empty() || calls.back() != path) calls.push_back(path);
  }
  CHECK(calls.size() >= 6);
  STRCMP_EQUAL("/agent/verification-status", calls[0].c_str());  // step 0 of skill 2.1
  STRCMP_EQUAL("/agent/rtmp", calls[1].c_str());
  STRCMP_EQUAL("/agent/stream/start", calls[2].c_str());
  STRCMP_EQUAL("on_publish", calls[3].c_str());
  STRCMP_EQUAL("/agent/stream/status", calls[4].c_str());
  STRCMP_EQUAL("/agent/stream/stop", calls.back().c_str());
  // The first thumbnail and the first chat poll right after is_live was confirmed.
  CHECK(first_thumbnail > first_live_status && first_thumbnail - first_live_status < 1.0);
  CHECK(first_comments >= first_live_status && first_comments - first_live_status < 1.0);
  CHECK(emulator->count("/agent/update-thumbnail") >= 2);  // the first one and a periodic one

  // A stopped box says so (and a status call after it does not count as the box's).
  LONGS_EQUAL(1, box_status(output));
  CHECK_TEXT(output.find("agentcast is not running") != std::string::npos, output.c_str());
}

// nginx goes away for 10 s. Only the connection is rebuilt: the picture keeps being produced
// (SIGUSR1 writes a current thumbnail during the outage), and once nginx is back the box is
// live again within 3 s, with a key that was never used before.
TEST(GoLive, AServerOutageKeepsThePictureAndComesBackWithAFreshKey) {
  const std::string status_path = dir.file("run/status.json");
  const std::string thumbnail = dir.file("thumbnail.jpg");
  write_config(R"({"interval_s": 3, "path": ")" + thumbnail + R"("})");
  auto box = start_box();
  const auto live = wait_for_box_status(
      status_path, [](const nlohmann::json& s) { return s["state"] == "live"; }, 30s);
  CHECK_TEXT(live.held, (live.describe() + "\n" + dir.read("agentcast.log")).c_str());
  const int rebuilds_before = live.last->at("pipeline_rebuilds").get<int>();

  server->stop();
  const auto outage_started = std::chrono::steady_clock::now();
  const auto down = wait_for_box_status(
      status_path, [](const nlohmann::json& s) { return s["state"] != "live"; }, 10s);
  CHECK_TEXT(down.held, down.describe().c_str());
  // In the middle of the outage the picture is still there to take.
  std::this_thread::sleep_for(3s);
  dir.write("thumbnail.jpg", "");
  box->signal(SIGUSR1);
  const auto taken = wait_for_box_status(
      status_path, [&](const nlohmann::json&) { return dir.read("thumbnail.jpg").size() > 1000; }, 5s);
  CHECK_TEXT(taken.held, dir.read("agentcast.log").c_str());
  const auto frames = wait_for_box_status(
      status_path, [](const nlohmann::json& s) { return s["fps_out"].get<double>() > 25; }, 5s);
  CHECK_TEXT(frames.held, frames.describe().c_str());
  std::this_thread::sleep_until(outage_started + 10s);

  server->start();
  const auto back = std::chrono::steady_clock::now();
  const auto again = wait_for_box_status(
      status_path, [](const nlohmann::json& s) { return s["state"] == "live" && s["restarts"].get<int>() >= 1; }, 10s);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - back).count();
  CHECK_TEXT(again.held, (again.describe() + "\n" + dir.read("agentcast.log")).c_str());
  CHECK_TEXT(seconds <= 3.0, std::to_string(seconds).c_str());
  // The scene and the encoders never stopped: only the connection was rebuilt.
  CHECK_EQUAL(rebuilds_before, again.last->at("pipeline_rebuilds").get<int>());
  stop_box_gracefully(*box);
  check_no_secret_logged();
  const auto keys = emulator->control("state")["keys_issued"];
  CHECK(keys.size() >= 2);
  std::set<std::string> distinct;
  for (const auto& key : keys) distinct.insert(key.get<std::string>());
  CHECK_EQUAL(keys.size(), distinct.size());
  for (const auto& entry : emulator->log()) {
    if (entry["path"] == "on_publish") CHECK_TEXT(entry["auth"].get<bool>(), "a stale key was published");
  }
}

// A server that stops reading (every nginx process frozen): the box notices within 5 s from
// the acknowledgements the server owes, and is live again once the server is.
TEST(GoLive, AFrozenServerIsDetectedWithinFiveSecondsAndLeftBehind) {
  const std::string status_path = dir.file("run/status.json");
  auto box = start_box();
  const auto live = wait_for_box_status(
      status_path, [](const nlohmann::json& s) { return s["state"] == "live"; }, 30s);
  CHECK_TEXT(live.held, (live.describe() + "\n" + dir.read("agentcast.log")).c_str());
  server->freeze();
  const auto frozen_at = std::chrono::steady_clock::now();
  const auto noticed = wait_for_box_status(
      status_path, [](const nlohmann::json& s) { return s["state"] != "live"; }, 15s);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - frozen_at).count();
  CHECK_TEXT(noticed.held, noticed.describe().c_str());
  CHECK_TEXT(seconds <= 5.0, std::to_string(seconds).c_str());
  CHECK_TEXT(noticed.last->at("problem").get<std::string>().find("stalled") != std::string::npos,
             noticed.describe().c_str());
  server->resume();
  const auto again = wait_for_box_status(
      status_path, [](const nlohmann::json& s) { return s["state"] == "live" && s["restarts"].get<int>() >= 1; }, 20s);
  CHECK_TEXT(again.held, (again.describe() + "\n" + dir.read("agentcast.log")).c_str());
  stop_box_gracefully(*box);
}

TEST(GoLive, ARejectedTokenStopsTheCallsWithoutHammering) {
  auto box = start_box();
  wait_until_live(20s);
  emulator->control("revoke");
  const auto rejected = wait_for_box_status(
      dir.file("run/status.json"), [](const nlohmann::json& s) { return s["state"] == "credentials-rejected"; }, 10s);
  CHECK_TEXT(rejected.held, rejected.describe().c_str());
  CHECK_TEXT((*rejected.last)["label"] == "CREDENTIALS REJECTED", rejected.describe().c_str());
  const std::string output = wait_for_status("state:      credentials-rejected", 5s);
  CHECK_TEXT(output.find("HTTP 401") != std::string::npos, output.c_str());
  CHECK_TEXT(dir.read("agentcast.log").find("rejected the access token") != std::string::npos,
             dir.read("agentcast.log").c_str());
  const auto calls_before = emulator->log().size();
  std::this_thread::sleep_for(6s);
  // At most a slow retry: nothing like the chat poll's 2 calls a second.
  CHECK_TEXT(emulator->log().size() - calls_before <= 2, std::to_string(emulator->log().size() - calls_before).c_str());
  stop_box_gracefully(*box);
  check_no_secret_logged();
}

namespace {

// Seconds between successive requests to `path` in the emulator's log.
std::vector<double> intervals_between(const nlohmann::json& log, const std::string& path) {
  std::vector<double> times;
  for (const auto& entry : log) {
    if (entry["path"] == path) times.push_back(entry["t"].get<double>());
  }
  std::vector<double> intervals;
  for (std::size_t i = 1; i < times.size(); ++i) intervals.push_back(times[i] - times[i - 1]);
  return intervals;
}

std::string describe_intervals(const std::vector<double>& intervals) {
  std::string text;
  for (const double interval : intervals) text += std::to_string(interval) + " ";
  return text;
}

}  // namespace

TEST(GoLive, AnApiOutageAtStartBacksOffExponentiallyWithJitter) {
  emulator->control("fault", {{"path", "/agent/rtmp"}, {"status", 500}, {"count", 3}});
  auto box = start_box();
  wait_until_live(30s);
  const std::string output = wait_for_status("state:      live", 5s);
  CHECK_TEXT(output.find("go-live: rtmp: HTTP 500") != std::string::npos, output.c_str());
  stop_box_gracefully(*box);
  // 1 s, 2 s, 4 s, each within the 30 % jitter: growing, never hammering.
  const auto intervals = intervals_between(emulator->log(), "/agent/rtmp");
  LONGS_EQUAL_TEXT(3, intervals.size(), describe_intervals(intervals).c_str());
  const std::array<double, 3> nominal{1, 2, 4};
  for (std::size_t i = 0; i < std::min(intervals.size(), nominal.size()); ++i) {
    CHECK_TEXT(intervals[i] >= 0.7 * nominal[i] && intervals[i] <= 1.3 * nominal[i] + 0.5,
               describe_intervals(intervals).c_str());
  }
}

// The reproducer of the issue: the comments endpoint answers slowly (8 s), then 500 twice,
// then broken JSON three times. The video must not notice, and chat must come back within
// 10 s of the API being healthy again (it used to stay dark for up to a minute).
TEST(GoLive, ApiFaultsWhileLiveNeitherStallTheVideoNorKeepChatDark) {
  const std::string status_path = dir.file("run/status.json");
  auto box = start_box();
  const auto live = wait_for_box_status(
      status_path, [](const nlohmann::json& s) { return s.value("state", "") == "live"; }, 30s);
  CHECK_TEXT(live.held, (live.describe() + "\n" + dir.read("agentcast.log")).c_str());
  const auto calls_before = emulator->log().size();
  const std::string comments = "/agent/stream/comments";
  emulator->control("fault", {{"path", comments}, {"delay_ms", 8000}, {"count", 1}});
  emulator->control("fault", {{"path", comments}, {"status", 500}, {"count", 2}});
  emulator->control("fault", {{"path", comments}, {"status", 200}, {"body", "{\"comments\": [{"}, {"count", 3}});
  const auto failed = wait_for_box_status(
      status_path, [](const nlohmann::json& s) { return s["chat_poll_errors"].get<int>() >= 5; }, 60s);
  CHECK_TEXT(failed.held, failed.describe().c_str());
  // A comment written right after the faults must reach the screen soon.
  const int shown_before = failed.last->at("chat_shown").get<int>();
  emulator->control("comments", {{"count", 1}, {"text", "back again"}});
  const auto recovered = wait_for_box_status(
      status_path, [&](const nlohmann::json& s) { return s["chat_shown"].get<int>() > shown_before; }, 20s);
  CHECK_TEXT(recovered.held, recovered.describe().c_str());
  CHECK_TEXT(recovered.last->at("state") == "live", recovered.describe().c_str());
  stop_box_gracefully(*box);

  // From the answer of the last faulty poll to the next (successful) poll: at most 10 s.
  auto log = emulator->log();
  log.erase(log.begin(), log.begin() + static_cast<std::ptrdiff_t>(calls_before));
  std::vector<double> polls;
  for (const auto& entry : log) {
    if (entry["path"] == comments) polls.push_back(entry["t"].get<double>());
  }
  const std::size_t faulty = 6;  // slow, 500, 500, broken, broken, broken
  CHECK_TEXT(polls.size() > faulty, std::to_string(polls.size()).c_str());
  CHECK_TEXT(polls[faulty] - polls[faulty - 1] <= 10.0, std::to_string(polls[faulty] - polls[faulty - 1]).c_str());
  // Failures back off: no hammering between the faulty polls either.
  for (std::size_t i = 2; i < faulty; ++i) CHECK(polls[i] - polls[i - 1] >= 0.5);

  CHECK_TEXT(dir.read("agentcast.log").find("stream failed") == std::string::npos, dir.read("agentcast.log").c_str());
  const auto keys = emulator->control("state")["keys_issued"];
  LONGS_EQUAL(1, keys.size());
  const std::string recording = server->recording(keys[0].get<std::string>());
  wait_for_stable_file(recording);
  const auto packets = video_packets(recording);
  CHECK(packets.size() > 300);
  CHECK_TEXT(largest_frame_gap(packets) < 0.1, std::to_string(largest_frame_gap(packets)).c_str());
}

// The platform takes up to 30 s to report a stream live; until it does, neither the status
// file nor the screen may say live.
TEST(GoLive, TheBoxSaysConfirmingUntilThePlatformReportsItLive) {
  const std::string status_path = dir.file("run/status.json");
  emulator->control("hold_live", {{"seconds", 10}});
  auto box = start_box();
  const auto confirming = wait_for_box_status(
      status_path, [](const nlohmann::json& s) { return s.value("state", "") == "confirming-live"; }, 20s);
  CHECK_TEXT(confirming.held, (confirming.describe() + "\n" + dir.read("agentcast.log")).c_str());
  CHECK_TEXT(confirming.last->at("label") == "CONFIRMING", confirming.describe().c_str());
  // What an operator's script sees: the same, as one JSON object.
  const auto asked = status_json(dir);
  CHECK_TEXT(asked.state.has_value(), asked.output.c_str());
  LONGS_EQUAL(0, asked.exit_code);
  CHECK_TEXT(asked.state->at("running") == true, asked.output.c_str());
  CHECK_TEXT(asked.state->at("state") == "confirming-live", asked.output.c_str());
  CHECK_TEXT(asked.state->at("label") == "CONFIRMING", asked.output.c_str());
  check_no_secret_in(asked.output);
  // Bytes are flowing to the server all along; still not live until the platform says so.
  const auto flowing = wait_for_box_status(
      status_path,
      [](const nlohmann::json& s) { return s["bitrate_kbps"].get<double>() > 0 || s.value("state", "") == "live"; },
      10s);
  CHECK_TEXT(flowing.held, flowing.describe().c_str());
  CHECK_TEXT(flowing.last->at("state") == "confirming-live", flowing.describe().c_str());
  const double held_until = emulator->control("state")["live_held_until"].get<double>();
  const auto live = wait_for_box_status(
      status_path, [](const nlohmann::json& s) { return s.value("state", "") == "live"; }, 20s);
  CHECK_TEXT(live.held, live.describe().c_str());
  CHECK(g_get_real_time() / 1e6 >= held_until - 0.5);
  CHECK_TEXT(live.last->at("label") == "LIVE", live.describe().c_str());
  stop_box_gracefully(*box);
  // Only one key: confirming for 10 s is not a failure.
  LONGS_EQUAL(1, emulator->control("state")["keys_issued"].size());
}

// A 400 from /agent/rtmp is the platform refusing the request: tried again at most once a
// minute, shown as platform-error with the platform's message (it used to be retried every 2 s).
TEST(GoLive, ARefusedGoLiveRequestIsNotRetriedWithinAMinute) {
  const std::string status_path = dir.file("run/status.json");
  emulator->control("fault", {{"path", "/agent/rtmp"}, {"status", 400}, {"count", 100}});
  auto box = start_box();
  const auto refused = wait_for_box_status(
      status_path, [](const nlohmann::json& s) { return s.value("state", "") == "platform-error"; }, 20s);
  CHECK_TEXT(refused.held, (refused.describe() + "\n" + dir.read("agentcast.log")).c_str());
  CHECK_TEXT(refused.last->at("label") == "PLATFORM ERROR", refused.describe().c_str());
  CHECK_TEXT(refused.last->at("problem").get<std::string>().find("HTTP 400") != std::string::npos,
             refused.describe().c_str());
  std::this_thread::sleep_for(5s);  // a bounded look for a second attempt that must not come
  CHECK_EQUAL(1, emulator->count("/agent/rtmp"));
  stop_box_gracefully(*box);
}

TEST(GoLive, APictureThatChangedALotGetsAThumbnailBeforeItsTime) {
  write_config(R"({"interval_s": 300, "min_gap_s": 2})");
  auto box = start_box();
  CHECK_TEXT(wait_for_calls("/agent/update-thumbnail", 1, 20s), dir.read("agentcast.log").c_str());
  // A few lines: the picture barely moved, no extra thumbnail.
  dir.write("stream.log", "one\ntwo\nthree\n");
  std::this_thread::sleep_for(4s);
  LONGS_EQUAL(1, emulator->count("/agent/update-thumbnail"));
  // A whole screenful: a fresh thumbnail long before the 300 s period.
  std::string screenful;
  for (int i = 0; i < 30; ++i) screenful += "agent step " + std::to_string(i) + "\n";
  dir.write("stream.log", "one\ntwo\nthree\n" + screenful);
  CHECK_TEXT(wait_for_calls("/agent/update-thumbnail", 2, 6s), dir.read("agentcast.log").c_str());
  stop_box_gracefully(*box);
  LONGS_EQUAL(2, emulator->count("/agent/update-thumbnail"));
}

// A number beyond a double's range in an answer threw past the parsers: the box died
// mid-stream without EOS or stream/stop (and, under Restart=always, in a loop). Now each such
// answer is one failed call, logged, counted and retried, while the video goes on.
TEST(GoLive, AnswersWithOverflowingNumbersAreFailedCallsAndTheStreamGoesOn) {
  const std::string status_path = dir.file("run/status.json");
  // While the box confirms it is live (publishing already), and then in the chat.
  emulator->control("fault", {{"path", "/agent/stream/status"},
                              {"status", 200},
                              {"count", 2},
                              {"body", R"({"is_live": true, "viewers": 1e400, "uptime_seconds": 3})"}});
  auto box = start_box();
  const auto live = wait_for_box_status(
      status_path, [](const nlohmann::json& s) { return s.value("state", "") == "live" && s["platform_live"] == true; },
      30s);
  CHECK_TEXT(live.held, (live.describe() + "\n" + dir.read("agentcast.log")).c_str());
  emulator->control("fault", {{"path", "/agent/stream/comments"},
                              {"status", 200},
                              {"count", 3},
                              {"body", R"({"comments": [{"id": "c1", "text": "hi", "timestamp": 1e400}]})"}});
  const auto failed = wait_for_box_status(
      status_path, [](const nlohmann::json& s) { return s["chat_poll_errors"].get<int>() >= 3; }, 30s);
  CHECK_TEXT(failed.held, failed.describe().c_str());
  CHECK_TEXT(failed.last->at("last_api_error").get<std::string>().find("number overflow") != std::string::npos,
             failed.describe().c_str());
  // The heartbeat (every 30 s) of a box that is live: the reproducer that ended the stream.
  emulator->control("fault", {{"path", "/agent/stream/status"},
                              {"status", 200},
                              {"count", 1},
                              {"body", R"({"is_live": true, "viewers": 1e400, "uptime_seconds": 40})"}});
  const auto heartbeat = wait_for_box_status(
      status_path,
      [](const nlohmann::json& s) {
        return s["last_api_error"].get<std::string>().starts_with(
            "heartbeat: stream/status: response is not valid JSON");
      },
      40s);
  CHECK_TEXT(heartbeat.held, heartbeat.describe().c_str());
  // Polling goes on once the answers are good again.
  const int polls_then = failed.last->at("chat_polls").get<int>();
  const auto recovered = wait_for_box_status(
      status_path,
      [&](const nlohmann::json& s) {
        return s["chat_polls"].get<int>() >= polls_then + 2 && s["chat_poll_errors"].get<int>() == 3 &&
               s.value("state", "") == "live";
      },
      20s);
  CHECK_TEXT(recovered.held, recovered.describe().c_str());
  CHECK_TEXT(box->running(), dir.read("agentcast.log").c_str());
  stop_box_gracefully(*box);
  check_no_secret_logged();

  const std::string log = dir.read("agentcast.log");
  CHECK_TEXT(log.find("go-live: stream/status: response is not valid JSON (number overflow parsing '1e400')") !=
                 std::string::npos,
             log.c_str());
  CHECK_TEXT(log.find("chat: stream/comments: response is not valid JSON (number overflow parsing '1e400')") !=
                 std::string::npos,
             log.c_str());
  CHECK(emulator->count("/agent/stream/stop") == 1);
  // One publish, one recording, no frame missing at the server.
  const auto keys = emulator->control("state")["keys_issued"];
  LONGS_EQUAL(1, keys.size());
  const std::string recording = server->recording(keys[0].get<std::string>());
  wait_for_stable_file(recording);
  const auto packets = video_packets(recording);
  CHECK(packets.size() > 150);
  CHECK_TEXT(largest_frame_gap(packets) < 0.1, std::to_string(largest_frame_gap(packets)).c_str());
}
