// The owner's notifications against a loopback webhook receiver, with the real pipeline: going
// live (with the watch URL) even through failing deliveries (bounded retries), heartbeats at a
// short test interval, a big tip and not a small one, credentials rejected. The webhook URL
// carries a secret that never reaches the log. The same messages through a program of the
// owner's (notify.command): on its standard input, retried while it fails, counted in status.
#include "support/control_client.hpp"
#include "support/retake_box.hpp"

#include <CppUTest/TestHarness.h>

#include <chrono>
#include <map>
#include <sstream>
#include <thread>

using namespace agentcast::testing;
using namespace std::chrono_literals;

TEST_GROUP_BASE(OwnerNotifications, RetakeBoxTest) {
  std::unique_ptr<ChildProcess> receiver;
  std::string receiver_base;
  void setup() override {
    RetakeBoxTest::setup();
    const int port = free_loopback_port();
    receiver_base = "http://127.0.0.1:" + std::to_string(port);
    receiver = std::make_unique<ChildProcess>(
        std::vector<std::string>{"python3", std::string(AGENTCAST_TESTS_DIR) + "/emulators/webhook_receiver.py",
                                 "--port", std::to_string(port)},
        dir.file("webhook-receiver.log"));
    CHECK(wait_for_port(port, 10000));
  }
  void teardown() override {
    receiver.reset();
    RetakeBoxTest::teardown();
  }
  void configure(const std::string& notify_extra) {
    write_config(R"({"interval_s": 600})", "",
                 R"(, "notify": {"webhook": ")" + receiver_base + R"(/hook?token=s3cr3t-hook")" + notify_extra + "}");
  }
  nlohmann::json received() { return post_control(receiver_base, "received", {})["received"]; }
  // Waits (bounded) until `count` notifications of `event` arrived; returns the last of them.
  nlohmann::json wait_for_event(const std::string& event, int count, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int seen = 0;
      nlohmann::json last;
      for (const auto& message : received()) {
        if (message["event"] == event) {
          ++seen;
          last = message;
        }
      }
      if (seen >= count) return last;
      std::this_thread::sleep_for(100ms);
    }
    FAIL(("no " + std::to_string(count) + " '" + event + "' notifications: " + received().dump()).c_str());
    return {};
  }
};

TEST(OwnerNotifications, GoingLiveArrivesThroughFailedDeliveriesAndHeartbeatsFollow) {
  post_control(receiver_base, "fail", {{"count", 2}, {"status", 503}});
  configure(R"(, "heartbeat_h": 0.001)");  // 3.6 s
  auto box = start_box();
  wait_until_live(30s);
  const auto live = wait_for_event("live", 1, 30s);
  STRCMP_EQUAL("https://retake.tv/It", live["url"].get<std::string>().c_str());
  STRCMP_EQUAL("It", live["agent_name"].get<std::string>().c_str());
  const auto heartbeat = wait_for_event("heartbeat", 2, 30s);
  CHECK_TEXT(heartbeat["uptime_s"] >= 3 && heartbeat.contains("viewers") && heartbeat["state"] == "live",
             heartbeat.dump().c_str());
  stop_box_gracefully(*box);
  CHECK(post_control(receiver_base, "received", {})["attempts"] >= 5);  // 2 refused + live + 2 heartbeats
  const std::string log = dir.read("agentcast.log");
  CHECK_TEXT(log.find("s3cr3t-hook") == std::string::npos, "the webhook's secret reached the log");
  check_no_secret_logged();
}

TEST(OwnerNotifications, ABigTipAndRejectedCredentialsReachTheOwner) {
  configure(R"(, "big_tip": 5)");
  auto box = start_box();
  wait_until_live(30s);
  emulator->control("comments", {{"count", 1}, {"text", "small"}, {"type", "tip"}, {"tip_amount", 1}});
  emulator->control("comments",
                    {{"count", 1}, {"text", "big"}, {"type", "tip"}, {"tip_amount", 10}, {"author", "whale"}});
  const auto tip = wait_for_event("tip", 1, 20s);
  STRCMP_EQUAL("whale", tip["from"].get<std::string>().c_str());
  LONGS_EQUAL(10, tip["amount"].get<int>());
  emulator->control("revoke");
  const auto attention = wait_for_event("attention", 1, 60s);
  STRCMP_EQUAL("credentials-rejected", attention["state"].get<std::string>().c_str());
  stop_box_gracefully(*box);
  int tips = 0;
  for (const auto& message : received()) tips += message["event"] == "tip" ? 1 : 0;
  LONGS_EQUAL(1, tips);  // the tip of 1 was below notify.big_tip
}

// The owner's program (here a shell script, as an owner might write) fails twice, then writes
// each message it is given to a file, one per line. Its arguments carry a secret.
TEST(OwnerNotifications, AProgramOfTheOwnersGetsEachMessageOnItsStandardInput) {
  const std::string script = R"(n=$(cat "$1.tries" 2>/dev/null || echo 0); echo $((n + 1)) > "$1.tries"; )"
                             R"([ "$n" -lt 2 ] && exit 3; cat >> "$1"; echo >> "$1")";
  const nlohmann::json command = {"/bin/sh", "-c", script, "sh", dir.file("messages.jsonl"), "s3cr3t-arg"};
  write_config(R"({"interval_s": 600})", "",
               R"(, "notify": {"command": )" + command.dump() + R"(, "heartbeat_h": 0.003})");  // 10.8 s
  auto box = start_box();
  wait_until_live(30s);
  const auto delivered =
      wait_until([](const nlohmann::json& s) { return s["notify"].is_object() && s["notify"]["sent"] >= 2; }, 40s);
  CHECK_TEXT(delivered.held, (delivered.describe() + dir.read("agentcast.log")).c_str());
  LONGS_EQUAL(0, (*delivered.last)["notify"]["failed"].get<int>());
  stop_box_gracefully(*box);

  // `live` failed twice and came on its third try; heartbeats went meanwhile.
  std::map<std::string, nlohmann::json> by_event;
  std::istringstream lines(dir.read("messages.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    const auto message = nlohmann::json::parse(line);
    by_event[message["event"].get<std::string>()] = message;
  }
  CHECK_TEXT(by_event.contains("live") && by_event.contains("heartbeat"),
             (dir.read("messages.jsonl") + dir.read("agentcast.log")).c_str());
  STRCMP_EQUAL("https://retake.tv/It", by_event["live"]["url"].get<std::string>().c_str());
  STRCMP_EQUAL("It", by_event["heartbeat"]["agent_name"].get<std::string>().c_str());
  const std::string log = dir.read("agentcast.log");
  CHECK_TEXT(log.find("exit status 3; trying again") != std::string::npos, log.c_str());
  CHECK_TEXT(log.find("s3cr3t-arg") == std::string::npos, "the program's secret argument reached the log");
  CHECK_TEXT(delivered.last->dump().find("s3cr3t-arg") == std::string::npos, "the secret reached the status");
}

// A program that cannot start, or fails every time: given up after the bounded tries, counted,
// and the box streams on.
TEST(OwnerNotifications, AProgramThatAlwaysFailsIsGivenUpAndCounted) {
  write_config(R"({"interval_s": 600})", "", R"(, "notify": {"command": [")" + dir.file("no-such-program") + R"("]})");
  auto box = start_box();
  wait_until_live(30s);
  const auto given_up =
      wait_until([](const nlohmann::json& s) { return s["notify"].is_object() && s["notify"]["failed"] >= 1; }, 40s);
  CHECK_TEXT(given_up.held, (given_up.describe() + dir.read("agentcast.log")).c_str());
  const std::string last_error = (*given_up.last)["notify"]["last_error"].get<std::string>();
  CHECK_TEXT(last_error.starts_with("live not delivered: could not start no-such-program"), last_error.c_str());
  CHECK((*given_up.last)["state"] == "live");
  stop_box_gracefully(*box);
}
